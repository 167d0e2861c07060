package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.store.Store;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real daemon's exit status for each kind of failed start: what portd.service's
 * RestartPreventExitStatus= and start limit act on (PackagingTest checks the unit lists them).
 */
@Timeout(120)
class ExitStatusTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        TestDaemon.deleteTree(dir);
    }

    private Path socket() {
        return dir.resolve("portd.sock");
    }

    /** Runs the daemon until it exits; returns its status, after checking it logged why at ERROR. */
    private int failedStart(ChildDaemon d, String why) throws Exception {
        int status = d.waitFor(60);
        String out = d.output();
        String logged = ChildDaemon.failure(out);
        assertTrue(logged != null && logged.startsWith(why), "expected '" + why + "...' in: " + out);
        assertFalse(Files.exists(socket()) && !Files.isRegularFile(socket()), "nothing served");
        return status;
    }

    private ChildDaemon launch(String... args) throws Exception {
        return ChildDaemon.launch(socket(), dir.resolve("log"), Map.of(), args);
    }

    @Test
    void aBadFlagIs2() throws Exception {
        assertEquals(ExitStatus.USAGE.code(), failedStart(launch("--socket", socket().toString(), "--policy", "fastest"), "flag --policy"));
        assertEquals(2, ExitStatus.USAGE.code(), "documented, and listed in the unit");
    }

    @Test
    void aDamagedStoreIs65() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve(Store.FILE), "not a store");
        assertEquals(65, failedStart(launch("--socket", socket().toString(), "--data", data.toString()),
                "the store " + data.resolve(Store.FILE) + " is damaged"));
    }

    /** After a restore run as root: the store belongs to root, the daemon runs as its own user. */
    @Test
    void aStoreTheDaemonsUserCannotWriteIs77() throws Exception {
        Users.assumeCanSwitchToNobody();
        Path run = Files.createDirectory(dir.resolve("run"));
        Path data = Files.createDirectory(run.resolve("data"));
        try (Store s = Store.open(data)) {
            s.load(); // a sound store, made by root
        }
        Files.setAttribute(run, "unix:uid", Users.NOBODY_UID);
        Files.setAttribute(data, "unix:uid", Users.NOBODY_UID);
        Path sock = run.resolve("portd.sock");
        ChildDaemon d = ChildDaemon.launchUnder(List.of("runuser", "-u", "nobody", "--"), Files.createDirectory(dir.resolve("cp")),
                sock, dir.resolve("log"), "--socket", sock.toString(), "--data", data.toString());
        int status = failedStart(d, "cannot open the store " + data.resolve(Store.FILE));
        assertEquals(77, status, d.output());
        assertFalse(d.output().matches("(?s).*store \\S+ is damaged.*") || d.output().contains("backup") || d.output().contains("restore"),
                "not damage, no restore: " + d.output());
    }

    @Test
    void aSocketItCannotServeIs1() throws Exception {
        Files.writeString(socket(), "a regular file where the socket goes");
        assertEquals(1, failedStart(launch("--socket", socket().toString(), "--data", dir.resolve("data").toString()), "cannot start"));
        assertEquals("a regular file where the socket goes", Files.readString(socket()));
    }

    @Test
    void helpListsTheExitStatuses() throws Exception {
        Children.Result help = Children.run(Children.mainCommand("--help"));
        assertEquals(0, help.code());
        for (ExitStatus s : ExitStatus.values()) {
            assertTrue(help.out().matches("(?s).*\\n  " + s.code() + " +\\S.*"), s + " in:\n" + help.out());
        }
    }
}
