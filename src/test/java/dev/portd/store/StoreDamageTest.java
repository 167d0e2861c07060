package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import dev.portd.protocol.Reply;
import dev.portd.protocol.WriterAnswers;
import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.Lease;
import dev.portd.table.LeaseState;
import dev.portd.table.Policy;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import dev.portd.table.Transport;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * What MapDB 3.1 does with a damaged file, and that {@link Store#open} catches it. Measured: a truncated file fails to open (VolumeIOError, or "Header checksum broken" when the
 * header is cut); a flipped header byte fails to open; a flipped length byte inside a record opens
 * but fails on reading it; a flipped byte inside a stored value opens and reads fine and is silently
 * wrong, which only the CRC the store keeps with each value catches.
 */
@Timeout(120)
class StoreDamageTest {
    @TempDir
    Path dir;

    static Lease lease(String service, int port) {
        return new Lease(service, port, Transport.TCP, 1000, 0, 0, 1_700_000_000_000L, 0, 0, "desc of " + service,
                LeaseState.LEASED);
    }

    /** A store of 50 leases, one reservation, written and closed. */
    private Path fill() {
        List<Lease> ls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ls.add(lease("svc" + i, 20000 + i));
        }
        try {
            Store.write(dir, PortTable.load(ls, Map.of(22, "ssh"), List.of(), 20049), 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir.resolve(Store.FILE);
    }

    /**
     * Where {@code text} is stored in the file. MapDB 3.1 writes each character of a string as a
     * packed int whose last byte has the high bit set; plain bytes are tried too.
     */
    static int find(byte[] file, String text) {
        for (boolean high : new boolean[] {true, false}) {
            outer:
            for (int i = 0; i + text.length() <= file.length; i++) {
                for (int j = 0; j < text.length(); j++) {
                    if ((file[i + j] & 0xff) != (text.charAt(j) | (high ? 0x80 : 0))) {
                        continue outer;
                    }
                }
                return i;
            }
        }
        return -1;
    }

    private static StoreException openAndLoad(Path dir) {
        return assertThrows(StoreException.class, () -> Stores.open(dir).close());
    }

    @Test
    void aCleanStoreLoadsAndChecks() {
        fill();
        try (Store s = Stores.open(dir)) {
            PortTable t = s.table();
            assertEquals(50, t.leaseCount());
            assertEquals(20007, t.lease("svc7").port());
            assertEquals("ssh", t.reservation(22));
        }
    }

    @Test
    void aFlippedByteInAValueOpensFineButFailsTheChecksum() throws Exception {
        Path file = fill();
        byte[] b = Files.readAllBytes(file);
        int at = find(b, "desc of svc7");
        assertTrue(at > 0, "the stored lease is in the file");
        b[at + 11] ^= 0x01; // desc of svc7 -> desc of svc6: still a valid lease
        Files.write(file, b);

        // MapDB alone sees nothing wrong:
        DB db = DBMaker.fileDB(file.toFile()).fileChannelEnable().readOnly().make();
        try {
            byte[] value = db.treeMap("lease", Serializer.INTEGER, Serializer.BYTE_ARRAY).open().get(0); // the first 512
            assertTrue(new String(value, StandardCharsets.ISO_8859_1).contains("desc of svc6"));
        } finally {
            db.close();
        }
        StoreException e = openAndLoad(dir);
        assertEquals(file, e.damagedFile());
        assertEquals("the store " + file + " is damaged: its entries do not match their checksum", e.getMessage());
    }

    @Test
    void aFlippedLengthByteFailsTheLoad() throws Exception {
        Path file = fill();
        byte[] b = Files.readAllBytes(file);
        int at = find(b, "desc of svc7");
        b[at - 1] ^= 0x01; // the length just before the string
        Files.write(file, b);
        StoreException e = openAndLoad(dir);
        assertEquals(file, e.damagedFile());
        assertTrue(e.getMessage().startsWith("the store " + file + " is damaged: "), e.getMessage());
    }

    @Test
    void aFlippedHeaderByteFailsTheOpen() throws Exception {
        Path file = fill();
        byte[] b = Files.readAllBytes(file);
        b[64] ^= 0x01;
        Files.write(file, b);
        StoreException e = assertThrows(StoreException.class, () -> Stores.open(dir).close());
        assertEquals(file, e.damagedFile());
        assertTrue(e.getMessage().contains("Header checksum broken"), e.getMessage());
    }

    /**
     * One directory per cut: a MapDB open that fails keeps its file lock until the JVM exits (the
     * daemon exits then; a test goes on), so each cut gets its own store.
     */
    @Test
    void aTruncatedFileFailsTheOpen() throws Exception {
        Path file = fill();
        long size = Files.size(file);
        for (long cut : new long[] {size / 2, 4096, 0}) {
            Path d = Files.createDirectory(dir.resolve("cut" + cut));
            Files.copy(file, d.resolve(Store.FILE));
            try (FileChannel ch = FileChannel.open(d.resolve(Store.FILE), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            StoreException e = openAndLoad(d);
            assertEquals(d.resolve(Store.FILE), e.damagedFile(), "cut to " + cut + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith("the store " + d.resolve(Store.FILE) + " is damaged: "), e.getMessage());
        }
    }

    @Test
    void theWritersIncrementalChecksumMatchesAFullRecount() throws Exception {
        TableConfig cfg = new TableConfig(40000, 40999, Policy.LOWEST, 0, 100, 5); // history_max 5: trimming runs
        Caller root = new Caller(0, 1, "test");
        try (Store s = Stores.open(dir)) {
            Writer<Reply> w = new Writer<>(s, cfg, PortUse.NONE, new MetricRegistry(), WriterAnswers.INSTANCE);
            w.start();
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String name = "s" + i;
                replies.add(submit(w, root, t -> Reply.ok("port",
                        t.alloc(new AllocSpec(name, 0, 40000, 40999, Transport.TCP, 0, 0, 0, "d " + name, false)))));
            }
            for (int i = 0; i < 20; i += 3) {
                String name = "s" + i;
                replies.add(submit(w, root, t -> Reply.ok("port", t.release(name))));
            }
            replies.add(submit(w, root, t -> Reply.ok("count", t.reserve(40500, 40510, "kept"))));
            replies.add(submit(w, root, t -> Reply.ok("count", t.unreserve(40505, 40510))));
            for (CompletableFuture<Reply> r : replies) {
                assertTrue(r.get(10, TimeUnit.SECONDS).ok(), r.get().toString());
            }
            w.stop();
            s.checkpoint(w.table(), w.committed().seq());
        }
        try (Store s = Store.open(dir, 5, line -> null, Runnable::run)) {
            PortTable t = s.table(); // reads every entry and checks its CRC
            assertEquals(13, t.leaseCount());
            assertEquals(5, t.history().size());
            assertEquals(5, t.reservations().size());
        }
    }

    private static CompletableFuture<Reply> submit(Writer<Reply> w, Caller c, Writer.Change<Reply> change) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        w.submit(c, change, f::complete);
        return f;
    }

    @Test
    void aStoreOfPortd010IsConvertedThenGuarded() throws Exception {
        Path file = dir.resolve(Store.FILE);
        DB db = DBMaker.fileDB(file.toFile()).fileChannelEnable().transactionEnable().make();
        db.hashMap("leases", Serializer.STRING, Serializer.STRING).createOrOpen()
                .put("old", lease("old", 20123).storedRow().line());
        db.hashMap("meta", Serializer.STRING, Serializer.STRING).createOrOpen().put("last_port", "20123");
        db.commit();
        db.close();
        try (Store s = Stores.open(dir)) {
            assertEquals(20123, s.table().lease("old").port());
        }
        byte[] b = Files.readAllBytes(file);
        int at = find(b, "desc of old");
        assertTrue(at > 0);
        b[at + 9] ^= 0x02;
        Files.write(file, b);
        assertNotNull(openAndLoad(dir).damagedFile());
    }

    @Test
    void otherFailuresAreNotCalledDamage() throws Exception {
        fill();
        try (Store s = Stores.open(dir)) {
            StoreException e = assertThrows(StoreException.class, () -> Stores.open(dir));
            assertNull(e.damagedFile());
            assertEquals("the store " + dir.resolve(Store.FILE) + " is in use by another process (another portd?)",
                    e.getMessage());
        }
        assertTrue(new String(Files.readAllBytes(dir.resolve(Store.FILE)), StandardCharsets.ISO_8859_1).length() > 0);
    }
}
