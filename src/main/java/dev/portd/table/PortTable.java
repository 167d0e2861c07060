package dev.portd.table;

import java.util.Collection;
import java.util.Map;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * One committed version of the whole table: leases, reservations, recent history and each port's usage. Immutable,
 * built from persistent maps, so the writer derives the next version cheaply and readers on any
 * thread use the version they hold without locks.
 */
public final class PortTable {
    final PMap<String, Lease> byService;
    final PSortedMap<Integer, Lease> byPort;
    final PSortedMap<Integer, String> reserved;
    /** Ports that are leased or reserved: automatic choice skips them. */
    final PortSet taken;
    final PMap<Integer, Integer> leasesPerUid;
    final int lastPort;
    final PSortedMap<Long, Event> history;
    final long nextSeq;
    /** What the last probe found wrong, by port. Derived from the host, so not stored. */
    final PSortedMap<Integer, Conflict> conflicts;
    /** Every port ever leased, with how it was used: one tree path copied per change. */
    final PSortedMap<Integer, PortUsage> usage;

    PortTable(PMap<String, Lease> byService, PSortedMap<Integer, Lease> byPort, PSortedMap<Integer, String> reserved,
              PortSet taken, PMap<Integer, Integer> leasesPerUid, int lastPort, PSortedMap<Long, Event> history,
              long nextSeq, PSortedMap<Integer, Conflict> conflicts, PSortedMap<Integer, PortUsage> usage) {
        this.byService = byService;
        this.byPort = byPort;
        this.reserved = reserved;
        this.taken = taken;
        this.leasesPerUid = leasesPerUid;
        this.lastPort = lastPort;
        this.history = history;
        this.nextSeq = nextSeq;
        this.conflicts = conflicts;
        this.usage = usage;
    }

    public static final PortTable EMPTY = new PortTable(HashTreePMap.empty(), TreePMap.empty(), TreePMap.empty(),
            PortSet.EMPTY, HashTreePMap.empty(), 0, TreePMap.empty(), 1, TreePMap.empty(), TreePMap.empty());

    /** Rebuilds a table from what the store holds (at start-up). */
    public static PortTable load(Collection<Lease> leases, Map<Integer, String> reserved, Collection<Event> history,
                                 int lastPort) {
        PortTable t = EMPTY;
        for (Lease l : leases) {
            t = t.put(l);
        }
        for (Map.Entry<Integer, String> r : reserved.entrySet()) {
            t = t.reserve(r.getKey(), r.getValue());
        }
        PSortedMap<Long, Event> h = TreePMap.empty();
        long next = 1;
        for (Event e : history) {
            h = h.plus(e.seq(), e);
            next = Math.max(next, e.seq() + 1);
        }
        return new PortTable(t.byService, t.byPort, t.reserved, t.taken, t.leasesPerUid, lastPort, h, next,
                TreePMap.empty(), TreePMap.empty());
    }

    public Lease lease(String service) {
        return byService.get(service);
    }

    public Lease leaseOn(int port) {
        return byPort.get(port);
    }

    /** Leases ordered by port. */
    public Collection<Lease> leases() {
        return byPort.values();
    }

    public int leaseCount() {
        return byService.size();
    }

    public String reservation(int port) {
        return reserved.get(port);
    }

    public boolean isReserved(int port) {
        return reserved.containsKey(port);
    }

    public PSortedMap<Integer, String> reservations() {
        return reserved;
    }

    public PortSet taken() {
        return taken;
    }

    public int leasesOf(int uid) {
        return leasesPerUid.getOrDefault(uid, 0);
    }

    public int lastPort() {
        return lastPort;
    }

    /** History, oldest first. */
    public Collection<Event> history() {
        return history.values();
    }

    /** Conflicts by port, as of the last probe. */
    public PSortedMap<Integer, Conflict> conflicts() {
        return conflicts;
    }

    public long nextSeq() {
        return nextSeq;
    }

    /** Usage by port, for every port ever leased. */
    public PSortedMap<Integer, PortUsage> usage() {
        return usage;
    }

    // ---- replaying a journal record: the same derivations as Batch's, applied to stored changes ----

    /** This table with {@code l} as its service's lease (replacing the one it had). */
    public PortTable withLease(Lease l) {
        return put(l);
    }

