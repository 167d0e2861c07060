package dev.portd.server;

import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.Caller;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a connection: hands decoded requests to {@link ReplyOrder}, which answers them in
 * order, and the channel's events to the part they concern: WATCH ({@link WatchStream}), the verbs' view
 * of the connection ({@link ConnectionSession}), replies from other threads ({@link LoopHop}), a client
 * that leaves after shutting its sending side ({@link PeerGone}) and reading while the client keeps up
 * ({@link Backpressure}). Everything here runs on the channel's event loop.
 */
final class Connection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** Past this many requests waiting or unanswered, the connection stops reading ({@link Backpressure}). */
    static final int HIGH_WATER = Backpressure.HIGH_WATER;

    private final Context context;
    private final ServerStats stats;
    private final Watchers watchers;
    private WatchStream watch;
    private ReplyOrder order;
    private PeerGone peer;

    Connection(Context context, ServerStats stats, Watchers watchers) {
        this.context = context;
        this.stats = stats;
        this.watchers = watchers;
    }

    Caller caller() {
        return order.caller();
    }

    boolean closed() {
        return order.closed();
    }

    boolean noReplyOwed() {
        return order.noReplyOwed();
    }

    /** Writes a last reply and closes; nothing read or owed after it is acted on. */
    void closeWith(Reply reply, boolean json) {
        order.closeWith(Outgoing.of(reply, json));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.watch = new WatchStream(ctx, this, watchers);
        this.order = new ReplyOrder(ctx, context, stats, watch, new ConnectionSession(watch), new LoopHop(ctx));
        this.peer = new PeerGone(ctx, order, watch);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        order.caller(PeerCredentials.of(ctx.channel()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        watch.stop();
        order.channelClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Request r) {
            order.read(r, r.json(), null);
        } else if (msg instanceof RequestDecoder.Rejected x) {
            order.read(null, x.json(), x.reply());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** One flush for every reply of the read batch: pipelined requests get one write, not one each. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        order.batchDone();
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection error", cause);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client is done sending (nc -N, shutdown(SHUT_WR)): answer what it sent, then close. A WAIT
            // or WATCH goes on while the client reads, so watch whether it closed entirely.
            order.inputDone();
            ctx.flush();
            peer.check();
            return;
        }
        if (evt instanceof IdleStateEvent && order.idle() && !watch.active()) {
            log.debug("closing idle connection of uid {}", order.caller().uid());
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        order.process();
        ctx.flush();
        ctx.fireChannelWritabilityChanged();
    }
}
