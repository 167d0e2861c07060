package dev.portd.server;

import dev.portd.protocol.Json;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Rows;
import dev.portd.table.ErrorCode;
import dev.portd.table.Event;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WATCH on one connection: committed events go out as lines in the format of the WATCH request, only
 * between replies (never while one is owed, so a reply is never overtaken), and a watcher that does not
 * read is dropped once {@link #LIMIT_BYTES} wait for it. Event loop only, except {@link #deliver}.
 */
final class WatchStream {
    private static final Logger log = LoggerFactory.getLogger(WatchStream.class);

    /** A watcher whose unsent output passes this is dropped: a client that does not read cannot grow our memory. */
    static final int LIMIT_BYTES = 1 << 20;

    private final ChannelHandlerContext ctx;
    private final Connection connection;
    private final Watchers watchers;
    private boolean active;
    private boolean json;
    private long sent;
    private final ArrayDeque<Event> held = new ArrayDeque<>();

    WatchStream(ChannelHandlerContext ctx, Connection connection, Watchers watchers) {
        this.ctx = ctx;
        this.connection = connection;
        this.watchers = watchers;
    }

    boolean active() {
        return active;
    }

    /** Starts streaming, as JSON lines when {@code json}; false if already watching. */
    boolean start(boolean json) {
        if (active) {
            return false;
        }
        active = true;
        this.json = json;
        sent = 0;
        watchers.add(this);
        return true;
    }

    /** Stops streaming; the number of events sent, or -1 if it was not watching. */
    long stop() {
        if (!active) {
            return -1;
        }
        active = false;
        watchers.remove(this);
        held.clear();
        return sent;
    }

    /** Hands committed events to this watcher; called on the writer thread. */
    void deliver(List<Event> events) {
        ctx.executor().execute(() -> {
            if (!active || connection.closed()) {
                return;
            }
            held.addAll(events);
            if (connection.noReplyOwed()) {
                writeHeld();
                ctx.flush();
            }
        });
    }

    /** Writes the events held back while replies were owed; the connection calls it when none is. */
    void writeHeld() {
        if (!active) {
            held.clear();
            return;
        }
        while (!held.isEmpty()) {
            Event e = held.poll();
            boolean asJson = json;
            ctx.write((Outgoing) sb -> {
                if (asJson) {
                    sb.append(Json.object(Rows.of(e)));
                } else {
                    sb.append(Rows.of(e).line());
                }
                sb.append('\n');
            }, ctx.voidPromise());
            sent++;
        }
        long queued = queuedBytes(ctx.channel());
        if (queued > LIMIT_BYTES) {
            log.warn("dropping watcher uid {} pid {}: {} bytes unread", connection.caller().uid(),
                    connection.caller().pid(), queued);
            stop();
            connection.closeWith(Reply.error(ErrorCode.BUSY, "watcher fell " + queued + " bytes behind; closing"), json);
        }
    }

    /** Bytes written and not yet taken by the socket, as far as the channel's writability tells them. */
    private static long queuedBytes(Channel ch) {
        return ch.isWritable() ? 0 : ch.bytesBeforeWritable() + ch.config().getWriteBufferLowWaterMark();
    }
}
