package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.store.Store;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data directory belongs to the user the daemon runs as (nobody here, portd in the package), and
 * the operator is root: {@code --restore} run as root is refused with the command to run instead, that
 * command leaves every file the daemon's, and a directory the daemon cannot write or a read-only one
 * is a permission problem with the path and the way out, never "damaged" and never a restore.
 */
@Timeout(180)
class DataOwnerTest {
    private Path dir;
    private Path run;
    private Path data;
    private Path socket;
    private String classPath;
    private String backup;

    @BeforeEach
    void aStoreOfNobodys() throws Exception {
        Users.assumeCanSwitchToNobody();
        dir = TestDaemon.newDir();
        run = Files.createDirectory(dir.resolve("run"));
        Files.setAttribute(run, "unix:uid", Users.NOBODY_UID);
        data = run.resolve("data");
        socket = run.resolve("portd.sock");
        classPath = ChildDaemon.readableClassPath(Files.createDirectory(dir.resolve("cp")));
        try (ChildDaemon d = startAsNobody(); LineClient c = new LineClient(socket)) {
            assertTrue(c.call("ALLOC before-backup").ok());
            backup = c.call("BACKUP").value();
            assertTrue(c.call("ALLOC after-backup").ok());
            d.process().descendants().forEach(ProcessHandle::destroy); // SIGTERM to the JVM under runuser: a clean stop
            d.waitFor(30);
        }
    }

    @AfterEach
    void clean() throws Exception {
        if (dir != null) {
            TestDaemon.deleteTree(dir);
        }
    }

    private ChildDaemon startAsNobody() throws Exception {
        ChildDaemon d = launch(List.of("runuser", "-u", "nobody", "--"), "daemon.log");
        d.awaitReady();
        return d;
    }

    private ChildDaemon launch(List<String> prefix, String log) throws Exception {
        return ChildDaemon.launch(prefix, classPath, socket, dir.resolve(log), Map.of(), "--socket", socket.toString(),
                "--data", data.toString(), "--range", Ports.range(Ports.freeRun(5), 5), "--backup-interval", "0");
    }

    /** {@code java ... Main args} as {@code user} (null: as root), on a class path every user can read. */
    private Children.Result main(String user, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (user != null) {
            cmd.addAll(List.of("runuser", "-u", user, "--"));
        }
        cmd.addAll(List.of(Children.java(), "-XX:TieredStopAtLevel=1", "-cp", classPath, "dev.portd.daemon.Main"));
        cmd.addAll(List.of(args));
        return Children.run(cmd);
    }

