package dev.portd.table;

import java.util.List;
import java.util.Objects;

/**
 * The changes the daemon makes on its own, from what it found: a probe's findings, the ttl leases due,
 * a health check's result. A finding is made off the writer thread and may be stale by the time the
 * writer applies it, so each one is re-checked against the batch's table and skipped if the lease has
 * changed since. Nothing is refused: there is no caller to check, and events are in the name of the
 * lease's owner. Part of the batch's {@link Txn}.
 */
public final class Findings {
    private final Batch batch;

    Findings(Batch batch) {
        this.batch = batch;
    }

    /** Applies a probe's findings, skipping any lease that changed since the probe looked at it. */
    public void observe(Observation o) {
        for (Lease seen : o.exited()) {
            Lease cur = batch.table().lease(seen.service());
            if (sameLease(cur, seen)) {
                batch.removeLease(cur);
                batch.eventAs(cur.uid(), cur.pid(), Event.Kind.EXIT, cur.service(), cur.port(), "pid " + cur.pid() + " exited");
            }
        }
        for (Lease seen : o.restated()) {
            Lease cur = batch.table().lease(seen.service());
            if (sameLease(cur, seen) && cur.state() != seen.state()) {
                batch.put(cur.withState(seen.state()));
                if (seen.state() == LeaseState.BOUND) {
                    batch.eventAs(cur.uid(), cur.pid(), Event.Kind.BOUND, cur.service(), cur.port(), null);
                }
            }
        }
        for (Conflict c : o.conflicts().values()) {
            if (!c.sameAs(batch.table().conflicts().get(c.port()))) {
                batch.eventAs(c.uid(), Math.max(c.pid(), 0), Event.Kind.CONFLICT, c.service(), c.port(), c.describe());
            }
        }
        batch.conflicts(o.conflicts());
    }

    /** Ends the ttl leases that are due, unless renewed since they were found due. */
    public void expire(List<Lease> due) {
        for (Lease seen : due) {
            Lease cur = batch.table().lease(seen.service());
            if (sameLease(cur, seen) && cur.expires() == seen.expires()) {
                batch.removeLease(cur);
                batch.eventAs(cur.uid(), cur.pid(), Event.Kind.EXPIRE, cur.service(), cur.port(), null);
            }
        }
    }

    /**
     * Records a change of a lease's health ({@code healthy} or {@code unhealthy}, the reason in the
     * note), unless the lease changed since it was checked (ended, moved, given another check).
     */
    public void health(Lease checked, boolean healthy, String note) {
        Lease cur = batch.table().lease(checked.service());
        if (sameLease(cur, checked) && Objects.equals(cur.check(), checked.check())) {
            batch.eventAs(cur.uid(), cur.pid(), healthy ? Event.Kind.HEALTHY : Event.Kind.UNHEALTHY, cur.service(), cur.port(), note);
        }
    }

    /** The same lease as when it was looked at: not released and re-made, not moved. */
    private static boolean sameLease(Lease cur, Lease seen) {
        return cur != null && cur.port() == seen.port() && cur.since() == seen.since() && cur.pid() == seen.pid()
                && cur.uid() == seen.uid();
    }
}
