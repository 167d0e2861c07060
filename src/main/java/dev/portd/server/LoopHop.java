package dev.portd.server;

import dev.portd.protocol.Reply;
import io.netty.channel.ChannelHandlerContext;
import java.util.function.Consumer;

/**
 * Brings a reply made on another thread (the writer's commit, a probe, a WAIT's wake-up) onto the
 * connection's event loop, where everything of the connection runs. The replies of one commit hop one by
 * one, and would each flush: instead one flush follows all those queued together.
 */
final class LoopHop {
    private final ChannelHandlerContext ctx;
    /** A flush is queued behind the replies that hopped (event loop only). */
    private boolean flushQueued;

    LoopHop(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Hands {@code reply} to {@code answer} on the event loop; called off it. */
    void reply(Consumer<Reply> answer, Reply reply) {
        ctx.executor().execute(() -> {
            answer.accept(reply);
            flushSoon();
        });
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
}