    /** Every file under the data directory with its owner's uid. */
    private Map<String, Integer> owners() throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                out.put(data.relativize(f).toString(), (Integer) Files.getAttribute(f, "unix:uid"));
            }
        }
        return out;
    }

    @Test
    void restoreAsRootIsRefusedWithTheCommandThatLeavesEveryFileTheDaemons() throws Exception {
        Map<String, Integer> before = owners();
        Children.Result asRoot = main(null, "--restore", backup, "--data", data.toString(), "--socket", socket.toString());
        assertEquals(77, asRoot.code(), asRoot.err());
        String command = "runuser -u nobody -- java -jar portd.jar --restore " + backup + " --data " + data + " --socket " + socket;
        assertTrue(asRoot.err().startsWith("portd: --restore must run as the owner of " + data + ", nobody"), asRoot.err());
        assertTrue(asRoot.err().strip().endsWith("Nothing was changed. Run: " + command), asRoot.err());
        assertEquals(before, owners(), "nothing was changed");

        // The command it names (with the class path for the jar).
        String[] args = command.substring(command.indexOf("--restore")).split(" ");
        Children.Result asOwner = main("nobody", args);
        assertEquals(0, asOwner.code(), asOwner.err());
        assertTrue(asOwner.out().startsWith("portd: restored 1 leases"), asOwner.out());
        Map<String, Integer> after = owners();
        assertTrue(after.keySet().stream().anyMatch(f -> f.startsWith(Store.FILE + ".damaged-")), after.toString());
        assertTrue(after.values().stream().allMatch(uid -> uid == Users.NOBODY_UID), "every file is nobody's: " + after);

        try (ChildDaemon d = startAsNobody(); LineClient c = new LineClient(socket)) {
            assertTrue(c.call("GET before-backup").ok(), "the daemon opens what the restore wrote");
            assertEquals("NOTFOUND", c.call("GET after-backup").code(), "a restore loses what came after the backup");
        }
    }

    /** Root running the daemon by hand would leave root's files in nobody's directory: refused, with the command. */
    @Test
    void theDaemonRunAsRootLeavesAnotherUsersDataAlone() throws Exception {
        Map<String, Integer> before = owners();
        ChildDaemon d = launch(List.of(), "as-root.log");
        assertEquals(77, d.waitFor(60), d.output());
        String why = ChildDaemon.failure(d.output());
        assertTrue(why.startsWith("portd runs as root, but its data directory " + data + " belongs to nobody: "), d.output());
        assertTrue(why.contains("Nothing was changed. Run it as nobody (as the packaged service does): runuser -u nobody -- "
                + "java -jar portd.jar --socket " + socket + " --data " + data + " --range "), why);
        assertEquals(before, owners());
        assertFalse(Files.exists(socket), "nothing served");
    }

    /** Under systemd (INVOCATION_ID), as the service would see it: stop both units, restore as the owner, lose what came after. */
    @Test
    void aDamagedStoreNamesTheRestoreAsItsOwnerAndWhatItLoses() throws Exception {
        Files.writeString(data.resolve(Store.FILE), "not a store any more");
        ChildDaemon d = ChildDaemon.launch(List.of("runuser", "-u", "nobody", "--"), classPath, socket, dir.resolve("damaged.log"),
                Map.of("INVOCATION_ID", "0123456789abcdef0123456789abcdef"), "--socket", socket.toString(), "--data", data.toString());
        assertEquals(65, d.waitFor(60), d.output());
        String why = ChildDaemon.failure(d.output());
        assertTrue(why.startsWith("the store " + data.resolve(Store.FILE) + " is damaged: "), d.output());
        assertTrue(why.matches(".*; the newest backup is " + java.util.regex.Pattern.quote(backup) + " \\(taken (\\S+)\\): restoring it"
                + " loses every change made after \\1\\. To restore, stop portd \\(systemctl stop portd.socket portd.service\\), then run: "
                + java.util.regex.Pattern.quote("runuser -u nobody -- java -jar portd.jar --restore " + backup + " --data " + data
                + " --socket " + socket + " (the damaged files are kept, renamed *.damaged-<time>)")), why);
    }

    @Test
    void aBackupTheOwnerCannotReadIsAPermissionProblem() throws Exception {
        Path rootsOnly = Files.createDirectory(dir.resolve("root-only"));
        Files.setPosixFilePermissions(rootsOnly, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path copy = Files.copy(Path.of(backup), rootsOnly.resolve("copy.json"));
        Children.Result r = main("nobody", "--restore", copy.toString(), "--data", data.toString(), "--socket", socket.toString());
        assertEquals(77, r.code(), r.err());
        assertTrue(r.err().startsWith("portd: cannot restore: " + copy + " is not readable by user nobody; make it readable"), r.err());
    }

    @Test
    void aDataDirectoryTheDaemonCannotWriteIsNotDamage() throws Exception {
        Files.setAttribute(data, "unix:uid", 0); // the files stay nobody's
        ChildDaemon d = launch(List.of("runuser", "-u", "nobody", "--"), "start.log");
        assertEquals(77, d.waitFor(60), d.output());
        String why = ChildDaemon.failure(d.output());
        assertTrue(why.matches(java.util.regex.Pattern.quote("cannot open the store " + data.resolve(Store.FILE) + ": " + data
                + " is not writable by user nobody (uid " + Users.NOBODY_UID + "), who runs portd; it belongs to root, mode ")
                + "0[0-7]{3}" + java.util.regex.Pattern.quote(". Nothing is damaged: give " + data + " and its files to nobody (chown -R nobody: "
                + data + ") or run portd as their owner, then try again")), d.output());
        assertNoRestoreAdvice(d.output());

        Children.Result restore = main("nobody", "--restore", backup, "--data", data.toString(), "--socket", socket.toString());
        assertEquals(77, restore.code(), restore.err());
        assertTrue(restore.err().contains("Nothing was changed. Run: java -jar portd.jar --restore " + backup), restore.err());
    }

    @Test
    void aReadOnlyDataDirectoryIsNotDamage() throws Exception {
        String bindReadOnly = "mount --bind " + data + " " + data + " && mount -o remount,ro,bind " + data + " " + data;
        List<String> readOnly = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", bindReadOnly + " && exec \"$@\"",
                "sh", "runuser", "-u", "nobody", "--");
        Children.Result probe = Children.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", bindReadOnly));
        assumeTrue(probe.code() == 0, "cannot bind-mount read-only here: " + probe.err());
        ChildDaemon d = launch(readOnly, "ro.log");
        assertEquals(77, d.waitFor(60), d.output());
        String why = ChildDaemon.failure(d.output());
        assertTrue(why.startsWith("cannot open the store " + data.resolve(Store.FILE) + ": " + data
                + " is on a read-only file system. Nothing is damaged: make it writable"), d.output());
        assertNoRestoreAdvice(d.output());
    }

    private static void assertNoRestoreAdvice(String out) {
        assertFalse(out.matches("(?s).*store \\S+ is damaged.*") || out.contains("backup") || out.contains("restore"), out);
    }
}
