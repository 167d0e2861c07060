package dev.portd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listener;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** WATCH streams events to a connection as they are committed, and never lets a stalled watcher hold the daemon's memory. */
@Timeout(120)
class WatchTest {
    static final ObjectMapper JSON = new ObjectMapper();

    TestDaemon d;
    int lo;

    @BeforeEach
    void start() throws Exception {
        lo = Ports.freeRunInDefaultRange(6);
        d = TestDaemon.start("--range", Ports.range(lo, 6), "--probe-interval", "200ms");
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    int watchers() {
        return d.portd().watchers().count();
    }

    @Test
    void aWatcherSeesAnotherConnectionsChangesAsEventLines() throws Exception {
        try (LineClient w = d.client(); LineClient other = d.client()) {
            assertEquals("OK watching", w.call("WATCH").status());
            String port = other.call("ALLOC web desc=\"the web\"").value();
            assertEquals(port, other.call("RELEASE web").value());

            Map<String, String> alloc = LineClient.fields(w.readLine());
            assertEquals("alloc", alloc.get("event"));
            assertEquals("web", alloc.get("service"));
            assertEquals(port, alloc.get("port"));
            assertEquals("the web", alloc.get("note"));
            Map<String, String> release = LineClient.fields(w.readLine());
            assertEquals("release", release.get("event"));
            assertEquals(port, release.get("port"));

            assertEquals("OK 2", w.call("UNWATCH").status());
            assertEquals("CONFLICT", w.call("UNWATCH").code());
            assertEquals("OK 0", w.call("LIST").status(), "after UNWATCH the connection is an ordinary one again");
            assertEquals(0, watchers());
        }
    }

    @Test
    void jsonWatchGivesJsonLinesWhateverComesAfter() throws Exception {
        try (LineClient w = d.client(); LineClient other = d.client()) {
            assertEquals("{\"ok\":true,\"result\":\"watching\"}", w.call("JSON WATCH").status());
            other.call("ALLOC web");
            JsonNode alloc = JSON.readTree(w.readLine());
            assertEquals("alloc", alloc.get("event").asText());
            assertEquals("web", alloc.get("service").asText());
            assertTrue(alloc.get("port").isInt());
            assertFalse(alloc.has("ok"), "an event line is not a reply");

            // A plain PING in between does not turn the stream into text.
            assertEquals("OK PONG", w.call("PING").status());
            other.call("RELEASE web");
            String line = w.readLine();
            assertEquals("release", JSON.readTree(line).get("event").asText(), line);
            assertEquals("{\"ok\":true,\"sent\":2}", w.call("JSON UNWATCH").status());
        }
    }

    @Test
    void onlyUnwatchPingAndQuitAreAcceptedWhileWatching() throws Exception {
        try (LineClient w = d.client()) {
            assertEquals("OK watching", w.call("WATCH").status());
            for (String refused : List.of("LIST", "ALLOC x", "WATCH", "HISTORY", "WAIT port=" + lo, "PROBE")) {
                assertEquals("BADREQ", w.call(refused).code(), refused);
            }
            assertTrue(w.call("JSON LIST").status().startsWith("{\"ok\":false,\"error\":\"BADREQ\""));
            assertEquals("OK PONG", w.call("PING").status());
            assertNull(d.lease("x"), "a refused ALLOC changed nothing");
            assertEquals("OK bye", w.call("QUIT").status());
            assertTrue(w.closedByPeer());
        }
        Poll.until("the watcher is gone", () -> watchers() == 0);
    }

    /** {@code echo WATCH | nc -U -N}: a client that stops sending keeps watching until it closes. */
    @Test
    void aHalfClosedWatcherKeepsWatchingUntilItCloses() throws Exception {
        try (LineClient w = d.client(); LineClient other = d.client()) {
            assertEquals("OK watching", w.call("WATCH").status());
            w.shutdownOutput();
            other.call("ALLOC web");
            assertEquals("alloc", LineClient.fields(w.readLine()).get("event"));
            assertEquals(1, watchers());
            w.close();
            Poll.until("the closed watcher is dropped", () -> watchers() == 0);
        }
    }

    /** alloc, release, renew, expire, exit, conflict, resolve, reserve, unreserve, bound: all of them reach a watcher. */
    @Test
    void everyKindOfEventIsStreamed() throws Exception {
        Set<String> want = Set.of("alloc", "release", "renew", "expire", "exit", "conflict", "resolve", "reserve",
                "unreserve", "bound");
        Process owner = new ProcessBuilder("sleep", "600").start();
        try (LineClient w = d.client(); LineClient other = d.client()) {
            assertEquals("OK watching", w.call("WATCH").status());
            other.call("ALLOC gone");
            other.call("RELEASE gone");
            other.call("ALLOC t ttl=1s");
            other.call("RENEW t");
            other.call("RESERVE " + (lo + 5));
            other.call("UNRESERVE " + (lo + 5));
            other.call("ALLOC job pid=" + owner.pid());
            owner.destroyForcibly();
            int web = Integer.parseInt(other.call("ALLOC web").value());
            String moved = other.call("RESOLVE web").value();
            try (ServerSocketChannel bound = Ports.listen(Integer.parseInt(moved));
                 Listener unmanaged = Listener.start(web)) {
                Set<String> seen = new HashSet<>();
                List<String> lines = new ArrayList<>();
                while (!seen.containsAll(want)) {
                    String l = w.readLine();
                    lines.add(l);
                    seen.add(LineClient.fields(l).get("event"));
                }
                assertTrue(lines.stream().allMatch(l -> l.startsWith("time=")), lines.toString());
            }
        } finally {
            owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A watcher that never reads: once more than {@code WATCH_LIMIT_BYTES} wait for it, it is dropped
     * with a final ERR BUSY, so what the daemon holds for it stays bounded while events keep coming.
     */
    @Test
    void aWatcherThatDoesNotReadIsDroppedWithBusy() throws Exception {
        String desc = "x".repeat(500);
        long generated = 0;
        try (LineClient w = d.client(); LineClient other = d.client()) {
            assertEquals("OK watching", w.call("WATCH").status());
            // Keep changing the table well past the limit, then past it again after the drop.
            int rounds = 0;
            while (watchers() > 0 || generated < 2L * WatchStream.LIMIT_BYTES) {
                for (int i = 0; i < 200; i++) {
                    other.send("ALLOC s" + i + " desc=\"" + desc + "\"").send("RELEASE s" + i);
                }
                for (int i = 0; i < 400; i++) {
                    assertTrue(other.reply().ok());
                }
                generated += 200L * (desc.length() + 200);
                assertTrue(++rounds < 500, "the watcher was never dropped");
            }
            assertEquals("OK PONG", other.call("PING").status(), "the daemon keeps answering");

            long read = 0;
            String last = null;
            for (String l; (l = w.readLine()) != null; ) {
                read += l.length() + 1;
                last = l;
            }
            assertTrue(last.startsWith("ERR BUSY "), "the watcher's last line: " + last);
            assertTrue(read < generated, "read " + read + " of " + generated + " bytes of events");
            assertTrue(read < 2L * WatchStream.LIMIT_BYTES, "read " + read + " bytes: the limit plus what the kernel holds");
        }
    }
}
