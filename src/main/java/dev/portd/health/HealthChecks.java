package dev.portd.health;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.portd.table.Event;
import dev.portd.table.Health;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the leases that have a health check, each on its own interval, on threads of its own: one
 * ("portd-health") keeps the schedule and the results, up to {@link #MAX_RUNNING} ("portd-health-N",
 * started as needed and gone when idle) make the blocking TCP connects, and the JDK's HTTP client
 * sends the requests. At most {@link #MAX_RUNNING} checks are under way at once, so none waits for a
 * thread; a lease due while that many run waits for the next tick. A lease is first checked one interval
 * after its checks begin (it was leased, moved or given another check, or the daemon started).
 * Results live here, in memory: a start begins with every lease unknown. Each change of a lease's health goes to the {@link Recorder},
 * which makes it an event.
 */
public final class HealthChecks implements Health.Results {
    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    static final long TICK_MILLIS = 100;
    static final int MAX_RUNNING = 16;

    /** Records a change of health; called on the schedule thread, so it must not block. */
    @FunctionalInterface
    public interface Recorder {
        void record(Lease checked, boolean healthy, String note);
    }

    /** A checked lease: the lease as it was when its checks began, and what they found. */
    private static final class Target {
        final Lease lease;
        volatile Health health;
        long dueNanos;   // schedule thread only
        boolean running; // schedule thread only

        Target(Lease lease, long nowMillis) {
            this.lease = lease;
            this.health = Health.unknown(nowMillis);
            // One interval's grace: a service leases its port before it listens on it.
            this.dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lease.check().intervalMillis());
        }
    }

    private final Supplier<PortTable> table;
    private final Recorder recorder;
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(named("portd-health"));
    private final ThreadPoolExecutor workers = new ThreadPoolExecutor(MAX_RUNNING, MAX_RUNNING, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), named("portd-health-"));
    private final Checker checker = new Checker(workers);
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    /** Services named by events since the last tick: only their leases can have begun, ended or moved. */
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private int running; // schedule thread only

    public HealthChecks(Supplier<PortTable> table, Recorder recorder, MetricRegistry metrics) {
        workers.allowCoreThreadTimeOut(true);
        this.table = table;
        this.recorder = recorder;
        for (Health.State s : Health.State.values()) {
            metrics.register("health." + s.wire(), (Gauge<Integer>) () -> count(s));
        }
    }

    /** Takes every lease of the table now, then checks on schedule. */
    public void start() {
        schedule.execute(() -> {
            for (Lease l : table.get().leases()) {
                follow(l.service(), l);
            }
        });
        schedule.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        schedule.shutdownNow();
        workers.shutdownNow();
        try {
            schedule.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer's commit listener: notes the services the events name. Runs on the writer thread; never blocks. */
    public void committed(List<Event> events) {
        for (Event e : events) {
            if (e.service() != null) {
                changed.add(e.service());
            }
        }
    }

    @Override
    public Health of(Lease lease) {
        Target x = targets.get(lease.service());
        return x != null && same(x.lease, lease) ? x.health : Health.unknown(lease.since());
    }

    /** How many checked leases are in state {@code s} (the {@code health.*} gauges). */
    public int count(Health.State s) {
        int n = 0;
        for (Target x : targets.values()) {
            if (x.health.state() == s) {
                n++;
            }
        }
        return n;
    }

    // ---- on the schedule thread ----

    private void tick() {
        try {
            if (!changed.isEmpty()) {
                PortTable t = table.get();
                for (Iterator<String> it = changed.iterator(); it.hasNext(); ) {
                    String service = it.next();
                    it.remove();
                    follow(service, t.lease(service));
                }
            }
            long now = System.nanoTime();
            for (Iterator<Target> it = targets.values().iterator(); it.hasNext() && running < MAX_RUNNING; ) {
                Target x = it.next();
                if (!x.running && now - x.dueNanos >= 0) {
                    begin(x);
                }
            }
        } catch (RuntimeException e) {
            log.warn("health tick failed: {}", e.toString());
        }
    }

    /** Starts, keeps or drops the checks of a service as its lease now is (null: none). */
    private void follow(String service, Lease l) {
        if (l == null || l.check() == null) {
            targets.remove(service);
            return;
        }
        Target x = targets.get(service);
        if (x == null || !same(x.lease, l)) {
            targets.put(service, new Target(l, System.currentTimeMillis())); // a new lease, port or check: unknown again
        }
    }

    private void begin(Target x) {
        x.running = true;
        running++;
        long t0 = System.nanoTime();
        x.dueNanos = t0 + TimeUnit.MILLISECONDS.toNanos(x.lease.check().intervalMillis());
        checker.run(x.lease.check(), x.lease.port()).whenComplete((o, e) -> {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Checker.Outcome outcome = o != null ? o : new Checker.Outcome(false, "check failed: " + e);
            try {
                schedule.execute(() -> end(x, outcome, ms));
            } catch (RejectedExecutionException stopping) {
                // stopped while it ran: nobody reads the result
            }
        });
    }

    private void end(Target x, Checker.Outcome o, long ms) {
        x.running = false;
        running--;
        if (targets.get(x.lease.service()) != x) {
            return; // the lease ended or changed while it was checked
        }
        Health was = x.health;
        Health.State s = o.healthy() ? Health.State.OK : Health.State.FAILING;
        long now = System.currentTimeMillis();
        if (was.state() != s) {
            // Queued before the result shows: a change someone makes after seeing it comes after the event.
            recorder.record(x.lease, o.healthy(), o.note());
        }
        x.health = new Health(s, ms, now, was.state() == s ? was.since() : now, o.note());
    }

    /** The same lease for its checks: same port, same start, same check. */
    private static boolean same(Lease a, Lease b) {
        return a.port() == b.port() && a.since() == b.since() && Objects.equals(a.check(), b.check());
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name.endsWith("-") ? name + n.incrementAndGet() : name);
            t.setDaemon(true);
            return t;
        };
    }
}
