package dev.portd.store;

import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.table.PortUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import kotlin.Pair;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MapDB file, {@code portd.db}: maps {@code lease}, {@code reservation} and {@code event}, each from
 * a chunk number to up to {@value #CHUNK} entries in the store's own {@link Codec} form behind a CRC,
 * and {@code state}: the number of the last journal record the file holds, the last port and the
 * number of entries of each kind; and {@code usage}, each port's usage in chunks too, counted under a
 * key of its own in {@code state} (a file written before usage was kept has neither: it has none).
 * Always written whole, as a new file renamed over the old one; read once, at start-up (converting a
 * file written by portd 0.1.0).
 */
final class StoreFile {
    private static final Logger log = LoggerFactory.getLogger(Store.class);

    static final String STATE = "state";
    static final String USAGE = "usage";
    static final String NEW = Store.FILE + ".new";
    private static final int CHUNK = 512;
    private static final int FLUSH_EVERY = 16;

    private StoreFile() {}

    record Loaded(PortTable table, long seq) {}

    /** Reads the MapDB file; a 0.1.0 file is converted to today's form first. */
    static Loaded read(Path file, Function<String, Map<String, String>> legacyRows) throws IOException {
        DB db;
        try {
            Legacy.applyRedo(file);
            db = DBMaker.fileDB(file.toFile()).fileChannelEnable().fileLockDisable().readOnly().make();
        } catch (DBException.FileLocked e) {
            throw StoreException.inUse(file);
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // MapDB says DataCorruption for a broken header, VolumeIOError for a truncated file, and
            // NewMapDBFormat or worse for flipped header bits: an existing file that does not open is damaged.
            throw StoreException.damaged(file, firstSentence(Store.describe(e)), e);
        }
        PortTable legacy;
        try (DB open = db) {
            if (!Legacy.is(open)) {
                return load(file, open);
            }
        } catch (RuntimeException | Error e) {
            if (e instanceof StoreException) {
                throw e;
            }
            throw StoreException.damaged(file, Store.describe(e), e);
        }
        try (DB old = Legacy.open(file)) {
            legacy = Legacy.read(old, legacyRows);
        } catch (RuntimeException | Error e) {
            throw StoreException.damaged(file, "as written by portd 0.1.0: " + Store.describe(e), e);
        }
        write(file.getParent(), legacy, 0);
        for (Path p : Store.files(file.getParent())) {
            String n = p.getFileName().toString();
            if (n.equals(Legacy.REDO) || n.startsWith(Store.FILE + ".wal.")) {
                Files.deleteIfExists(p);
            }
        }
        log.info("converted the store {} written by portd 0.1.0: {} leases, {} reservations, {} history events",
                file, legacy.leaseCount(), legacy.reservations().size(), legacy.history().size());
        return new Loaded(legacy, 0);
    }

    /**
     * MapDB's first sentence says what it found ("Header checksum broken"); the rest is advice for
     * MapDB's programmers (DBMaker options), not for an operator, whose safe step is portd's own.
     */
    private static String firstSentence(String mapdb) {
        int end = mapdb.indexOf(". ");
        return end < 0 ? mapdb : mapdb.substring(0, end);
    }

    private static Loaded load(Path file, DB db) {
        try {
            FileValues.Counts c = FileValues.counts(FileValues.unsealed(stateMap(db).get(STATE)));
            List<Lease> leases = new ArrayList<>(c.leases());
            unchunk(db, "lease", Codec.LEASE_IN, leases);
            List<Map.Entry<Integer, String>> rs = new ArrayList<>(c.reservations());
            unchunk(db, "reservation", Codec.RESERVATION_IN, rs);
            Map<Integer, String> reserved = new HashMap<>();
            for (Map.Entry<Integer, String> r : rs) {
                reserved.put(r.getKey(), r.getValue());
            }
            List<Event> history = new ArrayList<>(c.events());
            unchunk(db, "event", Codec.EVENT_IN, history);
            if (leases.size() != c.leases() || reserved.size() != c.reservations() || history.size() != c.events()) {
                throw new IOException("its entries do not match their checksum (counts differ)");
            }
            PortTable t = PortTable.load(leases, reserved, history, c.lastPort());
            return new Loaded(withUsage(db, t), c.journalSeq());
        } catch (IOException | RuntimeException | Error e) {
            throw StoreException.damaged(file, Store.describe(e), e);
        }
    }

    /** {@code t} with the file's usage map, when it has one. */
    private static PortTable withUsage(DB db, PortTable t) throws IOException {
        byte[] count = stateMap(db).get(USAGE);
        if (count == null) {
            return t;
        }
        int n = FileValues.count(FileValues.unsealed(count));
        List<Map.Entry<Integer, PortUsage>> entries = new ArrayList<>(n);
        unchunk(db, USAGE, Codec.USAGE_IN, entries);
        SortedMap<Integer, PortUsage> usage = new TreeMap<>();
        for (Map.Entry<Integer, PortUsage> e : entries) {
            usage.put(e.getKey(), e.getValue());
        }
        if (usage.size() != n) {
            throw new IOException("its entries do not match their checksum (usage counts differ)");
        }
        return t.withUsage(usage);
    }

    private static <T> void unchunk(DB db, String name, Codec.Reads<T> r, List<T> to) throws IOException {
        for (byte[] v : db.treeMap(name, Serializer.INTEGER, Serializer.BYTE_ARRAY).open().values()) {
            FileValues.unchunk(FileValues.unsealed(v), r, to);
        }
    }

    private static Map<String, byte[]> stateMap(DB db) {
        return db.treeMap(STATE, Serializer.STRING, Serializer.BYTE_ARRAY).open();
    }


    /**
     * Writes {@code t}, which contains the journal up to {@code seq}, as the store file of {@code dir}:
     * a fresh file, forced, renamed over the old one, directory forced. A crash at any point leaves the
     * old file or the new one, whole.
     */
    static void write(Path dir, PortTable t, long seq) throws IOException {
        Path tmp = dir.resolve(NEW);
        Files.deleteIfExists(tmp);
        try {
            DB db = DBMaker.fileDB(tmp.toFile()).fileChannelEnable().fileLockDisable().make();
            try (FileChannel early = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                Runnable flush = () -> {
                    try {
                        early.force(false);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
                chunked(db, "lease", new ArrayList<>(t.leases()), Codec.LEASE_OUT, flush);
                chunked(db, "reservation", new ArrayList<>(t.reservations().entrySet()), Codec.RESERVATION_OUT, flush);
                chunked(db, "event", new ArrayList<>(t.history()), Codec.EVENT_OUT, flush);
                chunked(db, USAGE, new ArrayList<>(t.usage().entrySet()), Codec.USAGE_OUT, flush);
                Map<String, byte[]> state = db.treeMap(STATE, Serializer.STRING, Serializer.BYTE_ARRAY).create();
                state.put(STATE, FileValues.sealed(FileValues.counts(new FileValues.Counts(seq, t.lastPort(), t.leaseCount(),
                        t.reservations().size(), t.history().size()))));
                state.put(USAGE, FileValues.sealed(FileValues.count(t.usage().size())));
            } finally {
                db.close();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(Store.FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Store.fsyncDirectory(dir);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e instanceof IOException io ? io
                    : e instanceof UncheckedIOException u ? u.getCause() : new IOException(Store.describe(e), e);
        }
    }

    /**
     * One map of the file: chunk number to {@value #CHUNK} items, bulk-built in key order. Every
     * {@value #FLUSH_EVERY} chunks (some hundreds of KiB) what was written so far is forced: the journal's
     * fdatasync, which drains the disk's write cache, then never waits behind a whole table's worth of
     * checkpoint data (megabytes with tens of thousands of leases), only behind one such slice.
     */
    private static <T> void chunked(DB db, String name, List<T> items, Codec.Writes<T> w, Runnable flush) {
        int chunks = (items.size() + CHUNK - 1) / CHUNK;
        Iterator<Pair<Integer, byte[]>> pairs = new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < chunks;
            }

            @Override
            public Pair<Integer, byte[]> next() {
                if (next > 0 && next % FLUSH_EVERY == 0) {
                    flush.run();
                }
                List<T> part = items.subList(next * CHUNK, Math.min(items.size(), (next + 1) * CHUNK));
                return new Pair<>(next++, FileValues.sealed(FileValues.chunk(part, w)));
            }
        };
        db.treeMap(name, Serializer.INTEGER, Serializer.BYTE_ARRAY).createFrom(pairs);
    }

}
