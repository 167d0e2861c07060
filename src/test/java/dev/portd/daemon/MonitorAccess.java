package dev.portd.daemon;

/** Lets tests elsewhere read the monitor's limits. */
public final class MonitorAccess {
    private MonitorAccess() {}

    public static int maxWaiters() {
        return Monitor.MAX_WAITERS;
    }
}
