package dev.portd.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The values of the MapDB file ({@link StoreFile}): items in chunks, the table's counters, and the CRC
 * that seals each value; the items themselves are in {@link Codec}'s form.
 */
final class FileValues {
    private FileValues() {}

    /**
     * Many items as one value of the MapDB file: a start reads a few hundred values instead of one per
     * lease, which is most of what makes reading 40,000 leases fast.
     */
    static <T> byte[] chunk(List<T> items, Codec.Writes<T> w) {
        return Codec.encode(out -> {
            out.writeInt(items.size());
            for (T t : items) {
                w.write(out, t);
            }
        });
    }

    static <T> void unchunk(byte[] b, Codec.Reads<T> r, List<? super T> to) throws IOException {
        Codec.In in = Codec.open(b);
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            to.add(r.read(in));
        }
        if (in.available() > 0) {
            throw new IOException("a chunk has " + in.available() + " bytes after its last item");
        }
    }

    /** The table's counters, as the MapDB file keeps them beside its maps. */
    record Counts(long journalSeq, int lastPort, int leases, int reservations, int events) {}

    static byte[] counts(Counts c) {
        return Codec.encode(out -> {
            out.writeLong(c.journalSeq());
            out.writeInt(c.lastPort());
            out.writeInt(c.leases());
            out.writeInt(c.reservations());
            out.writeInt(c.events());
        });
    }

    static Counts counts(byte[] b) throws IOException {
        Codec.In in = Codec.open(b);
        return new Counts(in.readLong(), in.readInt(), in.readInt(), in.readInt(), in.readInt());
    }

    /** How many entries a map of the MapDB file holds that {@link Counts} does not count (usage). */
    static byte[] count(int n) {
        return Codec.encode(out -> out.writeInt(n));
    }

    static int count(byte[] b) throws IOException {
        return Codec.open(b).readInt();
    }

    /**
     * A value for the MapDB file: its CRC32C, then the value. MapDB checks its header but not its
     * records, so a flipped bit inside a value would otherwise read back as a wrong lease.
     */
    static byte[] sealed(byte[] value) {
        CRC32C c = new CRC32C();
        c.update(value);
        byte[] out = new byte[value.length + 4];
        ByteBuffer.wrap(out).putInt((int) c.getValue()).put(value);
        return out;
    }

    /** The value inside {@link #sealed}; throws if the CRC does not match. */
    static byte[] unsealed(byte[] stored) throws IOException {
        if (stored == null || stored.length < 4) {
            throw new IOException("a value is missing or too short");
        }
        CRC32C c = new CRC32C();
        c.update(stored, 4, stored.length - 4);
        if ((int) c.getValue() != ByteBuffer.wrap(stored).getInt()) {
            throw new IOException("its entries do not match their checksum");
        }
        return Arrays.copyOfRange(stored, 4, stored.length);
    }
}
