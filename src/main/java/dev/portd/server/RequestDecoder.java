package dev.portd.server;

import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Cuts the bytes read into lines (LF or CRLF) and turns each into a {@link Request}, or into a
 * {@link Rejected} reply when it cannot be one: bad UTF-8, bad syntax, or a line over
 * {@link Request#MAX_LINE_BYTES}, which is refused as soon as that many bytes came without an end
 * (nothing after it is read: its reply closes the connection). A blank line becomes nothing: it gets
 * no reply.
 *
 * <p>Framing and decoding are one step because a line is decoded straight out of the read buffer:
 * no buffer per line, no second pass through the pipeline.
 */
final class RequestDecoder extends ByteToMessageDecoder {
    /** A line that is not a request, answered with {@code reply} (as JSON when the line asked for it). */
    record Rejected(Reply reply, boolean json) {}

    static final Rejected TOO_LONG = new Rejected(Reply.error(ErrorCode.TOOLONG,
            "line longer than " + Request.MAX_LINE_BYTES + " bytes; closing"), false);

    /** A line's bytes, copied out of the socket's buffer once: one array per event loop, not per connection. */
    private static final FastThreadLocal<byte[]> LINE = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[Request.MAX_LINE_BYTES];
        }
    };

    /** After an over-long line: the rest of the input is not read. */
    private boolean refused;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        // One line per call: ByteToMessageDecoder passes each on, then asks for the next.
        int start = in.readerIndex();
        int lf = in.indexOf(start, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > Request.MAX_LINE_BYTES) {
                refuse(in, out);
            }
            return;
        }
        int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        if (end - start > Request.MAX_LINE_BYTES) {
            refuse(in, out);
            return;
        }
        in.readerIndex(lf + 1);
        Object decoded = line(in, start, end - start);
        if (decoded != null) {
            out.add(decoded);
        }
    }

    private void refuse(ByteBuf in, List<Object> out) {
        refused = true;
        in.skipBytes(in.readableBytes());
        out.add(TOO_LONG);
    }

    /** A request, a rejection, or null for a blank line. Requests are ASCII: decoded as such (a plain copy). */
    private static Object line(ByteBuf in, int from, int n) {
        byte[] b = LINE.get();
        in.getBytes(from, b, 0, n);
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        String line;
        if (ascii) {
            line = new String(b, 0, n, StandardCharsets.ISO_8859_1);
        } else {
            try {
                line = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, n)).toString();
            } catch (CharacterCodingException e) {
                // The JSON prefix is ASCII: honour it even when a later byte is bad.
                String prefix = new String(b, 0, n, StandardCharsets.ISO_8859_1);
                return new Rejected(Reply.error(ErrorCode.BADREQ, "request is not valid UTF-8"), Request.wantsJson(prefix));
            }
        }
        try {
            return Request.parse(line);
        } catch (PortdException e) {
            return new Rejected(Reply.error(e), Request.wantsJson(line));
        }
    }
}
