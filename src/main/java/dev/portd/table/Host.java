package dev.portd.table;

import java.util.List;

/**
 * What the table needs to know about the host to judge its leases: who holds a port, as one probe
 * saw it, and whether a lease's process is still the same live process. The prober answers it from
 * /proc; the table itself reads nothing of the host.
 */
public interface Host {

    /** The sockets on {@code port}, any transport; empty if none. */
    List<Holder> holders(int port);

    /** Occupied ports within [from, to] inclusive, ascending. */
    int[] ports(int from, int to);

    /** True if {@code pid} exists with this start time and has not exited (a recycled pid does not count). */
    boolean isAlive(int pid, long startTime);

    /** True if {@code pid} is {@code ancestor} or one of its descendants. */
    boolean isSelfOrDescendant(int pid, int ancestor);
}
