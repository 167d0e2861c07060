package dev.portd.store;

import dev.portd.table.Check;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.LeaseState;
import dev.portd.table.PortUsage;
import dev.portd.table.Transport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The store's own binary form of leases, reservations, events and ports' usage, shared by the journal's
 * records ({@link BatchRecord}) and the MapDB file's values ({@link FileValues}), so one definition of the
 * fields serves both (and neither is the protocol's text). Every encoding starts with the version it was
 * written in ({@link #VERSION}); a reader reads every version since {@link #OLDEST} and refuses one it
 * does not know rather than guess. A port's usage has an encoding of its own, so the lease's did not
 * change when usage began to be kept.
 */
final class Codec {
    static final int VERSION = 2;
    /** The oldest version this portd reads: 1, the first, whose leases have no health check. */
    static final int OLDEST = 1;
    /** Since version 2 a lease ends with its health check. */
    static final int CHECKS = 2;

    private Codec() {}

    /** Writes one item: a value of a chunk of the MapDB file, or a change of a journal record. */
    @FunctionalInterface
    interface Writes<T> {
        void write(DataOutputStream out, T item) throws IOException;
    }

    /** Reads one item written by its {@link Writes}. */
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

    static PortUsage readUsage(DataInputStream in) throws IOException {
        return new PortUsage(in.readLong(), in.readLong(), readString(in), in.readLong());
    }

    // ---- fields ----

    static void writeLease(DataOutputStream out, Lease l) throws IOException {
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

    static Lease readLease(In in) throws IOException {
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

    static void writeEvent(DataOutputStream out, Event e) throws IOException {
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

    static Event readEvent(DataInputStream in) throws IOException {
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
    static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
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
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] encode(Body body) {
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

    static In open(byte[] b) throws IOException {
        return new In(b);
    }
}
