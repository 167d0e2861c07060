package dev.portd.server;

import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.protocol.Session;
import dev.portd.protocol.Verbs;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a connection: runs decoded requests through the verb table and writes exactly one
 * reply per request, in request order, however late each completes; it stops reading while the client
 * does not keep up.
 *
 * <p>Requests start in order. A change starts at once (the writer keeps each connection's changes in
 * order); a read waits until this connection's earlier requests are answered (its changes, a PROBE's
 * findings, a WAIT), so a pipelining client always reads what it wrote or waited for. Everything here
 * runs on the channel's event loop; replies from the writer thread hop back onto it.
 */
final class Connection extends ChannelInboundHandlerAdapter implements Session {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** Past this many requests waiting or unanswered, stop reading from the socket until they drain. */
    static final int HIGH_WATER = 1024;
    static final int LOW_WATER = 256;
    /** How often a half-closed connection that is still owed something checks that its client is there. */
    static final long PEER_CHECK_MILLIS = 100;

    /** Where the connection is in its life; it only moves forward. */
    enum State {
        /** Reading and answering. */
        OPEN,
        /** The client shut its sending side: answer what it sent (and WATCH while it reads), then close. */
        INPUT_DONE,
        /** A reply that closes (QUIT, TOOLONG) is owed: nothing read after its request runs. */
        LAST_REPLY,
        /** Closing or closed: nothing more is started or written. */
        CLOSED
    }

    private final Context context;
    private final ServerStats stats;
    private final Watchers watchers;
    private ChannelHandlerContext ctx;
    private Caller caller = Caller.socket(Caller.UNKNOWN, 0);
    private WatchStream watch;
    private State state = State.OPEN;

    /** Read, not started yet. */
    private final ArrayDeque<Answer> waiting = new ArrayDeque<>();
    /** Started, in request order; the head is written as soon as its reply is there. */
    private final ArrayDeque<Answer> started = new ArrayDeque<>();
    /** Started and not answered yet: a change in flight, a PROBE, a WAIT. */
    private int unanswered;
    /** Set while {@link #process} runs: a reply made inside it must not re-enter it. */
    private boolean processing;
    /** A flush is queued for the replies that came from another thread. */
    private boolean flushQueued;
    /** The request being started, for {@link #onClose} and {@link #watch}. */
    private Answer starting;
    /** When the current read batch began, or 0 between batches. */
    private long batchNanos;

    /** One request from the time it is read until its reply is written: its place in the order. */
    private final class Answer implements Consumer<Reply>, Outgoing {
        final Request request; // null for a line that was not a request
        final Reply rejected;  // its reply then
        final boolean json;
        final boolean write;
        long startNanos;
        Reply reply;
        /** Run if the connection closes before the reply comes (a WAIT's cancel); dropped with the answer. */
        Runnable onClose;

        Answer(Request request, boolean json, Reply rejected) {
            this.request = request;
            this.json = json;
            this.write = request != null && Verbs.writes(request.verb());
            this.rejected = rejected;
        }

        /** The reply, from the verb: on this loop or any other thread. */
        @Override
        public void accept(Reply r) {
            complete(this, r);
        }

        @Override
        public void render(StringBuilder sb) {
            Outgoing.render(reply, json, sb);
        }
    }

    Connection(Context context, ServerStats stats, Watchers watchers) {
        this.context = context;
        this.stats = stats;
        this.watchers = watchers;
    }

    Caller caller() {
        return caller;
    }

    boolean closed() {
        return state == State.CLOSED;
    }

