package dev.portd.protocol;

import dev.portd.table.Check;
import dev.portd.table.ErrorCode;
import dev.portd.table.Health;
import dev.portd.table.Lease;
import dev.portd.table.PortdException;
import java.util.ArrayList;
import java.util.List;

/** The protocol's side of health checks: ALLOC's {@code check=} keys, LIST's health keys, and HEALTH. */
final class HealthVerb {
    private HealthVerb() {}

    static final String USAGE = "HEALTH [service]";
    static final String SUMMARY = "the health of leases that have a check, one line each";
    static final String DETAILS = """
            Keys: service port check health health_ms checked since check_interval note. health is ok, failing
            or unknown (not checked since the lease began or portd started); health_ms is how long the last
            check took, checked when it ended, since when the health is what it is, note what it found.""";

    /** ALLOC's {@code check=} and {@code check_interval=} (default 10s, at least 1s), or null without them. */
    static Check checkOption(Call c) {
        if (!c.has("check")) {
            if (c.has("check_interval")) {
                throw PortdException.badRequest("check_interval= needs check=tcp or check=http:PATH");
            }
            return null;
        }
        long every = c.has("check_interval") ? c.durationOption("check_interval") : Check.DEFAULT_INTERVAL_MILLIS;
        return Check.parse(c.option("check"), every);
    }

    static Reply health(Call c) {
        Health.Results results = c.ctx().health();
        List<Row> rows = new ArrayList<>();
        if (c.arg(0) != null) {
            String service = Values.service(c.arg(0));
            Lease l = c.ctx().table().lease(service);
            if (l == null) {
                throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
            }
            add(rows, l, results);
        } else {
            for (Lease l : c.ctx().table().leases()) {
                add(rows, l, results);
            }
        }
        return Reply.rows(rows);
    }

    private static void add(List<Row> rows, Lease l, Health.Results results) {
        if (l.check() == null) {
            return;
        }
        Health h = results.of(l);
        rows.add(Row.of("service", l.service())
                .put("port", l.port())
                .put("check", l.check().wire())
                .put("health", h.state().wire())
                .put("health_ms", h.millis() >= 0 ? h.millis() : null)
                .put("checked", h.checked() > 0 ? Values.time(h.checked()) : null)
                .put("since", Values.time(h.since()))
                .put("check_interval", l.check().intervalText())
                .put("note", h.note()));
    }
}
