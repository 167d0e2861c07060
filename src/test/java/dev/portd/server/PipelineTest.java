package dev.portd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.ErrorCode;
import dev.portd.testing.TestDaemon;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connection's handlers one by one and together, driven through Netty's EmbeddedChannel; the verbs
 * run against a real daemon's context (only verbs answered on the event loop: the embedded channel
 * has no loop for the writer to hop back to).
 */
class PipelineTest {
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start();
        daemon.call("ALLOC web");
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** Everything written since the last call, as one string, and how many buffers it came in. */
    private static String written(EmbeddedChannel ch, int[] buffers) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        int n = 0;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
            n++;
        }
        if (buffers != null) {
            buffers[0] = n;
        }
        return sb.toString();
    }

    private EmbeddedChannel connection(int maxConnections) {
        ServerStats stats = new ServerStats(maxConnections, new MetricRegistry());
        return new EmbeddedChannel(new ConnectionLimit(stats),
                new RequestDecoder(), new ReplyEncoder(),
                new Connection(daemon.portd().context(), stats, new Watchers()));
    }

    @Test
    void decoderTurnsLinesIntoRequestsOrRejections() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder());
        // Lines end in LF or CRLF and may arrive in pieces; a blank line makes nothing.
        ch.writeInbound(text("GET w"), text("eb\r\n\n\r\nJSON GET \"web\nJSON G"),
                Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, '\n', 'G', 'E', 'T', ' ', (byte) 0xc3, (byte) 0xa9, '\n'}));
        Request get = ch.readInbound();
        assertEquals("GET", get.verb());
        assertEquals("web", get.words().get(0));
        RequestDecoder.Rejected quote = ch.readInbound();
        assertEquals(ErrorCode.BADREQ, quote.reply().error());
        assertTrue(quote.json());
        RequestDecoder.Rejected utf8 = ch.readInbound();
        assertEquals("request is not valid UTF-8", utf8.reply().status());
        assertTrue(utf8.json(), "the JSON prefix is honoured before a bad byte");
        Request accented = ch.readInbound();
        assertEquals("\u00e9", accented.words().get(0), "valid UTF-8 is decoded as such");
        assertNull(ch.readInbound());
        assertNull(ch.readInbound(), "a line without its end yet makes nothing");
    }

    @Test
    void aLineOverTheLimitIsRefusedOnceAndNothingAfterItIsRead() {
        int max = Request.MAX_LINE_BYTES;
        // Exactly the limit, with CRLF, is a line.
        EmbeddedChannel ok = new EmbeddedChannel(new RequestDecoder());
        ok.writeInbound(text("PING " + "x".repeat(max - 5) + "\r\nPING\n"));
        Object atLimit = ok.readInbound();
        assertFalse(atLimit instanceof RequestDecoder.Rejected r && r.reply().error() == ErrorCode.TOOLONG, atLimit.toString());
        assertEquals("PING", ((Request) ok.readInbound()).verb());

        // One byte more, refused as soon as it is seen without an end (no need to wait for one).
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder());
        ch.writeInbound(text("PING\n" + "x".repeat(max)));
        assertEquals("PING", ((Request) ch.readInbound()).verb());
        assertNull(ch.readInbound(), "the limit itself, still unfinished, is not refused yet");
        ch.writeInbound(text("x"));
        RequestDecoder.Rejected tooLong = ch.readInbound();
        assertEquals(ErrorCode.TOOLONG, tooLong.reply().error());
        assertTrue(tooLong.reply().closes());
        ch.writeInbound(text("\nPING\nPING\n"));
        assertNull(ch.readInbound(), "nothing after the over-long line is decoded");

        // A whole over-long line in one read: the same.
        EmbeddedChannel whole = new EmbeddedChannel(new RequestDecoder());
        whole.writeInbound(text("x".repeat(max + 1) + "\nPING\n"));
        assertEquals(ErrorCode.TOOLONG, ((RequestDecoder.Rejected) whole.readInbound()).reply().error());
        assertNull(whole.readInbound());
    }

    @Test
    void encoderWritesOneBufferPerFlush() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder());
        for (int i = 0; i < 16; i++) {
            ch.write(Outgoing.of(Reply.ok("result", "PONG"), false), ch.voidPromise());
        }
        assertNull(ch.readOutbound(), "nothing passes before the flush while the batch is small");
        ch.write(Outgoing.of(Reply.ok("port", 20000), true), ch.voidPromise());
        ch.flush();
        int[] buffers = new int[1];
        assertEquals("OK PONG\n".repeat(16) + "{\"ok\":true,\"port\":20000}\n", written(ch, buffers));
        assertEquals(1, buffers[0]);

        // Past BATCH_BYTES the batch goes on without a flush, so the channel's writability sees it.
        Reply big = Reply.ok("result", "x".repeat(ReplyEncoder.BATCH_BYTES));
        ch.write(Outgoing.of(big, false), ch.voidPromise());
        long pending = ch.config().getWriteBufferHighWaterMark() - ch.bytesBeforeUnwritable();
        assertTrue(pending > ReplyEncoder.BATCH_BYTES, "pending " + pending);
        ch.flush();
        assertEquals(ReplyEncoder.BATCH_BYTES + 4, written(ch, null).length());
    }

    @Test
    void repliesComeInRequestOrderWithOneBufferForAPipelinedRead() {
        EmbeddedChannel ch = connection(10);
        ch.writeInbound(text("PING\nGET web\nJSON GET web\nGET nothing\nNOSUCH\n\nJSON PING\n"));
        int[] buffers = new int[1];
        String out = written(ch, buffers);
        assertEquals("OK PONG\nOK " + port() + "\n{\"ok\":true,\"port\":" + port() + "}\n"
                + "ERR NOTFOUND no lease for nothing\nERR UNKNOWN no verb NOSUCH; HELP lists them\n"
                + "{\"ok\":true,\"result\":\"PONG\"}\n", out);
        assertEquals(1, buffers[0], "one read, one flush, one buffer");
    }

    @Test
    void nothingAfterAClosingReplyRuns() {
        EmbeddedChannel ch = connection(10);
        ch.writeInbound(text("PING\nQUIT\nPING\n"));
        assertEquals("OK PONG\nOK bye\n", written(ch, null));
        assertFalse(ch.isOpen());
    }

    @Test
    void whileWatchingOnlySomeVerbsRun() {
        EmbeddedChannel ch = connection(10);
        ch.writeInbound(text("WATCH\nGET web\nPING\nUNWATCH\nGET web\n"));
        assertEquals("OK watching\nERR BADREQ while watching, only UNWATCH, PING and QUIT are accepted\nOK PONG\nOK 0\n"
                + "OK " + port() + "\n", written(ch, null));
    }

    @Test
    void aConnectionOverTheLimitIsAnsweredBusyAndClosed() {
        EmbeddedChannel ch = connection(0);
        assertEquals("ERR BUSY too many connections (max 0); retry later\n", written(ch, null));
        assertFalse(ch.isOpen());
    }

    @Test
    void readingStopsPastTheHighWaterMarkBehindAnUnansweredRequest() {
        EmbeddedChannel ch = connection(10);
        // A WAIT stays unanswered, so the reads behind it wait; past HIGH_WATER of them, reading stops.
        StringBuilder sb = new StringBuilder("WAIT port=1 timeout=60s\n");
        sb.append("PING\n".repeat(Connection.HIGH_WATER));
        ch.writeInbound(text(sb.toString()));
        assertEquals("", written(ch, null));
        assertFalse(ch.config().isAutoRead());
        ch.close(); // and closing cancels the WAIT
        assertEquals("", written(ch, null));
    }

    private static int port() {
        try {
            return Integer.parseInt(daemon.lease("web").get("port"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
