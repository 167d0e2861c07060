package dev.portd.store;

import dev.portd.table.Batch;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.table.PortUsage;
import java.io.IOException;
import java.util.Map;

/**
 * A journal record's payload: a batch's changes, in order, in {@link Codec}'s form: a lease as it now is,
 * a lease gone, a reservation set or lifted, an event, the policy's last port, a port's usage as it now
 * stands. Replaying them on the table the batch started from gives the table the batch published.
 * Version 1 payloads, written before usage was kept, simply have no usage change.
 */
final class BatchRecord {
    private static final byte LEASE = 1;
    private static final byte LEASE_GONE = 2;
    private static final byte RESERVED = 3;
    private static final byte UNRESERVED = 4;
    private static final byte EVENT = 5;
    private static final byte LAST_PORT = 6;
    private static final byte USAGE = 7;

    /** The payload of the journal record for a batch: what {@code b} changed, as it now stands. */
    static byte[] payload(Batch b) {
        PortTable t = b.table();
        return Codec.encode(out -> {
            for (String service : b.dirtyServices()) {
                Lease l = t.lease(service);
                if (l == null) {
                    out.writeByte(LEASE_GONE);
                    Codec.writeString(out, service);
                } else {
                    out.writeByte(LEASE);
                    Codec.writeLease(out, l);
                }
            }
            for (Integer port : b.dirtyReserved()) {
                String desc = t.reservation(port);
                out.writeByte(desc == null ? UNRESERVED : RESERVED);
                out.writeInt(port);
                if (desc != null) {
                    Codec.writeString(out, desc);
                }
            }
            for (Event e : b.events()) {
                out.writeByte(EVENT);
                Codec.writeEvent(out, e);
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
                    Codec.USAGE_OUT.write(out, Map.entry(port, u));
                }
            }
        });
    }

    /** {@code base} with a batch's changes applied; throws {@link IOException} if the payload is not one. */
    static PortTable replay(PortTable base, byte[] payload, int historyMax) throws IOException {
        Codec.In in = Codec.open(payload);
        PortTable t = base;
        for (int tag; (tag = in.read()) >= 0; ) {
            t = switch (tag) {
                case LEASE -> t.withLease(Codec.readLease(in));
                case LEASE_GONE -> t.withoutLease(Codec.readString(in));
                case RESERVED -> t.withReservation(in.readInt(), Codec.readString(in));
                case UNRESERVED -> t.withReservation(in.readInt(), null);
                case EVENT -> t.withEvent(Codec.readEvent(in), historyMax);
                case LAST_PORT -> t.withLastPort(in.readInt());
                case USAGE -> t.withUsage(in.readInt(), Codec.readUsage(in));
                default -> throw new IOException("unknown change " + tag);
            };
        }
        return t;
    }


    private BatchRecord() {}
}
