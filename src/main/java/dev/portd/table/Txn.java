package dev.portd.table;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One writer batch's changes, in order: the lease verbs callers ask for, each checked before it derives
 * anything (who may change a lease, the quota, which port may be had). A refused change is rolled back to
 * its savepoint, so a refusal never leaves a trace, and the batch is committed and published whole or
 * thrown away whole. What the changes did is kept by {@link Batch}, for the store; where a lease may go is
 * {@link PortChoice}'s; what the daemon found on its own is applied by {@link Findings}. Used by the
 * store's writer thread only.
 */
public final class Txn {
    private final TableConfig config;
    private final Batch batch;
    private final PortChoice ports;
    private final Findings findings;

    public Txn(PortTable base, TableConfig config, PortUse use) {
        this.config = config;
        this.batch = new Batch(base, config.historyMax());
        this.ports = new PortChoice(config, use);
        this.findings = new Findings(batch);
    }

    /** Starts one change on behalf of {@code caller}. */
    public void begin(Caller who, long nowMillis) {
        batch.begin(who, nowMillis);
    }

    /** Undoes the current change (it was refused). */
    public void abort() {
        batch.abort();
    }

    /** The working table, as the changes so far left it. */
    public PortTable table() {
        return batch.table();
    }

    /** What this batch changed, for the store to write. */
    public Batch batch() {
        return batch;
    }

    /** The changes the daemon makes from what it found (probe, expiry, health), in this batch. */
    public Findings findings() {
        return findings;
    }

    // ---- the changes ----

    /** ALLOC: returns the port leased (or already held). */
    public int alloc(AllocSpec a) {
        Lease held = table().lease(a.service());
        if (held != null) {
            if (a.port() != 0 && a.port() != held.port()) {
                throw new PortdException(ErrorCode.CONFLICT, a.service() + " already holds port " + held.port());
            }
            requireOwner(held); // another uid's service is refused as RENEW and RELEASE are: DENIED
            if (a.ttlMillis() > 0) {
                batch.put(held.withExpiry(batch.now() + a.ttlMillis(), a.ttlMillis()));
                batch.event(Event.Kind.RENEW, held.service(), held.port(), 0, null);
            }
            if (a.check() != null && !a.check().equals(held.check())) {
                batch.put(table().lease(a.service()).withCheck(a.check()));
                batch.event(Event.Kind.CHECK, held.service(), held.port(), 0, describe(a.check()));
            }
            return held.port();
        }
        if (!config.privileged(uid()) && table().leasesOf(uid()) >= config.maxLeasesPerUid()) {
            throw new PortdException(ErrorCode.QUOTA, "uid " + uid() + " holds " + table().leasesOf(uid())
                    + " leases, the most allowed is " + config.maxLeasesPerUid());
        }
        int port = a.port() != 0 ? ports.asked(table(), uid(), a.port(), a.proto(), a.strict()) : 0;
        if (port == 0) {
            port = ports.choose(table(), uid(), a.service(), a.lo(), a.hi(), a.proto());
        }
        Lease l = new Lease(a.service(), port, a.proto(), uid(), a.pid(), a.pidStart(), batch.now(),
                a.ttlMillis() > 0 ? batch.now() + a.ttlMillis() : 0, a.ttlMillis(), a.desc(), LeaseState.LEASED, a.check());
        batch.put(l);
        if (port >= config.lo() && port <= config.hi()) {
            batch.lastPort(port);
        }
        batch.event(Event.Kind.ALLOC, a.service(), port, 0, a.desc());
        return port;
    }

    /** RELEASE by service: returns the port freed. */
    public int release(String service) {
        Lease l = table().lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        end(l, Event.Kind.RELEASE, null);
        return l.port();
    }

    /** RELEASE port=N: returns the service whose lease ended. */
    public String releasePort(int port) {
        Lease l = table().leaseOn(port);
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
        for (Lease l : table().leases()) {
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
        Lease l = table().lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        requireOwner(l);
        long ttl = ttlMillis > 0 ? ttlMillis : l.ttlMillis();
        if (ttl <= 0) {
            throw new PortdException(ErrorCode.CONFLICT, service + " has no ttl to renew (give ttl=)");
        }
        batch.put(l.withExpiry(batch.now() + ttl, ttl));
        batch.event(Event.Kind.RENEW, service, l.port(), 0, null);
        return l.port();
    }

    /** RESERVE: returns how many ports were newly reserved. Who may is the verb table's business (ADMIN). */
    public int reserve(int lo, int hi, String desc) {
        int n = 0;
        for (int p = lo; p <= hi; p++) {
            if (!table().isReserved(p)) {
                batch.reserve(p, desc);
                n++;
            }
        }
        batch.event(Event.Kind.RESERVE, null, lo, 0, (lo == hi ? "" + lo : lo + "-" + hi) + (desc == null ? "" : " " + desc));
        return n;
    }

    /** UNRESERVE: returns how many ports were released from reservation. */
    public int unreserve(int lo, int hi) {
        int n = 0;
        for (int p = lo; p <= hi; p++) {
            if (table().isReserved(p)) {
                batch.unreserve(p);
                n++;
            }
        }
        batch.event(Event.Kind.UNRESERVE, null, lo, 0, lo == hi ? "" + lo : lo + "-" + hi);
        return n;
    }

    /**
     * RESOLVE: moves a lease to a new free port of the managed range, to {@code port}, or swaps ports with
     * {@code swap}. Returns the lease's new port.
     */
    public int resolve(String service, int port, String swap) {
        Lease l = table().lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        requireOwner(l);
        if (swap != null) {
            Lease o = table().lease(swap);
            if (o == null) {
                throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + swap);
            }
            if (o == l) {
                throw PortdException.badRequest("cannot swap " + service + " with itself");
            }
            requireOwner(o);
            batch.removeLease(l);
            batch.removeLease(o);
            batch.put(l.withPort(o.port()));
            batch.put(o.withPort(l.port()));
            batch.event(Event.Kind.RESOLVE, service, o.port(), l.port(), "swapped with " + swap);
            batch.event(Event.Kind.RESOLVE, swap, l.port(), o.port(), "swapped with " + service);
            return o.port();
        }
        int to = port;
        if (to == l.port()) {
            return to;
        }
        to = to != 0 ? ports.asked(table(), uid(), to, l.proto(), true)
                : ports.choose(table(), uid(), service, config.lo(), config.hi(), l.proto());
        batch.removeLease(l);
        batch.put(l.withPort(to));
        batch.event(Event.Kind.RESOLVE, service, to, l.port(), null);
        return to;
    }

    /** {@code http:/healthz every 10s}, the note of a {@code check} event. */
    private static String describe(Check c) {
        return c.wire() + " every " + c.intervalText();
    }

    // ---- building blocks ----

    /** Ends a lease for a reason (release, expire, exit) after checking the caller may. */
    public void end(Lease l, Event.Kind why, String note) {
        requireOwner(l);
        batch.removeLease(l);
        batch.event(why, l.service(), l.port(), 0, note);
    }

    public boolean mayChange(Lease l) {
        return l.uid() == uid() || config.privileged(uid());
    }

    public void requireOwner(Lease l) {
        if (!mayChange(l)) {
            throw new PortdException(ErrorCode.DENIED, l.service() + " belongs to uid " + l.uid()
                    + "; only its owner or root may change it");
        }
    }

    /** The uid of the change's caller. */
    private int uid() {
        return batch.caller().uid();
    }
}
