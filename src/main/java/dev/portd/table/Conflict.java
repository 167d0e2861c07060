package dev.portd.table;

import java.util.Locale;

/**
 * A port held by the wrong party, as the prober saw it.
 *
 * @param service the lease's service (squatter only)
 * @param pid     the holder's pid, -1 when not visible to the daemon
 * @param since   when it was first seen
 */
public record Conflict(int port, Kind kind, String service, int pid, int uid, String cmd, long since) {

    /** What is wrong; the wire name is CONFLICTS' {@code kind=}. */
    public enum Kind {
        /** A leased port held by another uid, or by a process outside a pid-bound lease's process tree. */
        SQUATTER,
        /** A port of the managed range in use without a lease. */
        UNMANAGED;

        private final String wire = name().toLowerCase(Locale.ROOT);

        public String wire() {
            return wire;
        }
    }

    /** Whether this is the same conflict as {@code o} (so it keeps its first-seen time and is recorded once). */
    public boolean sameAs(Conflict o) {
        return o != null && port == o.port && kind == o.kind && java.util.Objects.equals(service, o.service)
                && pid == o.pid && uid == o.uid;
    }

    /** For the history note and messages. */
    public String describe() {
        String who = pid > 0 ? "pid " + pid + (cmd == null ? "" : " (" + cmd + ")") + " uid " + uid : "uid " + uid;
        return kind.wire() + ": held by " + who;
    }
}
