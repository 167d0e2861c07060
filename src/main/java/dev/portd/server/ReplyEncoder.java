package dev.portd.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Renders {@link Outgoing} replies and event lines into one buffer per flush instead of one buffer
 * per reply: sixteen pipelined PINGs go out as one 128-byte buffer, one outbound entry and one iovec.
 * A batch past {@link #BATCH_BYTES}, and every write whose promise someone waits on, is passed on at
 * once, so the channel's writability (the backpressure) still follows what was written.
 */
final class ReplyEncoder extends ChannelOutboundHandlerAdapter {
    static final int BATCH_BYTES = 8192;
    private static final int KEEP_CHARS = 64 * 1024;

    private StringBuilder sb = new StringBuilder(128);
    private ByteBuf batch;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof Outgoing out)) {
            passBatch(ctx);
            ctx.write(msg, promise);
            return;
        }
        sb.setLength(0);
        out.render(sb);
        int chars = sb.length();
        if (batch == null) {
            batch = ctx.alloc().ioBuffer(Math.max(256, chars + chars / 4));
        }
        if (chars > BATCH_BYTES) {
            ByteBufUtil.reserveAndWriteUtf8(batch, sb, ByteBufUtil.utf8Bytes(sb)); // no three-bytes-a-char reserve
        } else {
            ByteBufUtil.writeUtf8(batch, sb);
        }
        if (sb.capacity() > KEEP_CHARS) {
            sb = new StringBuilder(128); // a LIST of the whole table must not stay with the connection
        }
        if (!promise.isVoid()) {
            ByteBuf b = batch;
            batch = null;
            ctx.write(b, promise);
        } else if (batch.readableBytes() >= BATCH_BYTES) {
            passBatch(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        passBatch(ctx);
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }

    private void passBatch(ChannelHandlerContext ctx) {
        if (batch != null) {
            ByteBuf b = batch;
            batch = null;
            ctx.write(b, ctx.voidPromise());
        }
    }
}
