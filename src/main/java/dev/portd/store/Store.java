package dev.portd.store;

import dev.portd.protocol.Row;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.LeaseState;
import dev.portd.table.PortTable;
import dev.portd.table.Transport;
import dev.portd.table.Txn;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.CC;
import org.mapdb.DBException;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.mapdb.StoreWAL;
import org.mapdb.volume.FileChannelVol;

/**
 * The durable table: one MapDB file with transactions (write-ahead log) on. Leases and history
 * entries are stored as the same {@code key=value} lines the protocol prints, so the file's content
 * is readable with the protocol's own parser and nothing else defines a format.
 *
 * <p>MapDB checks its header, but not the records: a flipped byte inside a stored line opens and reads
 * fine and is silently wrong. So the meta map also holds a {@link Checksum} over every stored entry,
 * kept up to date in the same transaction as the entries, and {@link #load()} reads every entry and
 * compares.
 *
 * <p>Not thread-safe: the {@link Writer} thread is its only user after start-up.
 */
public final class Store implements Closeable {
    public static final String FILE = "portd.db";

    private final Path file;
    private final DB db;
    private final HTreeMap<String, String> leases;
    private final BTreeMap<Integer, String> reserved;
    private final BTreeMap<Long, String> history;
    private final HTreeMap<String, String> meta;
    /**
     * The oldest history key written. Trimming removes keys from here up: MapDB's B-tree keeps the nodes
     * deletes empty, so {@code firstKey()} after long use walks all of them, and each commit got slower
     * without end. (A failed commit makes the writer open the file afresh, so this never runs ahead of it.)
     */
    private long oldestHistory;

    private static final String CHECKSUM = "checksum";

    private Store(Path file, DB db) {
        this.file = file;
        this.db = db;
        this.leases = db.hashMap("leases", Serializer.STRING, Serializer.STRING).createOrOpen();
        this.reserved = db.treeMap("reserved", Serializer.INTEGER, Serializer.STRING).createOrOpen();
        this.history = db.treeMap("history", Serializer.LONG, Serializer.STRING).createOrOpen();
        this.meta = db.hashMap("meta", Serializer.STRING, Serializer.STRING).createOrOpen();
        Long first = history.firstKey2();
        this.oldestHistory = first == null ? 1 : first;
    }

    /** Opens (or creates) {@code dir/portd.db}. */
    public static Store open(Path dir) {
        Path file = dir.resolve(FILE);
        DB db;
        try {
            Files.createDirectories(dir);
        } catch (Exception e) {
            throw new StoreException("cannot create the data directory " + dir + ": " + describe(e), e);
        }
        boolean existed = Files.exists(file);
        if (existed && !(Files.isReadable(file) && Files.isWritable(file))) {
            throw StoreException.permission("cannot open the store " + file + ": permission denied");
        }
        try {
            db = openDb(file);
        } catch (DBException.FileLocked e) {
            throw new StoreException("the store " + file + " is in use by another process (another portd?)", e);
        } catch (Exception | Error e) {
            // MapDB says DataCorruption for a broken header, VolumeIOError for a truncated file, and
            // NewMapDBFormat or worse for flipped header bits: an existing file that does not open is damaged.
            if (existed) {
                throw StoreException.damaged(file, describe(e), e);
            }
            throw new StoreException("cannot open the store " + file + ": " + describe(e), e);
        }
        try {
            Store s = new Store(file, db);
            boolean wrote = !existed; // the new maps
            if (s.isEmpty() && !s.meta.containsKey(CHECKSUM)) {
                s.meta.put(CHECKSUM, Checksum.EMPTY.text()); // a new store: a checksum from the first commit on
                wrote = true;
            }
            if (wrote) {
                db.commit(); // an existing store opens without writing, so it opens on a full disk
            }
            return s;
        } catch (Exception | Error e) {
            db.close();
            throw StoreException.damaged(file, describe(e), e);
        }
    }

