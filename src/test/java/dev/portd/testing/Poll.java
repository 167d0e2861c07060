package dev.portd.testing;

import java.util.concurrent.Callable;

/** Waits for a condition the daemon reaches on its own time (expiry, a closed connection), never for a fixed time. */
public final class Poll {
    private Poll() {}

    /** Re-evaluates {@code condition} every 10 ms until it is true; fails naming {@code what} after {@code seconds}. */
    public static void until(String what, long seconds, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
