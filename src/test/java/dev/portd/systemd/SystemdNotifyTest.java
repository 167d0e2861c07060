package dev.portd.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        try (NotifyReceiver r = new NotifyReceiver(notify.toString())) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.portd.daemon.Main", "--socket", socket.toString(),
                    "--data", dir.resolve("data").toString(), "--config", dir.resolve("empty.conf").toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile());
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            pb.environment().put("WATCHDOG_USEC", "200000"); // a ping every 100 ms
            long t0 = System.nanoTime();
            Process p = pb.start();
            try {
                String ready = r.await("READY=1", 60);
                long readyMillis = (System.nanoTime() - t0) / 1_000_000;
                assertEquals("READY=1\nSTATUS=serving " + socket, ready, () -> log());
                assertTrue(answers(socket), "READY=1 comes after the socket answers");
                System.out.println("time from process start to READY=1: " + readyMillis + " ms");
                for (int i = 0; i < 3; i++) {
                    assertEquals("WATCHDOG=1", r.await("WATCHDOG=1", 10), "ping " + i);
                }
                p.destroy(); // SIGTERM, as systemctl stop sends
                assertNotNull(r.await("STOPPING=1", 30), () -> log());
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertFalse(Files.exists(socket));
            } finally {
                p.destroyForcibly();
            }
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
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(java.nio.ByteBuffer.wrap("PING\n".getBytes()));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64);
            while (b.position() < 8 && ch.read(b) > 0) {
                // read "OK PONG\n"
            }
            return new String(b.array(), 0, b.position()).equals("OK PONG\n");
        } catch (IOException e) {
            return false;
        }
    }
}
