package dev.portd.server;

import dev.portd.protocol.Reply;
import dev.portd.table.ErrorCode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * First in the pipeline: counts the connection against max_connections, or answers {@code ERR BUSY}
 * and closes it, passing nothing it reads on.
 */
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final ServerStats stats;
    private boolean counted;

    ConnectionLimit(ServerStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!stats.opened()) {
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), Reply.error(ErrorCode.BUSY,
                    "too many connections (max " + stats.maxConnections() + "); retry later").render(false)))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        counted = true;
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (counted) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (counted) {
            counted = false;
            stats.closed();
        }
        ctx.fireChannelInactive();
    }
}
