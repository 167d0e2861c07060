package dev.portd.server;

import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.protocol.Rows;
import dev.portd.protocol.Session;
import dev.portd.protocol.Verbs;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.Event;
import dev.portd.table.PortdException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: turns lines into requests, runs them through the verb table, and writes
 * exactly one reply per request, in request order, however late each completes.
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

    /** A watcher whose unsent output passes this is dropped: a client that does not read cannot grow our memory. */
    static final int WATCH_LIMIT_BYTES = 1 << 20;

    private final Context context;
    private final ServerStats stats;
    private final Watchers watchers;
    private ChannelHandlerContext ctx;
    private Caller caller;

    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    /** Requests started and not answered yet: a change in flight, a PROBE, a WAIT. */
    private int unanswered;
    private boolean processing;
    private boolean closing;
    private boolean throttled;
    private boolean refused;
    private boolean inputShutdown;
    private boolean flushQueued;
    /** A reply that closes the connection (QUIT, TOOLONG) was made: nothing read after its request runs. */
    private boolean lastRequestDone;
    /** The request being started, for {@link #onClose}. */
    private Slot starting;

    // WATCH: events go out between replies, in the format of the WATCH request.
    private boolean watching;
    private boolean watchJson;
    private long eventsSent;
    private final ArrayDeque<Event> heldEvents = new ArrayDeque<>();

    /** A request read but not started; {@code error} set when it failed to parse. */
    private record Pending(Request request, Reply error, boolean json, boolean write) {}

    /** A started request whose reply may not have come yet. */
    private static final class Slot {
        final boolean json;
        final String verb;
        final long startNanos = System.nanoTime();
        Reply reply;
        /** Run if the connection closes before the reply comes (a WAIT's cancel); dropped with the slot. */
        Runnable onClose;

        Slot(boolean json, String verb) {
            this.json = json;
            this.verb = verb;
        }
    }

    Connection(Context context, ServerStats stats, Watchers watchers) {
        this.context = context;
        this.stats = stats;
        this.watchers = watchers;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.caller = PeerCredentials.of(ctx.channel());
        if (!stats.opened()) {
            closing = true;
            refused = true;
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), Reply.error(ErrorCode.BUSY,
                    "too many connections (max " + stats.maxConnections() + "); retry later").render(false)))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!refused) {
            stats.closed();
        }
        watchers.remove(this);
        for (Slot s : slots) {
            if (s.reply == null && s.onClose != null) {
                s.onClose.run();
            }
        }
        closing = true;
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (closing || lastRequestDone) {
                return;
            }
            if (!ByteBufUtil.isText(frame, StandardCharsets.UTF_8)) {
                // The JSON prefix is ASCII: honour it even when a later byte is bad.
                boolean json = Request.wantsJson(frame.toString(StandardCharsets.UTF_8));
                waiting.add(new Pending(null, Reply.error(ErrorCode.BADREQ, "request is not valid UTF-8"), json, false));
            } else {
                String line = frame.toString(StandardCharsets.UTF_8);
                try {
                    Request req = Request.parse(line);
                    if (req == null) {
                        return; // blank line: no reply
                    }
                    waiting.add(new Pending(req, null, req.json(), Verbs.writes(req.verb())));
                } catch (PortdException e) {
                    waiting.add(new Pending(null, Reply.error(e), Request.wantsJson(line), false));
                }
            }
            process();
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            if (closing || lastRequestDone) {
                return;
            }
            waiting.add(new Pending(null, Reply.error(ErrorCode.TOOLONG, "line longer than "
                    + Request.MAX_LINE_BYTES + " bytes; closing"), false, false));
            process();
            ctx.flush();
            return;
        }
        log.debug("connection error", cause);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client is done sending (nc -N, shutdown(SHUT_WR)): answer what it sent, then close. A WAIT
            // or WATCH goes on while the client reads, so watch whether it closed entirely.
            inputShutdown = true;
            process();
            ctx.flush();
            checkPeer();
            return;
        }
        if (evt instanceof IdleStateEvent && slots.isEmpty() && waiting.isEmpty() && !watching) {
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
            while (!waiting.isEmpty() && !closing) {
                Pending p = waiting.peek();
                if (!p.write && unanswered > 0) {
                    break; // a read waits for this connection's earlier requests
                }
                if (!ctx.channel().isWritable()) {
                    break; // the client is not reading its replies: make no more until it does
                }
                waiting.poll();
                start(p);
                writeReady(); // so a large reply makes the channel unwritable before the next request starts
            }
            writeReady();
        } finally {
            processing = false;
        }
        if (inputShutdown && waiting.isEmpty() && slots.isEmpty() && !watching && !closing) {
            closing = true;
            ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        updateAutoRead();
    }

    private void start(Pending p) {
        Slot slot = new Slot(p.json, p.request == null ? null : p.request.verb());
        slots.add(slot);
        unanswered++;
        if (p.error != null) {
            complete(slot, p.error);
            return;
        }
        stats.request();
        if (watching && !Verbs.whileWatching(p.request.verb())) {
            complete(slot, Reply.error(ErrorCode.BADREQ, "while watching, only UNWATCH, PING and QUIT are accepted"));
            return;
        }
        if (!watching && p.request.verb().equals("WATCH")) {
            watchJson = p.json; // a PING in between must not change the stream's format
        }
        starting = slot;
        try {
            Verbs.run(p.request, caller, context, this, reply -> complete(slot, reply));
        } finally {
            starting = null;
        }
    }

    /** Records a reply; safe from any thread. */
    private void complete(Slot slot, Reply reply) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> {
                complete(slot, reply);
                flushSoon();
            });
            return;
        }
        if (slot.reply != null) {
            log.error("a second reply for one request was dropped: {}", reply.statusLine());
            return;
        }
        slot.reply = reply;
        if (reply.closes()) {
            lastRequestDone = true;
            waiting.clear(); // requests pipelined after QUIT or an over-long line are not acted on
        }
        stats.replied(slot.verb, slot.startNanos, reply);
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
        while (!slots.isEmpty() && slots.peek().reply != null && !closing) {
            Slot s = slots.poll();
            ByteBuf out = ByteBufUtil.writeUtf8(ctx.alloc(), s.reply.render(s.json));
            if (s.reply.closes()) {
                closing = true;
                waiting.clear();
                ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.write(out, ctx.voidPromise());
        }
        if (slots.isEmpty()) {
            writeEvents();
        }
    }

    /** Hands committed events to this watcher; called on the writer thread. */
    void deliver(List<Event> events) {
        ctx.executor().execute(() -> {
            if (!watching || closing) {
                return;
            }
            heldEvents.addAll(events);
            if (slots.isEmpty()) {
                writeEvents();
                ctx.flush();
            }
        });
    }

    /** Event lines go out only between replies, never inside one. */
    private void writeEvents() {
        if (!watching) {
            heldEvents.clear();
            return;
        }
        while (!heldEvents.isEmpty()) {
            Event e = heldEvents.poll();
            String line = watchJson ? dev.portd.protocol.Json.object(Rows.of(e)) + "\n" : Rows.of(e).line() + "\n";
            ctx.write(ByteBufUtil.writeUtf8(ctx.alloc(), line), ctx.voidPromise());
            eventsSent++;
        }
        long queued = ctx.channel().unsafe().outboundBuffer() == null ? 0
                : ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes();
        if (queued > WATCH_LIMIT_BYTES) {
            log.warn("dropping watcher uid {} pid {}: {} bytes unread", caller.uid(), caller.pid(), queued);
            watching = false;
            watchers.remove(this);
            closing = true;
            waiting.clear();
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), Reply.error(ErrorCode.BUSY,
                    "watcher fell " + queued + " bytes behind; closing").render(watchJson)))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * After end of input, while a reply or a WATCH is still owed: a client that closed entirely is dropped
     * (its WAIT cancelled), checked now and every second.
     */
    private void checkPeer() {
        if (closing || !ctx.channel().isActive() || slots.isEmpty() && !watching) {
            return;
        }
        if (PeerGone.gone(ctx.channel())) {
            log.debug("uid {} pid {} closed its connection with a request pending", caller.uid(), caller.pid());
            ctx.close();
            return;
        }
        ctx.executor().schedule(this::checkPeer, 1, TimeUnit.SECONDS);
    }

    /** Reads only while the client keeps up: a bounded backlog and a writable socket. */
    private void updateAutoRead() {
        if (inputShutdown) {
            return; // nothing left to read; and epoll refuses to re-arm reading on a half-closed socket
        }
        int backlog = waiting.size() + slots.size();
        boolean wantThrottle = backlog >= HIGH_WATER || !ctx.channel().isWritable();
        if (wantThrottle != throttled && (wantThrottle || backlog <= LOW_WATER)) {
            throttled = wantThrottle;
            ctx.channel().config().setAutoRead(!throttled);
        }
    }

    // ---- Session ----

    @Override
    public boolean watch() {
        if (watching) {
            return false;
        }
        watching = true;
        eventsSent = 0;
        watchers.add(this);
        return true;
    }

    @Override
    public long unwatch() {
        if (!watching) {
            return -1;
        }
        watching = false;
        watchers.remove(this);
        heldEvents.clear();
        return eventsSent;
    }

    @Override
    public void onClose(Runnable hook) {
        if (starting != null && starting.reply == null) {
            starting.onClose = hook;
        }
    }
}
