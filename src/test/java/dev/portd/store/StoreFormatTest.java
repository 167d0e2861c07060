package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.backup.Backups;
import dev.portd.backup.Snapshot;
import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.Check;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.Transport;
import dev.portd.table.Txn;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store's format across its versions: a data directory written in format version 1 (before leases
 * had health checks; {@code src/test/resources/store-v1}, see its README), a checkpoint plus journal
 * records past it, reads whole with today's code; records of today's version follow them in the same
 * journal, and a lease's check survives both a journal replay and a checkpoint.
 */
@Timeout(120)
class StoreFormatTest {
    private Path dir;
    private Path data;

    @BeforeEach
    void copyFixture() throws IOException {
        dir = TestDaemon.newDir();
        data = dir.resolve("data");
        TestDaemon.copyTree(Path.of("src/test/resources/store-v1/data"), data);
    }

    @AfterEach
    void cleanUp() throws IOException {
        TestDaemon.deleteTree(dir);
    }

    @Test
    void version1ReadsWholeAndTodaysRecordsFollowIt() throws Exception {
        byte[] journal = Files.readAllBytes(data.resolve(Segments.name(1)));
        assertEquals(1, journal[Journal.HEADER], "the fixture's journal records are of format version 1");
        List<Backups.Info> backups = Backups.list(data.resolve("backups"));
        Snapshot.Content want = Snapshot.read(backups.get(0).file());
        assertEquals(List.of("web", "job", "both", "db", "api"), want.leases().stream().map(Lease::service).toList());

        PortTable got = Stores.read(data);
        assertEquals(want.leases(), List.copyOf(got.leases()), "leases, every field, from checkpoint and journal");
        assertEquals(want.history(), List.copyOf(got.history()), "history, every event");
        assertEquals(Map.of(20090, "lab bench", 20091, "lab bench"), got.reservations());
        assertEquals(want.lastPort(), got.lastPort());
        got.leases().forEach(l -> assertNull(l.check(), l.service() + " was made before checks existed"));

        Check check = Check.parse("http:/healthz?full=1", 1_500);
        try (Store s = Stores.open(data)) {
            Txn txn = new Txn(s.table(), JournalTest.CONFIG, PortUse.NONE);
            txn.begin(Caller.socket(0, 1), System.currentTimeMillis());
            txn.alloc(new AllocSpec("checked", 20070, 20000, 20099, Transport.TCP, 0, 0, 0, null, true, check));
            s.append(s.seq() + 1, txn);
        }
        PortTable replayed = Stores.read(data); // the v1 records, then a v2 one, from the journal
        assertEquals(check, replayed.lease("checked").check());
        assertEquals(want.leases().size() + 1, replayed.leaseCount());
        for (Lease l : want.leases()) {
            assertEquals(l, replayed.lease(l.service()));
        }

        Stores.replace(data, replayed); // a checkpoint in today's format
        PortTable checkpointed = Stores.read(data);
        assertEquals(List.copyOf(replayed.leases()), List.copyOf(checkpointed.leases()));
        assertTrue(checkpointed.lease("checked").check().path().equals("/healthz?full=1"));
    }
}
