package dev.portd.server;

import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns each line the framer cuts into a {@link Request}, or into a {@link Rejected} reply when it
 * cannot be one (bad UTF-8, bad syntax, a line over the limit). A blank line becomes nothing: it gets
 * no reply.
 */
final class RequestDecoder extends MessageToMessageDecoder<ByteBuf> {
    /** A line that is not a request, answered with {@code reply} (as JSON when the line asked for it). */
    record Rejected(Reply reply, boolean json) {}

    /**
     * A line's bytes, copied out of the socket's direct buffer once: one array per event loop, not per
     * connection (a line is at most MAX_LINE_BYTES).
     */
    private static final FastThreadLocal<byte[]> LINE = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[Request.MAX_LINE_BYTES + 2];
        }
    };

    RequestDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        // Requests are ASCII: decode them as such (a plain copy), and check UTF-8 only otherwise.
        int n = frame.readableBytes();
        byte[] b = LINE.get();
        if (n > b.length) {
            b = new byte[n];
        }
        frame.getBytes(frame.readerIndex(), b, 0, n);
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        String line = new String(b, 0, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        if (!ascii && !ByteBufUtil.isText(frame, StandardCharsets.UTF_8)) {
            // The JSON prefix is ASCII: honour it even when a later byte is bad.
            out.add(new Rejected(Reply.error(ErrorCode.BADREQ, "request is not valid UTF-8"), Request.wantsJson(line)));
            return;
        }
        try {
            Request req = Request.parse(line);
            if (req != null) {
                out.add(req);
            }
        } catch (PortdException e) {
            out.add(new Rejected(Reply.error(e), Request.wantsJson(line)));
        }
    }

    /** The framer reports an over-long line as an exception: it becomes the request's reply, which closes. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            ctx.fireChannelRead(new Rejected(Reply.error(ErrorCode.TOOLONG, "line longer than "
                    + Request.MAX_LINE_BYTES + " bytes; closing"), false));
            ctx.fireChannelReadComplete(); // written now, not at the end of the next read
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
