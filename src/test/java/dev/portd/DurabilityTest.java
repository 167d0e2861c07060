package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.protocol.Row;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.TestDaemon;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "An OK to any request that changes state means the change is committed": the daemon runs as a
 * child process, is SIGKILLed the moment the last awaited reply is read (other connections still
 * mid-flight), and every lease it acknowledged must be on its port after a restart.
 */
class DurabilityTest {

    static final int PIPELINED = 500;
    static final int CONCURRENT = 3;

    private Path dir;
    private Path socket;
    private Path data;

    @BeforeEach
    void dirs() throws Exception {
        dir = TestDaemon.newDir();
        socket = dir.resolve("portd.sock");
        data = dir.resolve("data");
    }

    @AfterEach
    void clean() throws Exception {
        TestDaemon.deleteTree(dir);
    }

    private ChildDaemon start(String name) throws Exception {
        return ChildDaemon.start(socket, dir.resolve(name + ".log"), Map.of(),
                "--socket", socket.toString(), "--data", data.toString());
    }

    @Test
    void everyAcknowledgedLeaseSurvivesSigkill() throws Exception {
        Map<String, Integer> acked = new ConcurrentHashMap<>();
        List<String> released = new ArrayList<>();
        List<Thread> others = new ArrayList<>();
        AtomicBoolean killed = new AtomicBoolean();
        try (ChildDaemon first = start("first"); LineClient main = new LineClient(socket)) {
            CountDownLatch othersRunning = new CountDownLatch(CONCURRENT);
            for (int k = 0; k < CONCURRENT; k++) {
                int id = k;
                Thread t = new Thread(() -> allocUntilKilled("c" + id, acked, killed, othersRunning), "alloc-" + k);
                t.start();
                others.add(t);
            }
            othersRunning.await();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < PIPELINED; i++) {
                sb.append("ALLOC d-").append(i).append(i % 10 == 1 ? " desc=\"pipelined lease " + i + "\"" : "")
                        .append('\n');
            }
            // Then releases and a reservation: their OKs must be as durable as the leases'.
            for (int i = 0; i < PIPELINED; i += 5) {
                sb.append("RELEASE d-").append(i).append('\n');
            }
            sb.append("RESERVE 29990-29999 desc=\"before the crash\"\n");
            main.sendRaw(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Map<String, Integer> mine = new HashMap<>();
            for (int i = 0; i < PIPELINED; i++) {
                Reply r = main.reply();
                assertTrue(r.ok(), "ALLOC d-" + i + ": " + r.status());
                mine.put("d-" + i, Integer.parseInt(r.value()));
            }
            for (int i = 0; i < PIPELINED; i += 5) {
                assertEquals(Integer.toString(mine.remove("d-" + i)), main.reply().value(), "RELEASE d-" + i);
                released.add("d-" + i);
            }
            assertTrue(main.reply().ok(), "RESERVE");
            killed.set(true);
            first.kill9();
            acked.putAll(mine);
            for (Thread t : others) {
                t.join(10_000);
            }
        }
        long otherAcks = acked.keySet().stream().filter(k -> k.startsWith("c")).count();
        assertTrue(otherAcks >= CONCURRENT, "the other connections got replies too: " + otherAcks);
        assertEquals(acked.size(), new java.util.HashSet<>(acked.values()).size(), "no port acknowledged twice");

        try (ChildDaemon second = start("second"); LineClient c = new LineClient(socket)) {
            Reply list = c.call("LIST");
            Map<String, Integer> leased = new HashMap<>();
            Map<Integer, String> byPort = new HashMap<>();
            for (String line : list.data()) {
                Map<String, String> f = Row.parse(line);
                int port = Integer.parseInt(f.get("port"));
                leased.put(f.get("service"), port);
                String before = byPort.put(port, f.get("service"));
                assertEquals(null, before, "port " + port + " leased twice: " + before + " and " + f.get("service"));
            }
            for (Map.Entry<String, Integer> e : acked.entrySet()) {
                assertEquals(e.getValue(), leased.get(e.getKey()), "acknowledged lease " + e.getKey() + " after SIGKILL");
            }
            for (String r : released) {
                assertEquals(null, leased.get(r), "acknowledged release of " + r + " after SIGKILL");
            }
            assertEquals("OK reserved desc=\"before the crash\"", c.call("CHECK 29999").status());
            assertEquals("pipelined lease 491", Row.parse(c.call("LIST d-491").data().get(0)).get("desc"));
            assertEquals(Integer.toString(leased.get("d-1")), c.call("ALLOC d-1").value(), "the table is live again");
            assertTrue(c.call("ALLOC after-restart").ok());
        }
    }

    /** Pipelines ALLOCs in chunks on its own connection, recording each acknowledged one, until the kill. */
    private void allocUntilKilled(String prefix, Map<String, Integer> acked, AtomicBoolean killed, CountDownLatch running) {
        try (LineClient c = new LineClient(socket)) {
            running.countDown();
            for (int chunk = 0; !killed.get(); chunk++) {
                List<String> names = new ArrayList<>();
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 20; i++) {
                    String name = prefix + "-" + chunk + "-" + i;
                    names.add(name);
                    sb.append("ALLOC ").append(name).append('\n');
                }
                c.sendRaw(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                for (String name : names) {
                    Reply r = c.reply();
                    if (!r.ok()) {
                        throw new AssertionError(name + ": " + r.status());
                    }
                    acked.put(name, Integer.parseInt(r.value()));
                }
            }
        } catch (java.io.IOException cutOff) {
            // the daemon was killed mid-flight: what was acknowledged is recorded
        }
    }

    @Test
    void aCleanStopAndRestartKeepsEverything() throws Exception {
        List<String> before;
        List<String> historyBefore;
        try (TestDaemon d = TestDaemon.start(); LineClient c = d.client()) {
            assertTrue(c.call("ALLOC keep-a desc=\"with \\\"quotes\\\"\" ttl=1d").ok());
            assertTrue(c.call("ALLOC keep-b proto=udp pid=" + ProcessHandle.current().pid()).ok());
            assertTrue(c.call("ALLOC keep-c proto=both").ok());
            assertTrue(c.call("RELEASE keep-c").ok());
            assertTrue(c.call("RESERVE 29990-29991 desc=\"kept\"").ok());
            before = c.call("LIST").data();
            historyBefore = c.call("HISTORY").data();
            c.close();
            d.stop();
            d.startAgain();
            try (LineClient again = d.client()) {
                assertEquals(before, again.call("LIST").data(), "every lease, key for key");
                assertEquals(historyBefore, again.call("HISTORY").data());
                assertEquals("OK reserved desc=kept", again.call("CHECK 29991").status());
                assertEquals("OK 2", again.call("UNRESERVE 29990-29991").status());
                String a = before.stream().map(Row::parse).filter(r -> "keep-a".equals(r.get("service")))
                        .findFirst().orElseThrow().get("port");
                assertEquals(a, again.call("ALLOC keep-a").value());
            }
        }
    }
}
