package dev.portd.server;

import dev.portd.protocol.Session;

/**
 * The connection as the verbs see it: WATCH and UNWATCH, and WAIT's hook for a client that leaves
 * before its answer. Both act on the request whose verb is running, which {@link ReplyOrder} marks.
 */
final class ConnectionSession implements Session {
    private final WatchStream watch;
    /** The request whose verb is running, or null between verbs; the event loop only. */
    private ReplyOrder.Answer starting;

    ConnectionSession(WatchStream watch) {
        this.watch = watch;
    }

    void starting(ReplyOrder.Answer a) {
        starting = a;
    }

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
