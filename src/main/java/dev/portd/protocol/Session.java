package dev.portd.protocol;

import java.util.function.Consumer;

/** The connection a request came on, for the verbs that act on it rather than on the table. */
public interface Session {
    /** Streams events to this connection until {@link #unwatch()}; returns false if already watching. */
    boolean watch();

    /** Stops streaming; returns the number of events sent, or -1 if not watching. */
    long unwatch();

    /** Replies later (WAIT): the connection keeps its other replies in order meanwhile. */
    void later(Consumer<Consumer<Reply>> task);
}
