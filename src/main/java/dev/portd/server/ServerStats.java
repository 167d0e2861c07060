package dev.portd.server;

import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metered;
import com.codahale.metrics.MetricRegistry;
import dev.portd.protocol.Portserver;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.protocol.Row;
import dev.portd.protocol.Verb;
import dev.portd.protocol.Verbs;
import com.codahale.metrics.Timer;
import dev.portd.table.ErrorCode;
import java.util.IdentityHashMap;
import java.util.concurrent.TimeUnit;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** Connection and request counts, shared by every connection; the connection limit lives here. */
public final class ServerStats {
    private final int maxConnections;
    private final AtomicInteger connections = new AtomicInteger();
    private final Meter unknownVerbs = new Meter();
    private final Map<ErrorCode, Meter> errors = new EnumMap<>(ErrorCode.class);
    private final Map<Verb, Timer> verbs = new IdentityHashMap<>();
    private final Map<Portserver.Outcome, Meter> portserver = new EnumMap<>(Portserver.Outcome.class);

    public ServerStats(int maxConnections, MetricRegistry metrics) {
        this.maxConnections = maxConnections;
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, metrics.meter("errors." + c.name()));
        }
        for (Verb v : Verbs.all()) {
            // Every request updates one: the lock-free reservoir keeps that off the event loop's critical path.
            verbs.put(v, metrics.timer("requests." + v.name(),
                    () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build())));
        }
        metrics.register("requests", new AllRequests()); // STATS requests and the JMX meter are the same count
        metrics.gauge("connections", () -> connections::get);
        for (Portserver.Outcome o : Portserver.Outcome.values()) {
            portserver.put(o, metrics.meter("portserver." + o.key()));
        }
    }

    /** Counts a new connection; false (and not counted) when it would exceed the limit. */
    boolean opened() {
        if (connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    void closed() {
        connections.decrementAndGet();
    }

    /** A reply made: its verb's timer, or the count of unknown verbs; for a line that was no request (null), neither. */
    void replied(Request req, long startNanos, Reply r) {
        if (req != null) {
            Timer t = req.command() == null ? null : verbs.get(req.command());
            if (t != null) {
                t.update(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            } else {
                unknownVerbs.mark();
            }
        }
        if (!r.ok()) {
            errors.get(r.error()).mark();
        }
    }

    /** Counts how a portserver request ended. */
    void portserver(Portserver.Outcome outcome) {
        portserver.get(outcome).mark();
    }

    /** Portserver requests that ended so, since start. */
    public long portserverCount(Portserver.Outcome outcome) {
        return portserver.get(outcome).getCount();
    }

    /** STATS: {@code portserver_served}, then one {@code portserver_<why>} per kind of request that got no port. */
    public void addPortserverTo(Row stats) {
        for (Portserver.Outcome o : Portserver.Outcome.values()) {
            stats.put("portserver_" + o.key(), portserver.get(o).getCount());
        }
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int connections() {
        return connections.get();
    }

    public long requests() {
        return all(Metered::getCount);
    }

    private long all(ToLongFunction<Metered> f) {
        return f.applyAsLong(unknownVerbs) + verbs.values().stream().mapToLong(f).sum();
    }

    private double all(ToDoubleFunction<Metered> f) {
        return f.applyAsDouble(unknownVerbs) + verbs.values().stream().mapToDouble(f).sum();
    }

    /**
     * The {@code requests} meter: the verbs' timers and the unknown verbs added up when read, rather than a
     * meter of its own marked by every request (a clock read and four atomic adds each, on the event loop).
     */
    private final class AllRequests extends Meter {
        @Override
        public void mark(long n) {
            unknownVerbs.mark(n); // nobody marks it; were someone to, the count still adds up
        }

        @Override
        public long getCount() {
            return requests();
        }

        @Override
        public double getMeanRate() {
            return all(Metered::getMeanRate);
        }

        @Override
        public double getOneMinuteRate() {
            return all(Metered::getOneMinuteRate);
        }

        @Override
        public double getFiveMinuteRate() {
            return all(Metered::getFiveMinuteRate);
        }

        @Override
        public double getFifteenMinuteRate() {
            return all(Metered::getFifteenMinuteRate);
        }
    }
}
