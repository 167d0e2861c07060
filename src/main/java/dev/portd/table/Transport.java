package dev.portd.table;

import java.util.Locale;

/** What a lease covers: {@code tcp} (default), {@code udp} or {@code both}. */
public enum Transport {
    TCP, UDP, BOTH;

    public boolean tcp() {
        return this != UDP;
    }

    public boolean udp() {
        return this != TCP;
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
