package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.Lease;
import dev.portd.table.Policy;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import dev.portd.table.Transport;
import dev.portd.table.Txn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal on its own: what a start makes of a torn last record (cut, silently, at every byte it
 * could have been torn at), of damage before the end (refused, naming the file and offset), of a
 * missing record, and that a checkpoint drops exactly the segments it covers.
 */
@Timeout(300)
class JournalTest {
    static final TableConfig CONFIG = new TableConfig(30000, 32999, Policy.LOWEST, 0, 1000, 100);
    static final Caller ROOT = Caller.socket(0, 1);

    @TempDir
    Path dir;

    /** Appends one ALLOC per record; returns the table after each (index 0: before any). */
    private static List<PortTable> allocs(Path data, int n, String desc) throws IOException {
        List<PortTable> tables = new ArrayList<>();
        try (Store s = Stores.open(data)) {
            PortTable t = s.table();
            tables.add(t);
            long seq = s.seq();
            for (int i = 0; i < n; i++) {
                Txn txn = new Txn(t, CONFIG, PortUse.NONE);
                txn.begin(ROOT, 1_700_000_000_000L + i);
                txn.alloc(new AllocSpec("s" + seq, 0, 30000, 32999, Transport.TCP, 0, 0, 0, desc, false));
                s.append(++seq, txn);
                t = txn.table();
                tables.add(t);
            }
        }
        return tables;
    }

    private Path segment(Path data) {
        return data.resolve(Segments.name(1));
    }

    /** Start offsets of the records in a segment, plus the end of the last one. */
    private static List<Integer> offsets(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Integer> out = new ArrayList<>();
        int pos = 0;
        while (b.getInt(pos) != 0) {
            out.add(pos);
            pos += Journal.HEADER + b.getInt(pos);
        }
        out.add(pos);
        return out;
    }

    private Path copy(Path from, String name) throws IOException {
        Path to = Files.createDirectory(dir.resolve(name));
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(Store.LOCK)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        return to;
    }

    private static List<String> rows(PortTable t) {
        return t.leases().stream().map(Lease::toString).toList();
    }

    @Test
    void aTornLastRecordIsCutAtEveryByteOffset() throws Exception {
        Path data = dir.resolve("data");
        List<PortTable> tables = allocs(data, 6, "a lease with a description");
        List<Integer> at = offsets(segment(data));
        int start = at.get(5);
        int end = at.get(6);
        assertTrue(end - start > 40, "a record of some size: " + (end - start));
        byte[] whole = Files.readAllBytes(segment(data));
        for (int cut = start; cut < end; cut++) {
            for (boolean truncate : new boolean[] {false, true}) {
                String what = (truncate ? "truncated" : "zeroed") + " from " + cut;
                Path trial = copy(data, "cut-" + cut + "-" + truncate);
                byte[] b = truncate ? Arrays.copyOf(whole, cut) : whole.clone();
                if (!truncate) {
                    Arrays.fill(b, cut, end, (byte) 0);
                }
                Files.write(segment(trial), b);
                try (Store s = Stores.open(trial)) {
                    assertEquals(5, s.seq(), what);
                    assertEquals(rows(tables.get(5)), rows(s.table()), what);
                }
                if (cut % 16 == 0) { // and the journal goes on from there
                    List<PortTable> more = allocs(trial, 1, "after the cut");
                    try (Store s = Stores.open(trial)) {
                        assertEquals(6, s.seq(), what);
                        assertEquals(rows(more.get(1)), rows(s.table()), what);
                    }
                }
                dev.portd.testing.TestDaemon.deleteTree(trial);
            }
        }
    }

    @Test
    void aFlippedBitInAMiddleRecordRefusesTheStartNamingFileAndOffset() throws Exception {
        Path data = dir.resolve("data");
        allocs(data, 6, "d");
        List<Integer> at = offsets(segment(data));
        int start = at.get(2);
        byte[] whole = Files.readAllBytes(segment(data));
        // the length, the CRC, the sequence number, and bytes of the payload
        for (int off : new int[] {0, 3, 5, 9, 15, 16, 20, at.get(3) - start - 1}) {
            for (int bit : new int[] {0x01, 0x80}) {
                Path trial = copy(data, "flip-" + off + "-" + bit);
                byte[] b = whole.clone();
                b[start + off] ^= (byte) bit;
                Files.write(segment(trial), b);
                StoreException e = assertThrows(StoreException.class, () -> Stores.open(trial).close(),
                        "bit " + bit + " at " + off);
                assertTrue(e.inJournal(), e.getMessage());
                assertEquals(segment(trial), e.damagedFile());
                assertTrue(e.getMessage().startsWith("the journal " + segment(trial) + " is damaged at offset " + start
                        + ": "), e.getMessage());
                assertTrue(e.getMessage().contains("keep the data directory as it is"), e.getMessage());
                assertArrayEquals(b, Files.readAllBytes(segment(trial)), "the damaged journal is left as it was");
                dev.portd.testing.TestDaemon.deleteTree(trial);
            }
        }
    }

