package dev.portd.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the shipped unit's {@code ProtectProc=} lets the daemon see of another user's processes. systemd
 * implements it by mounting a /proc of its own with {@code hidepid=} in the service's mount namespace;
 * this test does the same with unshare and runs the real daemon in it as an unprivileged user
 * (nobody), then asks for a lease bound to a process of root's.
 */
@Timeout(120)
class ProcVisibilityTest {
    @Test
    void theShippedUnitLetsPidBoundLeasesSeeOtherUsersProcesses() throws Exception {
        String protectProc = PackagingTest.setting(PackagingTest.UNIT, "ProtectProc");
        String status = allocBoundToRootsProcess(hidepid(protectProc));
        assertTrue(status.startsWith("OK "), "ProtectProc=" + protectProc + ": " + status);
    }

    /** The failure the unit used to have (ProtectProc=invisible), so the test above can tell. */
    @Test
    void hiddenProcessesCannotCarryALease() throws Exception {
        String status = allocBoundToRootsProcess("invisible");
        assertTrue(status.matches("ERR BADREQ no process \\d+"), status);
    }

    /** The proc mount option systemd uses for a ProtectProc= value (systemd.exec(5)). */
    static String hidepid(String protectProc) {
        return protectProc.equals("default") ? "off" : protectProc;
    }

    /** ALLOC pid=N for a process of root's, sent to a daemon run as nobody under /proc with hidepid=. */
    private static String allocBoundToRootsProcess(String hidepid) throws Exception {
        Users.assumeCanSwitchToNobody();
        String mount = "mount -t proc -o hidepid=" + hidepid + " proc /proc";
        PackagingTest.Result probe = PackagingTest.run(Map.of(), "unshare", "--mount", "--propagation", "private", "sh", "-c", mount);
        assumeTrue(probe.code() == 0, "cannot mount a /proc of one's own here (unshare --mount): " + probe.out());

        Path dir = TestDaemon.newDir();
        Process roots = new ProcessBuilder("sleep", "120").start();
        try {
            Path run = Files.createDirectory(dir.resolve("run"));
            Files.setAttribute(run, "unix:uid", Users.NOBODY_UID);
            Path socket = run.resolve("portd.sock");
            List<String> prefix = List.of("unshare", "--mount", "--propagation", "private",
                    "sh", "-c", mount + " && exec \"$@\"", "sh", "runuser", "-u", "nobody", "--");
            try (ChildDaemon d = ChildDaemon.startUnder(prefix, Files.createDirectory(dir.resolve("cp")), socket,
                    dir.resolve("daemon.log"), "--socket", socket.toString(), "--data", run.resolve("data").toString(),
                    "--range", Ports.range(Ports.freeRun(5), 5));
                 LineClient c = new LineClient(socket)) {
                assertEquals("OK nobody", c.call("PING").ok() ? "OK " + owner(d.pid()) : "not answering");
                return c.call("ALLOC held pid=" + roots.pid()).status();
            }
        } finally {
            roots.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            TestDaemon.deleteTree(dir);
        }
    }

    /** The user the daemon's JVM runs as (the last process under the prefix's chain). */
    private static String owner(long pid) {
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        while (h.children().findAny().isPresent()) {
            h = h.children().findFirst().orElseThrow();
        }
        return h.info().user().orElse("?");
    }
}
