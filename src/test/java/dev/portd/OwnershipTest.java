package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.protocol.Row;
import dev.portd.probe.BindCheck;
import dev.portd.table.Transport;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two uids on one daemon: root (this JVM, the daemon's own uid) and nobody (a python3 client under
 * runuser). Skipped, with the reason, unless the tests run as root.
 */
class OwnershipTest {

    static final String NOBODY = Integer.toString(Users.NOBODY_UID);
    static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Users.assumeCanSwitchToNobody();
        daemon = TestDaemon.start("--range", Ports.range(Ports.freeRun(20), 20));
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** Runs the requests as nobody on one connection and returns their replies. */
    static List<Reply> asNobody(TestDaemon d, String... requests) throws Exception {
        List<Reply> replies = LineClient.split(Users.asNobody(d.socket(), requests));
        assertEquals(requests.length, replies.size(), "one reply per request: " + replies);
        return replies;
    }

    static Reply nobody(String request) throws Exception {
        return asNobody(daemon, request).get(0);
    }

    static Map<String, String> listed(String service) throws Exception {
        List<String> data = daemon.call("LIST " + service).data();
        assertEquals(1, data.size(), service + ": " + data);
        return Row.parse(data.get(0));
    }

    @Test
    void aLeaseBelongsToTheUidThatAskedAndHistorySaysWho() throws Exception {
        List<Reply> r = asNobody(daemon, "ALLOC own-n1 ttl=1h", "RENEW own-n1", "GET own-n1");
        assertTrue(r.get(0).ok(), r.get(0).status());
        assertTrue(r.get(1).ok(), r.get(1).status());
        assertEquals(r.get(0).value(), r.get(2).value());
        assertEquals(NOBODY, listed("own-n1").get("uid"));
        for (String line : daemon.call("HISTORY own-n1").data()) {
            Map<String, String> e = Row.parse(line);
            assertEquals(NOBODY, e.get("uid"), line);
            assertTrue(e.containsKey("pid"), "the client's pid is recorded: " + line);
            assertNotEquals(Long.toString(ProcessHandle.current().pid()), e.get("pid"), line);
        }
        assertTrue(daemon.call("ALLOC own-r0").ok());
        assertEquals("0", listed("own-r0").get("uid"));
        assertEquals(r.get(0).value(), nobody("RELEASE own-n1").value(), "the owner may release");
    }

    @Test
    void anotherUidMayNotReleaseRenewOrTakeOverALease() throws Exception {
        String port = daemon.call("ALLOC own-r1 ttl=1h").value();
        List<Reply> r = asNobody(daemon, "RELEASE own-r1", "RELEASE port=" + port, "RENEW own-r1",
                "RENEW own-r1 ttl=2h", "ALLOC own-r1", "ALLOC own-r1 ttl=1d");
        for (Reply reply : r) {
            assertEquals("DENIED", reply.code(), reply.status());
        }
        assertTrue(r.get(0).status().contains("uid 0"), "says whose it is: " + r.get(0).status());
        assertEquals(port, daemon.call("GET own-r1").value());
        assertEquals("0", listed("own-r1").get("uid"));
        assertEquals("OK 1", daemon.call("HISTORY own-r1").status(), "refusals leave no trace");
    }

    @Test
    void rootMayRenewAndReleaseAnyonesLease() throws Exception {
        String port = nobody("ALLOC own-n2 ttl=1h").value();
        assertEquals(port, daemon.call("RENEW own-n2 ttl=2h").value());
        assertEquals(NOBODY, listed("own-n2").get("uid"), "renewing does not change the owner");
        assertEquals("own-n2", daemon.call("RELEASE port=" + port).value());
    }

    @Test
    void reserveAndUnreserveAreForRootAndTheDaemonsUser() throws Exception {
        int p = Integer.parseInt(daemon.call("ALLOC own-res").value());
        daemon.call("RELEASE own-res");
        List<Reply> r = asNobody(daemon, "RESERVE " + p, "UNRESERVE " + p, "RESERVE " + p + "-" + (p + 1) + " desc=x");
        for (Reply reply : r) {
            assertEquals("DENIED", reply.code(), reply.status());
        }
        assertEquals("OK free", daemon.call("CHECK " + p).status());
        assertEquals("OK 1", daemon.call("RESERVE " + p).status());
        assertEquals("DENIED", nobody("UNRESERVE " + p).code());
        assertEquals("OK 1", daemon.call("UNRESERVE " + p).status());
    }

