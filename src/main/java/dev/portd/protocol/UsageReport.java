package dev.portd.protocol;

import dev.portd.table.PortTable;
import dev.portd.table.PortUsage;
import dev.portd.table.PortdException;
import java.util.ArrayList;
import java.util.List;

/** USAGE: how each port has been used, read from the published table like LIST. */
final class UsageReport {
    private UsageReport() {}

    static final String SUMMARY = "how often and how long each port was leased, one line per port ever leased";

    /** The keys of USAGE's lines, in order. */
    static final String[] COLUMNS = {"port", "allocs", "leased_s", "last_service", "last"};

    static final String DETAILS = """
            allocs counts leases of the port: an ALLOC onto it, or a RESOLVE that moved a lease onto it (a swap
            is one for each port). leased_s is the time held in all, the current lease counted up to now.
            last_service had the port last (holds it still, if leased), since last.""";

    static Reply usage(Call c) {
        if (c.has("port") && c.has("range")) {
            throw PortdException.badRequest("USAGE takes port=N or range=LO-HI, not both");
        }
        int lo = 1;
        int hi = 65535;
        if (c.has("port")) {
            lo = hi = c.portOption("port");
        } else if (c.has("range")) {
            int[] r = Values.range("range", c.option("range"));
            lo = r[0];
            hi = r[1];
        }
        PortTable t = c.ctx().table();
        long now = System.currentTimeMillis();
        List<Row> rows = new ArrayList<>();
        t.usage().subMap(lo, true, hi, true).forEach((port, u) -> rows.add(row(port, u, t.leaseOn(port) != null, now)));
        return Reply.rows(rows);
    }

    static Row row(int port, PortUsage u, boolean held, long now) {
        return Row.of("port", port)
                .put("allocs", u.allocs())
                .put("leased_s", u.leasedMillis(held, now) / 1000)
                .put("last_service", u.lastService())
                .put("last", Values.time(u.lastMillis()));
    }
}
