package dev.portd.jmx;

import dev.portd.protocol.Row;
import dev.portd.protocol.Rows;
import dev.portd.protocol.Values;
import dev.portd.table.Conflict;
import java.util.ArrayList;
import java.util.List;
import javax.management.openmbean.TabularData;

/** The prober's last probe, as STATS shows it; probeNow does what PROBE does. */
final class ProberBean implements ProberMBean {
    private final Managed portd;
    private final Operator operator;

    ProberBean(Managed portd, Operator operator) {
        this.portd = portd;
        this.operator = operator;
    }

    private Managed.Prober monitor() {
        return portd.prober();
    }

    @Override
    public long getIntervalSeconds() {
        return monitor().intervalMillis() / 1000;
    }

    @Override
    public void setIntervalSeconds(long seconds) {
        if (seconds < 1 || seconds > 86_400) {
            throw new IllegalArgumentException("IntervalSeconds must be from 1 to 86400, not " + seconds);
        }
        monitor().setIntervalMillis(seconds * 1000);
    }

    @Override
    public String getLastProbeTime() {
        long t = monitor().lastTimeMillis();
        return t == 0 ? "never" : Values.time(t);
    }

    @Override
    public long getLastProbeMillis() {
        return monitor().lastDurationMillis();
    }

    @Override
    public int getSocketsSeen() {
        return monitor().socketsSeen();
    }

    @Override
    public TabularData getConflicts() {
        List<Row> rows = new ArrayList<>();
        for (Conflict c : portd.table().conflicts().values()) {
            rows.add(Rows.of(c));
        }
        return OpenRows.CONFLICT.table(rows);
    }

    @Override
    public String probeNow() {
        return operator.probeNow();
    }
}
