package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.store.Stores;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listener;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leases bound to a real process: they end when it exits, while portd runs or while it is down. */
@Timeout(60)
class PidLeaseTest {
    TestDaemon d;
    final List<Process> children = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : children) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (d != null) {
            d.close();
        }
    }

    TestDaemon daemon(String probeInterval) throws Exception {
        int lo = Ports.freeRunInDefaultRange(4);
        d = TestDaemon.start("--range", Ports.range(lo, 4), "--probe-interval", probeInterval);
        return d;
    }

    Process sleeper() throws Exception {
        Process p = new ProcessBuilder("sleep", "600").start();
        children.add(p);
        return p;
    }

    @Test
    void theLeaseEndsWhenItsProcessExits() throws Exception {
        daemon("200ms");
        Process owner = sleeper();
        int port = Integer.parseInt(d.call("ALLOC job pid=" + owner.pid()).value());
        assertEquals(Long.toString(owner.pid()), d.lease("job").get("pid"));

        owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Poll.until("the lease of the killed process is gone from LIST", () -> d.lease("job") == null);
        assertEquals(List.of("alloc", "exit"), d.events("job"));
        Map<String, String> exit = d.rows("HISTORY job").get(1);
        assertEquals(Integer.toString(port), exit.get("port"));
        assertEquals(Long.toString(owner.pid()), exit.get("pid"));
        assertEquals("OK free", d.call("CHECK " + port).status());
    }

    @Test
    void aGrandchildThatBindsThePortMakesItBoundNotAConflict() throws Exception {
        daemon("200ms");
        int port = Ports.freeRunInDefaultRange(1);
        try (Listener service = Listener.gated(port, true)) {
            long child = service.process().pid();
            assertEquals("OK " + port, d.call("ALLOC job port=" + port + " strict pid=" + child).status());
            int grandchild = service.go().pid();
            assertTrue(grandchild != child);
            Poll.until("job is bound", () -> "bound".equals(d.lease("job").get("state")));
            assertTrue(d.call("PROBE").ok());
            assertEquals("bound", d.lease("job").get("state"));
            assertTrue(d.rows("CONFLICTS").stream().noneMatch(r -> r.get("port").equals(Integer.toString(port))));
            assertFalse(d.events("job").contains("conflict"), d.events("job").toString());

            // The lease follows the process it names, not the socket: the child exits, the lease ends.
            service.killChild();
            Poll.until("the lease ends with its process", () -> d.lease("job") == null);
            assertEquals("exit", d.events("job").get(d.events("job").size() - 1));
        }
    }

    /** Periodic probes are off: only the probe at start can end the lease, before anyone is served. */
    @Test
    void aProcessThatDiedWhileTheDaemonWasDownEndsItsLeaseAtStart() throws Exception {
        daemon("1h");
        Process owner = sleeper();
        d.call("ALLOC job pid=" + owner.pid());
        assertTrue(d.call("ALLOC other").ok());
        d.stop();
        owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        d.startAgain();
        assertNull(d.lease("job"), "the first LIST after start still shows the dead process's lease");
        assertNotNull(d.lease("other"));
        assertEquals(List.of("alloc", "exit"), d.events("job"));
    }

    /** The daemon is killed (no clean stop), the process dies meanwhile: the lease ends when the daemon is back. */
    @Test
    void aProcessThatDiedWhileTheDaemonWasKilledEndsItsLeaseAtStart() throws Exception {
        Path dir = TestDaemon.newDir();
        Path socket = dir.resolve("portd.sock");
        int lo = Ports.freeRunInDefaultRange(4);
        String[] args = {"--socket", socket.toString(), "--data", dir.resolve("data").toString(),
                "--range", Ports.range(lo, 4), "--probe-interval", "1h"};
        Process owner = sleeper();
        try {
            try (ChildDaemon first = ChildDaemon.start(socket, dir.resolve("first.log"), Map.of(), args);
                 LineClient c = new LineClient(socket)) {
                assertTrue(c.call("ALLOC job pid=" + owner.pid()).ok());
                first.kill9();
            }
            owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            try (ChildDaemon second = ChildDaemon.start(socket, dir.resolve("second.log"), Map.of(), args);
                 LineClient c = new LineClient(socket)) {
                assertEquals("OK 0", c.call("LIST").status(), second.output());
                List<String> events = c.call("HISTORY job").rows().stream().map(r -> r.get("event")).toList();
                assertEquals(List.of("alloc", "exit"), events);
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    /**
     * The store names a live pid but with a later start time, as when the pid was recycled while
     * portd was down: the live process does not keep the lease.
     */
    @Test
    void aRecycledPidDoesNotKeepTheLease() throws Exception {
        daemon("1h");
        Process owner = sleeper();
        d.call("ALLOC job pid=" + owner.pid());
        d.stop();
        PortTable t = Stores.read(d.data());
        Lease l = t.lease("job");
        Lease recycled = new Lease(l.service(), l.port(), l.proto(), l.uid(), l.pid(), l.pidStart() + 1, l.since(),
                l.expires(), l.ttlMillis(), l.desc(), l.state());
        Stores.replace(d.data(), PortTable.load(List.of(recycled), t.reservations(), t.history(), t.lastPort()));
        d.startAgain();
        assertTrue(owner.isAlive());
        assertNull(d.lease("job"));
        assertEquals(List.of("alloc", "exit"), d.events("job"));
    }

    @Test
    void aLeaseForAProcessThatDoesNotExistIsRefused() throws Exception {
        daemon("1h");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        assertEquals("BADREQ", d.call("ALLOC job pid=" + gone.pid()).code());
        assertEquals("BADREQ", d.call("ALLOC job pid=0").code());
        assertEquals("BADREQ", d.call("ALLOC job pid=x").code());
        assertTrue(d.rows("LIST").isEmpty());
    }
}
