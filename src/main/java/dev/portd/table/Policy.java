package dev.portd.table;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/** Where the search for a free port starts; the search then walks up and wraps around the range. */
public enum Policy {
    /** The lowest free port. */
    LOWEST,
    /** The next free port after the last one handed out, wrapping. */
    SEQUENTIAL,
    RANDOM,
    /** A start hashed from the name, so a service gets the same port on every host while it is free. */
    STABLE;

    public int start(int lo, int hi, String service, int lastPort) {
        int size = hi - lo + 1;
        return switch (this) {
            case LOWEST -> lo;
            case SEQUENTIAL -> lastPort >= lo && lastPort < hi ? lastPort + 1 : lo;
            case RANDOM -> lo + ThreadLocalRandom.current().nextInt(size);
            case STABLE -> lo + (int) (stableHash(service) % size);
        };
    }

    /** CRC-32 of the UTF-8 name: fixed by its standard, the same in every JVM and language. */
    static long stableHash(String service) {
        CRC32 crc = new CRC32();
        crc.update(service.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Policy parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw PortdException.badRequest("policy must be lowest, sequential, random or stable, not '" + s + "'");
        }
    }
}
