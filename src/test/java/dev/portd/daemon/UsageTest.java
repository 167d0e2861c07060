package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Poll;
import dev.portd.testing.TestDaemon;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * USAGE against the real daemon, its socket and its store file: what ALLOC/RELEASE cycles count, the
 * current lease counted up to the moment of asking, and the same figures after a clean restart, a
 * kill -9 (journal replay) and a kill -9 after a checkpoint. Times are bounded by the client's own
 * clock readings around each request, never by a fixed sleep.
 */
@Timeout(180)
class UsageTest {
    static final String RANGE = "47300-47399";

    private Path dir;
    private Path socket;
    private ChildDaemon daemon;
    private int starts;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDaemon.newDir();
        socket = dir.resolve("portd.sock");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        TestDaemon.deleteTree(dir);
    }

    private LineClient start() throws Exception {
        daemon = ChildDaemon.start(socket, dir.resolve("log" + ++starts), Map.of(), "--socket", socket.toString(),
                "--data", dir.resolve("data").toString(), "--range", RANGE, "--backup-interval", "0");
        return new LineClient(socket);
    }

    /** USAGE's rows by port. */
    private static Map<Integer, Map<String, String>> usage(LineClient c, String request) throws Exception {
        LineClient.Reply r = c.call(request);
        assertTrue(r.ok(), request + " answered " + r.status());
        assertEquals("OK " + r.data().size(), r.status());
        Map<Integer, Map<String, String>> out = new TreeMap<>();
        for (Map<String, String> row : r.rows()) {
            out.put(Integer.parseInt(row.get("port")), row);
        }
        assertEquals(r.rows().size(), out.size(), "one line per port");
        return out;
    }

    private static Map<String, String> usageOf(LineClient c, int port) throws Exception {
        Map<Integer, Map<String, String>> u = usage(c, "USAGE port=" + port);
        assertEquals(List.of(port), List.copyOf(u.keySet()));
        return u.get(port);
    }

    private static long leasedS(Map<String, String> row) {
        return Long.parseLong(row.get("leased_s"));
    }

    private static int port(LineClient c, String request) throws Exception {
        LineClient.Reply r = c.call(request);
        assertTrue(r.ok(), request + " answered " + r.status());
        return Integer.parseInt(r.value());
    }

    /** The {@code last=} time lies within the second-truncated bounds of when the lease was made. */
    private static void assertLastWithin(Map<String, String> row, long from, long to) {
        long last = Instant.parse(row.get("last")).toEpochMilli();
        assertTrue(last >= from / 1000 * 1000 && last <= to, row + " not within " + from + ".." + to);
    }

    @Test
    void countsLeasesAndTheTimeTheyHeldTheirPort() throws Exception {
        try (LineClient c = start()) {
            long t0 = System.currentTimeMillis();
            int p = port(c, "ALLOC web");
            long t1 = System.currentTimeMillis();
            Map<String, String> u = usageOf(c, p);
            assertEquals("1", u.get("allocs"));
            assertEquals("web", u.get("last_service"));
            assertLastWithin(u, t0, t1);
            assertEquals("OK " + p, c.call("ALLOC web").status());
            assertEquals("OK " + p, c.call("RENEW web ttl=1h").status());
            assertEquals("1", usageOf(c, p).get("allocs"), "ALLOC of a service holding a lease, and RENEW, are no new lease");

            // The current lease is counted up to the moment of asking.
            Poll.until("web's current lease counts a second", () -> leasedS(usageOf(c, p)) >= 1);
            assertTrue(leasedS(usageOf(c, p)) <= (System.currentTimeMillis() - t0) / 1000);

            long t2 = System.currentTimeMillis();
            assertEquals("OK " + p, c.call("RELEASE web").status());
            long t3 = System.currentTimeMillis();
            long first = leasedS(usageOf(c, p));
            assertTrue(first >= (t2 - t1) / 1000 && first <= (t3 - t0) / 1000, first + "s for " + (t3 - t0) + " ms");

            long t4 = System.currentTimeMillis();
            assertEquals(p, port(c, "ALLOC api port=" + p));
            long t5 = System.currentTimeMillis();
            Poll.until("api's lease adds to web's time", () -> leasedS(usageOf(c, p)) >= first + 1);
            long t6 = System.currentTimeMillis();
            assertEquals("OK api", c.call("RELEASE port=" + p).status());
            long t7 = System.currentTimeMillis();
            u = usageOf(c, p);
            assertEquals("2", u.get("allocs"));
            assertEquals("api", u.get("last_service"));
            assertLastWithin(u, t4, t5);
            long total = leasedS(u);
            assertTrue(total >= (t2 - t1 + t6 - t5) / 1000 && total <= (t3 - t0 + t7 - t4) / 1000,
                    total + "s for at most " + (t3 - t0 + t7 - t4) + " ms");
            assertEquals(u, usageOf(c, p), "a port not leased counts no more time");

            JsonNode json = new ObjectMapper().readTree(c.call("JSON USAGE port=" + p).status());
            assertTrue(json.get("ok").asBoolean());
            assertEquals(1, json.get("count").asInt());
            JsonNode item = json.get("items").get(0);
            assertEquals(p, item.get("port").asInt());
            assertEquals(2, item.get("allocs").asInt());
            assertEquals(total, item.get("leased_s").asLong());
            assertEquals("api", item.get("last_service").asText());
            assertEquals(u.get("last"), item.get("last").asText());
        }
    }

    @Test
    void usageSurvivesARestartAKill9AndACheckpoint() throws Exception {
        int held;
        Map<Integer, Map<String, String>> before;
        try (LineClient c = start()) {
            int a = port(c, "ALLOC a");
            int b = port(c, "ALLOC b");
            held = port(c, "RESOLVE b"); // moved: b's time on its first port ends, its new port has one lease
            assertTrue(held != a && held != b);
            c.call("RELEASE a");
            port(c, "ALLOC a port=" + a);
            c.call("RELEASE a");
            before = usage(c, "USAGE");
            assertEquals(Map.of(a, "2", b, "1", held, "1"), allocs(before));
            assertEquals(0, daemon.terminate());
        }
        try (LineClient c = start()) {
            before = assertSame(before, usage(c, "USAGE"), Set.of(held), "after a clean restart");
            int pc = port(c, "ALLOC c");
            Poll.until("c's lease counts a second", () -> leasedS(usageOf(c, pc)) >= 1);
            // Just after a checkpoint the next is 5 s away: what follows is in the journal only.
            Poll.until("a checkpoint covers ALLOC c", () -> stats(c).get("records_since_checkpoint").equals("0"));
            c.call("RELEASE c");
            held = port(c, "RESOLVE b");
            before = usage(c, "USAGE");
            assertEquals("2", stats(c).get("records_since_checkpoint"), "the release and the move are not checkpointed");
            daemon.kill9();
        }
        try (LineClient c = start()) {
            before = assertSame(before, usage(c, "USAGE"), Set.of(held), "after kill -9 (the journal replayed)");
            c.call("RELEASE b");
            before = usage(c, "USAGE");
            Poll.until("a checkpoint covers RELEASE b", () -> stats(c).get("records_since_checkpoint").equals("0"));
            daemon.kill9();
        }
        try (LineClient c = start()) {
            assertSame(before, usage(c, "USAGE"), Set.of(), "after kill -9 following a checkpoint");
        }
    }

    private static Map<String, String> stats(LineClient c) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String line : c.call("STATS").data()) {
            int eq = line.indexOf('=');
            out.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return out;
    }

    private static Map<Integer, String> allocs(Map<Integer, Map<String, String>> u) {
        Map<Integer, String> out = new TreeMap<>();
        u.forEach((port, row) -> out.put(port, row.get("allocs")));
        return out;
    }

    /**
     * The same usage: every field of every port equal, except that a lease still held has counted on
     * (its time runs while the daemon is down: the lease was held all along). Returns {@code after}.
     */
    private static Map<Integer, Map<String, String>> assertSame(Map<Integer, Map<String, String>> before,
            Map<Integer, Map<String, String>> after, Set<Integer> held, String when) {
        assertEquals(before.keySet(), after.keySet(), when);
        for (int port : before.keySet()) {
            Map<String, String> was = new TreeMap<>(before.get(port));
            Map<String, String> is = new TreeMap<>(after.get(port));
            if (held.contains(port)) {
                assertTrue(leasedS(is) >= leasedS(was), when + ": " + is + " after " + was);
                was.remove("leased_s");
                is.remove("leased_s");
            }
            assertEquals(was, is, when + ", port " + port);
        }
        return after;
    }

    @Test
    void portAndRangeFilterAndBadArgumentsAreRefused() throws Exception {
        try (LineClient c = start()) {
            int p1 = port(c, "ALLOC x");
            int p2 = port(c, "ALLOC y");
            int p3 = port(c, "ALLOC z");
            assertTrue(p1 < p2 && p2 < p3);
            assertEquals(List.of(p1, p2, p3), List.copyOf(usage(c, "USAGE").keySet()), "ordered by port");
            assertEquals(List.of(p2), List.copyOf(usage(c, "USAGE port=" + p2).keySet()));
            assertEquals(List.of(p1, p2), List.copyOf(usage(c, "USAGE range=" + p1 + "-" + p2).keySet()));
            assertEquals(List.of(p3), List.copyOf(usage(c, "USAGE range=" + p3).keySet()));
            assertEquals(List.of(), List.copyOf(usage(c, "USAGE port=1").keySet()), "a port never leased: no line");
            assertEquals("OK 0", c.call("USAGE range=1-1023").status());
            assertTrue(c.call("HELP USAGE").data().toString().contains("Keys: port allocs leased_s last_service last."));

            Map<String, String> bad = Map.of(
                    "USAGE port=" + p1 + " range=" + p1 + "-" + p2, "not both",
                    "USAGE range=" + p2 + "-" + p1, "LO must not exceed HI",
                    "USAGE port=0", "port must be from 1 to 65535",
                    "USAGE port=70000", "port must be from 1 to 65535",
                    "USAGE range=a-b", "range must be a number",
                    "USAGE port=", "port must be a number",
                    "USAGE since=1h", "since",
                    "USAGE " + p1, "USAGE");
            for (Map.Entry<String, String> e : bad.entrySet()) {
                LineClient.Reply r = c.call(e.getKey());
                assertTrue(r.status().startsWith("ERR BADREQ ") && r.status().contains(e.getValue()),
                        e.getKey() + " answered " + r.status());
                assertTrue(r.data().isEmpty());
            }
            assertEquals(List.of(p1, p2, p3), List.copyOf(usage(c, "USAGE").keySet()), "refusals changed nothing");
        }
    }
}
