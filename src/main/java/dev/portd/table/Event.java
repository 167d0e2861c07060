package dev.portd.table;

import java.util.Locale;

/**
 * One entry of the history: every change to the table, with who made it.
 *
 * @param prev the port before the change (resolve), 0 when none
 * @param cmd  the requester's command name, for the log; not stored, so null on events read back
 */
public record Event(long seq, long time, Kind kind, String service, int port, int prev,
                    int uid, int pid, String note, String cmd) {

    /**
     * What happened. The wire name is what HISTORY and WATCH show as {@code event=}, what JMX notifies as
     * {@code portd.<event>}, and what the store and backups hold, so a name never changes once released:
     * stores of every version read back through {@link #parse}.
     */
    public enum Kind {
        /** A lease made (ALLOC). */
        ALLOC,
        /** A lease ended by its owner (RELEASE). */
        RELEASE,
        /** A ttl pushed forward (RENEW, or ALLOC of a held service with ttl=). */
        RENEW,
        /** A ttl lease whose time ran out. */
        EXPIRE,
        /** A pid-bound lease whose process was found gone. */
        EXIT,
        /** A lease's owner was first seen listening on its port. */
        BOUND,
        /** A port held by the wrong party (see {@link Conflict.Kind}). */
        CONFLICT,
        /** A lease moved to another port (RESOLVE). */
        RESOLVE,
        /** Ports set aside (RESERVE). */
        RESERVE,
        /** Ports given back to the range (UNRESERVE). */
        UNRESERVE,
        /** The table replaced by a backup (RESTORE). */
        RESTORE,
        /** A lease given a health check, or another one (ALLOC check=). */
        CHECK,
        /** A lease's health check passed after failing, or for the first time. */
        HEALTHY,
        /** A lease's health check failed (the reason in the note). */
        UNHEALTHY;

        private final String wire = name().toLowerCase(Locale.ROOT);

        public String wire() {
            return wire;
        }

        /** The kind of a wire name; throws {@link IllegalArgumentException} for a name no portd wrote. */
        public static Kind parse(String wire) {
            for (Kind k : values()) {
                if (k.wire.equals(wire)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown event '" + wire + "'");
        }
    }

    public Event(long seq, long time, Kind kind, String service, int port, int prev, int uid, int pid, String note) {
        this(seq, time, kind, service, port, prev, uid, pid, note, null);
    }

    /** The stored form keeps milliseconds and the sequence number. */
    public Fields storedRow() {
        return Fields.of("seq", seq).put("time", time).put("event", kind.wire()).put("service", service)
                .put("port", port).put("prev", prev).put("uid", uid).put("pid", pid).put("note", note);
    }

    /** An event from the fields of its {@link #storedRow()}. */
    public static Event fromStored(java.util.Map<String, String> f) {
        return new Event(Long.parseLong(f.get("seq")), Long.parseLong(f.get("time")), Kind.parse(f.get("event")),
                f.get("service"), Integer.parseInt(f.get("port")), Integer.parseInt(f.get("prev")),
                Integer.parseInt(f.get("uid")), Integer.parseInt(f.get("pid")), f.get("note"));
    }
}
