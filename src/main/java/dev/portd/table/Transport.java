package dev.portd.table;

import java.util.Locale;

/**
 * A transport, of a socket or of a lease. Ports are per transport: TCP 8080 and UDP 8080 are different
 * sockets. A socket seen on the host is {@code TCP} or {@code UDP}; a lease covers {@code tcp} (default),
 * {@code udp} or {@code both}, so that a lease is checked against, and claims, the sockets of each
 * transport it names.
 */
public enum Transport {
    TCP, UDP, BOTH;

    public boolean tcp() {
        return this != UDP;
    }

    public boolean udp() {
        return this != TCP;
    }

    /** Whether a lease of this transport covers a socket of transport {@code socket} (TCP or UDP). */
    public boolean covers(Transport socket) {
        return socket == TCP ? tcp() : udp();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Transport parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "both" -> BOTH;
            default -> throw PortdException.badRequest("proto must be tcp, udp or both, not '" + s + "'");
        };
    }
}
