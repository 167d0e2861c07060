package dev.portd.metrics;

import com.codahale.metrics.MetricRegistry;
import dev.portd.probe.Occupancy;
import dev.portd.store.Checkpoints;
import dev.portd.store.Writer;
import dev.portd.table.Lease;
import dev.portd.table.LeaseState;
import dev.portd.table.PortTable;
import java.util.function.Supplier;

/**
 * The figures STATS and the JMX Store and Prober beans show that the Dropwizard registry had no metric
 * for, as gauges: read only when JMX or a scrape asks, from the published table and the writer's
 * volatile fields, so they cost the request path nothing.
 */
public final class Gauges {
    private Gauges() {}

    public static void register(MetricRegistry metrics, Writer<?> writer, Checkpoints checkpoints,
                                Supplier<Occupancy> probe) {
        metrics.gauge("range", () -> () -> writer.config().hi() - writer.config().lo() + 1);
        metrics.gauge("conflicts", () -> () -> writer.table().conflicts().size());
        for (LeaseState s : LeaseState.values()) {
            metrics.gauge("leases." + s.wire(), () -> () -> count(writer.table(), s));
        }
        metrics.gauge("store.file_bytes", () -> () -> writer.store().fileBytes());
        metrics.gauge("store.journal_bytes", () -> () -> writer.store().journalBytes());
        metrics.gauge("store.journal_records", () -> checkpoints::recordsSince);
        metrics.gauge("store.last_commit", () -> () -> seconds(writer.lastCommitMillis()));
        metrics.gauge("store.last_checkpoint", () -> () -> seconds(checkpoints.lastMillis()));
        metrics.gauge("probe.sockets", () -> () -> probe.get().socketCount());
        metrics.gauge("probe.last", () -> () -> seconds(probe.get().timeMillis()));
    }

    private static int count(PortTable t, LeaseState state) {
        int n = 0;
        for (Lease l : t.leases()) {
            if (l.state() == state) {
                n++;
            }
        }
        return n;
    }

    private static double seconds(long epochMillis) {
        return epochMillis / 1000.0;
    }
}
