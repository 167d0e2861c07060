package dev.portd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pipelined requests with large replies, read slowly: the daemon must make replies only as fast as the
 * client takes them, and a client that shut its sending side still gets every reply. Reads used to be
 * answered all at once, before any was written, so 2 x 200 pipelined LISTs of 1,100 leases held ~400
 * replies in memory and ran a 128 MiB heap out.
 */
class LargeRepliesTest {
    private static final int LEASES = 1100;
    private static Path dir;
    private static ChildDaemon daemon;
    private static Path socket;

    @BeforeAll
    static void start() throws Exception {
        dir = TestDaemon.newDir();
        socket = dir.resolve("portd.sock");
        daemon = ChildDaemon.start(socket, dir.resolve("log"), Map.of(), "--socket", socket.toString(),
                "--data", dir.resolve("data").toString());
        try (LineClient c = new LineClient(socket)) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < LEASES; i++) {
                sb.append("ALLOC big-").append(i).append(" desc=\"a description long enough to count\"\n");
            }
            c.sendRaw(sb.toString().getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < LEASES; i++) {
                assertTrue(c.reply().ok());
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            daemon.close();
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    @Test
    void pipelinedListsReadSlowlyStayWithinTheHeap() throws Exception {
        int lists = 200;
        List<Thread> readers = new ArrayList<>();
        int[] complete = new int[2];
        for (int k = 0; k < 2; k++) {
            int id = k;
            Thread t = new Thread(() -> {
                try (LineClient c = new LineClient(socket)) {
                    c.sendRaw("LIST\n".repeat(lists).getBytes(StandardCharsets.US_ASCII));
                    c.shutdownOutput();
                    for (int i = 0; i < lists; i++) {
                        if (c.reply().status().equals("OK " + LEASES)) {
                            complete[id]++;
                        }
                        Thread.sleep(2); // a slow reader
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            readers.add(t);
        }
        for (Thread t : readers) {
            t.join(180_000);
        }
        assertEquals(lists, complete[0], daemon.output());
        assertEquals(lists, complete[1], daemon.output());
        try (LineClient c = new LineClient(socket)) {
            assertEquals("OK PONG", c.call("PING").status());
        }
    }

    /**
     * The client shuts its sending side while nothing is being written (its first request, a WAIT, holds
     * the rest back) and reading is paused (more than HIGH_WATER requests wait); then the replies fill the
     * socket while the client does not read. The socket must still tell when it can take more: every reply
     * arrives, none is cut.
     */
    @Test
    void repliesOwedAfterEndOfInputFillTheSocketAndAllArrive() throws Exception {
        int pings = Connection.HIGH_WATER + 100;
        int lists = 10; // ~1.5 MB: far more than the socket holds
        try (LineClient c = new LineClient(socket)) {
            c.sendRaw(("WAIT port=1 timeout=1s\n" + "PING\n".repeat(pings) + "LIST\n".repeat(lists))
                    .getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            Thread.sleep(1500); // the WAIT runs out, and its reply and the rest are written while nobody reads
            assertEquals("ERR TIMEOUT", c.reply().status().substring(0, "ERR TIMEOUT".length()));
            for (int i = 0; i < pings; i++) {
                assertEquals("OK PONG", c.reply().status());
            }
            for (int i = 0; i < lists; i++) {
                LineClient.Reply list = c.reply();
                assertEquals("OK " + LEASES, list.status());
                assertEquals(LEASES, list.data().size());
            }
            assertTrue(c.closedByPeer(), "the daemon closes once every reply is written");
        }
    }
}