    @Test
    void readsAreForEveryone() throws Exception {
        String port = daemon.call("ALLOC own-read desc=\"seen by all\"").value();
        List<Reply> r = asNobody(daemon, "GET own-read", "LIST own-read", "CHECK " + port, "HISTORY own-read",
                "ENV own-read", "EXPORT", "STATS", "FREE", "HELP", "VERSION", "PING");
        for (Reply reply : r) {
            assertTrue(reply.ok(), reply.status());
        }
        assertEquals(port, r.get(0).value());
        assertEquals("OK leased service=own-read", r.get(2).status());
    }

    @Test
    void theQuotaStopsNobodyButNotRoot() throws Exception {
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(Ports.freeRun(10), 10), "--max-leases-per-uid", "2")) {
            List<Reply> r = asNobody(d, "ALLOC q1", "ALLOC q2", "ALLOC q3", "ALLOC q1");
            assertTrue(r.get(0).ok() && r.get(1).ok(), r.toString());
            assertEquals("QUOTA", r.get(2).code(), r.get(2).status());
            assertTrue(r.get(2).status().contains("2"), r.get(2).status());
            assertEquals(r.get(0).value(), r.get(3).value(), "a lease already held is not a new one");
            for (int i = 0; i < 4; i++) {
                assertTrue(d.call("ALLOC root-" + i).ok(), "root is exempt");
            }
            List<Reply> after = asNobody(d, "RELEASE q1", "ALLOC q3");
            assertTrue(after.get(1).ok(), after.get(1).status());
            assertEquals("NOTFOUND", d.call("GET q1").code());
        }
    }

    /** The daemon's own uid is privileged like root: a user's daemon, run as nobody, with a client as daemon (uid 1). */
    @Test
    void theDaemonsOwnUserIsPrivilegedAsRootIs() throws Exception {
        Path dir = TestDaemon.newDir();
        try {
            Path run = Files.createDirectory(dir.resolve("run"));
            Files.setAttribute(run, "unix:uid", Users.NOBODY_UID);
            Path socket = run.resolve("portd.sock");
            int base = Ports.freeRun(5);
            try (ChildDaemon d = ChildDaemon.startAs("nobody", Files.createDirectory(dir.resolve("cp")), socket,
                    dir.resolve("daemon.log"), "--socket", socket.toString(), "--data", run.resolve("data").toString(),
                    "--range", Ports.range(base, 5))) {
                List<Reply> mine = LineClient.split(Users.as("nobody", socket, "RESERVE " + base, "ALLOC by-nobody"));
                assertEquals("OK 1", mine.get(0).status(), "the daemon's user may reserve");
                List<Reply> other = LineClient.split(Users.as("daemon", socket, "UNRESERVE " + base, "RELEASE by-nobody",
                        "ALLOC by-daemon"));
                assertEquals("DENIED", other.get(0).code(), other.get(0).status());
                assertEquals("DENIED", other.get(1).code(), other.get(1).status());
                assertTrue(other.get(2).ok(), other.get(2).status());
                List<Reply> back = LineClient.split(Users.as("nobody", socket, "RELEASE by-daemon"));
                assertTrue(back.get(0).ok(), "the daemon's user may release anyone's lease: " + back.get(0).status());
                try (LineClient root = new LineClient(socket)) {
                    assertEquals("OK 1", root.call("UNRESERVE " + base).status(), "root, too");
                    assertEquals(NOBODY, listedOn(root, "by-nobody").get("uid"));
                }
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    static Map<String, String> listedOn(LineClient c, String service) throws Exception {
        return Row.parse(c.call("LIST " + service).data().get(0));
    }

    @Test
    void portsBelow1024AreForRootOnly() throws Exception {
        int lo = -1;
        for (int start = 1016; start >= 900 && lo < 0; start -= 8) {
            boolean free = true;
            for (int p = start; p < 1032 && free; p++) {
                free = BindCheck.canBind(p, Transport.TCP);
            }
            lo = free ? start : -1;
        }
        Assumptions.assumeTrue(lo > 0, "no free run of ports across 1024");
        try (TestDaemon d = TestDaemon.start("--range", lo + "-1031")) {
            List<Reply> r = asNobody(d, "ALLOC low-n", "ALLOC low-x port=" + lo, "ALLOC low-y port=" + lo + " strict");
            assertEquals("OK 1024", r.get(0).status(), "nobody's automatic choice starts at 1024");
            assertEquals("DENIED", r.get(1).code(), r.get(1).status());
            assertEquals("DENIED", r.get(2).code(), r.get(2).status());
            assertEquals("OK " + lo, d.call("ALLOC low-r").status(), "root gets the lowest");
        }
    }
}
