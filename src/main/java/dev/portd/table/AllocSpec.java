package dev.portd.table;

/**
 * An ALLOC request, validated before it reaches the writer.
 *
 * @param port     the port asked for, 0 for any
 * @param lo, hi   where an automatic choice may fall (already checked to lie in the managed range)
 * @param pid      the process to bind the lease to, 0 for none
 * @param pidStart that process's start time, read when the request arrived
 * @param ttlMillis 0 for no ttl
 * @param check    the health check asked for, null for none
 */
public record AllocSpec(String service, int port, int lo, int hi, Transport proto, int pid, long pidStart,
                        long ttlMillis, String desc, boolean strict, Check check) {

    /** An ALLOC without a health check. */
    public AllocSpec(String service, int port, int lo, int hi, Transport proto, int pid, long pidStart, long ttlMillis,
                     String desc, boolean strict) {
        this(service, port, lo, hi, proto, pid, pidStart, ttlMillis, desc, strict, null);
    }
}
