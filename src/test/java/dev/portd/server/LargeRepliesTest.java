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
import org.junit.jupiter.api.Test;

/**
 * Pipelined requests with large replies, read slowly: the daemon must make replies only as fast as the
 * client takes them. Reads used to be answered all at once, before any was written, so 2 x 200
 * pipelined LISTs of 1,100 leases held ~400 replies in memory and ran a 128 MiB heap out.
 */
class LargeRepliesTest {

    @Test
    void pipelinedListsReadSlowlyStayWithinTheHeap() throws Exception {
        Path dir = TestDaemon.newDir();
        Path socket = dir.resolve("portd.sock");
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log"), Map.of(), "--socket", socket.toString(),
                "--data", dir.resolve("data").toString())) {
            try (LineClient c = new LineClient(socket)) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 1100; i++) {
                    sb.append("ALLOC big-").append(i).append(" desc=\"a description long enough to count\"\n");
                }
                c.sendRaw(sb.toString().getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 1100; i++) {
                    assertTrue(c.reply().ok());
                }
            }
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
                            if (c.reply().status().equals("OK 1100")) {
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
            assertEquals(lists, complete[0], d.output());
            assertEquals(lists, complete[1], d.output());
            try (LineClient c = new LineClient(socket)) {
                assertEquals("OK PONG", c.call("PING").status());
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }
}
