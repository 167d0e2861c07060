package dev.portd.jmx;

import javax.management.openmbean.TabularData;

/** {@code dev.portd:type=PortTable}: the table as STATS and LIST show it, and the lease verbs. */
public interface PortTableMBean {
    int getRangeLow();

    int getRangeHigh();

    String getPolicy();

    int getLeaseCount();

    int getFreeCount();

    int getReservedCount();

    int getConflictCount();

    /** One row per lease, ordered by port, with the LIST keys. */
    TabularData getLeases();

    /** ALLOC service: the port leased (or already held). */
    int allocate(String service);

    /** RELEASE service: the port freed. */
    int release(String service);

    /** GET service: the port, or -1 when the service holds none. */
    int lookup(String service);
}
