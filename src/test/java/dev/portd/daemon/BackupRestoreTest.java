package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.store.Backups;
import dev.portd.store.Snapshot;
import dev.portd.store.Store;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Users;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** BACKUP and BACKUPS, periodic snapshots, a damaged store refusing the start, and --restore. */
@Timeout(180)
class BackupRestoreTest {
    @TempDir
    Path dir;

    private final Children children = new Children();
    private PortdDaemon daemon;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.stop();
            daemon.destroy();
        }
        children.close();
    }

    private Path socket() {
        return dir.resolve("portd.sock");
    }

    private Path data() {
        return dir.resolve("data");
    }

    private List<String> args(String... more) throws Exception {
        Path conf = dir.resolve("empty.conf");
        if (!Files.exists(conf)) {
            Files.createFile(conf);
        }
        List<String> a = new ArrayList<>(List.of("--socket", socket().toString(), "--data", data().toString(),
                "--config", conf.toString(), "--range", "43000-43999"));
        a.addAll(List.of(more));
        return a;
    }

    private void startInProcess(String... more) throws Exception {
        daemon = new PortdDaemon(Map.of());
        daemon.init(args(more).toArray(new String[0]));
        daemon.start();
    }

    @Test
    void backupWritesASnapshotOfEveryLeaseAndBackupsListsThem() throws Exception {
        startInProcess("--backup-interval", "0", "--backup-keep", "3");
        List<String> written = new ArrayList<>();
        try (LineClient c = new LineClient(socket())) {
            assertTrue(c.call("ALLOC web desc=\"Main web UI\" ttl=1h").status().startsWith("OK "));
            assertTrue(c.call("ALLOC db proto=both").status().startsWith("OK "));
            assertEquals("OK 3", c.call("RESERVE 43990-43992 desc=\"kept free\"").status());
            for (int i = 0; i < 5; i++) {
                String s = c.call("BACKUP").status();
                assertTrue(s.startsWith("OK " + data().resolve("backups") + "/portd-"), s);
                written.add(s.substring(3));
            }
            assertEquals(5, written.stream().distinct().count(), "two in one second get a suffix: " + written);

            LineClient.Reply list = c.call("BACKUPS");
            assertEquals("OK 3", list.status(), "backup_keep=3 keeps the newest three: " + list);
            for (int i = 0; i < 3; i++) {
                String want = "file=" + written.get(4 - i) + " time=";
                assertTrue(list.data().get(i).startsWith(want), list.data().get(i) + " should start with " + want);
                assertTrue(list.data().get(i).matches(".* bytes=\\d+$"), list.data().get(i));
            }
            assertFalse(Files.exists(Path.of(written.get(0))), "the oldest were deleted");
            String json = c.send("JSON BACKUPS").readLine();
            assertTrue(json.startsWith("{\"ok\":true,\"count\":3,\"items\":[{\"file\":"), json);

            // The newest file holds every stored field of every lease, and the reservations.
            Snapshot.Content snap = Snapshot.read(Path.of(written.get(4)));
            PortTable live = daemon.portd().table();
            assertEquals(lines(live.leases()), lines(snap.leases()));
            assertEquals(live.reservations(), snap.table().reservations());
            assertEquals(live.history().size(), snap.history().size());
        }
        try (Stream<Path> files = Files.list(data().resolve("backups"))) {
            assertEquals(3, files.count(), "no temporary file is left behind");
        }
    }

    private static List<String> lines(java.util.Collection<Lease> leases) {
        return leases.stream().map(l -> l.storedRow().line()).sorted().toList();
    }

    /** BACKUP writes files and evicts old snapshots, so it is for root and the daemon's uid only. */
    @Test
    void backupIsRefusedToOtherUsersButBackupsIsNot() throws Exception {
        Users.assumeCanSwitchToNobody();
        Children.openDir(dir);
        startInProcess("--backup-interval", "0");
        assertEquals(List.of("ERR DENIED BACKUP is for root and the daemon's user", "OK 0"),
                Users.asNobody(socket(), "BACKUP", "BACKUPS"));
        assertEquals(List.of(), Backups.list(data().resolve("backups")), "nothing was written");
    }

    @Test
    void periodicBackupsFollowTheInterval() throws Exception {
        startInProcess("--backup-interval", "1s");
        assertTrue(Children.once(socket(), "ALLOC periodic").startsWith("OK "));
        Path dirB = data().resolve("backups");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (Backups.Info b : Backups.list(dirB)) {
                if (Snapshot.read(b.file()).table().lease("periodic") != null) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no periodic backup with the lease in 30 s: " + Backups.list(dirB));
    }

    /** The whole story, with real processes: backup, damage, refused start, --restore, leases back. */
    @Test
    void aDamagedStoreRefusesToStartAndRestoreBringsTheLeasesBack() throws Exception {
        ChildDaemon p = ChildDaemon.start(socket(), dir.resolve("log1"), Map.of(), args("--backup-interval", "0").toArray(new String[0]));
        String backup;
        LineClient.Reply before;
        try (LineClient c = new LineClient(socket())) {
            assertTrue(c.call("ALLOC web desc=\"Main web UI\"").status().startsWith("OK "));
            assertTrue(c.call("ALLOC db ttl=2h").status().startsWith("OK "));
            assertEquals("OK 1", c.call("RESERVE 43999").status());
            before = c.call("LIST");
            backup = c.call("BACKUP").status().substring(3);
            assertTrue(c.call("ALLOC after-backup").status().startsWith("OK "), "not in the backup");
        }
        assertEquals(0, p.terminate(), "SIGTERM: a clean stop exits 0");
        assertFalse(Files.exists(socket()));

        // Damage the store: one flipped bit inside a stored lease line. MapDB opens it without complaint.
        Path db = data().resolve(Store.FILE);
        byte[] b = Files.readAllBytes(db);
        int at = dev.portd.store.StoreDamageTestAccess.find(b, "service=web");
        assertTrue(at > 0);
        b[at + 8] ^= 0x01; // service=web -> service=wdb
        Files.write(db, b);

        Children.Result refused = Children.run(Children.mainCommand(args().toArray(new String[0])));
        assertEquals(65, refused.code(), "a damaged store: EX_DATAERR; " + refused.err());
        assertEquals(1, refused.err().lines().count(), "one line: " + refused.err());
        assertFalse(refused.err().contains("Exception"), "no stack trace: " + refused.err());
        String line = ChildDaemon.failure(refused.err());
        assertTrue(line != null && line.startsWith("the store " + db + " is damaged: "), refused.err());
        assertTrue(line.contains("the newest backup is " + backup + " (taken "), line);
        assertTrue(line.matches(".*: restoring it loses every change made after \\S+\\. To restore, stop portd, then run: "
                + "java -jar portd.jar --restore " + backup + " --data " + data() + " --socket " + socket() + " .*"), line);
        assertFalse(Children.answers(socket()));
        assertEquals(b.length, Files.size(db), "the damaged store was not touched");

        Children.Result restored = Children.run(Children.mainCommand(List.of("--restore", backup, "--data",
                data().toString(), "--socket", socket().toString(), "--config", dir.resolve("empty.conf").toString())
                .toArray(new String[0])));
        assertEquals(0, restored.code(), restored.err());
        assertTrue(restored.out().startsWith("portd: restored 2 leases and 1 reservations from " + backup), restored.out());
        List<Path> aside;
        try (Stream<Path> s = Files.list(data())) {
            aside = s.filter(f -> f.getFileName().toString().startsWith("portd.db.damaged-")).toList();
        }
        assertEquals(1, aside.size(), "the damaged store is kept aside");
        assertTrue(java.util.Arrays.equals(b, Files.readAllBytes(aside.get(0))), "byte for byte");

        try (ChildDaemon again = ChildDaemon.start(socket(), dir.resolve("log2"), Map.of(), args().toArray(new String[0]));
             LineClient c = new LineClient(socket())) {
            assertEquals(before, c.call("LIST"), "every lease as it was, fields and all");
            assertEquals("ERR NOTFOUND no lease for after-backup", c.call("GET after-backup").status());
            assertTrue(c.call("CHECK 43999").status().startsWith("OK reserved"));
            List<String> history = c.call("HISTORY").data();
            assertTrue(history.get(history.size() - 1).matches(
                    "time=\\S+ event=restore uid=\\d+ pid=\\d+ note=\"from " + Path.of(backup).getFileName() + " \\(2 leases\\)\""),
                    history.toString());

            // With the daemon running, a restore is refused and changes nothing.
            Children.Result busy = Children.run(Children.mainCommand(List.of("--restore", backup, "--data",
                    data().toString(), "--socket", socket().toString(), "--config", dir.resolve("empty.conf").toString())
                    .toArray(new String[0])));
            assertEquals(1, busy.code());
            assertTrue(busy.err().startsWith("portd: portd is running (" + socket() + " answers); stop it before restoring"), busy.err());
            assertEquals(before, c.call("LIST"));
        }
    }

    @Test
    void restoreRefusesBadFilesAndTouchesNothing() throws Exception {
        Files.createDirectories(data());
        Path store = data().resolve(Store.FILE);
        Files.writeString(store, "not really a store, but it must survive a refused restore");
        Config config = Config.load(args().toArray(new String[0]), Map.of());
        String lease = "{\"port\":43001,\"service\":\"web\",\"proto\":\"tcp\",\"state\":\"leased\",\"uid\":0,\"pid\":0,"
                + "\"pidstart\":0,\"since\":1,\"expires\":0,\"ttl\":0}";
        String head = "{\"format\":\"portd-backup\",\"version\":1,\"time\":\"2026-11-25T15:30:00Z\",\"reservations\":[],\"leases\":[";
        Object[][] cases = {
                {"dir", null, "is not a regular file"},
                {"garbage.json", "{\"format\":", "is not valid JSON"},
                {"list.json", "[]", "is not a portd backup"},
                {"other.json", "{\"format\":\"something-else\",\"version\":1}", "not a portd backup"},
                {"port.json", head + lease.replace("43001", "70000") + "]}", "lease 1 (web): port must be from 1 to 65535, not 70000"},
                {"name.json", head + lease.replace("\"web\"", "\"-web\"") + "]}", "lease 1 (-web): bad service name '-web'"},
                {"proto.json", head + lease.replace("tcp", "sctp") + "]}", "lease 1 (web): "},
                {"twice.json", head + lease + "," + lease.replace("web", "www") + "]}", "lease 2 (www): port 43001 is leased more than once"},
                {"missing.json", head + lease.replace(",\"uid\":0", "") + "]}", "lease 1 (web): uid must be"},
        };
        for (Object[] k : cases) {
            Path f = dir.resolve((String) k[0]);
            if (k[1] == null) {
                Files.createDirectories(f);
            } else {
                Files.writeString(f, (String) k[1]);
            }
            Restore.RefusedException e = assertThrows(Restore.RefusedException.class, () -> Restore.run(config, f), (String) k[0]);
            assertTrue(e.getMessage().startsWith("cannot restore: " + f), e.getMessage());
            assertTrue(e.getMessage().contains((String) k[2]), k[0] + ": " + e.getMessage());
        }
        try (Stream<Path> s = Files.list(data())) {
            assertEquals(List.of(store), s.toList(), "nothing moved, nothing created");
        }
        assertEquals("not really a store, but it must survive a refused restore", Files.readString(store));

        // And a good one replaces it, keeping the old file and its write-ahead log aside.
        Files.writeString(data().resolve(Store.FILE + ".wal.0"), "a log left by a crash");
        Path good = dir.resolve("good.json");
        Files.writeString(good, head + lease + "]}");
        String done = Restore.run(config, good);
        assertTrue(done.startsWith("restored 1 leases and 0 reservations"), done);
        try (Store s = Store.open(data())) {
            assertEquals(43001, s.load().lease("web").port());
        }
        try (Stream<Path> s = Files.list(data())) {
            List<String> names = s.map(f -> f.getFileName().toString())
                    .filter(n -> !n.equals(Store.FILE + ".redo")) // the new store's redo file (RedoVolume), empty
                    .sorted().toList();
            assertEquals(3, names.size(), names.toString());
            assertEquals(Store.FILE, names.get(0));
            assertTrue(names.get(1).startsWith("portd.db.damaged-"), names.toString());
            assertTrue(names.get(2).startsWith("portd.db.wal.0.damaged-"), names.toString());
            assertEquals("a log left by a crash", Files.readString(data().resolve(names.get(2))));
        }
    }
}
