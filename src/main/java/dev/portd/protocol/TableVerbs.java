package dev.portd.protocol;

import dev.portd.table.Conflict;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.FreePorts;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.PortdException;
import dev.portd.table.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The handlers of the verbs that read the committed table: CHECK, LIST, FREE, HISTORY, CONFLICTS, ENV, EXPORT. */
final class TableVerbs {
    private TableVerbs() {}

    static Reply check(Call c) {
        int port = Values.port("port", c.arg(0));
        Transport proto = c.has("proto") ? Transport.parse(c.option("proto")) : Transport.TCP;
        PortTable t = c.ctx().table();
        Lease l = t.leaseOn(port);
        if (l != null) {
            return Reply.ok("leased service=" + l.service(), Row.of("state", "leased").put("service", l.service())
                    .put("proto", l.proto().wire()).put("uid", l.uid()));
        }
        if (t.isReserved(port)) {
            String d = t.reservation(port);
            Row r = Row.of("state", "reserved").put("desc", d.isEmpty() ? null : d);
            return Reply.ok(d.isEmpty() ? "reserved" : "reserved " + r.line().substring("state=reserved ".length()), r);
        }
        PortUse use = c.ctx().portUse();
        if (use.inUse(port, proto) || !use.canBind(port, proto)) {
            PortUse.Owner o = use.owner(port);
            Row r = Row.of("state", "inuse");
            if (o != null && o.pid() > 0) {
                r.put("pid", o.pid()).put("cmd", o.cmd());
            }
            String extra = r.line().substring("state=inuse".length());
            return Reply.ok("inuse" + extra, r);
        }
        return Reply.ok("free", Row.of("state", "free"));
    }

    static Reply list(Call c) {
        String glob = c.arg(0);
        List<Row> rows = new ArrayList<>();
        for (Lease l : c.ctx().table().leases()) {
            if (glob == null || Glob.matches(glob, l.service())) {
                rows.add(Rows.of(l, c.ctx().health()));
            }
        }
        return Reply.rows(rows);
    }

    static Reply free(Call c) {
        int[] range = c.rangeOption();
        List<Row> rows = new ArrayList<>();
        int count = FreePorts.runs(c.ctx().table(), c.ctx().portUse(), range[0], range[1], (lo, hi) ->
                rows.add(Row.text(lo == hi ? Integer.toString(hi) : lo + "-" + hi).put("lo", lo).put("hi", hi)));
        return Reply.rows(rows, "free", count);
    }

    static Reply history(Call c) {
        String service = c.arg(0) == null ? null : Values.service(c.arg(0));
        int port = c.portOption("port");
        if (service != null && port != 0) {
            throw PortdException.badRequest("HISTORY takes a service or port=N, not both");
        }
        int limit = c.has("limit") ? Values.integer("limit", c.option("limit"), 1, 1_000_000) : 50;
        ArrayDeque<Row> last = new ArrayDeque<>(Math.min(limit, 1024));
        for (Event e : c.ctx().table().history()) {
            boolean match = service != null ? service.equals(e.service()) : port == 0 || e.port() == port || e.prev() == port;
            if (match) {
                if (last.size() == limit) {
                    last.removeFirst();
                }
                last.addLast(Rows.of(e));
            }
        }
        return Reply.rows(new ArrayList<>(last));
    }

    static Reply conflicts(Call c) {
        List<Row> rows = new ArrayList<>();
        for (Conflict x : c.ctx().table().conflicts().values()) {
            rows.add(Rows.of(x));
        }
        return Reply.rows(rows);
    }

    /** The named services' leases (NOTFOUND for one without), or every lease. */
    private static List<Lease> named(Call c) {
        if (c.args().isEmpty()) {
            return new ArrayList<>(c.ctx().table().leases());
        }
        List<Lease> out = new ArrayList<>();
        for (String s : c.args()) {
            out.add(c.lease(Values.service(s)));
        }
        return out;
    }

    static Reply env(Call c) {
        EnvFormat f = c.has("format") ? EnvFormat.parse(c.option("format")) : EnvFormat.DOTENV;
        List<Row> rows = new ArrayList<>();
        for (Lease l : named(c)) {
            String name = EnvFormat.name(l.service());
            rows.add(Row.text(f.line(name, l.port())).put("name", name).put("service", l.service()).put("port", l.port()));
        }
        return Reply.rows(rows);
    }

    static Reply export(Call c) {
        ExportFormat f = c.has("format") ? ExportFormat.parse(c.option("format")) : ExportFormat.PORTS;
        return Reply.rows(f.rows(c.ctx().table().leases()));
    }
}
