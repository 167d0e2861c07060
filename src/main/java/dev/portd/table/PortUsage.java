package dev.portd.table;

/**
 * How one port has been used: how many leases it has had, how long they held it in all, and which
 * service had it last, since when. Kept per port (at most 65,536 entries, whatever {@code history_max}
 * says) and changed by the writer in the same batch as the lease, so it is as durable as the lease.
 *
 * @param allocs       leases the port has had: an ALLOC onto it, or a RESOLVE that moved a lease onto it
 * @param leasedMillis time held by leases that have left the port (the current lease is not in it)
 * @param lastService  the service that had the port last (holds it still, if the port is leased)
 * @param lastMillis   when that service's lease came onto the port, epoch millis
 */
public record PortUsage(long allocs, long leasedMillis, String lastService, long lastMillis) {
    static final PortUsage NONE = new PortUsage(0, 0, null, 0);

    /** A lease of {@code service} comes onto the port at {@code now}. */
    PortUsage leased(String service, long now) {
        return new PortUsage(allocs + 1, leasedMillis, service, now);
    }

    /** The lease that came at {@link #lastMillis} leaves at {@code now}; a clock stepped back counts nothing. */
    PortUsage ended(long now) {
        return new PortUsage(allocs, leasedMillis + Math.max(0, now - lastMillis), lastService, lastMillis);
    }

    /** Time leased in all as of {@code now}, the current lease counted so far when the port is {@code held}. */
    public long leasedMillis(boolean held, long now) {
        return held ? leasedMillis + Math.max(0, now - lastMillis) : leasedMillis;
    }
}
