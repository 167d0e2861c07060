package dev.portd.server;

import io.netty.channel.Channel;

/**
 * Reading only while the client keeps up: a connection stops reading past {@link #HIGH_WATER} requests
 * queued or while its channel is not writable, and reads again once both have drained. Without it a
 * client that pipelines and does not read would grow our queues and socket buffers without bound.
 */
final class Backpressure {
    private Backpressure() {}

    /** Past this many requests waiting or unanswered, stop reading from the socket until they drain. */
    static final int HIGH_WATER = 1024;
    static final int LOW_WATER = 256;

    /**
     * Turns reading off or on for {@code backlog} requests queued. Only for a connection still reading:
     * epoll refuses to re-arm reading on a half-closed socket.
     */
    static void apply(Channel ch, int backlog) {
        boolean throttled = !ch.config().isAutoRead();
        boolean throttle = backlog >= HIGH_WATER || !ch.isWritable();
        if (throttle != throttled && (throttle || backlog <= LOW_WATER)) {
            ch.config().setAutoRead(!throttle);
        }
    }
}
