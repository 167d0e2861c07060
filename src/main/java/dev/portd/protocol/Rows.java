package dev.portd.protocol;

import dev.portd.table.Conflict;
import dev.portd.table.Event;
import dev.portd.table.Health;
import dev.portd.table.Lease;

/** The table's records as the protocol shows them: the keys of LIST, HISTORY and CONFLICTS, in PROTOCOL.md's order. */
public final class Rows {
    private Rows() {}

    /** The LIST keys. */
    public static Row of(Lease l) {
        return Row.of("port", l.port())
                .put("service", l.service())
                .put("proto", l.proto().wire())
                .put("state", l.state().wire())
                .put("uid", l.uid())
                .put("pid", l.pid() > 0 ? l.pid() : null)
                .put("since", Values.time(l.since()))
                .put("expires", l.expires() > 0 ? Values.time(l.expires()) : null)
                .put("desc", l.desc());
    }

    /** A LIST line: the lease's keys, plus {@code health=} and {@code health_ms=} when it has a check. */
    public static Row of(Lease l, Health.Results results) {
        Row r = of(l);
        if (l.check() != null) {
            Health h = results.of(l);
            r.put("health", h.state().wire()).put("health_ms", h.millis() >= 0 ? h.millis() : null);
        }
        return r;
    }

    /** The HISTORY keys. */
    public static Row of(Event e) {
        return Row.of("time", Values.time(e.time()))
                .put("event", e.kind().wire())
                .put("service", e.service())
                .put("port", e.port() > 0 ? e.port() : null)
                .put("prev", e.prev() > 0 ? e.prev() : null)
                .put("uid", e.uid() >= 0 ? e.uid() : null)
                .put("pid", e.pid() > 0 ? e.pid() : null)
                .put("note", e.note());
    }

    /** The CONFLICTS keys. */
    public static Row of(Conflict c) {
        return Row.of("port", c.port()).put("kind", c.kind().wire()).put("service", c.service())
                .put("pid", c.pid() > 0 ? c.pid() : null).put("uid", c.uid()).put("cmd", c.cmd())
                .put("since", Values.time(c.since()));
    }
}
