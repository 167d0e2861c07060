package dev.portd.metrics;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Dropwizard registry as Prometheus families. The client's {@link DropwizardExports} refuses to make
 * two families of one name, and {@link Naming} gives {@code requests.ALLOC} and {@code requests.LIST} the
 * one name {@code portd_requests_seconds}: so each Dropwizard metric is converted by an exporter of its
 * own, and the results of one name are joined into one family with a data point per label value, with
 * the help text of {@link Families}.
 */
final class Exposition implements MultiCollector {
    private final MetricRegistry registry;
    private final Naming naming = new Naming();
    /** Dropwizard name -> its exporter; the scrape worker's alone. */
    private final Map<String, DropwizardExports> exports = new HashMap<>();

    Exposition(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MetricSnapshots collect() {
        Set<String> names = registry.getNames();
        exports.keySet().retainAll(names);
        Map<String, List<MetricSnapshot>> byName = new TreeMap<>();
        for (String n : names) {
            DropwizardExports e = exports.computeIfAbsent(n,
                    k -> new DropwizardExports(registry, (name, metric) -> name.equals(k), naming));
            for (MetricSnapshot s : e.collect()) {
                byName.computeIfAbsent(s.getMetadata().getPrometheusName(), k -> new ArrayList<>()).add(s);
            }
        }
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        for (List<MetricSnapshot> family : byName.values()) {
            out.metricSnapshot(join(family));
        }
        return out.build();
    }

    private static MetricSnapshot join(List<MetricSnapshot> family) {
        MetricSnapshot first = family.get(0);
        Families.Family f = Families.named(first.getMetadata().getPrometheusName());
        MetricMetadata meta = f == null ? first.getMetadata() : new MetricMetadata(f.name(), f.help());
        if (first instanceof GaugeSnapshot) {
            return new GaugeSnapshot(meta, points(family, GaugeSnapshot.GaugeDataPointSnapshot.class));
        } else if (first instanceof CounterSnapshot) {
            return new CounterSnapshot(meta, points(family, CounterSnapshot.CounterDataPointSnapshot.class));
        } else if (first instanceof SummarySnapshot) {
            return new SummarySnapshot(meta, points(family, SummarySnapshot.SummaryDataPointSnapshot.class));
        }
        throw new IllegalStateException(meta.getName() + ": DropwizardExports made a " + first.getClass().getSimpleName());
    }

    /** Every data point of the family; a Dropwizard metric of another kind under the same name fails the scrape. */
    private static <T> List<T> points(List<MetricSnapshot> family, Class<T> kind) {
        List<T> out = new ArrayList<>();
        for (MetricSnapshot s : family) {
            s.getDataPoints().forEach(p -> out.add(kind.cast(p)));
        }
        return out;
    }
}
