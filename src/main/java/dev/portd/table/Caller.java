package dev.portd.table;

/**
 * Who is asking: the peer's uid and pid from the socket's credentials (SO_PEERCRED), or the JMX
 * operator. uid -1 means unknown (a transport without credentials): such a caller owns nothing.
 */
public record Caller(int uid, int pid, String via) {
    public static final int UNKNOWN = -1;

    public static Caller socket(int uid, int pid) {
        return new Caller(uid, pid, "socket");
    }
}
