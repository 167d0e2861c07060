package dev.portd.server;

import dev.portd.protocol.Portserver;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.Caller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.List;
import java.util.Map;

/**
 * One portpicker client: its request is what the first read brings (as portserver reads it: a client
 * need not end it with a newline, nor shut its side down), the answer is {@code <port>\n} or nothing,
 * and the connection is closed either way. A client that sends nothing is closed after idle_timeout.
 */
final class PortserverConnection extends ChannelInboundHandlerAdapter {
    private final Portserver portserver;
    /** A portserver request is timed and counted as an ALLOC. */
    private static final Request AS_ALLOC = Request.of("ALLOC", List.of(), Map.of());

    private final ServerStats stats;
    /** The request, and one byte more to tell a request that is too long. */
    private final byte[] body = new byte[Portserver.MAX_BYTES + 1];
    private int length;
    private boolean started;
    private boolean counted;
    private Caller caller;

    PortserverConnection(Portserver portserver, ServerStats stats) {
        this.portserver = portserver;
        this.stats = stats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!stats.opened()) {
            started = true;
            stats.portserver(Portserver.Outcome.BUSY);
            ctx.close(); // portserver's protocol has no way to say "busy": the client falls back to picking itself
            return;
        }
        counted = true;
        Caller peer = PeerCredentials.of(ctx.channel());
        caller = new Caller(peer.uid(), peer.pid(), "portserver", peer.cmd());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (counted) {
            stats.closed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!started) {
                int n = Math.min(in.readableBytes(), body.length - length);
                in.readBytes(body, length, n);
                length += n;
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!started && length > 0) {
            start(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !started) {
            start(ctx); // end of input before any byte: an empty request, not a number
        } else if (evt instanceof IdleStateEvent && !started) {
            started = true;
            stats.portserver(Portserver.Outcome.IDLE);
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void start(ChannelHandlerContext ctx) {
        started = true;
        long t0 = System.nanoTime();
        portserver.request(body, length, caller, (outcome, reply) -> {
            if (ctx.executor().inEventLoop()) {
                answer(ctx, t0, outcome, reply);
            } else {
                ctx.executor().execute(() -> answer(ctx, t0, outcome, reply));
            }
        });
    }

    private void answer(ChannelHandlerContext ctx, long t0, Portserver.Outcome outcome, Reply reply) {
        stats.replied(AS_ALLOC, t0, reply);
        stats.portserver(outcome);
        if (outcome == Portserver.Outcome.SERVED) {
            ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), reply.status() + "\n"))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close(); // what portserver does on any failure: the client then picks a port by itself
        }
    }
}
