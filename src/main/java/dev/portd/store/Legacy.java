package dev.portd.store;

import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * Reads a store written by portd 0.1.0: {@code portd.db} (MapDB with transactions on) holding each
 * lease and event as a protocol line ({@code port=20000 service=web ...}), plus {@code portd.db.redo},
 * the in-place writes of a commit that a crash interrupted, which 0.1.0 applied again at start. The
 * lines are split by the protocol's own parser, handed in, so the store does not depend on the
 * protocol.
 */
final class Legacy {
    static final String REDO = Store.FILE + ".redo";
    private static final long REDO_MAGIC = 0x706f7274_64524431L; // "portdRD1"

    private Legacy() {}

    /** Whether {@code file} is a 0.1.0 store (it has the maps 0.1.0 made, none of today's). */
    static boolean is(DB db) {
        return db.exists("leases") && !db.exists(StoreFile.STATE);
    }

    /** Applies a complete redo file left by a crash, as 0.1.0 would have at its next start. */
    static void applyRedo(Path file) throws IOException {
        Path redo = file.resolveSibling(REDO);
        if (!Files.exists(redo) || Files.size(redo) == 0) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(redo));
        List<long[]> at = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        boolean complete = false;
        if (in.remaining() >= 16 && in.getLong() == REDO_MAGIC) {
            int count = in.getInt();
            for (int i = 0; i < count && in.remaining() >= 12; i++) {
                long offset = in.getLong();
                int len = in.getInt();
                if (offset < 0 || len < 0 || in.remaining() < len) {
                    break;
                }
                byte[] b = new byte[len];
                in.get(b);
                at.add(new long[] {offset});
                bytes.add(b);
            }
            if (at.size() == count && in.remaining() >= 4) {
                CRC32C crc = new CRC32C();
                crc.update(in.array(), 0, in.position());
                complete = in.getInt() == (int) crc.getValue();
            }
        }
        if (complete) { // an incomplete one is from a commit that never touched portd.db
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                for (int i = 0; i < at.size(); i++) {
                    ByteBuffer b = ByteBuffer.wrap(bytes.get(i));
                    for (long pos = at.get(i)[0]; b.hasRemaining(); ) {
                        pos += ch.write(b, pos);
                    }
                }
                ch.force(true);
            }
        }
    }

    /** The table a 0.1.0 store holds. */
    static PortTable read(DB db, Function<String, Map<String, String>> rows) {
        // 0.1.0 made all four maps at its first start; a map that is not there is empty.
        Map<String, String> leases = db.exists("leases") ? db.hashMap("leases", Serializer.STRING, Serializer.STRING).open() : Map.of();
        Map<Integer, String> reserved = db.exists("reserved") ? db.treeMap("reserved", Serializer.INTEGER, Serializer.STRING).open() : Map.of();
        Map<Long, String> history = db.exists("history") ? db.treeMap("history", Serializer.LONG, Serializer.STRING).open() : Map.of();
        Map<String, String> meta = db.exists("meta") ? db.hashMap("meta", Serializer.STRING, Serializer.STRING).open() : Map.of();
        List<Lease> ls = new ArrayList<>();
        for (Map.Entry<String, String> e : leases.entrySet()) {
            ls.add(Lease.fromStored(e.getKey(), rows.apply(e.getValue())));
        }
        List<Event> hs = new ArrayList<>();
        for (String line : history.values()) {
            hs.add(Event.fromStored(rows.apply(line)));
        }
        String lastPort = meta.get("last_port");
        return PortTable.load(ls, new HashMap<>(reserved), hs, lastPort == null ? 0 : Integer.parseInt(lastPort));
    }

    /** Opens a 0.1.0 file as 0.1.0 did (transactions on). */
    static DB open(Path file) {
        return DBMaker.fileDB(file.toFile()).fileChannelEnable().transactionEnable().make();
    }
}
