package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * More clients than allowed, clients that never read, clients that never finish a line: each is
 * cut off or held back, and the daemon keeps serving everyone else with a bounded heap.
 */
class OverloadTest {
    @Test
    void connectionsOverTheLimitGetBusyAndRoomIsServedAtOnce() throws Exception {
        int max = 16;
        try (TestDaemon d = TestDaemon.start("--max-connections", Integer.toString(max))) {
            List<LineClient> held = new ArrayList<>();
            try {
                for (int i = 0; i < max; i++) {
                    LineClient c = d.client();
                    held.add(c);
                    assertEquals("OK PONG", c.call("PING").status());
                }
                for (int i = 0; i < 3 * max; i++) {
                    try (LineClient extra = d.client()) {
                        LineClient.Reply r = extra.reply(); // refused before it asks anything
                        assertEquals("BUSY", r.code(), r.status());
                        assertTrue(extra.closedByPeer(), "a refused connection is closed");
                    }
                }
                assertEquals("OK PONG", held.get(0).call("PING").status(), "the admitted ones are still served");

                held.remove(max - 1).close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                String last = null;
                while (System.nanoTime() < deadline) {
                    try (LineClient c = d.client()) {
                        last = c.call("PING").status();
                        if (last.equals("OK PONG")) {
                            break;
                        }
                    }
                    Thread.sleep(10);
                }
                assertEquals("OK PONG", last, "a new client must be served within a second once there is room");
            } finally {
                for (LineClient c : held) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aClientThatNeverReadsCannotGrowTheHeap() throws Exception {
        int requests = 1_000_000;
        try (TestDaemon d = TestDaemon.start()) {
            long before = heapAfterGc();
            AtomicLong written = new AtomicLong();
            byte[] chunk = "HELP\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII); // ~2 KiB of reply each
            try (SocketChannel flood = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                flood.connect(UnixDomainSocketAddress.of(d.socket()));
                flood.configureBlocking(false);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                ByteBuffer b = ByteBuffer.wrap(chunk);
                while (written.get() < (long) requests * 5 && System.nanoTime() < deadline) {
                    if (!b.hasRemaining()) {
                        b.rewind();
                    }
                    int n = flood.write(b);
                    written.addAndGet(n);
                    if (n == 0) {
                        Thread.sleep(5); // the daemon stopped reading: as it should
                    }
                }
                long accepted = written.get() / 5;
                assertTrue(accepted < requests, "the daemon read all " + requests + " requests of a client that reads nothing");

                long during = heapAfterGc();
                try (LineClient other = d.client()) {
                    assertEquals("OK PONG", other.call("PING").status(), "others are served meanwhile");
                    assertTrue(other.call("ALLOC other").ok());
                }
                System.out.printf("OverloadTest: a client that never reads got %d requests in before the daemon"
                        + " stopped reading; heap after GC %d MiB before, %d MiB while held%n", accepted, before >> 20, during >> 20);
                assertTrue(during - before < 64L << 20, "heap grew by " + ((during - before) >> 20) + " MiB");
            }
            assertEquals("OK PONG", d.call("PING").status());
        }
    }

    @Test
    void idleConnectionsAndHalfLinesAreClosedAfterIdleTimeout() throws Exception {
        try (TestDaemon d = TestDaemon.start("--idle-timeout", "1s")) {
            try (LineClient idle = d.client(); LineClient half = d.client(); LineClient active = d.client()) {
                half.sendRaw("ALLOC half-writ".getBytes(StandardCharsets.US_ASCII));
                long t0 = System.nanoTime();
                for (int i = 0; i < 8; i++) {
                    Thread.sleep(250);
                    assertEquals("OK PONG", active.call("PING").status(), "a client that talks is not idle");
                }
                assertTrue(idle.closedByPeer(), "an idle connection is closed");
                assertTrue(half.closedByPeer(), "a half-written line does not keep a connection");
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(waited < 5000, "closed only after " + waited + " ms");
                assertEquals("OK PONG", active.call("PING").status());
            }
            assertEquals("NOTFOUND", d.call("GET half-writ").code(), "the half line was never a request");
        }
    }

    @Test
    void aLineTrickledByteByByteIsCutOffAfterIdleTimeout() throws Exception {
        try (TestDaemon d = TestDaemon.start("--idle-timeout", "1s"); LineClient slow = d.client()) {
            byte[] line = ("ALLOC slowloris " + "x".repeat(80)).getBytes(StandardCharsets.US_ASCII);
            Thread trickle = new Thread(() -> {
                try {
                    for (byte b : line) { // one byte every 200 ms: never idle for a second, never a whole line
                        slow.sendRaw(new byte[] {b});
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException closed) {
                    // cut off, as it should be
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            // A byte of ours may arrive as the daemon closes: then the read says ECONNRESET, a cut-off too.
            boolean cut = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> slow.closedByPeer(),
                    "a line still unfinished after several idle timeouts must be cut off");
            assertTrue(cut, "the daemon answered a line it should have cut off");
            trickle.interrupt();
            assertEquals("OK PONG", d.call("PING").status());
        }
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
