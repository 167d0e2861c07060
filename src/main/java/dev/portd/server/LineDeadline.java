package dev.portd.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose current line has been unfinished for longer than the idle timeout. The
 * idle timeout alone counts only silence, so a client sending one byte a second of a line that never
 * ends (slowloris) would hold its connection, and with enough of them every connection slot, for as
 * long as it liked. Sits before the line decoder, so it sees the raw bytes. Event loop only.
 */
final class LineDeadline extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(LineDeadline.class);

    private final long timeoutNanos;
    private long partialSince; // System.nanoTime() when the unfinished line began; 0 when none
    private boolean checkScheduled;

    LineDeadline(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            int lastLf = buf.forEachByteDesc(b -> b != '\n');
            if (lastLf == buf.writerIndex() - 1) {
                partialSince = 0; // ends with a whole line
            } else if (lastLf >= 0 || partialSince == 0) {
                partialSince = nanoTimeNonZero(); // a new line began in this read
                schedule(ctx, timeoutNanos);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        if (!checkScheduled) {
            checkScheduled = true;
            ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        checkScheduled = false;
        if (partialSince == 0 || !ctx.channel().isActive()) {
            return;
        }
        long left = timeoutNanos - (System.nanoTime() - partialSince);
        if (left > 0 || !ctx.channel().config().isAutoRead()) {
            // Not yet due, or we stopped reading ourselves (backpressure): the rest of the line may be waiting on us.
            schedule(ctx, Math.max(left, timeoutNanos / 4));
            return;
        }
        log.debug("closing a connection whose line stayed unfinished for {} ms", TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        ctx.close();
    }

    private static long nanoTimeNonZero() {
        long t = System.nanoTime();
        return t == 0 ? 1 : t;
    }
}
