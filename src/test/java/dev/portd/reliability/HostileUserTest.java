package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.Listing;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Another local user (nobody, through runuser and python3, so no portd code is on its side) against
 * root's leases and the daemon's files. The daemon trusts the kernel's SO_PEERCRED, never the
 * client's word. Needs root; skipped with the reason otherwise.
 */
class HostileUserTest {
    private final List<Process> children = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) {
            List<ProcessHandle> below = p.descendants().toList();
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            below.forEach(ProcessHandle::destroyForcibly);
        }
        for (Path d : dirs) {
            TestDaemon.deleteTree(d);
        }
    }

    @Test
    void anotherUserCannotChangeOrTakeRootsLeases() throws Exception {
        Users.assumeCanSwitchToNobody();
        try (TestDaemon d = TestDaemon.start(); LineClient root = d.client()) {
            int web = Integer.parseInt(root.call("ALLOC web desc=\"root's\"").value());
            int db = Integer.parseInt(root.call("ALLOC db ttl=1h").value());
            int free = Integer.parseInt(root.call("ALLOC spare").value());
            assertEquals("OK " + free, root.call("RELEASE spare").status());
            List<String> before = root.call("LIST").data();

            String[][] attempts = {
                {"RELEASE web", "DENIED"},
                {"RELEASE port=" + web, "DENIED"},
                {"RENEW db ttl=1s", "DENIED"},
                {"RENEW db", "DENIED"},
                {"RESOLVE web", "DENIED"},
                {"RESOLVE web port=" + free, "DENIED"},
                {"ALLOC mine", "OK"},
                {"RESOLVE mine swap=web", "DENIED"},
                {"ALLOC web", "DENIED"},
                {"ALLOC db ttl=1s", "DENIED"},
                {"ALLOC thief port=" + web + " strict", "TAKEN"},
                {"RESERVE " + free, "DENIED"},
                {"UNRESERVE " + free, "DENIED"},
                {"ALLOC low port=80 strict", "DENIED"},
                {"BACKUP", "DENIED"},
                {"BACKUP ../../../tmp/x", "BADREQ"},
                {"JSON RELEASE web", "{\"ok\":false,\"error\":\"DENIED\""},
            };
            String[] requests = new String[attempts.length];
            for (int i = 0; i < attempts.length; i++) {
                requests[i] = attempts[i][0];
            }
            List<String> out = Users.asNobody(d.socket(), requests);
            assertEquals(attempts.length, out.size(), out.toString());
            for (int i = 0; i < attempts.length; i++) {
                String want = attempts[i][1];
                String got = out.get(i);
                assertTrue(got.startsWith(want.startsWith("{") ? want : (want.equals("OK") ? "OK " : "ERR " + want + " ")),
                        attempts[i][0] + " as nobody: " + got);
            }

            List<String> after = root.call("LIST").data();
            after.removeIf(l -> l.contains("service=mine "));
            assertEquals(before, after, "root's leases are exactly as they were");
            assertTrue(root.call("LIST mine").data().get(0).contains(" uid=" + Users.NOBODY_UID + " "),
                    "nobody's own lease is nobody's: the uid comes from the kernel");
            assertFalse(root.call("CHECK " + free).value().startsWith("reserved"), "nothing was reserved");
            assertEquals("OK " + db, root.call("RENEW db").status(), "the owner still can");
        }
    }

    @Test
    void anotherUserIsHeldToItsQuota() throws Exception {
        Users.assumeCanSwitchToNobody();
        try (TestDaemon d = TestDaemon.start("--max-leases-per-uid", "3")) {
            List<String> out = Users.asNobody(d.socket(), "ALLOC q1", "ALLOC q2", "ALLOC q3", "ALLOC q4", "RELEASE q1",
                    "ALLOC q4", "ALLOC q5");
            assertEquals(7, out.size(), out.toString());
            assertTrue(out.get(2).startsWith("OK "), out.toString());
            assertTrue(out.get(3).startsWith("ERR QUOTA "), out.toString());
            assertTrue(out.get(5).startsWith("OK "), "room again after a release: " + out);
            assertTrue(out.get(6).startsWith("ERR QUOTA "), out.toString());
            try (LineClient root = d.client()) {
                for (int i = 0; i < 5; i++) {
                    assertTrue(root.call("ALLOC r" + i).ok(), "root is not held to the quota");
                }
            }
        }
    }

    /** Binding root's port as nobody makes a conflict, not a transfer, and does not end root's WAIT. */
    @Test
    void squattingAPortNeitherStealsTheLeaseNorSatisfiesItsWait() throws Exception {
        Users.assumeCanSwitchToNobody();
        try (TestDaemon d = TestDaemon.start("--probe-interval", "1h"); LineClient root = d.client()) {
            int port = Integer.parseInt(root.call("ALLOC svc").value());
            Process squatter = new ProcessBuilder("runuser", "-u", "nobody", "--", "python3", "-c",
                    "import socket,time\ns=socket.socket(socket.AF_INET6)\ns.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\n"
                            + "s.bind(('::'," + port + "))\ns.listen()\nprint('up',flush=True)\ntime.sleep(60)")
                    .redirectErrorStream(true).start();
            children.add(squatter);
            String up = new String(squatter.getInputStream().readNBytes(3), StandardCharsets.UTF_8);
            assertEquals("up\n", up, "the squatter did not start");

            LineClient.Reply wait = root.call("WAIT svc timeout=2s");
            assertEquals("TIMEOUT", wait.code(), "another user's socket must not end the owner's WAIT: " + wait.status());
            assertTrue(root.call("PROBE").ok());
            String lease = root.call("LIST svc").data().get(0);
            assertTrue(lease.contains(" uid=0 ") && lease.contains(" state=conflict"), lease);
            String conflict = root.call("CONFLICTS").data().get(0);
            assertTrue(conflict.contains("kind=squatter") && conflict.contains("uid=" + Users.NOBODY_UID), conflict);
            assertEquals("OK " + port, root.call("GET svc").status(), "the lease stays root's, on its port");
        }
    }

    @Test
    void theSocketIsReachableAsConfiguredAndNoFurther() throws Exception {
        Users.assumeCanSwitchToNobody();
        Path dir = newDir();
        Path sub = dir.resolve("made-by-portd");
        try (TestDaemon d = TestDaemon.start("--socket", sub.resolve("portd.sock").toString())) {
            Path s = sub.resolve("portd.sock");
            assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(s, LinkOption.NOFOLLOW_LINKS)));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(sub)), "the socket directory");
            assertEquals(List.of("OK PONG"), Users.asNobody(s, "PING"), "0666 by default: every local user may lease");
        }
        try (TestDaemon d = TestDaemon.start("--socket-mode", "0600")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket())));
            List<String> out = Users.asNobody(d.socket(), "ALLOC sneaky");
            assertTrue(String.join("\n", out).contains("PermissionError"), "nobody must not connect: " + out);
            assertTrue(d.call("LIST").data().isEmpty());
        }
    }

    @Test
    void theDaemonFollowsNoSymlinkAndTrustsNoDirectoryAtTheSocketPath() throws Exception {
        Users.assumeCanSwitchToNobody();
        Path dir = newDir();
        Path target = dir.resolve("precious");
        Files.writeString(target, "keep me");

        Path link = dir.resolve("link.sock");
        Files.createSymbolicLink(link, target);
        assertRefused(link, "is not a socket");
        assertTrue(Files.isSymbolicLink(link), "the symlink is left alone");
        assertEquals("keep me", Files.readString(target), "and what it points to");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)), "not chmod-ed");

        Path plain = dir.resolve("plain.sock");
        Files.writeString(plain, "not a socket");
        assertRefused(plain, "is not a socket");
        assertEquals("not a socket", Files.readString(plain));

        Path theirs = dir.resolve("theirs");
        Files.createDirectory(theirs);
        Files.setAttribute(theirs, "unix:uid", Users.NOBODY_UID);
        assertRefused(theirs.resolve("portd.sock"), "belongs to uid " + Users.NOBODY_UID);
        assertFalse(Files.exists(theirs.resolve("portd.sock"), LinkOption.NOFOLLOW_LINKS));

        Path open = dir.resolve("open");
        Files.createDirectory(open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx")); // root's, no sticky bit
        assertRefused(open.resolve("portd.sock"), "writable by others");
    }

    /** --restore reads only a regular file (never a FIFO or a device it would hang on) and writes only the data directory. */
    @Test
    void restoreReadsOnlyARegularFile() throws Exception {
        Path dir = newDir();
        Path data = dir.resolve("data");
        Path fifo = dir.resolve("fifo.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        for (String file : new String[] {"/dev/zero", fifo.toString(), dir.toString(), dir.resolve("missing.json").toString()}) {
            dev.portd.testing.ChildDaemon p = dev.portd.testing.ChildDaemon.launch(dir.resolve("s.sock"),
                    dir.resolve("restore.log"), java.util.Map.of(), "--restore", file, "--data", data.toString(),
                    "--socket", dir.resolve("s.sock").toString());
            assertEquals(1, p.waitFor(20), file + ": " + p.output());
            assertTrue(p.output().contains("cannot restore: " + file), file + ": " + p.output());
        }
        if (Files.exists(data)) {
            try (java.util.stream.Stream<Path> written = Files.list(data)) {
                assertEquals(List.of(), written.toList(), "nothing written");
            }
        }
    }

    private void assertRefused(Path socket, String why) throws IOException {
        Path data = newDir().resolve("data");
        Exception e = assertThrows(Exception.class, () -> TestDaemon.start("--socket", socket.toString(),
                "--data", data.toString()).close(), socket.toString());
        String message = String.valueOf(e.getMessage());
        assertTrue(message.contains(why), socket + ": " + message);
    }

    private Path newDir() throws IOException {
        Path d = TestDaemon.newDir();
        dirs.add(d);
        return d;
    }
}
