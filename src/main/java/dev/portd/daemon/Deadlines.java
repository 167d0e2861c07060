package dev.portd.daemon;

import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * When ttl leases are due, on the monotonic clock. A lease stores its expiry as wall-clock time (it
 * must survive a restart); the first time a lease is seen with a given expiry, that expiry becomes a
 * deadline on {@code System.nanoTime()}, so a later jump of the wall clock (NTP step, a manual date)
 * neither ends leases early nor keeps them late. The clocks are arguments, so tests can jump them.
 * Monitor thread only.
 */
final class Deadlines {
    private record Deadline(long expires, long atNanos) {}

    private final Map<String, Deadline> byService = new HashMap<>();

    /** The ttl leases of {@code table} due at {@code nowNanos}; {@code nowWallMillis} places newly seen expiries. */
    List<Lease> due(PortTable table, long nowNanos, long nowWallMillis) {
        List<Lease> due = new ArrayList<>();
        Map<String, Deadline> live = new HashMap<>();
        for (Lease l : table.leases()) {
            if (l.expires() <= 0) {
                continue;
            }
            Deadline d = byService.get(l.service());
            if (d == null || d.expires() != l.expires()) {
                d = new Deadline(l.expires(), nowNanos + TimeUnit.MILLISECONDS.toNanos(l.expires() - nowWallMillis));
            }
            live.put(l.service(), d);
            if (nowNanos - d.atNanos() >= 0) {
                due.add(l);
            }
        }
        byService.clear();
        byService.putAll(live);
        return due;
    }
}
