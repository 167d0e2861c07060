package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.backup.Backups;
import dev.portd.backup.Snapshot;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A data directory written by portd 0.1.0 ({@code src/test/resources/upgrade-0.1.0}, see its README)
 * opens with today's code and loses nothing: its backup, taken after the last change, holds exactly
 * what its portd.db holds, so the converted store must equal it entry for entry.
 */
@Timeout(120)
class UpgradeTest {
    private Path dir;
    private Path data;

    @BeforeEach
    void copyFixture() throws IOException {
        dir = TestDaemon.newDir();
        data = dir.resolve("data");
        TestDaemon.copyTree(Path.of("src/test/resources/upgrade-0.1.0/data"), data);
    }

    @AfterEach
    void cleanUp() throws IOException {
        TestDaemon.deleteTree(dir);
    }

    private Snapshot.Content backup() {
        List<Backups.Info> all = Backups.list(data.resolve("backups"));
        assertEquals(1, all.size(), all.toString());
        return Snapshot.read(all.get(0).file());
    }

    @Test
    void everyLeaseReservationAndEventOf010IsKept() throws Exception {
        assertTrue(Files.exists(data.resolve("portd.db.redo")), "the fixture is a 0.1.0 directory");
        Snapshot.Content want = backup();
        assertEquals(9, want.leases().size());
        PortTable got = Stores.read(data);
        check(want, got);
        assertFalse(Files.exists(data.resolve("portd.db.redo")), "0.1.0's redo file is gone once converted");

        PortTable again = Stores.read(data); // the converted file, read as today's format
        check(want, again);
    }

    /**
     * 0.1.0 killed between forcing its redo file and finishing its in-place writes: the redo file holds
     * the true bytes of a region of portd.db that is garbage. The conversion applies it first. A redo
     * file that is not complete (its CRC fails) is from a commit that never touched portd.db: ignored.
     */
    @Test
    void a010RedoFileLeftByACrashIsAppliedFirst() throws Exception {
        Snapshot.Content want = backup();
        Path db = data.resolve(Store.FILE);
        byte[] b = Files.readAllBytes(db);
        byte[] truth = java.util.Arrays.copyOfRange(b, 0, 4096);
        ByteBuffer redo = ByteBuffer.allocate(8 + 4 + 8 + 4 + truth.length + 4);
        redo.putLong(0x706f7274_64524431L).putInt(1).putLong(0).putInt(truth.length).put(truth);
        CRC32C crc = new CRC32C();
        crc.update(redo.array(), 0, redo.position());
        redo.putInt((int) crc.getValue());
        Files.write(data.resolve(Legacy.REDO), redo.array());
        java.util.Arrays.fill(b, 0, 4096, (byte) 0x5a); // the header and the first records, torn
        Files.write(db, b);
        check(want, Stores.read(data));

        cleanUp();
        copyFixture();
        byte[] torn = redo.array().clone();
        torn[torn.length - 1] ^= 1;
        Files.write(data.resolve(Legacy.REDO), torn);
        check(want, Stores.read(data));
    }

    private static void check(Snapshot.Content want, PortTable got) {
        assertEquals(want.leases(), List.copyOf(got.leases()), "leases, every field");
        assertEquals(want.reservations(), got.reservations());
        assertEquals(Map.of(22, "ssh", 20090, "lab bench", 20091, "lab bench", 20092, "lab bench", 20093, "lab bench"),
                got.reservations());
        assertEquals(want.history(), List.copyOf(got.history()), "history, every event");
        assertEquals(16, got.history().size());
        assertEquals(want.lastPort(), got.lastPort());
        assertEquals(want.table().nextSeq(), got.nextSeq());
    }

    /** The daemon itself on the 0.1.0 directory: serves it, changes it, and keeps the change over a restart. */
    @Test
    void theDaemonServesA010DirectoryAndGoesOn() throws Exception {
        Snapshot.Content want = backup();
        Path socket = dir.resolve("portd.sock");
        String[] args = {"--socket", socket.toString(), "--data", data.toString(), "--range", "20000-20099",
                "--backup-interval", "0"};
        // The fixture's pid= lease names a process long gone: the first probe ends it, as 0.1.0 would.
        Map<String, Integer> expected = want.leases().stream().filter(l -> l.pid() == 0)
                .collect(Collectors.toMap(Lease::service, Lease::port));
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log1"), Map.of(), args);
             LineClient c = new LineClient(socket)) {
            assertEquals(expected, dev.portd.testing.Listing.ports(c));
            assertEquals("OK 20006", c.call("GET nobodys").status());
            assertTrue(c.call("LIST odd").data().get(0).contains("desc=\"café \\\"quoted\\\" a=b #x\""),
                    c.call("LIST odd").data().toString());
            assertTrue(c.call("LIST job").data().get(0).contains("expires=2027-11-30T02:40:54Z"));
            assertTrue(c.call("CHECK 20091").status().startsWith("OK reserved"));
            List<String> events = new ArrayList<>();
            for (Map<String, String> row : c.call("HISTORY limit=100").rows()) {
                events.add(row.get("event") + " " + row.getOrDefault("service", row.get("port")));
            }
            assertEquals("alloc web", events.get(0));
            assertTrue(events.contains("resolve api") && events.contains("unreserve 20094"), events.toString());
            assertEquals(1, c.call("BACKUPS").data().size(), "the 0.1.0 backup is listed");
            expected.put("new", Integer.parseInt(c.call("ALLOC new").value()));
            c.call("RELEASE web");
            expected.remove("web");
            assertEquals(0, d.terminate());
        }
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log2"), Map.of(), args);
             LineClient c = new LineClient(socket)) {
            assertEquals(expected, dev.portd.testing.Listing.ports(c), "after a restart on the converted store");
        }
    }
}
