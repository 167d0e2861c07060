package dev.portd.daemon;

import com.codahale.metrics.MetricRegistry;
import dev.portd.probe.HostPorts;
import dev.portd.probe.Occupancy;
import dev.portd.protocol.Reply;
import dev.portd.store.Writer;
import dev.portd.table.Caller;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the host for the table, on one thread of its own ("portd-monitor"), so that what it reads from
 * /proc never touches an event loop or the writer thread: {@link Probes} (when to probe), {@link Waiters}
 * (WAIT) and {@link Expiry} (ttl leases) share it. Every change they find goes through the writer like any
 * other; their results become protocol replies here, through {@link MonitorReplies}.
 */
public final class Monitor {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);

    /** How often waiters and ttl deadlines are looked at. */
    static final long TICK_MILLIS = 100;

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portd-monitor");
        t.setDaemon(true);
        return t;
    });
    private final HostPorts ports;
    private final Probes<Reply> probes;
    private final Waiters<Reply> waiters;
    private final Expiry<Reply> expiry;
    private long ticks;

    public Monitor(Writer<Reply> writer, HostPorts ports, long intervalMillis, MetricRegistry metrics) {
        this.ports = ports;
        Caller self = new Caller(Paths.uid(), (int) ProcessHandle.current().pid(), "portd");
        Outcomes<Reply> replies = MonitorReplies.INSTANCE;
        this.waiters = new Waiters<>(thread, writer::table, ports, replies, this::probeForWaiters);
        this.probes = new Probes<>(thread, writer, ports, self, replies, waiters::probed, metrics.timer("probe"),
                intervalMillis);
        this.expiry = new Expiry<>(writer, self, replies);
    }

    /**
     * Probes once and commits what it found before serving (leases whose process died while portd was down
     * end now, before anyone can see them), then on schedule.
     */
    public void start() {
        CompletableFuture<Reply> first = new CompletableFuture<>();
        try {
            thread.execute(() -> probes.probe(first::complete));
            Reply r = first.get(30, TimeUnit.SECONDS);
            if (!r.ok()) {
                log.warn("first probe failed: {}", r.statusLine());
            }
        } catch (Exception e) {
            log.warn("first probe failed: {}", e.toString());
        }
        probes.schedule();
        thread.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        waiters.stop();
    }

    /** Waiters pay for a probe when one of their ports turns busy; they run on this thread already. */
    private void probeForWaiters() {
        probes.probe(null);
    }

    /** Ttl expiry once a second, waiters every tick. */
    private void tick() {
        try {
            if (++ticks % (1000 / TICK_MILLIS) == 0) {
                expiry.run();
            }
            waiters.poll();
        } catch (RuntimeException e) {
            log.warn("monitor tick failed: {}", e.toString());
        }
    }

    public long intervalMillis() {
        return probes.intervalMillis();
    }

    /** Changes the probe interval from now on (JMX). */
    public void setIntervalMillis(long millis) {
        probes.setIntervalMillis(millis);
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
        return waiters.count();
    }

    /** PROBE: {@code OK sockets= conflicts= millis=} once the findings are committed. */
    public void probeNow(Consumer<Reply> done) {
        probes.probeNow(done);
    }

    /**
     * WAIT: {@code OK bound [pid=N]} once something listens on the port, or {@code ERR TIMEOUT}. The
     * returned handle cancels the wait (the client went away).
     */
    public Runnable await(int port, long timeoutMillis, Consumer<Reply> done) {
        return waiters.await(port, timeoutMillis, done);
    }
}