    /** Damage among records the MapDB file already holds loses nothing: skipped, with a warning. */
    @Test
    void damageOnlyAmongRecordsTheStoreHoldsIsSkipped() throws Exception {
        Path data = dir.resolve("data");
        List<PortTable> tables = allocs(data, 6, "d");
        Store.write(data, tables.get(4), 4); // a checkpoint holding records 1-4
        List<Integer> at = offsets(segment(data));
        byte[] whole = Files.readAllBytes(segment(data));
        byte[] b = whole.clone();
        b[at.get(2) + 20] ^= 0x04; // record 3: covered
        Files.write(segment(data), b);
        try (Store s = Stores.open(data)) {
            assertEquals(6, s.seq());
            assertEquals(rows(tables.get(6)), rows(s.table()));
        }
        b = whole.clone();
        b[at.get(4) + 20] ^= 0x04; // record 5: not in the store file, and record 6 follows
        Files.write(segment(data), b);
        StoreException e = assertThrows(StoreException.class, () -> Stores.open(data).close());
        assertTrue(e.getMessage().contains("is damaged at offset " + at.get(4)), e.getMessage());
    }

    private static void assertArrayEquals(byte[] want, byte[] got, String message) {
        assertTrue(Arrays.equals(want, got), message);
    }

    /** Records written by hand: the framing alone decides, the payload is an empty batch. */
    private static void writeRecords(Path file, long... seqs) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long pos = 0;
            for (long seq : seqs) {
                ByteBuffer r = Journal.frame(seq, new byte[] {Codec.VERSION});
                pos += ch.write(r, pos);
            }
            ch.write(ByteBuffer.allocate(4096), pos);
        }
    }

    @Test
    void aMissingRecordIsDamageButRecordsTheStoreHoldsMayGo() throws Exception {
        Path gap = Files.createDirectory(dir.resolve("gap"));
        writeRecords(gap.resolve(Segments.name(1)), 1, 2, 4, 5);
        StoreException e = assertThrows(StoreException.class, () -> Stores.open(gap).close());
        assertTrue(e.getMessage().contains("is damaged at offset " + 2 * (Journal.HEADER + 1) + ": record 4 follows record 2"),
                e.getMessage());

        Path late = Files.createDirectory(dir.resolve("late"));
        writeRecords(late.resolve(Segments.name(1)), 3, 4);
        e = assertThrows(StoreException.class, () -> Stores.open(late).close());
        assertTrue(e.getMessage().contains("its first record is number 3 but the store holds up to 0"), e.getMessage());

        // Records 1-3 are in the store file (checkpoint at 3): a journal starting at 4 is complete.
        Path covered = Files.createDirectory(dir.resolve("covered"));
        Store.write(covered, PortTable.EMPTY, 3);
        writeRecords(covered.resolve(Segments.name(2)), 4, 5);
        try (Store s = Stores.open(covered)) {
            assertEquals(5, s.seq());
        }
    }

    @Test
    void aCheckpointDropsTheSegmentsItCoversAndTheStartReplaysTheRest() throws Exception {
        Path data = dir.resolve("data");
        String desc = "x".repeat(500);
        List<PortTable> tables = allocs(data, 2200, desc); // more than one segment
        assertTrue(Files.exists(data.resolve(Segments.name(2))), "a second segment");
        try (Store s = Stores.open(data)) {
            s.checkpoint(tables.get(2000), 2000); // the first segment ends before record 2000
            assertFalse(Files.exists(data.resolve(Segments.name(1))), "the covered segment is gone");
        }
        try (Store s = Store.open(data, CONFIG.historyMax(), line -> null, Runnable::run)) {
            assertEquals(2200, s.seq());
            assertEquals(rows(tables.get(2200)), rows(s.table()));
            assertEquals(tables.get(2200).history().size(), s.table().history().size());
        }
    }

    /**
     * A swap's record sets each lease on the other's port: replayed in order, the first lands on a port
     * the second has not left yet, which must stay the first's (else the table loses a lease by port, and
     * the next checkpoint writes a file its own counts call damaged).
     */
    @Test
    void aReplayedSwapKeepsBothLeases() throws Exception {
        Path data = dir.resolve("data");
        PortTable t;
        try (Store s = Stores.open(data)) {
            t = s.table();
            long seq = s.seq();
            for (String service : List.of("a", "b", "swap")) {
                Txn txn = new Txn(t, CONFIG, PortUse.NONE);
                txn.begin(ROOT, 1_700_000_000_000L);
                if (service.equals("swap")) {
                    txn.resolve("a", 0, "b");
                } else {
                    txn.alloc(new AllocSpec(service, 0, 30000, 32999, Transport.TCP, 0, 0, 0, null, false));
                }
                s.append(++seq, txn);
                t = txn.table();
            }
        }
        PortTable replayed = Stores.read(data);
        assertEquals(rows(t), rows(replayed));
        assertEquals(2, replayed.leaseCount());
        assertEquals(t.taken().size(), replayed.taken().size());
        try (Store s = Stores.open(data)) {
            s.checkpoint(s.table(), s.seq());
        }
        assertEquals(rows(t), rows(Stores.read(data)), "after a checkpoint of the replayed table");
    }
}
