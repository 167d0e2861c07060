package dev.portd.jmx;

import javax.management.openmbean.TabularData;

/** {@code dev.portd:type=Prober}: the occupancy prober. */
public interface ProberMBean {
    long getIntervalSeconds();

    void setIntervalSeconds(long seconds);

    /** ISO 8601 UTC, or "never" (as STATS last_probe). */
    String getLastProbeTime();

    long getLastProbeMillis();

    int getSocketsSeen();

    /** One row per conflict with the CONFLICTS keys, by port. */
    TabularData getConflicts();

    /** PROBE: probes now; the reply's {@code sockets=N conflicts=N millis=N}. */
    String probeNow();
}
