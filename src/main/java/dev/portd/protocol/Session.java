package dev.portd.protocol;

/** The connection a request came on, for the verbs that act on it rather than on the table. */
public interface Session {
    /** Streams events to this connection until {@link #unwatch()}; false if it is already watching. */
    boolean watch();

    /** Stops streaming; returns the number of events sent, or -1 if it was not watching. */
    long unwatch();

    /** Runs {@code hook} when the connection closes (a WAIT whose client went away is dropped). */
    void onClose(Runnable hook);
}
