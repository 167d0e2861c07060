package dev.portd.server;

import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.protocol.Verbs;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a connection's requests through the verb table and writes exactly one reply per request, in
 * request order, however late each completes; and keeps where the connection is in its life.
 *
 * <p>Requests start in order. A change starts at once (the writer keeps each connection's changes in
 * order); a read waits until this connection's earlier requests are answered (its changes, a PROBE's
 * findings, a WAIT), so a pipelining client always reads what it wrote or waited for. Everything here
 * runs on the channel's event loop; replies from other threads hop onto it ({@link LoopHop}).
 */
final class ReplyOrder {
    /** Under the connection's name, which operators know from the log. */
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

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

    private final ChannelHandlerContext ctx;
    private final Context context;
    private final ServerStats stats;
    private final WatchStream watch;
    private final ConnectionSession session;
    private final LoopHop hop;
    private Caller caller = Caller.socket(Caller.UNKNOWN, 0);
    private State state = State.OPEN;

    /** Read, not started yet. */
    private final ArrayDeque<Answer> waiting = new ArrayDeque<>();
    /** Started, in request order; the head is written as soon as its reply is there. */
    private final ArrayDeque<Answer> started = new ArrayDeque<>();
    /** Started and not answered yet: a change in flight, a PROBE, a WAIT. */
    private int unanswered;
    /** Set while {@link #process} runs: a reply made inside it must not re-enter it. */
    private boolean processing;
    /** When the current read batch began, or 0 between batches. */
    private long batchNanos;

    /** One request from the time it is read until its reply is written: its place in the order. */
    final class Answer implements Consumer<Reply>, Outgoing {
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
            this.write = request != null && Verbs.writes(request);
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

    ReplyOrder(ChannelHandlerContext ctx, Context context, ServerStats stats, WatchStream watch,
            ConnectionSession session, LoopHop hop) {
        this.ctx = ctx;
        this.context = context;
        this.stats = stats;
        this.watch = watch;
        this.session = session;
        this.hop = hop;
    }

    Caller caller() {
        return caller;
    }

    void caller(Caller caller) {
        this.caller = caller;
    }

    boolean closed() {
        return state == State.CLOSED;
    }

    boolean noReplyOwed() {
        return started.isEmpty();
    }

    /** Nothing read is waiting or owed. */
    boolean idle() {
        return started.isEmpty() && waiting.isEmpty();
    }

    /** A request read (or a line rejected, with its reply): queued, and started if it may start now. */
    void read(Request request, boolean json, Reply rejected) {
        if (state == State.LAST_REPLY || state == State.CLOSED) {
            return;
        }
        if (batchNanos == 0) {
            batchNanos = System.nanoTime();
        }
        waiting.add(new Answer(request, json, rejected));
        process();
    }

    /** The read batch is over: the next request read starts a new one. */
    void batchDone() {
        batchNanos = 0;
    }

    /** The client shut its sending side: answer what it sent, then close. */
    void inputDone() {
        if (state == State.OPEN) {
            state = State.INPUT_DONE;
        }
        process();
    }

    /** The channel closed: cancel what waits for a reply (a WAIT), and start nothing more. */
    void channelClosed() {
        for (Answer a : started) {
            if (a.reply == null && a.onClose != null) {
                a.onClose.run();
            }
        }
        state = State.CLOSED;
        waiting.clear();
    }

    /** Starts every request that may start now, then writes the replies that are ready, in order. */
    void process() {
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
        if (state == State.OPEN) { // nothing more to read otherwise
            Backpressure.apply(ctx.channel(), waiting.size() + started.size());
        }
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
        if (watch.active() && !Verbs.whileWatching(a.request)) {
            complete(a, Reply.error(ErrorCode.BADREQ, "while watching, only UNWATCH, PING and QUIT are accepted"));
            return;
        }
        session.starting(a);
        try {
            Verbs.run(a.request, caller, context, session, a);
        } finally {
            session.starting(null);
        }
    }

    /** Records a reply; safe from any thread. */
    private void complete(Answer a, Reply reply) {
        if (!ctx.executor().inEventLoop()) {
            hop.reply(a, reply);
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
        stats.replied(a.request, a.startNanos, reply);
        unanswered--;
        process();
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
    void closeWith(Outgoing last) {
        state = State.CLOSED;
        waiting.clear();
        ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    }
}