    /** This table without the service's lease, if it had one. */
    public PortTable withoutLease(String service) {
        Lease l = byService.get(service);
        return l == null ? this : remove(l);
    }

    /** This table with the port reserved ({@code desc} non-null) or not ({@code desc} null). */
    public PortTable withReservation(int port, String desc) {
        return desc != null ? reserve(port, desc) : reserved.containsKey(port) ? unreserve(port) : this;
    }

    /** This table with the event appended to its history, trimmed to {@code historyMax}. */
    public PortTable withEvent(Event e, int historyMax) {
        return append(e, historyMax);
    }

    /** This table with the port's usage as given (a journal record's, or the store file's). */
    public PortTable withUsage(int port, PortUsage u) {
        return new PortTable(byService, byPort, reserved, taken, leasesPerUid, lastPort, history, nextSeq, conflicts,
                usage.plus(port, u));
    }

    /** This table with the store file's usage, all at once. */
    public PortTable withUsage(java.util.SortedMap<Integer, PortUsage> all) {
        return new PortTable(byService, byPort, reserved, taken, leasesPerUid, lastPort, history, nextSeq, conflicts,
                TreePMap.fromSortedMap(all));
    }

    /**
     * This table with every lease counted on its port. A store that began counting after its leases were
     * made (written by an older portd, or restored from a backup) starts from the leases it holds: each
     * is one lease of its port, held since it was made. A table kept by the writer has nothing to add.
     */
    public PortTable withHoldersCounted() {
        PortTable t = this;
        for (Lease l : byPort.values()) {
            PortUsage u = usage.get(l.port());
            if (u == null || !l.service().equals(u.lastService()) || u.lastMillis() < l.since()) {
                t = t.withUsage(l.port(), (u == null ? PortUsage.NONE : u).leased(l.service(), l.since()));
            }
        }
        return t;
    }

    // ---- derivations, used by Batch only ----

    PortTable put(Lease l) {
        Lease old = byService.get(l.service());
        PortTable t = old == null ? this : remove(old);
        return new PortTable(t.byService.plus(l.service(), l), t.byPort.plus(l.port(), l), t.reserved,
                t.taken.with(l.port()), t.leasesPerUid.plus(l.uid(), t.leasesOf(l.uid()) + 1), t.lastPort, t.history,
                t.nextSeq, t.conflicts, t.usage);
    }

    PortTable remove(Lease l) {
        int n = leasesOf(l.uid()) - 1;
        // Replaying a swap sets the first lease on the port the second still holds; the port stays the first's.
        Lease on = byPort.get(l.port());
        boolean holds = on != null && on.service().equals(l.service());
        return new PortTable(byService.minus(l.service()), holds ? byPort.minus(l.port()) : byPort, reserved,
                !holds || reserved.containsKey(l.port()) ? taken : taken.without(l.port()),
                n <= 0 ? leasesPerUid.minus(l.uid()) : leasesPerUid.plus(l.uid(), n), lastPort, history, nextSeq, conflicts,
                usage);
    }

    PortTable reserve(int port, String desc) {
        return new PortTable(byService, byPort, reserved.plus(port, desc == null ? "" : desc), taken.with(port),
                leasesPerUid, lastPort, history, nextSeq, conflicts, usage);
    }

    PortTable unreserve(int port) {
        return new PortTable(byService, byPort, reserved.minus(port),
                byPort.containsKey(port) ? taken : taken.without(port), leasesPerUid, lastPort, history, nextSeq,
                conflicts, usage);
    }

    /** This table with the policy's last automatic port set. */
    public PortTable withLastPort(int port) {
        return new PortTable(byService, byPort, reserved, taken, leasesPerUid, port, history, nextSeq, conflicts, usage);
    }

    PortTable append(Event e, int historyMax) {
        PSortedMap<Long, Event> h = history.plus(e.seq(), e);
        while (h.size() > historyMax) {
            h = h.minusFirstEntry();
        }
        return new PortTable(byService, byPort, reserved, taken, leasesPerUid, lastPort, h, e.seq() + 1, conflicts, usage);
    }

    PortTable withConflicts(PSortedMap<Integer, Conflict> c) {
        return new PortTable(byService, byPort, reserved, taken, leasesPerUid, lastPort, history, nextSeq, c, usage);
    }
}
