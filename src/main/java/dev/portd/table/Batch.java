package dev.portd.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pcollections.PSortedMap;

/**
 * The working table of one writer batch and the record of what the batch changed, which is all the store
 * needs to write it: the services and reservations whose entries changed, every change of a port's usage,
 * the events, and whether the policy's last port moved. {@link Txn} decides what a change may do; every
 * change of the table then goes through here, so nothing changes without being marked for the store and
 * no lease comes or goes without its port's usage being counted. Used by the store's writer thread only.
 */
public final class Batch {
    private final int historyMax;
    private PortTable table;
    private final Set<String> dirtyServices = new LinkedHashSet<>();
    private final Set<Integer> dirtyReserved = new LinkedHashSet<>();
    /** Ports whose usage changed, in order; an int array, as a set here would cost more than the change itself. */
    private int[] dirtyUsage = new int[4];
    private int dirtyUsageCount;
    private final List<Event> events = new ArrayList<>();
    private boolean lastPortDirty;

    private Caller caller;
    private long now;
    private PortTable savepoint;
    private int savepointEvents;

    Batch(PortTable base, int historyMax) {
        this.table = base;
        this.historyMax = historyMax;
    }

    /** Starts one change on behalf of {@code who}. */
    void begin(Caller who, long nowMillis) {
        this.caller = who;
        this.now = nowMillis;
        this.savepoint = table;
        this.savepointEvents = events.size();
    }

    /** Undoes the current change (it was refused). Dirty marks may stay: rewriting an unchanged entry is harmless. */
    void abort() {
        table = savepoint;
        events.subList(savepointEvents, events.size()).clear();
    }

    public PortTable table() {
        return table;
    }

    Caller caller() {
        return caller;
    }

    long now() {
        return now;
    }

    public boolean changed() {
        return !dirtyServices.isEmpty() || !dirtyReserved.isEmpty() || dirtyUsageCount > 0 || !events.isEmpty()
                || lastPortDirty;
    }

    public Set<String> dirtyServices() {
        return dirtyServices;
    }

    public Set<Integer> dirtyReserved() {
        return dirtyReserved;
    }

    /** How many times this batch changed a port's usage. */
    public int dirtyUsageCount() {
        return dirtyUsageCount;
    }

    /** The port of the i-th change of usage; a port may appear more than once (each writes its entry as it ends up). */
    public int dirtyUsage(int i) {
        return dirtyUsage[i];
    }

    public boolean lastPortDirty() {
        return lastPortDirty;
    }

    /** Events of this batch, in order. */
    public List<Event> events() {
        return events;
    }

    // ---- changes of the table, each marked for the store ----

    /** Sets a lease; one that comes onto a port (made, or moved there) counts as a lease of that port. */
    void put(Lease l) {
        Lease old = table.lease(l.service());
        if (old != null && old.port() != l.port()) {
            left(old);
        }
        table = table.put(l);
        dirtyServices.add(l.service());
        if (old == null || old.port() != l.port()) {
            PortUsage u = table.usage().getOrDefault(l.port(), PortUsage.NONE);
            countUsage(l.port(), u.leased(l.service(), now));
        }
    }

    /** Takes a lease off its port; a squatter conflict naming it goes too (the next probe says what the port is now). */
    void removeLease(Lease l) {
        left(l);
        table = table.remove(l);
        Conflict c = table.conflicts().get(l.port());
        if (c != null && l.service().equals(c.service())) {
            table = table.withConflicts(table.conflicts().minus(l.port()));
        }
        dirtyServices.add(l.service());
    }

    /** Every way a lease ends or moves comes here: the time it held its port is added to the port's usage. */
    private void left(Lease l) {
        PortUsage u = table.usage().get(l.port());
        countUsage(l.port(), (u != null ? u : PortUsage.NONE.leased(l.service(), l.since())).ended(now));
    }

    private void countUsage(int port, PortUsage u) {
        table = table.withUsage(port, u);
        if (dirtyUsageCount == 0 || dirtyUsage[dirtyUsageCount - 1] != port) {
            if (dirtyUsageCount == dirtyUsage.length) {
                dirtyUsage = Arrays.copyOf(dirtyUsage, dirtyUsageCount * 2);
            }
            dirtyUsage[dirtyUsageCount++] = port;
        }
    }

    void reserve(int port, String desc) {
        table = table.reserve(port, desc);
        dirtyReserved.add(port);
    }

    void unreserve(int port) {
        table = table.unreserve(port);
        dirtyReserved.add(port);
    }

    /** The policy's last automatic port. */
    void lastPort(int port) {
        table = table.withLastPort(port);
        lastPortDirty = true;
    }

    /** What the last probe found wrong: derived from the host, so not marked (the store does not keep it). */
    void conflicts(PSortedMap<Integer, Conflict> c) {
        table = table.withConflicts(c);
    }

    // ---- events ----

    /** Records an event made by the caller. */
    void event(Event.Kind kind, String service, int port, int prev, String note) {
        append(new Event(table.nextSeq(), now, kind, service, port, prev, caller.uid(), caller.pid(), noted(note),
                caller.cmd()));
    }

    /** Records an event the daemon saw rather than a caller made, in the name of the lease's owner. */
    void eventAs(int uid, int pid, Event.Kind kind, String service, int port, String note) {
        append(new Event(table.nextSeq(), now, kind, service, port, 0, uid, pid, note));
    }

    private void append(Event e) {
        table = table.append(e, historyMax);
        events.add(e);
    }

    /** A change that did not come over the socket says where it came from (jmx:admin) before its own note. */
    private String noted(String note) {
        String via = caller.via();
        if (via == null || via.equals("socket")) {
            return note;
        }
        return note == null ? via : via + " " + note;
    }
}
