package dev.portd.daemon;

import dev.portd.probe.BindCheck;
import dev.portd.probe.HostPorts;
import dev.portd.probe.Occupancy;
import dev.portd.table.Holder;
import dev.portd.table.Lease;
import dev.portd.table.Observation;
import dev.portd.table.PortTable;
import dev.portd.table.Transport;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * WAIT: requests waiting for something to listen on a port. No thread waits for them: the monitor's tick
 * looks at them all ({@link #poll}), and every committed probe is checked against them ({@link #probed}).
 */
final class Waiters<R> {
    private final ScheduledExecutorService thread;
    private final Supplier<PortTable> table;
    private final HostPorts ports;
    private final Outcomes<R> outcomes;
    /** Takes a probe now, on the monitor thread. */
    private final Runnable probe;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();
    private long lastProbeNanos;

    Waiters(ScheduledExecutorService thread, Supplier<PortTable> table, HostPorts ports, Outcomes<R> outcomes,
            Runnable probe) {
        this.thread = thread;
        this.table = table;
        this.ports = ports;
        this.outcomes = outcomes;
        this.probe = probe;
    }

    int count() {
        return waiting.size();
    }

    /**
     * {@code done} gets {@link Outcomes#bound} once something listens on the port, or {@link Outcomes#timedOut}.
     * The returned handle cancels the wait (the client went away).
     */
    Runnable await(int port, long timeoutMillis, Consumer<R> done) {
        Waiter w = new Waiter(port, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis), done);
        waiting.add(w);
        try {
            // This waiter only, not all of them again. The last probe may predate a restart: its listener
            // counts only if the port is really held now.
            thread.execute(() -> {
                if (!BindCheck.canBind(port, Transport.TCP)) {
                    check(w, ports.occupancy(), table.get());
                }
            });
        } catch (RejectedExecutionException e) {
            w.finish(outcomes.stopping());
        }
        return () -> waiting.remove(w);
    }

    /**
     * Ends waits that timed out. Between probes, a bind test says cheaply whether something now listens on a
     * waited port; only then is a full probe paid for, to learn who it is. Monitor thread, each tick.
     */
    void poll() {
        if (waiting.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        boolean someoneListens = false;
        Set<Integer> tested = new HashSet<>();
        for (Waiter w : waiting) {
            if (now - w.deadlineNanos >= 0) {
                w.finish(outcomes.timedOut(w.port));
            } else if (!someoneListens && tested.add(w.port) && !BindCheck.canBind(w.port, Transport.TCP)) {
                someoneListens = true; // one port in use is enough to pay for a probe; it checks them all
            }
        }
        // At most two probes a second for waiters: a port can be unbindable without a listener (TIME_WAIT).
        if (someoneListens && now - lastProbeNanos >= TimeUnit.MILLISECONDS.toNanos(500)) {
            lastProbeNanos = now;
            probe.run();
        }
    }

    /** A probe was committed: each waiter whose port it saw held (by the right party) is answered. */
    void probed(Occupancy occ) {
        PortTable t = table.get();
        for (Waiter w : waiting) {
            check(w, occ, t);
        }
    }

    /** The monitor stopped: nobody will answer the waiters now. */
    void stop() {
        for (Waiter w : waiting) {
            w.finish(outcomes.stopping());
        }
    }

    /**
     * On a leased port only the lease's owner counts (Observation.belongs): another user who binds it
     * first makes a conflict, and must not tell the owner's WAIT that its service is up.
     */
    private void check(Waiter w, Occupancy occ, PortTable t) {
        Lease lease = t.leaseOn(w.port);
        for (Holder h : occ.holders(w.port)) {
            if (h.proto() == Transport.TCP && (lease == null || Observation.belongs(h, lease, occ))) {
                w.finish(outcomes.bound(h.pid()));
                return;
            }
        }
    }

    private final class Waiter {
        final int port;
        final long deadlineNanos;
        final Consumer<R> done;
        final AtomicBoolean finished = new AtomicBoolean();

        Waiter(int port, long deadlineNanos, Consumer<R> done) {
            this.port = port;
            this.deadlineNanos = deadlineNanos;
            this.done = done;
        }

        void finish(R r) {
            if (finished.compareAndSet(false, true)) {
                waiting.remove(this);
                done.accept(r);
            }
        }
    }
}
