package dev.portd.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a client closed its end of the socket entirely. Reading cannot tell: a client that only
 * stopped sending ({@code shutdown(SHUT_WR)}, {@code nc -N}) and one that closed both give end of
 * input, and the first still waits for its replies. The kernel can: sending nothing fails with EPIPE
 * only once the peer is gone, and sends no byte otherwise.
 */
final class PeerGone {
    /** Under the connection's name, which operators know from the log. */
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** How often a half-closed connection that is still owed something checks that its client is there. */
    static final long PEER_CHECK_MILLIS = 100;

    private static final ByteBuffer NOTHING = ByteBuffer.allocateDirect(1);

    private final ChannelHandlerContext ctx;
    private final ReplyOrder order;
    private final WatchStream watch;

    PeerGone(ChannelHandlerContext ctx, ReplyOrder order, WatchStream watch) {
        this.ctx = ctx;
        this.order = order;
        this.watch = watch;
    }

    /**
     * After end of input, while a reply or a WATCH is still owed: a client that closed entirely is dropped
     * (its WAIT cancelled), checked now and every {@link #PEER_CHECK_MILLIS}. Often, as the check costs one
     * syscall and a gone client costs more: with nothing to write, Netty 4.2.12 leaves the socket in epoll
     * with no events asked for, and the hang-up epoll reports anyway reaches no handler, so the event loop
     * spins until this check closes the connection.
     */
    void check() {
        if (order.closed() || !ctx.channel().isActive() || order.noReplyOwed() && !watch.active()) {
            return;
        }
        if (gone(ctx.channel())) {
            log.debug("uid {} pid {} closed its connection with a request pending", order.caller().uid(), order.caller().pid());
            ctx.close();
            return;
        }
        ctx.executor().schedule(this::check, PEER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** True when the peer is known to be gone; false when it is there or cannot be told (NIO transport). */
    static boolean gone(Channel ch) {
        if (ch instanceof EpollDomainSocketChannel epoll && epoll.fd() instanceof Socket s) {
            try {
                s.send(NOTHING, 0, 0);
                return false;
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }
}
