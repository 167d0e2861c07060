package dev.portd.daemon;

import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.Lease;
import java.util.List;

/**
 * Ends leases that are over by time: ttl leases whose deadline passed, looked at once a second. A lease
 * bound to a process ends with the probe that finds the process gone ({@code Observation.exited}, an
 * {@code exit} event), not here: telling a dead pid from a live one needs /proc, which the probe reads anyway.
 */
final class Expiry<R> {
    private final Writer<R> writer;
    private final Caller self;
    private final Outcomes<R> outcomes;
    private final Deadlines deadlines = new Deadlines();

    Expiry(Writer<R> writer, Caller self, Outcomes<R> outcomes) {
        this.writer = writer;
        this.self = self;
        this.outcomes = outcomes;
    }

    /**
     * Ends the ttl leases that are due. A lease's deadline is fixed on the monotonic clock when it is first
     * seen (or renewed), so a jump of the wall clock neither ends leases early nor keeps them late.
     */
    void run() {
        List<Lease> due = deadlines.due(writer.table(), System.nanoTime(), System.currentTimeMillis());
        if (!due.isEmpty()) {
            writer.submit(self, txn -> {
                txn.findings().expire(due);
                return outcomes.expired(due.size());
            }, answer -> {});
        }
    }
}
