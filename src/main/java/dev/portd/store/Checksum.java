package dev.portd.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * An order-free checksum of the store's entries: the XOR of a 64-bit hash (SHA-256, truncated) of
 * each (map, key, value). Adding and removing an entry are the same XOR, so the writer keeps it up to
 * date with two hashes per changed entry instead of rereading the store, and a load recomputes it in
 * one pass. It catches damage (a changed, lost or resurrected entry), not an adversary.
 */
record Checksum(long bits) {
    static final Checksum EMPTY = new Checksum(0);

    static final byte LEASE = 1;
    static final byte RESERVED = 2;
    static final byte HISTORY = 3;
    static final byte META = 4;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    });

    /** This checksum with the entry added, or removed if it was in; a null value changes nothing. */
    Checksum with(byte map, String key, String value) {
        if (value == null) {
            return this;
        }
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        MessageDigest md = SHA256.get();
        md.reset();
        md.update(ByteBuffer.allocate(9).put(map).putInt(k.length).putInt(v.length).array());
        md.update(k);
        md.update(v);
        return new Checksum(bits ^ ByteBuffer.wrap(md.digest()).getLong());
    }

    String text() {
        return String.format("%016x", bits);
    }

    static Checksum parse(String text) {
        return text == null ? EMPTY : new Checksum(Long.parseUnsignedLong(text, 16));
    }
}
