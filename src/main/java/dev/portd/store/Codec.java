package dev.portd.store;

import dev.portd.table.Batch;
import dev.portd.table.Check;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.LeaseState;
import dev.portd.table.PortTable;
import dev.portd.table.PortUsage;
import dev.portd.table.Transport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The store's own binary form of leases, reservations and events, shared by the journal's records and
 * the MapDB file's values, so one definition of the fields serves both (and neither is the protocol's
 * text). Every encoding starts with the version it was written in ({@link #VERSION}); a reader reads
 * every version since {@link #OLDEST} and refuses one it does not know rather than guess.
 *
 * <p>A journal record's payload is the batch's changes, in order: a lease as it now is, a lease gone,
 * a reservation set or lifted, an event, the policy's last port. Replaying them on the table the
 * batch started from gives the table the batch published.
 *
 * <p>A port's usage is a change of its own ({@link #USAGE}, a port and its {@link PortUsage} as it now
 * stands) and a map of its own in the MapDB file, so the lease's encoding does not change with it.
 * Version 1 payloads written before usage was kept simply have no such change.
 */
final class Codec {
    static final int VERSION = 2;
    /** The oldest version this portd reads: 1, the first, whose leases have no health check. */
    static final int OLDEST = 1;
    /** Since version 2 a lease ends with its health check. */
    static final int CHECKS = 2;

    private static final byte LEASE = 1;
    private static final byte LEASE_GONE = 2;
    private static final byte RESERVED = 3;
    private static final byte UNRESERVED = 4;
    private static final byte EVENT = 5;
    private static final byte LAST_PORT = 6;
    private static final byte USAGE = 7;

    private Codec() {}

    /** The payload of the journal record for a batch: what {@code b} changed, as it now stands. */
    static byte[] batch(Batch b) {
        PortTable t = b.table();
        return encode(out -> {
            for (String service : b.dirtyServices()) {
                Lease l = t.lease(service);
                if (l == null) {
                    out.writeByte(LEASE_GONE);
                    writeString(out, service);
                } else {
                    out.writeByte(LEASE);
                    writeLease(out, l);
                }
            }
            for (Integer port : b.dirtyReserved()) {
                String desc = t.reservation(port);
                out.writeByte(desc == null ? UNRESERVED : RESERVED);
                out.writeInt(port);
                if (desc != null) {
                    writeString(out, desc);
                }
            }
            for (Event e : b.events()) {
                out.writeByte(EVENT);
                writeEvent(out, e);
            }
            if (b.lastPortDirty()) {
                out.writeByte(LAST_PORT);
                out.writeInt(t.lastPort());
            }
            for (int i = 0; i < b.dirtyUsageCount(); i++) {
                int port = b.dirtyUsage(i);
                PortUsage u = t.usage().get(port);
                if (u != null) { // null: the only change that touched it was refused and rolled back
                    out.writeByte(USAGE);
                    USAGE_OUT.write(out, Map.entry(port, u));
                }
            }
        });
    }

    /** {@code base} with a batch's changes applied; throws {@link IOException} if the payload is not one. */
    static PortTable replay(PortTable base, byte[] payload, int historyMax) throws IOException {
        In in = open(payload);
        PortTable t = base;
        for (int tag; (tag = in.read()) >= 0; ) {
            t = switch (tag) {
                case LEASE -> t.withLease(readLease(in));
                case LEASE_GONE -> t.withoutLease(readString(in));
                case RESERVED -> t.withReservation(in.readInt(), readString(in));
                case UNRESERVED -> t.withReservation(in.readInt(), null);
                case EVENT -> t.withEvent(readEvent(in), historyMax);
                case LAST_PORT -> t.withLastPort(in.readInt());
                case USAGE -> t.withUsage(in.readInt(), readUsage(in));
                default -> throw new IOException("unknown change " + tag);
            };
        }
        return t;
    }

    /** Writes one item of a {@link #chunk}. */
    @FunctionalInterface
    interface Writes<T> {
        void write(DataOutputStream out, T item) throws IOException;
    }

    /** Reads one item of a {@link #chunk}. */
    @FunctionalInterface
    interface Reads<T> {
        T read(In in) throws IOException;
    }

    static final Writes<Lease> LEASE_OUT = Codec::writeLease;
    static final Reads<Lease> LEASE_IN = Codec::readLease;
    static final Writes<Event> EVENT_OUT = Codec::writeEvent;
    static final Reads<Event> EVENT_IN = Codec::readEvent;
    static final Writes<Map.Entry<Integer, String>> RESERVATION_OUT = (out, r) -> {
        out.writeInt(r.getKey());
        writeString(out, r.getValue());
    };
    static final Reads<Map.Entry<Integer, String>> RESERVATION_IN = in -> Map.entry(in.readInt(), readString(in));
    static final Writes<Map.Entry<Integer, PortUsage>> USAGE_OUT = (out, u) -> {
        out.writeInt(u.getKey());
        out.writeLong(u.getValue().allocs());
        out.writeLong(u.getValue().leasedMillis());
        writeString(out, u.getValue().lastService());
        out.writeLong(u.getValue().lastMillis());
    };
    static final Reads<Map.Entry<Integer, PortUsage>> USAGE_IN = in -> Map.entry(in.readInt(), readUsage(in));

    private static PortUsage readUsage(DataInputStream in) throws IOException {
        return new PortUsage(in.readLong(), in.readLong(), readString(in), in.readLong());
    }

    /**
     * Many items as one value of the MapDB file: a start reads a few hundred values instead of one per
     * lease, which is most of what makes reading 40,000 leases fast.
     */
    static <T> byte[] chunk(List<T> items, Writes<T> w) {
        return encode(out -> {
            out.writeInt(items.size());
            for (T t : items) {
                w.write(out, t);
            }
        });
    }

    static <T> void unchunk(byte[] b, Reads<T> r, List<? super T> to) throws IOException {
        In in = open(b);
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
        return encode(out -> {
            out.writeLong(c.journalSeq());
            out.writeInt(c.lastPort());
            out.writeInt(c.leases());
            out.writeInt(c.reservations());
            out.writeInt(c.events());
        });
    }

    static Counts counts(byte[] b) throws IOException {
        DataInputStream in = open(b);
        return new Counts(in.readLong(), in.readInt(), in.readInt(), in.readInt(), in.readInt());
    }

    /** How many entries a map of the MapDB file holds that {@link Counts} does not count (usage). */
    static byte[] count(int n) {
        return encode(out -> out.writeInt(n));
    }

    static int count(byte[] b) throws IOException {
        return open(b).readInt();
    }

    /**
     * A value for the MapDB file: its CRC32C, then the value. MapDB checks its header but not its
     * records, so a flipped bit inside a value would otherwise read back as a wrong lease.
     */
    static byte[] sealed(byte[] value) {
        CRC32C c = new CRC32C();
        c.update(value);
        byte[] out = new byte[value.length + 4];
        java.nio.ByteBuffer.wrap(out).putInt((int) c.getValue()).put(value);
        return out;
    }

    /** The value inside {@link #sealed}; throws if the CRC does not match. */
    static byte[] unsealed(byte[] stored) throws IOException {
        if (stored == null || stored.length < 4) {
            throw new IOException("a value is missing or too short");
        }
        CRC32C c = new CRC32C();
        c.update(stored, 4, stored.length - 4);
        if ((int) c.getValue() != java.nio.ByteBuffer.wrap(stored).getInt()) {
            throw new IOException("its entries do not match their checksum");
        }
        return java.util.Arrays.copyOfRange(stored, 4, stored.length);
    }

    // ---- fields ----

    private static void writeLease(DataOutputStream out, Lease l) throws IOException {
        writeString(out, l.service());
        out.writeInt(l.port());
        out.writeByte(l.proto().ordinal());
        out.writeInt(l.uid());
        out.writeInt(l.pid());
        out.writeLong(l.pidStart());
        out.writeLong(l.since());
        out.writeLong(l.expires());
        out.writeLong(l.ttlMillis());
        writeString(out, l.desc());
        out.writeByte(l.state().ordinal());
        writeCheck(out, l.check());
    }

    private static Lease readLease(In in) throws IOException {
        return new Lease(readString(in), in.readInt(), choose(Transport.values(), in.readByte()), in.readInt(),
                in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readLong(), readString(in),
                choose(LeaseState.values(), in.readByte()), in.version >= CHECKS ? readCheck(in) : null);
    }

    /** 0 for none, else its kind's ordinal + 1, then (for http) its path, then its interval. */
    private static void writeCheck(DataOutputStream out, Check c) throws IOException {
        out.writeByte(c == null ? 0 : c.kind().ordinal() + 1);
        if (c != null) {
            writeString(out, c.path());
            out.writeLong(c.intervalMillis());
        }
    }

    private static Check readCheck(In in) throws IOException {
        byte kind = in.readByte();
        if (kind == 0) {
            return null;
        }
        return new Check(choose(Check.Kind.values(), (byte) (kind - 1)), readString(in), in.readLong());
    }

    private static void writeEvent(DataOutputStream out, Event e) throws IOException {
        out.writeLong(e.seq());
        out.writeLong(e.time());
        writeString(out, e.kind().wire());
        writeString(out, e.service());
        out.writeInt(e.port());
        out.writeInt(e.prev());
        out.writeInt(e.uid());
        out.writeInt(e.pid());
        writeString(out, e.note());
    }

    private static Event readEvent(DataInputStream in) throws IOException {
        long seq = in.readLong();
        long time = in.readLong();
        Event.Kind kind;
        try {
            kind = Event.Kind.parse(readString(in));
        } catch (IllegalArgumentException e) {
            throw new IOException("event " + seq + ": " + e.getMessage());
        }
        return new Event(seq, time, kind, readString(in), in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                readString(in));
    }

    /** A string as its UTF-8 length and bytes; -1 for null. */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < -1 || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        return n < 0 ? null : new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    /** The enum constant stored as {@code ordinal}: the order of Transport and LeaseState is part of the format. */
    private static <E> E choose(E[] values, byte ordinal) throws IOException {
        if (ordinal < 0 || ordinal >= values.length) {
            throw new IOException("bad value " + ordinal + " for " + values.getClass().getComponentType().getSimpleName());
        }
        return values[ordinal];
    }

    // ---- framing ----

    @FunctionalInterface
    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] encode(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(VERSION);
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** The bytes of one encoding, with the version they were written in. */
    static final class In extends DataInputStream {
        final int version;

        private In(byte[] b) throws IOException {
            super(new ByteArrayInputStream(b));
            version = read();
            if (version < OLDEST || version > VERSION) {
                throw new IOException("format version " + version + " is not one this portd reads (" + OLDEST + " to "
                        + VERSION + ")");
            }
        }
    }

    private static In open(byte[] b) throws IOException {
        return new In(b);
    }
}
