package dev.portd.table;

/**
 * A service's hold on a port. Immutable; a change makes a new one.
 *
 * @param pid       the process the lease is bound to, 0 when none
 * @param pidStart  that process's start time (clock ticks since boot, /proc/PID/stat field 22), so a
 *                  recycled pid does not keep the lease alive
 * @param expires   wall-clock expiry in epoch millis, 0 when the lease has no ttl
 * @param ttlMillis the ttl last asked for, reused by a RENEW without ttl=
 */
public record Lease(String service, int port, Transport proto, int uid, int pid, long pidStart,
                    long since, long expires, long ttlMillis, String desc, LeaseState state) {

    public Lease withPort(int newPort) {
        return new Lease(service, newPort, proto, uid, pid, pidStart, since, expires, ttlMillis, desc, LeaseState.LEASED);
    }

    public Lease withExpiry(long newExpires, long newTtl) {
        return new Lease(service, port, proto, uid, pid, pidStart, since, newExpires, newTtl, desc, state);
    }

    public Lease withState(LeaseState s) {
        return new Lease(service, port, proto, uid, pid, pidStart, since, expires, ttlMillis, desc, s);
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
                .put("desc", desc);
    }

    /** A lease from the fields of its {@link #storedRow()}, as 0.1.0 stores and backups hold them. */
    public static Lease fromStored(String service, java.util.Map<String, String> f) {
        return new Lease(service, Integer.parseInt(f.get("port")), Transport.parse(f.get("proto")),
                Integer.parseInt(f.get("uid")), Integer.parseInt(f.get("pid")), Long.parseLong(f.get("pidstart")),
                Long.parseLong(f.get("since")), Long.parseLong(f.get("expires")), Long.parseLong(f.get("ttl")),
                f.get("desc"), LeaseState.valueOf(f.get("state").toUpperCase(java.util.Locale.ROOT)));
    }
}
