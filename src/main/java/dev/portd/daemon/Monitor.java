package dev.portd.daemon;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.portd.probe.BindCheck;
import dev.portd.probe.HostPorts;
import dev.portd.probe.Occupancy;
import dev.portd.probe.Prober;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Row;
import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.Holder;
import dev.portd.table.Lease;
import dev.portd.table.Observation;
import dev.portd.table.PortTable;
import dev.portd.table.Proto;
import dev.portd.table.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the host for the table, on one thread of its own ("portd-monitor"): probes port occupancy
 * every {@code probe_interval} and on demand, ends leases whose process exited or whose ttl ran out,
 * and answers WAIT. Every change it finds goes through the writer like any other; what it reads
 * from /proc never touches an event loop or the writer thread.
 */
public final class Monitor {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);

    /** How often waiters and ttl deadlines are looked at. */
    static final long TICK_MILLIS = 100;

    private final Writer<Reply> writer;
    private final Prober prober = new Prober();
    private final Caller self;
    private final Timer probeTimer;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portd-monitor");
        t.setDaemon(true);
        return t;
    });
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    /** PROBE requests waiting for the queued probe; non-empty exactly while one is queued. */
    private final List<Consumer<Reply>> probeRequests = new ArrayList<>();
    private final Deadlines deadlines = new Deadlines();

    private final HostPorts ports;
    private long lastWaiterProbeNanos;
    private long ticks;
    private volatile long intervalMillis;
    private ScheduledFuture<?> periodic;

    public Monitor(Writer<Reply> writer, HostPorts ports, long intervalMillis, MetricRegistry metrics) {
        this.writer = writer;
        this.ports = ports;
        this.intervalMillis = intervalMillis;
        this.self = new Caller(Paths.uid(), (int) ProcessHandle.current().pid(), "portd");
        this.probeTimer = metrics.timer("probe");
    }

    /**
     * Probes once and commits what it found before serving (leases whose process died while portd was down
     * end now, before anyone can see them), then on schedule.
     */
    public void start() {
        java.util.concurrent.CompletableFuture<Reply> first = new java.util.concurrent.CompletableFuture<>();
        try {
            thread.execute(() -> probe(first::complete));
            Reply r = first.get(30, TimeUnit.SECONDS);
            if (!r.ok()) {
                log.warn("first probe failed: {}", r.statusLine());
            }
        } catch (Exception e) {
            log.warn("first probe failed: {}", e.toString());
        }
        schedule();
        thread.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private synchronized void schedule() {
        if (periodic != null) {
            periodic.cancel(false);
        }
        periodic = thread.scheduleWithFixedDelay(() -> probe(null), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Waiter w : waiters) {
            w.finish(Reply.error(ErrorCode.BUSY, "portd is shutting down"));
        }
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    /** Changes the probe interval from now on (JMX). */
    public void setIntervalMillis(long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException("the interval must be more than 0");
        }
        intervalMillis = millis;
        schedule();
    }

    public Occupancy occupancy() {
        return ports.occupancy();
    }

    /** The host's ports as the table sees them: the last probe, and binds. */
    public HostPorts ports() {
        return ports;
    }

    /** WAIT requests not answered yet. */
    public int waiterCount() {
        return waiters.size();
    }

    // ---- probing ----

    /**
     * PROBE: probes now and replies {@code OK sockets= conflicts= millis=} once the findings are committed.
     * Requests that arrive while a probe is queued share it: any local user may send PROBE, and one probe
     * each would queue work without bound ahead of ttl expiry and WAIT on this one thread.
     */
    public void probeNow(Consumer<Reply> done) {
        synchronized (probeRequests) {
            probeRequests.add(done);
            if (probeRequests.size() > 1) {
                return; // a probe is queued already and will answer this one too
            }
        }
        try {
            thread.execute(() -> {
                List<Consumer<Reply>> these;
                synchronized (probeRequests) {
                    these = new ArrayList<>(probeRequests);
                    probeRequests.clear();
                }
                probe(reply -> these.forEach(d -> d.accept(reply)));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            List<Consumer<Reply>> these;
            synchronized (probeRequests) {
                these = new ArrayList<>(probeRequests);
                probeRequests.clear();
            }
            these.forEach(d -> d.accept(Reply.error(ErrorCode.BUSY, "portd is shutting down")));
        }
    }

    private void probe(Consumer<Reply> done) {
        Occupancy occ;
        try (Timer.Context ignored = probeTimer.time()) {
            occ = prober.probe();
        } catch (RuntimeException e) {
            log.warn("probe failed, keeping the last one: {}", e.toString());
            if (done != null) {
                done.accept(Reply.error(ErrorCode.INTERNAL, "probe failed: " + e.getMessage()));
            }
            return;
        }
        ports.seen(occ);
        Observation o = Observation.of(writer.table(), occ, writer.config(), occ.timeMillis());
        Occupancy seen = occ;
        writer.submit(self, txn -> {
            txn.observe(o);
            return Reply.ok("sockets=" + seen.socketCount() + " conflicts=" + o.conflicts().size() + " millis="
                    + seen.durationMillis(), Row.of("sockets", seen.socketCount()).put("conflicts", o.conflicts().size())
                    .put("millis", seen.durationMillis()));
        }, reply -> {
            // After the commit, so a read pipelined after WAIT or PROBE sees what the probe found.
            checkWaiters(seen);
            if (done != null) {
                done.accept(reply);
            }
        });
    }

    // ---- ttl expiry and waiters, every tick ----

    private void tick() {
        try {
            if (++ticks % (1000 / TICK_MILLIS) == 0) {
                expire();
            }
            if (!waiters.isEmpty()) {
                pollWaiters();
            }
        } catch (RuntimeException e) {
            log.warn("monitor tick failed: {}", e.toString());
        }
    }

    /**
     * Ends ttl leases that are due. A lease's deadline is fixed on the monotonic clock when it is first
     * seen (or renewed), so a jump of the wall clock neither ends leases early nor keeps them late.
     */
    private void expire() {
        List<Lease> due = deadlines.due(writer.table(), System.nanoTime(), System.currentTimeMillis());
        if (!due.isEmpty()) {
            writer.submit(self, txn -> {
                txn.expire(due);
                return Reply.ok("count", due.size());
            }, reply -> {});
        }
    }

    /**
     * Between probes, a bind test says cheaply whether something now listens on a waited port; only
     * then is a full probe paid for, to learn who it is.
     */
    private void pollWaiters() {
        long now = System.nanoTime();
        boolean someoneListens = false;
        Set<Integer> tested = new java.util.HashSet<>();
        for (Waiter w : waiters) {
            if (now - w.deadlineNanos >= 0) {
                w.finish(Reply.error(ErrorCode.TIMEOUT, "nothing listened on port " + w.port + " in time"));
            } else if (!someoneListens && tested.add(w.port) && !BindCheck.canBind(w.port, Transport.TCP)) {
                someoneListens = true; // one port in use is enough to pay for a probe; it checks them all
            }
        }
        // At most two probes a second for waiters: a port can be unbindable without a listener (TIME_WAIT).
        if (someoneListens && now - lastWaiterProbeNanos >= TimeUnit.MILLISECONDS.toNanos(500)) {
            lastWaiterProbeNanos = now;
            probe(null);
        }
    }

    /**
     * On a leased port only the lease's owner counts (Observation.belongs): another user who binds it
     * first makes a conflict, and must not tell the owner's WAIT that its service is up.
     */
    private void checkWaiters(Occupancy occ) {
        PortTable table = writer.table();
        for (Waiter w : waiters) {
            checkWaiter(w, occ, table);
        }
    }

    private static void checkWaiter(Waiter w, Occupancy occ, PortTable table) {
        Lease lease = table.leaseOn(w.port);
        for (Holder h : occ.holders(w.port)) {
            if (h.proto() == Proto.TCP && (lease == null || Observation.belongs(h, lease, occ))) {
                Row r = Row.of("state", "bound").put("pid", h.pid() > 0 ? h.pid() : null);
                w.finish(Reply.ok(h.pid() > 0 ? "bound pid=" + h.pid() : "bound", r));
                return;
            }
        }
    }

    /**
     * WAIT: {@code done} gets {@code OK bound [pid=N]} once something listens on the port, or
     * {@code ERR TIMEOUT}. No thread waits: the monitor looks at every waiter each tick. The returned
     * handle cancels the wait (the client went away).
     */
    public Runnable await(int port, long timeoutMillis, Consumer<Reply> done) {
        Waiter w = new Waiter(port, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis), done);
        waiters.add(w);
        try {
            // This waiter only, not all of them again. The last probe may predate a restart: its listener
            // counts only if the port is really held now.
            thread.execute(() -> {
                if (!BindCheck.canBind(port, Transport.TCP)) {
                    checkWaiter(w, ports.occupancy(), writer.table());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            w.finish(Reply.error(ErrorCode.BUSY, "portd is shutting down"));
        }
        return () -> waiters.remove(w);
    }

    private final class Waiter {
        final int port;
        final long deadlineNanos;
        final Consumer<Reply> done;
        final AtomicBoolean finished = new AtomicBoolean();

        Waiter(int port, long deadlineNanos, Consumer<Reply> done) {
            this.port = port;
            this.deadlineNanos = deadlineNanos;
            this.done = done;
        }

        void finish(Reply r) {
            if (finished.compareAndSet(false, true)) {
                waiters.remove(this);
                done.accept(r);
            }
        }
    }
}
