package dev.portd.table;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * What one probe means for the table: leases whose process exited, leases whose state changed, and
 * the conflicts now on the host. Computed on the prober's thread (the {@link Host} reads /proc), then
 * applied by the writer with {@link Findings#observe}, which re-checks each item against the table of that
 * moment.
 */
public record Observation(List<Lease> exited, List<Lease> restated, PSortedMap<Integer, Conflict> conflicts) {

    /** Compares the committed table with what the host holds. */
    public static Observation of(PortTable t, Host host, TableConfig cfg, long now) {
        List<Lease> exited = new ArrayList<>();
        List<Lease> restated = new ArrayList<>();
        PSortedMap<Integer, Conflict> conflicts = TreePMap.empty();
        // One read of /proc per process, not per lease: a test run's process may hold thousands of leases.
        Map<PidStart, Boolean> alive = new HashMap<>();
        for (Lease l : t.leases()) {
            if (l.pid() > 0 && !alive.computeIfAbsent(new PidStart(l.pid(), l.pidStart()),
                    p -> host.isAlive(p.pid(), p.start()))) {
                exited.add(l);
                continue;
            }
            LeaseState state = LeaseState.LEASED;
            for (Holder h : host.holders(l.port())) {
                if (!l.proto().covers(h.proto())) {
                    continue;
                }
                if (belongs(h, l, host)) {
                    state = state == LeaseState.CONFLICT ? state : LeaseState.BOUND;
                } else {
                    state = LeaseState.CONFLICT;
                    conflicts = conflicts.plus(l.port(), keepSince(t, new Conflict(l.port(), Conflict.Kind.SQUATTER,
                            l.service(), h.pid(), h.uid(), h.cmd(), now)));
                    break;
                }
            }
            if (state != l.state()) {
                restated.add(l.withState(state));
            }
        }
        for (int port : host.ports(cfg.lo(), cfg.hi())) {
            if (t.leaseOn(port) == null && !t.isReserved(port)) {
                Holder h = host.holders(port).get(0);
                conflicts = conflicts.plus(port, keepSince(t, new Conflict(port, Conflict.Kind.UNMANAGED, null, h.pid(),
                        h.uid(), h.cmd(), now)));
            }
        }
        return new Observation(exited, restated, conflicts);
    }

    /** A process for good: a recycled pid comes with a later start time. */
    private record PidStart(int pid, long start) {}

    /**
     * A socket belongs to a lease when its owner is the lease's uid and, for a pid-bound lease, the
     * lease's process or one of its descendants (a server that forks workers). An owner the daemon
     * cannot see (pid -1) is judged by uid alone.
     */
    public static boolean belongs(Holder h, Lease l, Host host) {
        if (h.uid() != l.uid()) {
            return false;
        }
        return l.pid() <= 0 || h.pid() < 0 || host.isSelfOrDescendant(h.pid(), l.pid());
    }

    /** A conflict seen before keeps its first-seen time. */
    private static Conflict keepSince(PortTable t, Conflict c) {
        Conflict old = t.conflicts().get(c.port());
        return c.sameAs(old) ? old : c;
    }
}
