package dev.portd.table;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The writer's working copy for one batch: every change of the batch is applied here, in order, and
 * the result is either committed and published whole or thrown away whole. Each change validates
 * before it derives anything, and a refused change is rolled back to its savepoint, so a refusal
 * never leaves a trace. Used by the store's writer thread only.
 */
public final class Txn {
    private final TableConfig config;
    private final PortUse use;
    private PortTable table;
    private final Set<String> dirtyServices = new LinkedHashSet<>();
    private final Set<Integer> dirtyReserved = new LinkedHashSet<>();
    /**
     * Ports of this batch's automatic choices that could not be bound. Every choice walks the range from the
     * policy's start point, so without this each ALLOC of a batch would bind the same held port again (held
     * where the prober does not look: a connection's local port, another network namespace), at three
     * syscalls and an exception each, on the writer thread. The next batch asks the kernel again.
     */
    private final Set<Integer> unbindable = new HashSet<>();
    /** Ports whose usage changed, in order; an int array, as a set here would cost more than the change itself. */
    private int[] dirtyUsage = new int[4];
    private int dirtyUsageCount;
    private final List<Event> events = new ArrayList<>();
    private boolean lastPortDirty;

    private Caller caller;
    private long now;
    private PortTable savepoint;
    private int savepointEvents;

    public Txn(PortTable base, TableConfig config, PortUse use) {
        this.table = base;
        this.config = config;
        this.use = use;
    }

    /** Starts one change on behalf of {@code caller}. */
    public void begin(Caller who, long nowMillis) {
        this.caller = who;
        this.now = nowMillis;
        this.savepoint = table;
        this.savepointEvents = events.size();
    }

    /** Undoes the current change (it was refused). Dirty marks may stay: rewriting an unchanged entry is harmless. */
    public void abort() {
        table = savepoint;
        events.subList(savepointEvents, events.size()).clear();
    }

    public PortTable table() {
        return table;
    }

    public TableConfig config() {
        return config;
    }

    public Caller caller() {
        return caller;
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

    // ---- the changes ----

    /** ALLOC: returns the port leased (or already held). */
    public int alloc(AllocSpec a) {
        Lease held = table.lease(a.service());
        if (held != null) {
            if (a.port() != 0 && a.port() != held.port()) {
                throw new PortdException(ErrorCode.CONFLICT, a.service() + " already holds port " + held.port());
            }
            requireOwner(held); // another uid's service is refused as RENEW and RELEASE are: DENIED
            if (a.ttlMillis() > 0) {
                put(held.withExpiry(now + a.ttlMillis(), a.ttlMillis()));
                event(Event.Kind.RENEW, held.service(), held.port(), 0, null);
            }
            if (a.check() != null && !a.check().equals(held.check())) {
                put(table.lease(a.service()).withCheck(a.check()));
                event(Event.Kind.CHECK, held.service(), held.port(), 0, describe(a.check()));
            }
            return held.port();
        }
        if (!config.privileged(caller.uid()) && table.leasesOf(caller.uid()) >= config.maxLeasesPerUid()) {
            throw new PortdException(ErrorCode.QUOTA, "uid " + caller.uid() + " holds " + table.leasesOf(caller.uid())
                    + " leases, the most allowed is " + config.maxLeasesPerUid());
        }
        int port = 0;
        if (a.port() != 0) {
            if (a.port() < 1024 && caller.uid() != 0) {
                throw new PortdException(ErrorCode.DENIED, "ports below 1024 are leased only to root");
            }
            String why = whyNotFree(a.port(), a.proto());
            if (why == null) {
                port = a.port();
            } else if (a.strict()) {
                throw new PortdException(ErrorCode.TAKEN, "port " + a.port() + " is " + why);
            }
        }
        if (port == 0) {
            port = choose(a.service(), a.lo(), a.hi(), a.proto());
        }
        Lease l = new Lease(a.service(), port, a.proto(), caller.uid(), a.pid(), a.pidStart(), now,
                a.ttlMillis() > 0 ? now + a.ttlMillis() : 0, a.ttlMillis(), a.desc(), LeaseState.LEASED, a.check());
        put(l);
        if (port >= config.lo() && port <= config.hi()) {
            table = table.withLastPort(port);
            lastPortDirty = true;
        }
        event(Event.Kind.ALLOC, a.service(), port, 0, a.desc());
        return port;
    }

    /** Why a port cannot be leased now, or null if it can. */
    private String whyNotFree(int port, Transport proto) {
        Lease l = table.leaseOn(port);
        if (l != null) {
            return "leased by " + l.service() + " (uid " + l.uid() + ")";
        }
        if (table.isReserved(port)) {
            String d = table.reservation(port);
            return d.isEmpty() ? "reserved" : "reserved (" + d + ")";
        }
        if (use.inUse(port, proto) || !use.canBind(port, proto)) {
            PortUse.Owner who = use.owner(port);
            return who == null ? "in use" : "in use by " + who;
        }
        return null;
    }

    /** Walks the range from the policy's start point, wrapping once; skips taken, seen and unbindable ports. */
    private int choose(String service, int rangeLo, int hi, Transport proto) {
        int lo = rangeLo;
        if (caller.uid() != 0 && lo < 1024) {
            lo = Math.min(1024, hi + 1);
        }
        if (lo <= hi) {
            int start = config.policy().start(lo, hi, service, table.lastPort());
            int p = search(start, hi, proto);
            if (p < 0 && start > lo) {
                p = search(lo, start - 1, proto);
            }
            if (p > 0) {
                return p;
            }
        }
        throw new PortdException(ErrorCode.EXHAUSTED, "no free port left in " + rangeLo + "-" + hi);
    }

    private int search(int from, int to, Transport proto) {
        PortSet taken = table.taken();
        for (int p = taken.nextClear(from, to); p >= 0; p = p < to ? taken.nextClear(p + 1, to) : -1) {
            if (use.inUse(p, proto) || unbindable.contains(p << 2 | proto.ordinal())) {
                continue;
            }
            if (use.canBind(p, proto)) {
                return p;
            }
            unbindable.add(p << 2 | proto.ordinal());
        }
        return -1;
    }

    /** RELEASE by service: returns the port freed. */
    public int release(String service) {
        Lease l = table.lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        end(l, Event.Kind.RELEASE, null);
        return l.port();
    }

    /** RELEASE port=N: returns the service whose lease ended. */
    public String releasePort(int port) {
        Lease l = table.leaseOn(port);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease on port " + port);
        }
        end(l, Event.Kind.RELEASE, null);
        return l.service();
    }

