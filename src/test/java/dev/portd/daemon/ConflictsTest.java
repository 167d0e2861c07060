package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.Listener;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.nio.channels.ServerSocketChannel;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CONFLICTS against real listeners: another user's process on a leased port, a process outside a
 * pid-bound lease's tree, a port of the range in use without a lease. Each conflict goes into the
 * history once when it appears, however many probes see it.
 */
@Timeout(60)
class ConflictsTest {
    static final int SELF = (int) ProcessHandle.current().pid();

    TestDaemon d;
    int lo;

    @BeforeEach
    void start() throws Exception {
        lo = Ports.freeRunInDefaultRange(4);
        d = TestDaemon.start("--range", Ports.range(lo, 4), "--probe-interval", "1h");
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    /** The CONFLICTS line for the port, or null. */
    Map<String, String> conflictOn(int port) throws Exception {
        for (Map<String, String> r : d.rows("CONFLICTS")) {
            if (r.get("port").equals(Integer.toString(port))) {
                return r;
            }
        }
        return null;
    }

    void probe(int times) throws Exception {
        for (int i = 0; i < times; i++) {
            assertTrue(d.call("PROBE").ok());
        }
    }

    int conflictEvents(int port) throws Exception {
        return Collections.frequency(d.events("port=" + port), "conflict");
    }

    @Test
    void anUnmanagedPortIsListedAndRecordedOncePerAppearance() throws Exception {
        int port = lo + 1;
        try (Listener l = Listener.start(port)) {
            probe(3);
            Map<String, String> c = conflictOn(port);
            assertEquals("unmanaged", c.get("kind"), c.toString());
            assertEquals(Integer.toString(l.pid()), c.get("pid"));
            assertTrue(c.get("cmd").startsWith("python"), c.toString());
            assertNull(c.get("service"));
            assertEquals(1, conflictEvents(port));
        }
        probe(1);
        assertNull(conflictOn(port));
        try (Listener again = Listener.start(port)) {
            probe(2);
            assertEquals(2, conflictEvents(port), "a conflict that comes back is a new one");
        }
    }

    @Test
    void aReservedPortInUseIsNoConflict() throws Exception {
        assertTrue(d.call("RESERVE " + (lo + 2)).ok());
        try (ServerSocketChannel l = Ports.listen(lo + 2)) {
            probe(1);
            assertNull(conflictOn(lo + 2));
        }
    }

    @Test
    void anotherUsersListenerOnALeasedPortIsASquatterUntilResolved() throws Exception {
        Users.assumeCanSwitchToNobody();
        int port = Integer.parseInt(d.call("ALLOC web").value());
        try (Listener squatter = Listener.startAs("nobody", port)) {
            probe(3);
            Map<String, String> c = conflictOn(port);
            assertEquals("squatter", c.get("kind"), c.toString());
            assertEquals("web", c.get("service"));
            assertEquals(Integer.toString(squatter.pid()), c.get("pid"));
            assertEquals(Integer.toString(Users.NOBODY_UID), c.get("uid"));
            assertTrue(c.get("cmd").startsWith("python"), c.toString());
            assertEquals("conflict", d.lease("web").get("state"));
            assertEquals(List.of("alloc", "conflict"), d.events("web"));

            int moved = Integer.parseInt(d.call("RESOLVE web").value());
            assertNotEquals(port, moved);
            assertEquals(Integer.toString(moved), d.lease("web").get("port"));
            assertEquals("leased", d.lease("web").get("state"));
            // The lease left the port: no line may still name web there.
            assertTrue(d.rows("CONFLICTS").stream().noneMatch(r -> "web".equals(r.get("service"))), d.rows("CONFLICTS").toString());
            probe(1);
            assertEquals("unmanaged", conflictOn(port).get("kind"), "the squatter now holds a port without a lease");
        }
    }

    @Test
    void aListenerOutsideAPidBoundLeasesTreeIsASquatter() throws Exception {
        Process owner = new ProcessBuilder("sleep", "600").start();
        try {
            int port = Integer.parseInt(d.call("ALLOC job pid=" + owner.pid()).value());
            try (ServerSocketChannel l = Ports.listen(port)) {
                probe(2);
                Map<String, String> c = conflictOn(port);
                assertEquals("squatter", c.get("kind"), c.toString());
                assertEquals("job", c.get("service"));
                assertEquals(Integer.toString(SELF), c.get("pid"), "this JVM listens, the lease's process does not");
                assertEquals("conflict", d.lease("job").get("state"));
                assertEquals(1, conflictEvents(port));
            }
        } finally {
            owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
