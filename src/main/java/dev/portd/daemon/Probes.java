package dev.portd.daemon;

import com.codahale.metrics.Timer;
import dev.portd.probe.HostPorts;
import dev.portd.probe.Occupancy;
import dev.portd.probe.Prober;
import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probe scheduling: the table learns what the host holds only from probes, taken every
 * {@code probe_interval}, on PROBE and when a waiter's port turns busy. A probe reads /proc on the monitor
 * thread and commits its findings through the writer like any other change; once committed, they are
 * handed to {@code committed} (the waiters), so a read pipelined after WAIT or PROBE sees them.
 */
final class Probes<R> {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class); // operators know its lines as the monitor's

    private final ScheduledExecutorService thread;
    private final Writer<R> writer;
    private final HostPorts ports;
    private final Caller self;
    private final Outcomes<R> outcomes;
    private final Consumer<Occupancy> committed;
    private final Timer timer;
    private final Prober prober = new Prober();
    /** PROBE requests waiting for the queued probe; non-empty exactly while one is queued. */
    private final List<Consumer<R>> requests = new ArrayList<>();
    private volatile long intervalMillis;
    private ScheduledFuture<?> periodic;

    Probes(ScheduledExecutorService thread, Writer<R> writer, HostPorts ports, Caller self, Outcomes<R> outcomes,
           Consumer<Occupancy> committed, Timer timer, long intervalMillis) {
        this.thread = thread;
        this.writer = writer;
        this.ports = ports;
        this.self = self;
        this.outcomes = outcomes;
        this.committed = committed;
        this.timer = timer;
        this.intervalMillis = intervalMillis;
    }

    /** (Re)starts the periodic probe at the current interval. */
    synchronized void schedule() {
        if (periodic != null) {
            periodic.cancel(false);
        }
        periodic = thread.scheduleWithFixedDelay(() -> probe(null), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    long intervalMillis() {
        return intervalMillis;
    }

    void setIntervalMillis(long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException("the interval must be more than 0");
        }
        intervalMillis = millis;
        schedule();
    }

    /**
     * PROBE: probes now; {@code done} gets the findings once committed. Requests that arrive while a probe
     * is queued share it: any local user may send PROBE, and one probe each would queue work without bound
     * ahead of ttl expiry and WAIT on this one thread.
     */
    void probeNow(Consumer<R> done) {
        synchronized (requests) {
            requests.add(done);
            if (requests.size() > 1) {
                return; // a probe is queued already and will answer this one too
            }
        }
        try {
            thread.execute(() -> {
                List<Consumer<R>> these = takeRequests();
                probe(reply -> these.forEach(d -> d.accept(reply)));
            });
        } catch (RejectedExecutionException e) {
            takeRequests().forEach(d -> d.accept(outcomes.stopping()));
        }
    }

    private List<Consumer<R>> takeRequests() {
        synchronized (requests) {
            List<Consumer<R>> these = new ArrayList<>(requests);
            requests.clear();
            return these;
        }
    }

    /** Probes and commits what it found; {@code done} (may be null) gets the commit's answer. Monitor thread only. */
    void probe(Consumer<R> done) {
        Occupancy occ;
        try (Timer.Context ignored = timer.time()) {
            occ = prober.probe();
        } catch (RuntimeException e) {
            log.warn("probe failed, keeping the last one: {}", e.toString());
            if (done != null) {
                done.accept(outcomes.probeFailed(e.getMessage()));
            }
            return;
        }
        ports.seen(occ);
        Observation o = Observation.of(writer.table(), occ, writer.config(), occ.timeMillis());
        writer.submit(self, txn -> {
            txn.findings().observe(o);
            return outcomes.probed(occ, o.conflicts().size());
        }, reply -> {
            committed.accept(occ);
            if (done != null) {
                done.accept(reply);
            }
        });
    }
}
