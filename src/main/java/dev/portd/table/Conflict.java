package dev.portd.table;

/**
 * A port held by the wrong party, as the prober saw it.
 *
 * @param kind    {@code squatter}: a leased port held by another uid, or by a process outside a
 *                pid-bound lease's process tree; {@code unmanaged}: a port of the managed range in use
 *                without a lease
 * @param service the lease's service (squatter only)
 * @param pid     the holder's pid, -1 when not visible to the daemon
 * @param since   when it was first seen
 */
public record Conflict(int port, String kind, String service, int pid, int uid, String cmd, long since) {

    public static final String SQUATTER = "squatter";
    public static final String UNMANAGED = "unmanaged";

    /** Whether this is the same conflict as {@code o} (so it keeps its first-seen time and is recorded once). */
    public boolean sameAs(Conflict o) {
        return o != null && port == o.port && kind.equals(o.kind) && java.util.Objects.equals(service, o.service)
                && pid == o.pid && uid == o.uid;
    }

    /** For the history note and messages. */
    public String describe() {
        String who = pid > 0 ? "pid " + pid + (cmd == null ? "" : " (" + cmd + ")") + " uid " + uid : "uid " + uid;
        return kind + ": held by " + who;
    }
}