    /**
     * What {@code DBMaker.fileDB(file).fileChannelEnable().transactionEnable().make()} builds, with the
     * main file behind a {@link RedoVolume}: MapDB alone leaves a torn file when killed mid-commit.
     * FileChannel rather than mmap: a full disk then fails a write with an IOException (ERR STORE),
     * where a mapped page would fault the JVM.
     */
    private static DB openDb(Path file) {
        String name = file.toString();
        boolean exists = FileChannelVol.FACTORY.exists(name);
        StoreWAL store = StoreWAL.make(name, RedoVolume.factory(file), 0L, true, CC.STORE_DIRECT_CONC_SHIFT, 0L, 0L,
                false, false, false, true, false);
        return new DB(store, exists, true, Store.class.getClassLoader(), 0);
    }

    private boolean isEmpty() {
        return leases.isEmpty() && reserved.isEmpty() && history.isEmpty() && meta.isEmpty();
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
     * Reads the whole table and checks it against the stored checksum; a damaged entry fails the load
     * rather than being skipped or believed.
     */
    public PortTable load() {
        PortTable table;
        Checksum sum = Checksum.EMPTY;
        try {
            List<Lease> ls = new ArrayList<>(leases.size());
            for (Map.Entry<String, String> e : leases.getEntries()) {
                ls.add(decodeLease(e.getKey(), e.getValue()));
                sum = sum.with(Checksum.LEASE, e.getKey(), e.getValue());
            }
            Map<Integer, String> rs = new HashMap<>();
            for (Map.Entry<Integer, String> e : reserved.entrySet()) {
                rs.put(e.getKey(), e.getValue());
                sum = sum.with(Checksum.RESERVED, e.getKey().toString(), e.getValue());
            }
            List<Event> hs = new ArrayList<>(history.size());
            for (Map.Entry<Long, String> e : history.entrySet()) {
                hs.add(decodeEvent(e.getValue()));
                sum = sum.with(Checksum.HISTORY, e.getKey().toString(), e.getValue());
            }
            String lastPort = meta.get("last_port");
            if (lastPort != null) {
                sum = sum.with(Checksum.META, "last_port", lastPort);
            }
            table = PortTable.load(ls, rs, hs, lastPort == null ? 0 : Integer.parseInt(lastPort));
        } catch (RuntimeException | Error e) {
            throw StoreException.damaged(file, describe(e), e);
        }
        String stored = meta.get(CHECKSUM);
        if (stored == null) {
            // Written before checksums existed: adopt the content as read (it decoded cleanly above).
            meta.put(CHECKSUM, sum.text());
            db.commit();
        } else if (!stored.equals(sum.text())) {
            throw StoreException.damaged(file, "its entries do not match their checksum", null);
        }
        return table;
    }

    /** Writes what the batch changed. Nothing is durable until {@link #commit()}. */
    public void write(Txn txn) {
        PortTable t = txn.table();
        // The running checksum lives in the meta map, so a rollback restores it with the entries.
        Checksum sum = Checksum.parse(meta.get(CHECKSUM));
        for (String service : txn.dirtyServices()) {
            Lease l = t.lease(service);
            String old = l == null ? leases.remove(service) : leases.put(service, l.storedRow().line());
            sum = sum.with(Checksum.LEASE, service, old).with(Checksum.LEASE, service, l == null ? null : l.storedRow().line());
        }
        for (Integer port : txn.dirtyReserved()) {
            String d = t.reservation(port);
            String old = d == null ? reserved.remove(port) : reserved.put(port, d);
            sum = sum.with(Checksum.RESERVED, port.toString(), old).with(Checksum.RESERVED, port.toString(), d);
        }
        for (Event e : txn.events()) {
            String line = e.storedRow().line();
            sum = sum.with(Checksum.HISTORY, Long.toString(e.seq()), history.put(e.seq(), line))
                    .with(Checksum.HISTORY, Long.toString(e.seq()), line);
        }
        if (!txn.events().isEmpty()) {
            long oldestKept = t.history().iterator().next().seq();
            for (long seq = oldestHistory; seq < oldestKept; seq++) {
                sum = sum.with(Checksum.HISTORY, Long.toString(seq), history.remove(seq));
            }
            oldestHistory = Math.max(oldestHistory, oldestKept);
        }
        if (txn.lastPortDirty()) {
            String lastPort = Integer.toString(t.lastPort());
            sum = sum.with(Checksum.META, "last_port", meta.put("last_port", lastPort)).with(Checksum.META, "last_port", lastPort);
        }
        meta.put(CHECKSUM, sum.text());
    }

    /**
     * Replaces the whole content with {@code table} and commits (restore from a backup into a new
     * store). Not for a running daemon: its writer owns the store.
     */
    public void replaceAll(PortTable table) {
        leases.clear();
        reserved.clear();
        history.clear();
        meta.clear();
        Checksum sum = Checksum.EMPTY;
        for (Lease l : table.leases()) {
            String line = l.storedRow().line();
            leases.put(l.service(), line);
            sum = sum.with(Checksum.LEASE, l.service(), line);
        }
        for (Map.Entry<Integer, String> r : table.reservations().entrySet()) {
            reserved.put(r.getKey(), r.getValue());
            sum = sum.with(Checksum.RESERVED, r.getKey().toString(), r.getValue());
        }
        for (Event e : table.history()) {
            String line = e.storedRow().line();
            history.put(e.seq(), line);
            sum = sum.with(Checksum.HISTORY, Long.toString(e.seq()), line);
        }
        String lastPort = Integer.toString(table.lastPort());
        meta.put("last_port", lastPort);
        meta.put(CHECKSUM, sum.with(Checksum.META, "last_port", lastPort).text());
        db.commit();
        oldestHistory = table.history().isEmpty() ? table.nextSeq() : table.history().iterator().next().seq();
    }

    /** Makes everything written since the last commit durable (write-ahead log, synced). */
    public void commit() {
        db.commit();
    }

    /**
     * The store's files in {@code dir}: portd.db, MapDB's write-ahead log files portd.db.wal.N, and the
     * redo file portd.db.redo ({@link RedoVolume}), which belongs to portd.db and must move with it.
     */
    public static List<Path> files(Path dir) throws java.io.IOException {
        List<Path> out = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals(FILE) || n.equals(FILE + RedoVolume.SUFFIX)
                        || n.matches(java.util.regex.Pattern.quote(FILE) + "\\.wal\\.\\d+");
            }).sorted().forEach(out::add);
        }
        return out;
    }

    public long fileBytes() {
        try {
            return Files.size(file);
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public void close() {
        db.close();
    }

    static Lease decodeLease(String service, String line) {
        return decodeLease(service, Row.parse(line));
    }

    /** A lease from its stored fields ({@link Lease#storedRow()}), as the store and backups hold them. */
    static Lease decodeLease(String service, Map<String, String> f) {
        String desc = f.get("desc");
        return new Lease(service, Integer.parseInt(f.get("port")), Transport.parse(f.get("proto")),
                Integer.parseInt(f.get("uid")), Integer.parseInt(f.get("pid")), Long.parseLong(f.get("pidstart")),
                Long.parseLong(f.get("since")), Long.parseLong(f.get("expires")), Long.parseLong(f.get("ttl")), desc,
                LeaseState.valueOf(f.get("state").toUpperCase(Locale.ROOT)));
    }

    static Event decodeEvent(String line) {
        return decodeEvent(Row.parse(line));
    }

    static Event decodeEvent(Map<String, String> f) {
        return new Event(Long.parseLong(f.get("seq")), Long.parseLong(f.get("time")), f.get("event"), f.get("service"),
                Integer.parseInt(f.get("port")), Integer.parseInt(f.get("prev")), Integer.parseInt(f.get("uid")),
                Integer.parseInt(f.get("pid")), f.get("note"));
    }
}
