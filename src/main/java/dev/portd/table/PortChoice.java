package dev.portd.table;

import java.util.HashSet;
import java.util.Set;

/**
 * Where a lease may go: whether the port asked for can be had, and the automatic choice, which walks the
 * range from the policy's start point. Lives for one batch, like its {@link Txn}, because it remembers
 * the ports the kernel would not bind during that batch.
 */
final class PortChoice {
    private final TableConfig config;
    private final PortUse use;
    /**
     * Ports of this batch's automatic choices that could not be bound. Every choice walks the range from the
     * policy's start point, so without this each ALLOC of a batch would bind the same held port again (held
     * where the prober does not look: a connection's local port, another network namespace), at three
     * syscalls and an exception each, on the writer thread. The next batch asks the kernel again.
     */
    private final Set<Integer> unbindable = new HashSet<>();

    PortChoice(TableConfig config, PortUse use) {
        this.config = config;
        this.use = use;
    }

    /**
     * {@code port}, asked for by {@code uid}, if it may have it now; else 0 when it is not free and another
     * will do, or refused: DENIED below 1024 for anyone but root, TAKEN when it is not free and {@code strict}.
     */
    int asked(PortTable table, int uid, int port, Transport proto, boolean strict) {
        if (port < 1024 && uid != 0) {
            throw new PortdException(ErrorCode.DENIED, "ports below 1024 are leased only to root");
        }
        String why = whyNotFree(table, port, proto);
        if (why == null) {
            return port;
        }
        if (strict) {
            throw new PortdException(ErrorCode.TAKEN, "port " + port + " is " + why);
        }
        return 0;
    }

    /** Why a port cannot be leased now, or null if it can. */
    private String whyNotFree(PortTable table, int port, Transport proto) {
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

    /**
     * A free port of [rangeLo, hi] for {@code uid}'s {@code service}: walks the range from the policy's start
     * point, wrapping once; skips taken, seen and unbindable ports.
     */
    int choose(PortTable table, int uid, String service, int rangeLo, int hi, Transport proto) {
        int lo = rangeLo;
        if (uid != 0 && lo < 1024) {
            lo = Math.min(1024, hi + 1);
        }
        if (lo <= hi) {
            int start = config.policy().start(lo, hi, service, table.lastPort());
            int p = search(table.taken(), start, hi, proto);
            if (p < 0 && start > lo) {
                p = search(table.taken(), lo, start - 1, proto);
            }
            if (p > 0) {
                return p;
            }
        }
        throw new PortdException(ErrorCode.EXHAUSTED, "no free port left in " + rangeLo + "-" + hi);
    }

    private int search(PortSet taken, int from, int to, Transport proto) {
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
}
