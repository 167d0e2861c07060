package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.Observation;
import dev.portd.table.PortTable;
import dev.portd.table.PortUsage;
import dev.portd.table.PortUse;
import dev.portd.table.PortdException;
import dev.portd.table.Transport;
import dev.portd.table.Txn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.pcollections.TreePMap;

/**
 * Port usage in the domain and the store, at times the test chooses: what each change counts, and
 * that the journal's records, a checkpoint and a store written before usage was kept all give back
 * the table the writer published.
 */
@Timeout(120)
class UsageStoreTest {
    static final long T = 1_700_000_000_000L;
    static final Caller ROOT = Caller.socket(0, 1);
    static final Caller ALICE = Caller.socket(1000, 2);

    @TempDir
    Path dir;

    private Store store;
    private PortTable table;

    @BeforeEach
    void open() {
        store = Stores.open(dir);
        table = store.table();
    }

    /** One change as a batch of its own at {@code millis}, committed to the journal as the writer does. */
    private <R> R at(long millis, Caller who, java.util.function.Function<Txn, R> change) throws Exception {
        Txn txn = new Txn(table, JournalTest.CONFIG, PortUse.NONE);
        txn.begin(who, millis);
        R r;
        try {
            r = change.apply(txn);
        } catch (RuntimeException e) {
            txn.abort(); // its dirty marks stay: the writer commits the batch and rewrites the unchanged entries
            if (txn.batch().changed()) {
                store.append(nextSeq(), txn);
                table = txn.table();
            }
            throw e;
        }
        store.append(nextSeq(), txn);
        table = txn.table();
        return r;
    }

    private long seq;

    private long nextSeq() {
        return ++seq;
    }

    private static AllocSpec alloc(String service, int port) {
        return new AllocSpec(service, port, 30000, 32999, Transport.TCP, 0, 0, 0, null, false);
    }

    private static AllocSpec ttl(String service, long ttlMillis) {
        return new AllocSpec(service, 0, 30000, 32999, Transport.TCP, 0, 0, ttlMillis, null, false);
    }

    private PortUsage usage(int port) {
        return table.usage().get(port);
    }

    @Test
    void leasesCountOnceAndTheirTimeWhenTheyEnd() throws Exception {
        int p = at(T, ROOT, t -> t.alloc(alloc("web", 0)));
        assertEquals(new PortUsage(1, 0, "web", T), usage(p));
        assertEquals(3_000, usage(p).leasedMillis(true, T + 3_000), "the current lease, counted so far");
        assertEquals(p, (int) at(T + 1_000, ROOT, t -> t.alloc(alloc("web", 0))), "ALLOC of a service holding a lease");
        at(T + 1_500, ROOT, t -> t.renew("web", 60_000));
        assertEquals(new PortUsage(1, 0, "web", T), usage(p), "neither a repeated ALLOC nor a RENEW is a new lease");
        at(T + 4_000, ROOT, t -> t.release("web"));
        assertEquals(new PortUsage(1, 4_000, "web", T), usage(p));
        assertEquals(4_000, usage(p).leasedMillis(false, T + 99_000), "a port not leased counts no more time");

        assertEquals(p, (int) at(T + 10_000, ROOT, t -> t.alloc(alloc("api", p))));
        at(T + 12_500, ROOT, t -> t.releasePort(p));
        assertEquals(new PortUsage(2, 6_500, "api", T + 10_000), usage(p));
        assertEquals(1, table.usage().size(), "one entry per port ever leased");
        assertUsageSurvives();
    }

    @Test
    void aMoveIsALeaseOfThePortMovedToAndEndsTheTimeOnTheOther() throws Exception {
        int a = at(T, ROOT, t -> t.alloc(alloc("a", 0)));
        int b = at(T, ROOT, t -> t.alloc(alloc("b", 0)));
        int c = at(T + 1_000, ROOT, t -> t.resolve("a", 0, null));
        assertNotEquals(a, c);
        assertEquals(new PortUsage(1, 1_000, "a", T), usage(a));
        assertEquals(new PortUsage(1, 0, "a", T + 1_000), usage(c));

        at(T + 3_000, ROOT, t -> t.resolve("a", 0, "b")); // swap: a to b's port, b to c
        assertEquals(new PortUsage(2, 3_000, "a", T + 3_000), usage(b));
        assertEquals(new PortUsage(2, 2_000, "b", T + 3_000), usage(c));
        assertEquals(b, table.lease("a").port());
        assertUsageSurvives();
    }