    /**
     * RELEASE glob=: ends every lease whose service {@code matches} and that the caller may change, all in
     * this change, so in one commit; leases of others are left alone and not counted. Returns how many ended.
     */
    public int releaseMatching(Predicate<String> matches, String note) {
        List<Lease> ending = new ArrayList<>();
        for (Lease l : table.leases()) {
            if (matches.test(l.service()) && mayChange(l)) {
                ending.add(l);
            }
        }
        for (Lease l : ending) {
            end(l, Event.Kind.RELEASE, note);
        }
        return ending.size();
    }

    /** RENEW: pushes the expiry forward by the new or the original ttl; returns the port. */
    public int renew(String service, long ttlMillis) {
        Lease l = table.lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        requireOwner(l);
        long ttl = ttlMillis > 0 ? ttlMillis : l.ttlMillis();
        if (ttl <= 0) {
            throw new PortdException(ErrorCode.CONFLICT, service + " has no ttl to renew (give ttl=)");
        }
        put(l.withExpiry(now + ttl, ttl));
        event(Event.Kind.RENEW, service, l.port(), 0, null);
        return l.port();
    }

    /** RESERVE: returns how many ports were newly reserved. Who may is the verb table's business (ADMIN). */
    public int reserve(int lo, int hi, String desc) {
        int n = 0;
        for (int p = lo; p <= hi; p++) {
            if (!table.isReserved(p)) {
                table = table.reserve(p, desc);
                dirtyReserved.add(p);
                n++;
            }
        }
        event(Event.Kind.RESERVE, null, lo, 0, (lo == hi ? "" + lo : lo + "-" + hi) + (desc == null ? "" : " " + desc));
        return n;
    }

    /** UNRESERVE: returns how many ports were released from reservation. */
    public int unreserve(int lo, int hi) {
        int n = 0;
        for (int p = lo; p <= hi; p++) {
            if (table.isReserved(p)) {
                table = table.unreserve(p);
                dirtyReserved.add(p);
                n++;
            }
        }
        event(Event.Kind.UNRESERVE, null, lo, 0, lo == hi ? "" + lo : lo + "-" + hi);
        return n;
    }

