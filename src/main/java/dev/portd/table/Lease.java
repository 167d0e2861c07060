package dev.portd.table;

/**
 * A service's hold on a port. Immutable; a change makes a new one.
 *
 * @param pid       the process the lease is bound to, 0 when none
 * @param pidStart  that process's start time (clock ticks since boot, /proc/PID/stat field 22), so a
 *                  recycled pid does not keep the lease alive
 * @param expires   wall-clock expiry in epoch millis, 0 when the lease has no ttl
 * @param ttlMillis the ttl last asked for, reused by a RENEW without ttl=
 * @param check     the health check ALLOC asked for, null when none
 */
public record Lease(String service, int port, Transport proto, int uid, int pid, long pidStart,
                    long since, long expires, long ttlMillis, String desc, LeaseState state, Check check) {

    /** A lease without a health check. */
    public Lease(String service, int port, Transport proto, int uid, int pid, long pidStart, long since, long expires,
                 long ttlMillis, String desc, LeaseState state) {
        this(service, port, proto, uid, pid, pidStart, since, expires, ttlMillis, desc, state, null);
    }

    public Lease withPort(int newPort) {
        return new Lease(service, newPort, proto, uid, pid, pidStart, since, expires, ttlMillis, desc, LeaseState.LEASED, check);
    }

    public Lease withExpiry(long newExpires, long newTtl) {
        return new Lease(service, port, proto, uid, pid, pidStart, since, newExpires, newTtl, desc, state, check);
    }

    public Lease withState(LeaseState s) {
        return new Lease(service, port, proto, uid, pid, pidStart, since, expires, ttlMillis, desc, s, check);
    }

    public Lease withCheck(Check c) {
        return new Lease(service, port, proto, uid, pid, pidStart, since, expires, ttlMillis, desc, state, c);
    }

    /** The stored form: the LIST keys at full precision plus what only the daemon needs. */
    public Fields storedRow() {
        return Fields.of("port", port)
                .put("service", service)
                .put("proto", proto.wire())
                .put("state", state.wire())
                .put("uid", uid)
                .put("pid", pid)
                .put("pidstart", pidStart)
                .put("since", since)
                .put("expires", expires)
                .put("ttl", ttlMillis)
                .put("desc", desc)
                .put("check", check == null ? null : check.wire())
                .put("check_interval", check == null ? null : check.intervalMillis());
    }

    /**
     * A lease from the fields of its {@link #storedRow()}, as 0.1.0 stores and backups hold them (a
     * check only in backups of leases that have one).
     */
    public static Lease fromStored(String service, java.util.Map<String, String> f) {
        Check check = f.get("check") == null ? null : Check.parse(f.get("check"), Long.parseLong(f.get("check_interval")));
        return new Lease(service, Integer.parseInt(f.get("port")), Transport.parse(f.get("proto")),
                Integer.parseInt(f.get("uid")), Integer.parseInt(f.get("pid")), Long.parseLong(f.get("pidstart")),
                Long.parseLong(f.get("since")), Long.parseLong(f.get("expires")), Long.parseLong(f.get("ttl")),
                f.get("desc"), LeaseState.valueOf(f.get("state").toUpperCase(java.util.Locale.ROOT)), check);
    }
}
