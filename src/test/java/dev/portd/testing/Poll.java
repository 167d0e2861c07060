package dev.portd.testing;

import java.util.concurrent.TimeUnit;

/** Waiting for a condition with a deadline: how tests synchronize with the daemon, never by sleeping a fixed time. */
public final class Poll {
    private Poll() {}

    /** Long enough for a loaded 2-core box; a passing run never waits for it. */
    public static final long DEFAULT_SECONDS = 20;

    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Returns as soon as {@code c} holds; fails naming {@code what} after {@link #DEFAULT_SECONDS}. */
    public static void until(String what, Condition c) throws Exception {
        until(what, DEFAULT_SECONDS, c);
    }

    public static void until(String what, long seconds, Condition c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + seconds + " s waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
