package dev.portd.store;

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
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable table: a MapDB file, the store of record, plus the {@link Journal} of every batch since
 * that file was written. A change is durable once its journal record is forced; a checkpoint writes
 * the whole table to a fresh MapDB file and renames it over the old one (so the file is always one
 * whole table, never one half-updated), and the journal segments it covers are deleted.
 *
 * <p>The MapDB file's layout is {@link StoreFile}'s.
 *
 * <p>A {@code portd.lock} file, locked while the store is open, keeps a second daemon off the data.
 */
public final class Store implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);

    public static final String FILE = "portd.db";
    static final String LOCK = "portd.lock";

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
            throw StoreException.permission("cannot open the store " + file + ": permission denied");
        }
        FileChannel lockChannel = null;
        try {
            lockChannel = openLock(dir);
            FileLock lock = tryLock(lockChannel, file);
            Files.deleteIfExists(dir.resolve(StoreFile.NEW)); // a checkpoint a crash interrupted: the old file stands
            long t0 = System.nanoTime();
            if (!Files.exists(file) && Segments.files(dir).isEmpty()) {
                write(dir, PortTable.EMPTY, 0); // a new store: its file exists from the first start on
            }
            StoreFile.Loaded loaded = Files.exists(file) ? StoreFile.read(file, legacyRows)
                    : new StoreFile.Loaded(PortTable.EMPTY, 0);
            long t1 = System.nanoTime();
            Journal.Opened j = Journal.open(dir, loaded.seq(), preparer);
            PortTable t = loaded.table();
            for (JournalReader.Record r : j.records()) {
                try {
                    t = BatchRecord.replay(t, r.payload(), historyMax);
                } catch (IOException | RuntimeException e) {
                    j.journal().close();
                    throw StoreException.journalDamaged(dir, -1, "record " + r.seq() + " cannot be replayed: "
                            + describe(e));
                }
            }
            t = t.withHoldersCounted(); // usage of a store kept before usage was, or restored from a backup
            log.info("opened the store: {} leases from {} in {} ms, {} journal records after its record {} replayed in {} ms",
                    t.leaseCount(), file, (t1 - t0) / 1_000_000, j.records().size(), loaded.seq(),
                    (System.nanoTime() - t1) / 1_000_000);
            return new Store(dir, lockChannel, lock, j.journal(), t, j.lastSeq(), loaded.seq());
        } catch (StoreException e) {
            closeQuietly(lockChannel);
            throw e;
        } catch (AccessDeniedException e) {
            closeQuietly(lockChannel);
            throw StoreException.permission("cannot open the store: " + e.getFile() + ": permission denied");
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

    /**
     * Writes {@code t}, which contains the journal up to {@code seq}, as the store file of {@code dir},
     * whole or not at all ({@link StoreFile#write}).
     */
    public static void write(Path dir, PortTable t, long seq) throws IOException {
        StoreFile.write(dir, t, seq);
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
        journal.append(recordSeq, BatchRecord.payload(txn.batch()));
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
                        || n.startsWith(Segments.PREFIX);
            }).sorted().forEach(out::add);
        }
        return out;
    }

    /**
     * Opens (creating) the lock file. One made by root for a directory root does not own (jsvc opens
     * the store before it drops privileges) goes to the directory's owner, or the daemon, started later
     * as that user, could not open it.
     */
    private static FileChannel openLock(Path dir) throws IOException {
        Path p = dir.resolve(LOCK);
        boolean created = !Files.exists(p);
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (created) {
            try {
                java.nio.file.attribute.UserPrincipal owner = Files.getOwner(dir);
                if (!owner.equals(Files.getOwner(p))) {
                    Files.setOwner(p, owner);
                }
            } catch (IOException e) {
                log.debug("{} stays its creator's: {}", p, e.toString());
            }
        }
        return ch;
    }

    /** Locks {@code dir}'s store for a tool that changes its files with the daemon stopped; null if a daemon has it. */
    public static Closeable lockForTool(Path dir) throws IOException {
        FileChannel ch = openLock(dir);
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
