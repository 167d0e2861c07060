package dev.portd.table;

/**
 * Who is asking: the peer's uid and pid from the socket's credentials (SO_PEERCRED), or the JMX
 * operator. uid -1 means unknown (a transport without credentials): such a caller owns nothing.
 *
 * @param cmd the peer's command name ({@code /proc/<pid>/comm}) when known, for the log; null otherwise
 */
public record Caller(int uid, int pid, String via, String cmd) {
    public static final int UNKNOWN = -1;

    public Caller(int uid, int pid, String via) {
        this(uid, pid, via, null);
    }

    public static Caller socket(int uid, int pid) {
        return new Caller(uid, pid, "socket", null);
    }

    public static Caller socket(int uid, int pid, String cmd) {
        return new Caller(uid, pid, "socket", cmd);
    }
}
