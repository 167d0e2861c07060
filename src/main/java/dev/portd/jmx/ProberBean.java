package dev.portd.jmx;

import dev.portd.protocol.Reply;
import dev.portd.protocol.Values;
import java.util.List;
import java.util.Map;
import javax.management.openmbean.TabularData;

/** Conflicts and probeNow go through the CONFLICTS and PROBE verbs, so they say what the socket says. */
final class ProberBean implements ProberMBean {
    private final ProbeStatus status;
    private final Operator operator;

    ProberBean(ProbeStatus status, Operator operator) {
        this.status = status;
        this.operator = operator;
    }

    @Override
    public long getIntervalSeconds() {
        return status.intervalSeconds();
    }

    @Override
    public void setIntervalSeconds(long seconds) {
        if (seconds < 1) {
            throw new IllegalArgumentException("IntervalSeconds must be at least 1, not " + seconds);
        }
        status.intervalSeconds(seconds);
    }

    @Override
    public String getLastProbeTime() {
        long t = status.lastProbeTime();
        return t == 0 ? "never" : Values.time(t);
    }

    @Override
    public long getLastProbeMillis() {
        return status.lastProbeMillis();
    }

    @Override
    public int getSocketsSeen() {
        return status.socketsSeen();
    }

    @Override
    public TabularData getConflicts() {
        if (!Operator.has("CONFLICTS")) {
            return OpenRows.CONFLICT.table(List.of());
        }
        Reply r = Operator.check(operator.run("CONFLICTS", List.of(), Map.of()));
        return OpenRows.CONFLICT.table(r.rows());
    }

    @Override
    public String probeNow() {
        if (!Operator.has("PROBE")) {
            throw new IllegalStateException("probeNow is not available: this portd has no PROBE verb yet");
        }
        return operator.ok("PROBE");
    }
}
