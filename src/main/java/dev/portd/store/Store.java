package dev.portd.store;

import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.table.Txn;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;
import kotlin.Pair;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable table: a MapDB file, the store of record, plus the {@link Journal} of every batch since
 * that file was written. A change is durable once its journal record is forced; a checkpoint writes
 * the whole table to a fresh MapDB file and renames it over the old one (so the file is always one
 * whole table, never one half-updated), and the journal segments it covers are deleted.
 *
 * <p>The MapDB file: maps {@code lease}, {@code reservation} and {@code event}, each from a chunk
 * number to up to {@value #CHUNK} entries in the store's own {@link Codec} form behind a CRC, and
 * {@code state}: the journal sequence number the file contains, the last port and the number of
 * entries of each kind.
 *
 * <p>A {@code portd.lock} file, locked while the store is open, keeps a second daemon off the data.
 */
public final class Store implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);

    public static final String FILE = "portd.db";
    static final String LOCK = "portd.lock";
    static final String STATE = "state";
    private static final String NEW = FILE + ".new";
    private static final int CHUNK = 512;

    private final Path dir;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Journal journal;
    private final PortTable table;
    private final long seq;
    private final long checkpointSeq;

    private Store(Path dir, FileChannel lockChannel, FileLock lock, Journal journal, PortTable table, long seq,
                  long checkpointSeq) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.journal = journal;
        this.table = table;
        this.seq = seq;
        this.checkpointSeq = checkpointSeq;
    }

    /**
     * Opens the store in {@code dir} (creating it when there is none): reads the MapDB file (converting
     * one written by portd 0.1.0, whose lines {@code legacyRows} splits into fields), replays the
     * journal after it, and opens the journal for appends. {@code preparer} prepares journal segments
     * ahead of need.
     */
    public static Store open(Path dir, int historyMax, Function<String, Map<String, String>> legacyRows,
                             Executor preparer) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw StoreException.cannotCreate(dir, e);
        }
        if (Files.exists(file) && !(Files.isReadable(file) && Files.isWritable(file))) {
            throw StoreException.cannotOpen(file, "permission denied", null);
        }
        FileChannel lockChannel = null;
        try {
            lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(lockChannel, file);
            Files.deleteIfExists(dir.resolve(NEW)); // a checkpoint a crash interrupted: the old file stands
            long t0 = System.nanoTime();
            if (!Files.exists(file) && Journal.files(dir).isEmpty()) {
                write(dir, PortTable.EMPTY, 0); // a new store: its file exists from the first start on
            }
            Loaded loaded = Files.exists(file) ? read(file, legacyRows) : new Loaded(PortTable.EMPTY, 0);
            long t1 = System.nanoTime();
            Journal.Opened j = Journal.open(dir, loaded.seq, preparer);
            PortTable t = loaded.table;
            for (JournalReader.Record r : j.records()) {
                try {
                    t = Codec.replay(t, r.payload(), historyMax);
                } catch (IOException | RuntimeException e) {
                    j.journal().close();
                    throw StoreException.journalDamaged(dir, -1, "record " + r.seq() + " cannot be replayed: "
                            + describe(e));
                }
            }
            log.info("opened the store: {} leases from {} in {} ms, {} journal records after its record {} replayed in {} ms",
                    t.leaseCount(), file, (t1 - t0) / 1_000_000, j.records().size(), loaded.seq,
                    (System.nanoTime() - t1) / 1_000_000);
            return new Store(dir, lockChannel, lock, j.journal(), t, j.lastSeq(), loaded.seq);
        } catch (StoreException e) {
            closeQuietly(lockChannel);
            throw e;
        } catch (AccessDeniedException e) {
            closeQuietly(lockChannel);
            throw StoreException.cannotOpen(Path.of(e.getFile()), "permission denied", e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lockChannel);
            throw StoreException.cannotOpen(file, describe(e), e);
        }
    }

    private static FileLock tryLock(FileChannel ch, Path file) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw StoreException.inUse(file);
        }
        return lock;
    }

    private record Loaded(PortTable table, long seq) {}

    /** Reads the MapDB file; a 0.1.0 file is converted to today's form first. */
    private static Loaded read(Path file, Function<String, Map<String, String>> legacyRows) throws IOException {
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
            throw StoreException.damaged(file, describe(e), e);
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
            throw StoreException.damaged(file, describe(e), e);
        }
        try (DB old = Legacy.open(file)) {
            legacy = Legacy.read(old, legacyRows);
        } catch (RuntimeException | Error e) {
            throw StoreException.damaged(file, "as written by portd 0.1.0: " + describe(e), e);
        }
        write(file.getParent(), legacy, 0);
        for (Path p : files(file.getParent())) {
            String n = p.getFileName().toString();
            if (n.equals(Legacy.REDO) || n.startsWith(FILE + ".wal.")) {
                Files.deleteIfExists(p);
            }
        }
        log.info("converted the store {} written by portd 0.1.0: {} leases, {} reservations, {} history events",
                file, legacy.leaseCount(), legacy.reservations().size(), legacy.history().size());
        return new Loaded(legacy, 0);
    }

    private static Loaded load(Path file, DB db) {
        try {
            Codec.Counts c = Codec.counts(Codec.unsealed(stateMap(db).get(STATE)));
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
            return new Loaded(PortTable.load(leases, reserved, history, c.lastPort()), c.journalSeq());
        } catch (IOException | RuntimeException | Error e) {
            throw StoreException.damaged(file, describe(e), e);
        }
    }

    private static <T> void unchunk(DB db, String name, Codec.Reads<T> r, List<T> to) throws IOException {
        for (byte[] v : db.treeMap(name, Serializer.INTEGER, Serializer.BYTE_ARRAY).open().values()) {
            Codec.unchunk(Codec.unsealed(v), r, to);
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
    public static void write(Path dir, PortTable t, long seq) throws IOException {
        Path tmp = dir.resolve(NEW);
        Files.deleteIfExists(tmp);
        try {
            DB db = DBMaker.fileDB(tmp.toFile()).fileChannelEnable().fileLockDisable().make();
            try {
                chunked(db, "lease", new ArrayList<>(t.leases()), Codec.LEASE_OUT);
                chunked(db, "reservation", new ArrayList<>(t.reservations().entrySet()), Codec.RESERVATION_OUT);
                chunked(db, "event", new ArrayList<>(t.history()), Codec.EVENT_OUT);
                db.treeMap(STATE, Serializer.STRING, Serializer.BYTE_ARRAY).create().put(STATE, Codec.sealed(Codec.counts(new Codec.Counts(seq, t.lastPort(), t.leaseCount(),
                        t.reservations().size(), t.history().size()))));
            } finally {
                db.close();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(dir);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e instanceof IOException io ? io : new IOException(describe(e), e);
        }
    }

    /** One map of the file: chunk number to {@value #CHUNK} items, bulk-built in key order. */
    private static <T> void chunked(DB db, String name, List<T> items, Codec.Writes<T> w) {
        int chunks = (items.size() + CHUNK - 1) / CHUNK;
        Iterator<Pair<Integer, byte[]>> pairs = new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < chunks;
            }

            @Override
            public Pair<Integer, byte[]> next() {
                List<T> part = items.subList(next * CHUNK, Math.min(items.size(), (next + 1) * CHUNK));
                return new Pair<>(next++, Codec.sealed(Codec.chunk(part, w)));
            }
        };
        db.treeMap(name, Serializer.INTEGER, Serializer.BYTE_ARRAY).createFrom(pairs);
    }

    /** Makes a rename or a new file in {@code dir} durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** The table as stored: the MapDB file plus the journal replayed. */
    public PortTable table() {
        return table;
    }

    /** The sequence number of the last journal record (0 when none). */
    public long seq() {
        return seq;
    }

    /** The last journal record the MapDB file held when the store was opened. */
    public long checkpointSeq() {
        return checkpointSeq;
    }

    /** Makes the batch durable as journal record {@code seq}: one write, one fdatasync. */
    public void append(long recordSeq, Txn txn) throws IOException {
        journal.append(recordSeq, Codec.batch(txn));
    }

    /** Writes {@code t} (the journal up to {@code upTo} applied) as the store file, then drops what it covers. */
    public void checkpoint(PortTable t, long upTo) throws IOException {
        write(dir, t, upTo);
        journal.dropThrough(upTo);
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        String s = m == null ? e.getClass().getSimpleName() : m;
        // MapDB's VolumeIOError (a full disk, a truncated file) has no message of its own; its cause says what failed.
        Throwable cause = e.getCause();
        if (m == null && cause != null && cause != e) {
            s += " (" + describe(cause) + ")";
        }
        return s;
    }

    public Path file() {
        return file;
    }

    /**
     * The store's files in {@code dir}: portd.db, the journal's segments, and what portd 0.1.0 kept beside
     * portd.db (portd.db.redo, MapDB's portd.db.wal.N). They belong together and move together.
     */
    public static List<Path> files(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals(FILE) || n.equals(Legacy.REDO) || n.matches("portd\\.db\\.wal\\.\\d+")
                        || n.startsWith(Journal.PREFIX);
            }).sorted().forEach(out::add);
        }
        return out;
    }

    /** Locks {@code dir}'s store for a tool that changes its files with the daemon stopped; null if a daemon has it. */
    public static Closeable lockForTool(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            tryLock(ch, dir.resolve(FILE));
        } catch (StoreException e) {
            ch.close();
            return null;
        }
        return ch; // closing the channel releases the lock
    }

    public long fileBytes() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    public long journalBytes() {
        return journal.bytes();
    }

    @Override
    public void close() {
        try {
            journal.close();
        } catch (IOException e) {
            log.warn("closing the journal: {}", describe(e));
        }
        try {
            lock.release();
        } catch (IOException e) {
            log.debug("releasing {}: {}", LOCK, e.toString());
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                log.debug("close: {}", e.toString());
            }
        }
    }
}
