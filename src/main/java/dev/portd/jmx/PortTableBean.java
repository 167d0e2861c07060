package dev.portd.jmx;

import dev.portd.protocol.Rows;
import dev.portd.table.Lease;
import java.util.ArrayList;
import java.util.List;
import javax.management.openmbean.TabularData;

final class PortTableBean implements PortTableMBean {
    private final Managed portd;
    private final Operator operator;

    PortTableBean(Managed portd, Operator operator) {
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
        return operator.allocate(service);
    }

    @Override
    public int release(String service) {
        return operator.release(service);
    }

    @Override
    public int lookup(String service) {
        return operator.lookup(service);
    }
}