    @Test
    void expiryExitAndBulkEndsEndTheTime() throws Exception {
        int e = at(T, ROOT, t -> t.alloc(ttl("job", 5_000)));
        int x = at(T, ROOT, t -> t.alloc(alloc("proc", 0)));
        int y = at(T, ROOT, t -> t.alloc(alloc("other", 0)));
        Lease job = table.lease("job");
        Lease proc = table.lease("proc");
        at(T + 5_000, ROOT, t -> {
            t.findings().expire(List.of(job));
            return null;
        });
        at(T + 7_000, ROOT, t -> {
            t.findings().observe(new Observation(List.of(proc), List.of(), TreePMap.empty()));
            return null;
        });
        // Several leases ended in one change (as a bulk release does): each through the Txn's own end().
        at(T + 8_000, ROOT, t -> {
            t.end(table.lease("other"), Event.Kind.RELEASE, null);
            return null;
        });
        assertNull(table.lease("job"));
        assertNull(table.lease("proc"));
        assertEquals(new PortUsage(1, 5_000, "job", T), usage(e));
        assertEquals(new PortUsage(1, 7_000, "proc", T), usage(x));
        assertEquals(new PortUsage(1, 8_000, "other", T), usage(y));
        assertUsageSurvives();
    }

    @Test
    void aRefusedChangeCountsNothing() throws Exception {
        int p = at(T, ALICE, t -> t.alloc(alloc("mine", 0)));
        PortTable before = table;
        assertThrows(PortdException.class, () -> at(T + 1_000, Caller.socket(1001, 3), t -> t.release("mine")));
        assertThrows(PortdException.class, () -> at(T + 1_000, ALICE, t -> {
            t.release("mine");
            throw PortdException.badRequest("refused after the release");
        }));
        assertEquals(before.usage(), table.usage());
        assertEquals(new PortUsage(1, 0, "mine", T), usage(p));
        assertUsageSurvives();
    }

    /** The journal replayed, then a checkpoint, then more journal: the same usage each time. */
    private void assertUsageSurvives() throws Exception {
        store.close();
        assertEquals(table.usage(), Stores.read(dir).usage(), "replayed from the journal");
        store = Stores.open(dir);
        store.checkpoint(store.table(), store.seq());
        store.close();
        assertEquals(table.usage(), Stores.read(dir).usage(), "read from a checkpoint");
        store = Stores.open(dir);
        seq = store.seq();
        int p = at(T + 60_000, ROOT, t -> t.alloc(alloc("late", 0)));
        store.close();
        PortTable read = Stores.read(dir);
        assertEquals(table.usage(), read.usage(), "a checkpoint and the journal after it");
        assertEquals("late", read.usage().get(p).lastService());
        store = Stores.open(dir);
    }

    /**
     * A store file written before usage was kept (no usage map) starts with each of its leases
     * counted once, held since it was made; nothing before that is known.
     */
    @Test
    void aStoreFromBeforeUsageStartsFromItsLeases() throws Exception {
        int p = at(T, ROOT, t -> t.alloc(alloc("web", 0)));
        int q = at(T + 1_000, ROOT, t -> t.alloc(alloc("db", 0)));
        at(T + 2_000, ROOT, t -> t.release("db"));
        store.checkpoint(table, seq);
        store.close();
        try (DB db = DBMaker.fileDB(dir.resolve(Store.FILE).toFile()).fileChannelEnable().fileLockDisable().make()) {
            Map<String, byte[]> state = db.treeMap(StoreFile.STATE, Serializer.STRING, Serializer.BYTE_ARRAY).open();
            state.remove(StoreFile.USAGE);
            db.treeMap(StoreFile.USAGE, Serializer.INTEGER, Serializer.BYTE_ARRAY).open().clear();
        }
        PortTable read = Stores.read(dir);
        assertEquals(Map.of(p, new PortUsage(1, 0, "web", T)), read.usage());
        assertNull(read.usage().get(q), "a lease ended before the upgrade is not known");
    }

    /** A damaged usage count is refused like any other damage, not read as no usage. */
    @Test
    void aUsageCountThatDoesNotMatchIsDamage() throws Exception {
        at(T, ROOT, t -> t.alloc(alloc("web", 0)));
        store.checkpoint(table, seq);
        store.close();
        try (DB db = DBMaker.fileDB(dir.resolve(Store.FILE).toFile()).fileChannelEnable().fileLockDisable().make()) {
            db.treeMap(StoreFile.STATE, Serializer.STRING, Serializer.BYTE_ARRAY).open()
                    .put(StoreFile.USAGE, FileValues.sealed(FileValues.count(2)));
        }
        StoreException e = assertThrows(StoreException.class, () -> Stores.read(dir));
        assertTrue(e.getMessage().contains("usage counts differ"), e.getMessage());
        assertTrue(Files.exists(dir.resolve(Store.FILE)));
    }
}
