/**
 * Occupancy prober: which ports are in use on this host, and by whom, read from the kernel's own
 * socket tables ({@code /proc/net/tcp*}, {@code /proc/net/udp*}) and {@code /proc/<pid>/fd}.
 *
 * <p>Intended use: one thread calls {@link dev.portd.probe.Prober#probe()} on a fixed period and
 * publishes the resulting immutable {@link dev.portd.probe.Occupancy} through a volatile field;
 * request threads read it without locks. If a probe throws, keep the previous snapshot.
 * {@link dev.portd.probe.Processes} answers the per-lease questions (is the leasing process still
 * the same one, is a socket's owner inside its process tree). The snapshot is the table's
 * {@link dev.portd.table.Host}, made of the table's {@link dev.portd.table.Holder} values; besides
 * those only the JDK is used, and Netty's native epoll socket for {@link dev.portd.probe.BindCheck}'s
 * test bind where it loads (it binds with fewer syscalls and objects than an NIO channel).
 */
package dev.portd.probe;