    /**
     * RESOLVE: moves a lease to a new free port of the managed range, to {@code port}, or swaps ports with
     * {@code swap}. Returns the lease's new port.
     */
    public int resolve(String service, int port, String swap) {
        Lease l = table.lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        requireOwner(l);
        if (swap != null) {
            Lease o = table.lease(swap);
            if (o == null) {
                throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + swap);
            }
            if (o == l) {
                throw PortdException.badRequest("cannot swap " + service + " with itself");
            }
            requireOwner(o);
            removeLease(l);
            removeLease(o);
            put(l.withPort(o.port()));
            put(o.withPort(l.port()));
            event(Event.Kind.RESOLVE, service, o.port(), l.port(), "swapped with " + swap);
            event(Event.Kind.RESOLVE, swap, l.port(), o.port(), "swapped with " + service);
            return o.port();
        }
        int to = port;
        if (to == l.port()) {
            return to;
        }
        if (to != 0) {
            if (to < 1024 && caller.uid() != 0) {
                throw new PortdException(ErrorCode.DENIED, "ports below 1024 are leased only to root");
            }
            String why = whyNotFree(to, l.proto());
            if (why != null) {
                throw new PortdException(ErrorCode.TAKEN, "port " + to + " is " + why);
            }
        } else {
            to = choose(service, config.lo(), config.hi(), l.proto());
        }
        removeLease(l);
        put(l.withPort(to));
        event(Event.Kind.RESOLVE, service, to, l.port(), null);
        return to;
    }

    /** Applies a probe's findings, skipping any lease that changed since the probe looked at it. */
    public void observe(Observation o) {
        for (Lease seen : o.exited()) {
            Lease cur = table.lease(seen.service());
            if (sameLease(cur, seen)) {
                removeLease(cur);
                eventAs(cur.uid(), cur.pid(), Event.Kind.EXIT, cur.service(), cur.port(), "pid " + cur.pid() + " exited");
            }
        }
        for (Lease seen : o.restated()) {
            Lease cur = table.lease(seen.service());
            if (sameLease(cur, seen) && cur.state() != seen.state()) {
                put(cur.withState(seen.state()));
                if (seen.state() == LeaseState.BOUND) {
                    eventAs(cur.uid(), cur.pid(), Event.Kind.BOUND, cur.service(), cur.port(), null);
                }
            }
        }
        for (Conflict c : o.conflicts().values()) {
            if (!c.sameAs(table.conflicts().get(c.port()))) {
                eventAs(c.uid(), Math.max(c.pid(), 0), Event.Kind.CONFLICT, c.service(), c.port(), c.describe());
            }
        }
        table = table.withConflicts(o.conflicts());
    }

    /** Ends the ttl leases that are due, unless renewed since they were found due. */
    public void expire(java.util.List<Lease> due) {
        for (Lease seen : due) {
            Lease cur = table.lease(seen.service());
            if (sameLease(cur, seen) && cur.expires() == seen.expires()) {
                removeLease(cur);
                eventAs(cur.uid(), cur.pid(), Event.Kind.EXPIRE, cur.service(), cur.port(), null);
            }
        }
    }

    /**
     * Records a change of a lease's health ({@code healthy} or {@code unhealthy}, the reason in the
     * note), unless the lease changed since it was checked (ended, moved, given another check).
     */
    public void health(Lease checked, boolean healthy, String note) {
        Lease cur = table.lease(checked.service());
        if (sameLease(cur, checked) && java.util.Objects.equals(cur.check(), checked.check())) {
            eventAs(cur.uid(), cur.pid(), healthy ? Event.Kind.HEALTHY : Event.Kind.UNHEALTHY, cur.service(), cur.port(), note);
        }
    }

    /** {@code http:/healthz every 10s}, the note of a {@code check} event. */
    private static String describe(Check c) {
        return c.wire() + " every " + c.intervalText();
    }

    /** The same lease as when it was looked at: not released and re-made, not moved. */
    private static boolean sameLease(Lease cur, Lease seen) {
        return cur != null && cur.port() == seen.port() && cur.since() == seen.since() && cur.pid() == seen.pid()
                && cur.uid() == seen.uid();
    }

    // ---- building blocks ----

    /** Ends a lease for a reason (release, expire, exit) after checking the caller may. */
    public void end(Lease l, Event.Kind why, String note) {
        requireOwner(l);
        removeLease(l);
        event(why, l.service(), l.port(), 0, note);
    }

    /** Sets a lease; one that comes onto a port (made, or moved there) counts as a lease of that port. */
    public void put(Lease l) {
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
    public void removeLease(Lease l) {
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
                dirtyUsage = java.util.Arrays.copyOf(dirtyUsage, dirtyUsageCount * 2);
            }
            dirtyUsage[dirtyUsageCount++] = port;
        }
    }

    /** Records an event made by the caller. */
    public void event(Event.Kind kind, String service, int port, int prev, String note) {
        append(new Event(table.nextSeq(), now, kind, service, port, prev, caller.uid(), caller.pid(), noted(note),
                caller.cmd()));
    }

    /** Records an event the daemon saw rather than a caller made, in the name of the lease's owner. */
    private void eventAs(int uid, int pid, Event.Kind kind, String service, int port, String note) {
        append(new Event(table.nextSeq(), now, kind, service, port, 0, uid, pid, note));
    }

    private void append(Event e) {
        table = table.append(e, config.historyMax());
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

    public boolean mayChange(Lease l) {
        return l.uid() == caller.uid() || config.privileged(caller.uid());
    }

    public void requireOwner(Lease l) {
        if (!mayChange(l)) {
            throw new PortdException(ErrorCode.DENIED, l.service() + " belongs to uid " + l.uid()
                    + "; only its owner or root may change it");
        }
    }
}
