package dev.portd.probe;

import dev.portd.table.Holder;
import dev.portd.table.Host;
import dev.portd.table.Transport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Immutable snapshot of the ports in use on the host, as seen by one {@link Prober#probe()}.
 *
 * <p>Safe to read from any number of threads without locks: every field is final and built before
 * the constructor returns, so publishing the reference (e.g. through a volatile field) is enough.
 * Size and build cost follow the number of sockets, not the port space: occupied ports are held in
 * a sorted array (for ordered and range queries) plus a small open-addressing index for O(1)
 * lookup by port.
 *
 * <p>As the table's {@link Host} it also answers the process questions; those are asked of /proc
 * when asked ({@link Processes}), not taken from the snapshot, because a process can exit between probes.
 */
public final class Occupancy implements Host {

    private static final byte TCP_BIT = 1;
    private static final byte UDP_BIT = 2;
    private static final Comparator<Holder> ORDER =
            Comparator.comparingInt(Holder::port)
                    .thenComparing(Holder::proto)
                    .thenComparing(Holder::ipv6)
                    .thenComparingLong(Holder::inode);

    /** No sockets at all; a safe initial value before the first probe. */
    public static final Occupancy EMPTY = of(0L, 0L, 0, List.of());

    private final long timeMillis;
    private final long durationMillis;
    private final int malformedLines;
    private final int socketCount;

    /** Distinct occupied ports, ascending. */
    private final int[] ports;
    /** holders of ports[i], in a stable order. */
    private final List<Holder>[] holders;
    /** TCP_BIT | UDP_BIT for ports[i]. */
    private final byte[] protos;
    /** Open-addressing table: slot -> index into ports + 1, 0 = empty. Power-of-two length. */
    private final int[] slots;

    private Occupancy(long timeMillis, long durationMillis, int malformedLines, List<Holder> sorted) {
        this.timeMillis = timeMillis;
        this.durationMillis = durationMillis;
        this.malformedLines = malformedLines;
        this.socketCount = sorted.size();

        int distinct = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (i == 0 || sorted.get(i).port() != sorted.get(i - 1).port()) {
                distinct++;
            }
        }
        int[] ports = new int[distinct];
        @SuppressWarnings("unchecked")
        List<Holder>[] holders = new List[distinct];
        byte[] protos = new byte[distinct];
        int k = 0;
        int i = 0;
        while (i < sorted.size()) {
            int port = sorted.get(i).port();
            int j = i;
            byte bits = 0;
            while (j < sorted.size() && sorted.get(j).port() == port) {
                bits |= sorted.get(j).proto() == Transport.TCP ? TCP_BIT : UDP_BIT;
                j++;
            }
            ports[k] = port;
            holders[k] = List.copyOf(sorted.subList(i, j));
            protos[k] = bits;
            k++;
            i = j;
        }

        // Load factor <= 0.5 keeps linear probing short.
        int[] slots = new int[Math.max(16, Integer.highestOneBit(Math.max(1, distinct) * 2) << 1)];
        int mask = slots.length - 1;
        for (k = 0; k < distinct; k++) {
            int s = hash(ports[k]) & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = k + 1;
        }
        this.ports = ports;
        this.holders = holders;
        this.protos = protos;
        this.slots = slots;
    }

    /**
     * Builds a snapshot from holders in any order. Public so that callers can test their own logic
     * against a made-up host.
     */
    public static Occupancy of(long timeMillis, long durationMillis, int malformedLines, Collection<Holder> holders) {
        List<Holder> sorted = new ArrayList<>(holders);
        sorted.sort(ORDER);
        for (Holder h : sorted) {
            if (h.port() < 1 || h.port() > 65535) {
                throw new IllegalArgumentException("port out of range: " + h);
            }
        }
        return new Occupancy(timeMillis, durationMillis, malformedLines, sorted);
    }

    /** Wall clock (epoch millis) when the probe started. */
    public long timeMillis() {
        return timeMillis;
    }

    /** How long the probe took. */
    public long durationMillis() {
        return durationMillis;
    }

    /** Sockets that occupy a port: TCP listeners plus bound UDP sockets, over IPv4 and IPv6. */
    public int socketCount() {
        return socketCount;
    }

    /** Lines of the socket tables that could not be parsed and were skipped. */
    public int malformedLines() {
        return malformedLines;
    }

    /** The sockets on {@code port}, any transport; empty if none or the port is out of range. */
    @Override
    public List<Holder> holders(int port) {
        int k = indexOf(port);
        return k < 0 ? List.of() : holders[k];
    }

    /** Whether a socket of {@code proto} (of either, for BOTH) is on the port. */
    public boolean occupied(int port, Transport proto) {
        int k = indexOf(port);
        return k >= 0 && (protos[k] & ((proto.tcp() ? TCP_BIT : 0) | (proto.udp() ? UDP_BIT : 0))) != 0;
    }

    public boolean occupied(int port) {
        return indexOf(port) >= 0;
    }

    /** Number of distinct occupied ports. */
    public int portCount() {
        return ports.length;
    }

    /** Occupied ports, ascending (a copy). */
    public int[] ports() {
        return ports.clone();
    }

    /** Occupied ports within [from, to] inclusive, ascending; cost follows the answer, not the range. */
    @Override
    public int[] ports(int from, int to) {
        if (from > to) {
            return new int[0];
        }
        int a = lowerBound(from);
        int b = lowerBound(to + 1L);
        return Arrays.copyOfRange(ports, a, b);
    }

    @Override
    public boolean isAlive(int pid, long startTime) {
        return Processes.isAlive(pid, startTime);
    }

    @Override
    public boolean isSelfOrDescendant(int pid, int ancestor) {
        return Processes.isSelfOrDescendant(pid, ancestor);
    }

    /** Every holder, ordered by port. */
    public List<Holder> holders() {
        List<Holder> all = new ArrayList<>(socketCount);
        for (List<Holder> l : holders) {
            all.addAll(l);
        }
        return List.copyOf(all);
    }

    @Override
    public String toString() {
        return "Occupancy[sockets=" + socketCount + ", ports=" + ports.length + ", malformed=" + malformedLines
                + ", timeMillis=" + timeMillis + ", durationMillis=" + durationMillis + "]";
    }

    private int indexOf(int port) {
        if (port < 1 || port > 65535) {
            return -1;
        }
        int mask = slots.length - 1;
        for (int s = hash(port) & mask; ; s = (s + 1) & mask) {
            int v = slots[s];
            if (v == 0) {
                return -1;
            }
            if (ports[v - 1] == port) {
                return v - 1;
            }
        }
    }

    /** First index whose port is >= key. */
    private int lowerBound(long key) {
        int lo = 0;
        int hi = ports.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ports[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Ports arrive in runs (ephemeral ranges), so spread them before masking. */
    private static int hash(int port) {
        int h = port * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
