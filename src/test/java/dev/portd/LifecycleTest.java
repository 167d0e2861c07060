package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Poll;
import dev.portd.testing.TestDaemon;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starting and stopping the real daemon process: one per socket, stale sockets, bad flags, limits. */
class LifecycleTest {

    private Path dir;
    private Path socket;
    private final List<ChildDaemon> children = new ArrayList<>();

    @BeforeEach
    void dirs() throws Exception {
        dir = TestDaemon.newDir();
        socket = dir.resolve("portd.sock");
    }

    @AfterEach
    void clean() throws Exception {
        for (ChildDaemon c : children) {
            c.close();
        }
        TestDaemon.deleteTree(dir);
    }

    private ChildDaemon start(String log, String data, String... extra) throws Exception {
        ChildDaemon d = ChildDaemon.start(socket, dir.resolve(log), Map.of(), args(data, extra));
        children.add(d);
        return d;
    }

    private ChildDaemon launch(String log, String data, String... extra) throws Exception {
        ChildDaemon d = ChildDaemon.launch(socket, dir.resolve(log), Map.of(), args(data, extra));
        children.add(d);
        return d;
    }

    private String[] args(String data, String... extra) {
        List<String> a = new ArrayList<>(List.of("--socket", socket.toString(), "--data", dir.resolve(data).toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void aSecondDaemonOnALiveSocketExitsNonZeroAndLeavesTheFirstAlone() throws Exception {
        ChildDaemon first = start("first.log", "data");
        try (LineClient c = new LineClient(socket)) {
            assertTrue(c.call("ALLOC before-second").ok());
        }
        // Same socket and same data (the service started twice): the store is locked, and says so.
        ChildDaemon sameData = launch("second.log", "data");
        assertNotEquals(0, sameData.waitFor(30), sameData.output());
        assertTrue(sameData.output().contains("the store " + dir.resolve("data/portd.db") + " is in use"),
                sameData.output());
        // Same socket, other data: the socket is served.
        ChildDaemon otherData = launch("third.log", "data2");
        assertNotEquals(0, otherData.waitFor(30), otherData.output());
        assertTrue(otherData.output().contains("another portd is already serving " + socket), otherData.output());
        assertTrue(first.process().isAlive());
        try (LineClient c = new LineClient(socket)) {
            assertEquals("OK PONG", c.call("PING").status(), "the first daemon still serves its socket");
            assertTrue(c.call("GET before-second").ok());
            assertTrue(c.call("ALLOC after-second").ok(), "and its store still takes changes");
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "closing a JDK Unix server socket leaves its file");
        start("daemon.log", "data");
        try (LineClient c = new LineClient(socket)) {
            assertEquals("OK PONG", c.call("PING").status());
        }
    }

    @Test
    void somethingThatIsNotASocketIsNeverRemoved() throws Exception {
        Files.writeString(socket, "precious");
        ChildDaemon d = launch("daemon.log", "data");
        assertNotEquals(0, d.waitFor(30), d.output());
        assertTrue(d.output().contains("not a socket"), d.output());
        assertEquals("precious", Files.readString(socket));
    }

    @Test
    void aStopRemovesTheSocketAndARestartFindsTheLeases() throws Exception {
        ChildDaemon first = start("first.log", "data");
        String port;
        try (LineClient c = new LineClient(socket)) {
            port = c.call("ALLOC survives-stop").value();
        }
        int code = first.terminate();
        assertEquals(0, code, "a clean stop exits 0: " + first.output());
        assertFalse(Files.exists(socket), "a clean stop removes its socket file");
        start("second.log", "data");
        try (LineClient c = new LineClient(socket)) {
            assertEquals(port, c.call("GET survives-stop").value());
        }
        assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void aStopInTheMiddleOfAPipelineKeepsEveryLeaseItAcknowledged() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            Map<String, String> acked = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicReference<String> refused = new java.util.concurrent.atomic.AtomicReference<>();
            LineClient c = d.client();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 3000; i++) {
                sb.append("ALLOC stop-").append(i).append('\n');
            }
            Thread reader = new Thread(() -> {
                try {
                    for (int i = 0; i < 3000; i++) {
                        LineClient.Reply r = c.reply();
                        if (r.ok()) {
                            acked.put("stop-" + i, r.value());
                        } else if (!r.code().equals("BUSY")) {
                            refused.set("stop-" + i + ": " + r.status());
                        }
                    }
                } catch (java.io.IOException closedByTheStop) {
                    // the rest were never answered, so never acknowledged
                }
            });
            reader.start();
            c.sendRaw(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Poll.until("the first replies", 20, () -> !acked.isEmpty());
            d.stop();
            reader.join(20_000);
            c.close();
            assertEquals(null, refused.get(), "only OK, or BUSY while shutting down");
            d.startAgain();
            try (LineClient again = d.client()) {
                Map<String, String> leased = new java.util.HashMap<>();
                for (String line : again.call("LIST stop-*").data()) {
                    Map<String, String> f = dev.portd.protocol.Row.parse(line);
                    leased.put(f.get("service"), f.get("port"));
                }
                for (Map.Entry<String, String> e : acked.entrySet()) {
                    assertEquals(e.getValue(), leased.get(e.getKey()), e.getKey());
                }
            }
        }
    }

    @Test
    void aBadFlagOrValueExitsNonZeroNamingIt() throws Exception {
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("--colour", new String[] {"--colour", "red"});
        cases.put("--range", new String[] {"--range", "30000-20000"});
        cases.put("--policy", new String[] {"--policy", "fastest"});
        cases.put("--max-connections", new String[] {"--max-connections", "0"});
        cases.put("--idle-timeout", new String[] {"--idle-timeout"});
        cases.put("stray", new String[] {"stray"});
        List<ChildDaemon> runs = new ArrayList<>();
        int i = 0;
        for (String[] flags : cases.values()) {
            runs.add(launch("bad-" + i++ + ".log", "data", flags));
        }
        i = 0;
        for (Map.Entry<String, String[]> e : cases.entrySet()) {
            ChildDaemon d = runs.get(i++);
            int code = d.waitFor(30);
            String out = d.output();
            assertEquals(2, code, e.getKey() + ": " + out);
            String why = ChildDaemon.failure(out);
            assertTrue(why != null && why.contains(e.getKey()), e.getKey() + " named in: " + out);
            assertFalse(out.contains("Exception"), "a message, not a stack trace: " + out);
        }
        assertFalse(Files.exists(socket), "nothing was started");
        assertFalse(Files.exists(dir.resolve("data")), "no store was created");
    }

    @Test
    void connectionsOverTheLimitGetBusyAndTheSlotComesBack() throws Exception {
        try (TestDaemon d = TestDaemon.start("--max-connections", "2")) {
            try (LineClient a = d.client(); LineClient b = d.client()) {
                assertEquals("OK PONG", a.call("PING").status());
                assertEquals("OK PONG", b.call("PING").status());
                try (LineClient c = d.client()) {
                    String line = c.readLine();
                    assertTrue(line.startsWith("ERR BUSY "), line);
                    assertTrue(c.closedByPeer());
                }
                a.close();
                Poll.until("a closed connection frees its slot", 10, () -> servedAfterBusy(d));
                assertEquals("OK PONG", b.call("PING").status());
            }
        }
    }

    /** Whether a new connection is served rather than refused with BUSY. */
    private static boolean servedAfterBusy(TestDaemon d) {
        try (LineClient c = d.client()) {
            c.send("PING");
            return "OK PONG".equals(c.readLine());
        } catch (java.io.IOException refusedBeforeThePingWentOut) {
            return false;
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (TestDaemon d = TestDaemon.start("--idle-timeout", "1s"); LineClient c = d.client()) {
            assertEquals("OK PONG", c.call("PING").status());
            assertTrue(c.closedByPeer(), "closed once idle (the read blocks until then)");
        }
    }
}
