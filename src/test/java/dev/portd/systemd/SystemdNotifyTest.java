package dev.portd.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify as systemd sees it: datagrams on a socket this test owns, from the real daemon process. */
@Timeout(120)
class SystemdNotifyTest {
    @TempDir
    Path dir;

    @Test
    void nothingHappensWithoutNotifySocket() {
        SystemdNotify n = SystemdNotify.fromEnv(Map.of("WATCHDOG_USEC", "100000"), 1);
        assertFalse(n.enabled());
        assertFalse(n.send("READY=1"));
        n.ready("x");
        n.stopping();
        n.close();
        assertFalse(SystemdNotify.fromEnv(Map.of("NOTIFY_SOCKET", "relative/path"), 1).enabled());
    }

    @Test
    void watchdogIsForThisProcessOnly() {
        assertEquals(0, SystemdNotify.watchdogMicros(Map.of(), 42));
        assertEquals(500_000, SystemdNotify.watchdogMicros(Map.of("WATCHDOG_USEC", "500000"), 42));
        assertEquals(500_000, SystemdNotify.watchdogMicros(Map.of("WATCHDOG_USEC", "500000", "WATCHDOG_PID", "42"), 42));
        assertEquals(0, SystemdNotify.watchdogMicros(Map.of("WATCHDOG_USEC", "500000", "WATCHDOG_PID", "43"), 42));
        assertEquals(0, SystemdNotify.watchdogMicros(Map.of("WATCHDOG_USEC", "soon"), 42));
    }

    @Test
    void sendsToAPathAndToAnAbstractName() throws Exception {
        Path path = dir.resolve("notify.sock");
        try (NotifyReceiver r = new NotifyReceiver(path.toString());
             SystemdNotify n = SystemdNotify.fromEnv(Map.of("NOTIFY_SOCKET", path.toString()), 1)) {
            assertTrue(n.send("STATUS=hello"));
            assertEquals("STATUS=hello", r.next(10));
        }
        String name = "portd-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifyReceiver r = new NotifyReceiver("\0" + name);
             SystemdNotify n = SystemdNotify.fromEnv(Map.of("NOTIFY_SOCKET", "@" + name), 1)) {
            assertTrue(n.send("STATUS=abstract"));
            assertEquals("STATUS=abstract", r.next(10));
        }
        try (SystemdNotify gone = SystemdNotify.fromEnv(Map.of("NOTIFY_SOCKET", dir.resolve("nobody").toString()), 1)) {
            assertFalse(gone.send("READY=1"), "a missing receiver is logged, not thrown");
        }
    }

    /** The daemon process: READY=1 once the socket answers, WATCHDOG=1 pings, STOPPING=1 on SIGTERM. */
    @Test
    void theDaemonNotifiesReadyWatchdogAndStopping() throws Exception {
        Path notify = dir.resolve("notify.sock");
        Path socket = dir.resolve("portd.sock");
        Files.createFile(dir.resolve("empty.conf"));
        Map<String, String> env = Map.of("NOTIFY_SOCKET", notify.toString(), "WATCHDOG_USEC", "200000"); // ping every 100 ms
        try (NotifyReceiver r = new NotifyReceiver(notify.toString());
             ChildDaemon d = ChildDaemon.launch(socket, dir.resolve("log"), env, "--socket", socket.toString(),
                     "--data", dir.resolve("data").toString(), "--config", dir.resolve("empty.conf").toString())) {
            long t0 = System.nanoTime();
            String ready = r.await("READY=1", 60);
            long readyMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("READY=1\nSTATUS=serving " + socket, ready, () -> log());
            assertTrue(answers(socket), "READY=1 comes after the socket answers");
            System.out.println("time from process start to READY=1: " + readyMillis + " ms");
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", r.await("WATCHDOG=1", 10), "ping " + i);
            }
            assertEquals(0, d.terminate(), "SIGTERM, as systemctl stop sends: a clean stop exits 0");
            assertNotNull(r.await("STOPPING=1", 30), () -> log());
            assertFalse(Files.exists(socket));
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    static boolean answers(Path socket) {
        try (LineClient c = new LineClient(socket)) {
            return c.call("PING").status().equals("OK PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
