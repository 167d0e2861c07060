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
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * The durable table: one MapDB file with transactions (write-ahead log) on. Leases and history
 * entries are stored as the same {@code key=value} lines the protocol prints, so the file's content
 * is readable with the protocol's own parser and nothing else defines a format.
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

    private Store(Path file, DB db) {
        this.file = file;
        this.db = db;
        this.leases = db.hashMap("leases", Serializer.STRING, Serializer.STRING).createOrOpen();
        this.reserved = db.treeMap("reserved", Serializer.INTEGER, Serializer.STRING).createOrOpen();
        this.history = db.treeMap("history", Serializer.LONG, Serializer.STRING).createOrOpen();
        this.meta = db.hashMap("meta", Serializer.STRING, Serializer.STRING).createOrOpen();
    }

    /** Opens (or creates) {@code dir/portd.db}. */
    public static Store open(Path dir) {
        Path file = dir.resolve(FILE);
        DB db;
        try {
            Files.createDirectories(dir);
            // FileChannel rather than mmap: a full disk then fails a write with an IOException (ERR STORE),
            // where a mapped page would fault the JVM.
            db = DBMaker.fileDB(file.toFile()).fileChannelEnable().transactionEnable().make();
        } catch (Exception | Error e) {
            throw new StoreException("cannot open the store " + file + ": " + describe(e), e);
        }
        try {
            Store s = new Store(file, db);
            db.commit();
            return s;
        } catch (Exception | Error e) {
            db.close();
            throw new StoreException("the store " + file + " is damaged: " + describe(e), e);
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    public Path file() {
        return file;
    }

    /** Reads the whole table; a damaged entry fails the load rather than being skipped silently. */
    public PortTable load() {
        try {
            List<Lease> ls = new ArrayList<>(leases.size());
            for (Map.Entry<String, String> e : leases.getEntries()) {
                ls.add(decodeLease(e.getKey(), e.getValue()));
            }
            Map<Integer, String> rs = new HashMap<>(reserved);
            List<Event> hs = new ArrayList<>(history.size());
            for (String line : history.values()) {
                hs.add(decodeEvent(line));
            }
            int last = Integer.parseInt(meta.getOrDefault("last_port", "0"));
            return PortTable.load(ls, rs, hs, last);
        } catch (RuntimeException e) {
            throw new StoreException("the store " + file + " is damaged: " + describe(e), e);
        }
    }

    /** Writes what the batch changed. Nothing is durable until {@link #commit()}. */
    public void write(Txn txn) {
        PortTable t = txn.table();
        for (String service : txn.dirtyServices()) {
            Lease l = t.lease(service);
            if (l == null) {
                leases.remove(service);
            } else {
                leases.put(service, l.storedRow().line());
            }
        }
        for (Integer port : txn.dirtyReserved()) {
            String d = t.reservation(port);
            if (d == null) {
                reserved.remove(port);
            } else {
                reserved.put(port, d);
            }
        }
        for (Event e : txn.events()) {
            history.put(e.seq(), e.storedRow().line());
        }
        if (!txn.events().isEmpty()) {
            long oldestKept = t.history().iterator().next().seq();
            while (!history.isEmpty() && history.firstKey() < oldestKept) {
                history.remove(history.firstKey());
            }
        }
        if (txn.lastPortDirty()) {
            meta.put("last_port", Integer.toString(t.lastPort()));
        }
    }

    /** Makes everything written since the last commit durable (write-ahead log, synced). */
    public void commit() {
        db.commit();
    }

    public void rollback() {
        db.rollback();
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
        Map<String, String> f = Row.parse(line);
        String desc = f.get("desc");
        return new Lease(service, Integer.parseInt(f.get("port")), Transport.parse(f.get("proto")),
                Integer.parseInt(f.get("uid")), Integer.parseInt(f.get("pid")), Long.parseLong(f.get("pidstart")),
                Long.parseLong(f.get("since")), Long.parseLong(f.get("expires")), Long.parseLong(f.get("ttl")), desc,
                LeaseState.valueOf(f.get("state").toUpperCase(Locale.ROOT)));
    }

    static Event decodeEvent(String line) {
        Map<String, String> f = Row.parse(line);
        return new Event(Long.parseLong(f.get("seq")), Long.parseLong(f.get("time")), f.get("event"), f.get("service"),
                Integer.parseInt(f.get("port")), Integer.parseInt(f.get("prev")), Integer.parseInt(f.get("uid")),
                Integer.parseInt(f.get("pid")), f.get("note"));
    }
}
