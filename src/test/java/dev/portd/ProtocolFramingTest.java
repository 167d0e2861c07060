package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lines, limits, UTF-8, ordering and closing, over the real socket. One daemon; names are per test. */
class ProtocolFramingTest {

    static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start();
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @Test
    void crBeforeLfIsDropped() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw("PING\r\nALLOC crlf-a\r\nGET crlf-a\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK PONG", c.reply().status());
            String port = c.reply().value();
            assertEquals(port, c.reply().value(), "the service name has no CR in it");
        }
    }

    @Test
    void emptyLinesGetNoReply() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw("\n\r\n   \n\t\nPING\n\n".getBytes(StandardCharsets.US_ASCII));
            c.send("GET no-such-service");
            assertEquals("OK PONG", c.readLine(), "nothing before the first real reply");
            assertTrue(c.readLine().startsWith("ERR NOTFOUND "), "nothing between the replies");
        }
    }

    @Test
    void pipelinedRepliesComeInRequestOrderAndReadsSeeEarlierWrites() throws Exception {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            requests.add("ALLOC pipe-" + i);
            requests.add("GET pipe-" + i);
            requests.add(i % 2 == 0 ? "PING" : "GET pipe-none");
        }
        try (LineClient c = daemon.client()) {
            List<Reply> replies = c.pipeline(requests);
            for (int i = 0; i < 60; i++) {
                Reply alloc = replies.get(3 * i);
                Reply get = replies.get(3 * i + 1);
                Reply third = replies.get(3 * i + 2);
                assertTrue(alloc.ok(), alloc.status());
                assertEquals(alloc.value(), get.value(), "GET pipe-" + i + " right after its ALLOC");
                assertEquals(i % 2 == 0 ? "OK PONG" : "ERR", i % 2 == 0 ? third.status() : third.status().substring(0, 3));
            }
        }
    }

    @Test
    void aClientThatHalfClosesGetsEveryReply() throws Exception {
        // More than the daemon buffers per connection before it stops reading (1024), so reading
        // pauses and resumes before the end of input is seen.
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            requests.add("ALLOC half-" + i);
            for (int j = 0; j < 10; j++) {
                requests.add(j % 2 == 0 ? "PING" : "GET half-" + i);
            }
        }
        requests.add("LIST half-*");
        try (LineClient c = daemon.client()) {
            StringBuilder sb = new StringBuilder();
            requests.forEach(r -> sb.append(r).append('\n'));
            c.sendRaw(sb.toString().getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            for (int i = 0; i < requests.size() - 1; i++) {
                Reply r = c.reply();
                assertTrue(r.ok(), requests.get(i) + ": " + r.status());
            }
            Reply list = c.reply();
            assertEquals("OK 300", list.status());
            assertTrue(c.closedByPeer(), "the daemon closes once everything is answered");
        }
    }

    @Test
    void concurrentClientsThatHalfCloseGetEveryReplyOfTheirChanges() throws Exception {
        // Eight clients, each 1,000 pipelined changes, then end of input. The writer answers many at a
        // time; replies flushed one by one filled each socket's send buffer with small buffers, and on a
        // half-closed socket Netty 4.2.13 to 4.2.20 fail to wait for writability (see pom.xml): replies were lost.
        int clients = 8;
        int each = 1000;
        List<Thread> threads = new ArrayList<>();
        int[] got = new int[clients];
        for (int c = 0; c < clients; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                try (LineClient client = daemon.client()) {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < each; i++) {
                        sb.append("ALLOC hc").append(id).append('-').append(i).append('\n');
                    }
                    client.sendRaw(sb.toString().getBytes(StandardCharsets.US_ASCII));
                    client.shutdownOutput();
                    while (client.readLine() != null) {
                        got[id]++;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(120_000);
        }
        for (int c = 0; c < clients; c++) {
            assertEquals(each, got[c], "replies to client " + c);
            assertTrue(daemon.call("RELEASE hc" + c + "-" + (each - 1)).ok());
        }
    }

    /**
     * PROTOCOL.md: a request is a line ending in LF. A last line cut off by end-of-input is not a
     * request: a client that died mid-write must not have half a request acted on.
     */
    @Test
    void anUnterminatedLastLineAtEndOfInputIsNotActedOn() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw("PING\nALLOC cut-off".getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            assertEquals("OK PONG", c.reply().status());
            assertTrue(c.closedByPeer());
        }
        assertEquals("NOTFOUND", daemon.call("GET cut-off").code());
    }

    @Test
    void aLineOf4096BytesIsServed() throws Exception {
        String line = "PING" + " ".repeat(4092);
        assertEquals(4096, line.length());
        try (LineClient c = daemon.client()) {
            assertEquals("OK PONG", c.call(line).status());
            assertEquals("OK PONG", c.call(line + "\r").status(), "the CR does not count");
        }
    }

    @Test
    void aLineOver4096BytesGetsTooLongAfterEarlierRepliesAndTheConnectionCloses() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw(("ALLOC long-a\nPING\n" + "PING" + " ".repeat(4093) + "\nALLOC long-b\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.reply().ok());
            assertEquals("OK PONG", c.reply().status());
            Reply r = c.reply();
            assertEquals("TOOLONG", r.code(), r.status());
            assertTrue(c.closedByPeer());
        }
        assertEquals("NOTFOUND", daemon.call("GET long-b").code(), "nothing after the long line ran");
    }

    @Test
    void nothingPipelinedAfterAnOverlongLineIsActedOn() throws Exception {
        try (LineClient c = daemon.client()) {
            // The TOOLONG waits for the ALLOC before it to commit, while the request after it is already read.
            c.sendRaw(("ALLOC before-long\n" + "x".repeat(5000) + "\nALLOC behind-long\n").getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.reply().ok());
            assertEquals("TOOLONG", c.reply().code());
            assertTrue(c.closedByPeer());
        }
        assertEquals("NOTFOUND", daemon.call("GET behind-long").code());
    }

    @Test
    void aLongLineIsRefusedBeforeItsEnd() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw(("ALLOC endless desc=\"" + "x".repeat(10_000)).getBytes(StandardCharsets.US_ASCII));
            assertEquals("TOOLONG", c.reply().code());
            assertTrue(c.closedByPeer());
        }
        assertEquals("NOTFOUND", daemon.call("GET endless").code());
    }

    @Test
    void invalidUtf8IsBadRequestAndTheConnectionLivesOn() throws Exception {
        byte[][] bad = {
            {(byte) 0xff, (byte) 0xfe, '\n'},
            {'P', 'I', 'N', 'G', ' ', (byte) 0xc3, '\n'},                 // truncated sequence
            {'P', 'I', 'N', 'G', ' ', (byte) 0xc0, (byte) 0xaf, '\n'},    // overlong '/'
            {'P', 'I', 'N', 'G', ' ', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '\n'}, // UTF-16 surrogate
        };
        try (LineClient c = daemon.client()) {
            for (byte[] b : bad) {
                c.sendRaw(b);
                Reply r = c.reply();
                assertEquals("BADREQ", r.code(), r.status());
                assertTrue(r.status().contains("UTF-8"), r.status());
            }
            assertEquals("OK PONG", c.call("PING").status());
            assertTrue(c.call("ALLOC utf8-ok desc=\"Café €\"").ok(), "valid non-ASCII is fine");
        }
    }

    @Test
    void quitSaysByeAndClosesAndWhatFollowsIsDropped() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw("PING\nQUIT\nALLOC after-quit\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK PONG", c.reply().status());
            assertEquals("OK bye", c.reply().status());
            assertTrue(c.closedByPeer());
        }
        assertEquals("NOTFOUND", daemon.call("GET after-quit").code());
    }

    @Test
    void nothingPipelinedAfterQuitIsActedOn() throws Exception {
        try (LineClient c = daemon.client()) {
            // QUIT waits for the ALLOC before it to commit, while the ALLOC after it is already read.
            c.sendRaw("ALLOC before-quit\nQUIT\nALLOC behind-quit\nRELEASE before-quit\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.reply().ok());
            assertEquals("OK bye", c.reply().status());
            assertTrue(c.closedByPeer());
        }
        assertEquals("NOTFOUND", daemon.call("GET behind-quit").code());
        assertTrue(daemon.call("GET before-quit").ok());
    }

    @Test
    void aClientThatDoesNotReadBlocksNobodyElse() throws Exception {
        try (LineClient hog = daemon.client(); LineClient other = daemon.client()) {
            // Far more replies than any socket buffer holds, never read.
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                sb.append("HELP\n");
            }
            Thread writer = new Thread(() -> {
                try {
                    hog.sendRaw(sb.toString().getBytes(StandardCharsets.US_ASCII));
                } catch (Exception closed) {
                    // closed at the end of the test while still blocked writing
                }
            });
            writer.setDaemon(true);
            writer.start();
            for (int i = 0; i < 50; i++) {
                assertEquals("OK PONG", other.call("PING").status());
                assertTrue(other.call("ALLOC other-" + i).ok());
            }
            assertEquals("OK 50", other.call("LIST other-*").status());
        }
    }

    @Test
    void noDataLineLooksLikeAStatusLineAndOkCountsTheDataLines() throws Exception {
        // Services named like status words end up at the start of ENV and EXPORT lines.
        try (LineClient c = daemon.client()) {
            assertTrue(c.call("ALLOC OK desc=\"OK \"").ok());
            assertTrue(c.call("ALLOC ERR desc=ERR").ok());
            for (String req : new String[] {"HELP", "HELP ALLOC", "LIST", "ENV", "EXPORT", "EXPORT format=json",
                    "HISTORY limit=1000", "STATS"}) {
                c.send(req);
                List<String> lines = new ArrayList<>();
                String l;
                while (!LineClient.isStatus(l = c.readLine())) {
                    lines.add(l);
                }
                assertEquals("OK " + lines.size(), l, req);
                assertFalse(lines.isEmpty(), req);
            }
        }
    }
}