    boolean noReplyOwed() {
        return started.isEmpty();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.watch = new WatchStream(ctx, this, watchers);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        caller = PeerCredentials.of(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        watch.stop();
        for (Answer a : started) {
            if (a.reply == null && a.onClose != null) {
                a.onClose.run();
            }
        }
        state = State.CLOSED;
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.LAST_REPLY || state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (batchNanos == 0) {
            batchNanos = System.nanoTime();
        }
        if (msg instanceof Request r) {
            waiting.add(new Answer(r, r.json(), null));
        } else if (msg instanceof RequestDecoder.Rejected x) {
            waiting.add(new Answer(null, x.json(), x.reply()));
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        process();
    }

    /** One flush for every reply of the read batch: pipelined requests get one write, not one each. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batchNanos = 0;
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
            if (state == State.OPEN) {
                state = State.INPUT_DONE;
            }
            process();
            ctx.flush();
            checkPeer();
            return;
        }
        if (evt instanceof IdleStateEvent && started.isEmpty() && waiting.isEmpty() && !watch.active()) {
            log.debug("closing idle connection of uid {}", caller.uid());
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        process();
        ctx.flush();
        ctx.fireChannelWritabilityChanged();
    }

    /** Starts every request that may start now, then writes the replies that are ready, in order. */
    private void process() {
        if (processing) {
            return;
        }
        processing = true;
        try {
            while (!waiting.isEmpty() && state != State.CLOSED) {
                Answer a = waiting.peek();
                if (!a.write && unanswered > 0) {
                    break; // a read waits for this connection's earlier requests
                }
                if (!ctx.channel().isWritable()) {
                    break; // the client is not reading its replies: make no more until it does
                }
                waiting.poll();
                start(a);
                writeReady(); // so a large reply makes the channel unwritable before the next request starts
            }
            writeReady();
        } finally {
            processing = false;
        }
        if (state == State.INPUT_DONE && waiting.isEmpty() && started.isEmpty() && !watch.active()) {
            state = State.CLOSED;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        updateAutoRead();
    }

    private void start(Answer a) {
        started.add(a);
        unanswered++;
        // A request started in the read that brought it starts at the read's time: one clock read per batch.
        a.startNanos = batchNanos != 0 ? batchNanos : System.nanoTime();
        if (a.request == null) {
            complete(a, a.rejected);
            return;
        }
        if (watch.active() && !Verbs.whileWatching(a.request.verb())) {
            complete(a, Reply.error(ErrorCode.BADREQ, "while watching, only UNWATCH, PING and QUIT are accepted"));
            return;
        }
        starting = a;
        try {
            Verbs.run(a.request, caller, context, this, a);
        } finally {
            starting = null;
        }
    }

    /** Records a reply; safe from any thread. */
    private void complete(Answer a, Reply reply) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> {
                complete(a, reply);
                flushSoon();
            });
            return;
        }
        if (a.reply != null) {
            log.error("a second reply for one request was dropped: {}", reply.statusLine());
            return;
        }
        a.reply = reply;
        if (reply.closes() && state != State.CLOSED) {
            state = State.LAST_REPLY;
            waiting.clear(); // requests pipelined after QUIT or an over-long line are not acted on
        }
        stats.replied(a.request == null ? null : a.request.verb(), a.startNanos, reply);
        unanswered--;
        process();
    }

    /**
     * One flush for all the replies of a commit that are queued to this loop, not one per reply: fewer
     * syscalls, and fewer small socket buffers (the kernel counts each against the send buffer).
     */
    private void flushSoon() {
        if (!flushQueued) {
            flushQueued = true;
            ctx.executor().execute(() -> {
                flushQueued = false;
                ctx.flush();
            });
        }
    }

    private void writeReady() {
        while (!started.isEmpty() && started.peek().reply != null && state != State.CLOSED) {
            Answer a = started.poll();
            if (a.reply.closes()) {
                closeWith(a);
                return;
            }
            ctx.write(a, ctx.voidPromise());
        }
        if (started.isEmpty()) {
            watch.writeHeld();
        }
    }

    /** Writes a last reply and closes; nothing read or owed after it is acted on. */
    void closeWith(Reply reply, boolean json) {
        closeWith(Outgoing.of(reply, json));
    }

    private void closeWith(Outgoing last) {
        state = State.CLOSED;
        waiting.clear();
        ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * After end of input, while a reply or a WATCH is still owed: a client that closed entirely is dropped
     * (its WAIT cancelled), checked now and every {@link #PEER_CHECK_MILLIS}. Often, as the check costs one
     * syscall and a gone client costs more: with nothing to write, Netty 4.2.12 leaves the socket in epoll
     * with no events asked for, and the hang-up epoll reports anyway reaches no handler, so the event loop
     * spins until this check closes the connection.
     */
    private void checkPeer() {
        if (state == State.CLOSED || !ctx.channel().isActive() || started.isEmpty() && !watch.active()) {
            return;
        }
        if (PeerGone.gone(ctx.channel())) {
            log.debug("uid {} pid {} closed its connection with a request pending", caller.uid(), caller.pid());
            ctx.close();
            return;
        }
        ctx.executor().schedule(this::checkPeer, PEER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Reads only while the client keeps up: a bounded backlog and a writable socket. */
    private void updateAutoRead() {
        if (state != State.OPEN) {
            return; // nothing more to read; and epoll refuses to re-arm reading on a half-closed socket
        }
        int backlog = waiting.size() + started.size();
        boolean throttled = !ctx.channel().config().isAutoRead();
        boolean throttle = backlog >= HIGH_WATER || !ctx.channel().isWritable();
        if (throttle != throttled && (throttle || backlog <= LOW_WATER)) {
            ctx.channel().config().setAutoRead(!throttle);
        }
    }

    // ---- Session ----

    @Override
    public boolean watch() {
        return watch.start(starting != null && starting.json); // a PING in between must not change the format
    }

    @Override
    public long unwatch() {
        return watch.stop();
    }

    @Override
    public void onClose(Runnable hook) {
        if (starting != null && starting.reply == null) {
            starting.onClose = hook;
        }
    }
}
