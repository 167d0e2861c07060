package dev.portd.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a Dropwizard name becomes a Prometheus metric family: its name, the label a {@code *} becomes, and
 * its help text. The one table: the README's metrics table says the same, and a test keeps every family
 * a scrape shows documented there.
 */
final class Families {
    private Families() {}

    /** {@code dropwizard}: a name, or a prefix and {@code .*}, whose part becomes {@code label}. */
    record Family(String dropwizard, String name, String label, String help) {
        boolean glob() {
            return dropwizard.endsWith(".*");
        }
    }

    static final List<Family> ALL = List.of(
            new Family("leases", "portd_leases", null, "Leases in the table."),
            new Family("leases.*", "portd_leases_by_state", "state",
                    "Leases by what the prober last saw on their port: leased (nothing yet), bound (its owner"
                            + " listens), conflict (another process holds it)."),
            new Family("free", "portd_free_ports", null,
                    "Ports of the managed range neither leased, reserved nor seen in use."),
            new Family("range", "portd_range_ports", null, "Ports in the managed range (the range setting)."),
            new Family("reserved", "portd_reserved_ports", null, "Ports set aside with RESERVE."),
            new Family("conflicts", "portd_conflicts", null, "Leased ports another process holds (CONFLICTS)."),
            new Family("connections", "portd_connections", null, "Client connections open now."),
            new Family("requests", "portd_requests", null, "Requests answered, unknown verbs too (STATS requests)."),
            new Family("requests.*", "portd_requests_seconds", "verb",
                    "Time from a request's line to its reply, by verb; _count: requests of that verb answered."),
            new Family("errors.*", "portd_errors", "code", "ERR replies by error code."),
            new Family("portserver.*", "portd_portserver_requests", "outcome",
                    "Requests on the portserver endpoint, by outcome."),
            new Family("store.commit", "portd_store_commit_seconds", null,
                    "Time to append one batch of changes to the journal and force it to disk."),
            new Family("store.batch", "portd_store_batch_requests", null, "Requests made durable by one commit."),
            new Family("store.file_bytes", "portd_store_file_bytes", null, "Size of the store file (portd.db)."),
            new Family("store.journal_bytes", "portd_store_journal_bytes", null, "Size of the journal."),
            new Family("store.journal_records", "portd_store_journal_records", null,
                    "Journal records since the last checkpoint: what a start would replay."),
            new Family("store.last_commit", "portd_store_last_commit_timestamp_seconds", null,
                    "When the last commit was made durable (Unix time; 0: none since start)."),
            new Family("store.last_checkpoint", "portd_store_last_checkpoint_timestamp_seconds", null,
                    "When the last checkpoint was written (Unix time; 0: none since start)."),
            new Family("probe", "portd_probe_seconds", null, "Time to read /proc for one probe."),
            new Family("probe.sockets", "portd_probe_sockets", null, "Sockets the last probe saw."),
            new Family("probe.last", "portd_probe_last_timestamp_seconds", null,
                    "When the last probe was taken (Unix time; 0: none yet)."),
            new Family("health.*", "portd_health", "state", "Leases by health state."));

    private static final Map<String, Family> BY_NAME = new HashMap<>();

    static {
        for (Family f : ALL) {
            BY_NAME.put(f.name(), f);
        }
    }

    /** The family of a Prometheus name, or null for a Dropwizard metric this table does not know. */
    static Family named(String prometheusName) {
        return BY_NAME.get(prometheusName);
    }

    /** Dropwizard names without a {@code *} -> Prometheus names. */
    static Map<String, String> plain() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Family f : ALL) {
            if (!f.glob()) {
                out.put(f.dropwizard(), f.name());
            }
        }
        return out;
    }

    /** The families with a {@code *}, in order. */
    static List<Family> globs() {
        List<Family> out = new ArrayList<>();
        for (Family f : ALL) {
            if (f.glob()) {
                out.add(f);
            }
        }
        return out;
    }
}
