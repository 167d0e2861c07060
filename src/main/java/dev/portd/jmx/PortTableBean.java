package dev.portd.jmx;

import dev.portd.daemon.Portd;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Rows;
import dev.portd.table.ErrorCode;
import dev.portd.table.Lease;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.openmbean.TabularData;

final class PortTableBean implements PortTableMBean {
    private final Portd portd;
    private final Operator operator;

    PortTableBean(Portd portd, Operator operator) {
        this.portd = portd;
        this.operator = operator;
    }

    @Override
    public int getRangeLow() {
        return portd.tableConfig().lo();
    }

    @Override
    public int getRangeHigh() {
        return portd.tableConfig().hi();
    }

    @Override
    public String getPolicy() {
        return portd.tableConfig().policy().wire();
    }

    @Override
    public int getLeaseCount() {
        return portd.table().leaseCount();
    }

    @Override
    public int getFreeCount() {
        return portd.freePorts();
    }

    @Override
    public int getReservedCount() {
        return portd.table().reservations().size();
    }

    @Override
    public int getConflictCount() {
        return portd.table().conflicts().size();
    }

    @Override
    public TabularData getLeases() {
        List<dev.portd.protocol.Row> rows = new ArrayList<>();
        for (Lease l : portd.table().leases()) {
            rows.add(Rows.of(l, portd.health()));
        }
        return OpenRows.LEASE.table(rows);
    }

    @Override
    public int allocate(String service) {
        return Integer.parseInt(operator.ok("ALLOC", nonNull(service)));
    }

    @Override
    public int release(String service) {
        return Integer.parseInt(operator.ok("RELEASE", nonNull(service)));
    }

    @Override
    public int lookup(String service) {
        Reply r = operator.run("GET", List.of(nonNull(service)), Map.of());
        if (r.error() == ErrorCode.NOTFOUND) {
            return -1;
        }
        return Integer.parseInt(Operator.check(r).status());
    }

    /** A generic client may send null; the verb table then names what is missing. */
    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
