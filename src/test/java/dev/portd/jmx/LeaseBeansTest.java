package dev.portd.jmx;

import static dev.portd.jmx.JmxTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The platform MBean server, as a local JConsole attaching by process sees it (no jmx_port): lease beans
 * come and go with the leases, and a stopped daemon leaves nothing behind.
 */
class LeaseBeansTest {
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();

    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(Set.of(), PLATFORM.queryNames(new ObjectName("dev.portd:*"), null));
        assertEquals(Set.of(), PLATFORM.queryNames(new ObjectName("dev.portd.metrics:*"), null));
    }

    @Test
    void aLeaseBeanLivesAsLongAsItsLease() throws Exception {
        try (TestDaemon d = TestDaemon.start(); LineClient c = d.client()) {
            ObjectName a = new ObjectName("dev.portd:type=Lease,service=a.b_c-d");
            ObjectName b = new ObjectName("dev.portd:type=Lease,service=byport");
            ObjectName j = new ObjectName("dev.portd:type=Lease,service=viajmx");
            int pa = Integer.parseInt(c.call("ALLOC a.b_c-d").value());
            int pb = Integer.parseInt(c.call("ALLOC byport").value());
            await("beans of a.b_c-d and byport", () -> PLATFORM.isRegistered(a) && PLATFORM.isRegistered(b));
            assertEquals(a, Names.lease("a.b_c-d"));
            assertEquals(pa, PLATFORM.getAttribute(a, "Port"));

            assertTrue(c.call("RELEASE a.b_c-d").ok());
            await("a.b_c-d's bean to go", () -> !PLATFORM.isRegistered(a));
            assertTrue(c.call("RELEASE port=" + pb).ok());
            await("byport's bean to go", () -> !PLATFORM.isRegistered(b));

            int pj = (Integer) PLATFORM.invoke(Names.PORT_TABLE, "allocate", new Object[] {"viajmx"},
                    new String[] {String.class.getName()});
            await("viajmx's bean", () -> PLATFORM.isRegistered(j));
            assertEquals(pj, PLATFORM.getAttribute(j, "Port"));
            String line = c.call("HISTORY viajmx").data().get(0);
            assertTrue(line.endsWith(" note=jmx"), "local attach: no JMX user: " + line);
            PLATFORM.invoke(Names.PORT_TABLE, "release", new Object[] {"viajmx"}, new String[] {String.class.getName()});
            await("viajmx's bean to go", () -> !PLATFORM.isRegistered(j));
            assertEquals(Set.of(), PLATFORM.queryNames(Names.LEASES, null));
        }
    }

    @Test
    void leasesTheDaemonEndsTakeTheirBeansAlong() throws Exception {
        BlockingQueue<Notification> events = new LinkedBlockingQueue<>();
        NotificationListener listener = (n, hb) -> events.add(n);
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        try (TestDaemon d = TestDaemon.start("--probe-interval", "1h", "--range", JmxTesting.RANGE)) {
            PLATFORM.addNotificationListener(Names.HISTORY, listener, null, null);
            ObjectName shortLived = Names.lease("short-lived");
            ObjectName bound = Names.lease("bound-to-pid");
            ObjectName moving = Names.lease("moving");
            assertTrue(d.call("ALLOC short-lived ttl=1").ok());
            assertTrue(d.call("ALLOC bound-to-pid pid=" + sleeper.pid()).ok());
            assertTrue(d.call("ALLOC moving").ok());
            await("three beans", () -> PLATFORM.isRegistered(shortLived) && PLATFORM.isRegistered(bound)
                    && PLATFORM.isRegistered(moving));

            int was = (Integer) PLATFORM.getAttribute(moving, "Port");
            int now = Integer.parseInt(d.call("RESOLVE moving port=" + (was + 1)).value());
            assertEquals(was + 1, now);
            assertEquals(now, PLATFORM.getAttribute(moving, "Port"), "the same bean, the new port");

            await("the ttl lease's bean to go", () -> !PLATFORM.isRegistered(shortLived));
            sleeper.destroy();
            sleeper.waitFor();
            assertTrue(d.call("PROBE").ok());
            await("the exited process's lease's bean to go", () -> !PLATFORM.isRegistered(bound));
            assertTrue(PLATFORM.isRegistered(moving));

            Set<String> types = new HashSet<>();
            await("the expire and exit notifications", () -> {
                events.forEach(n -> types.add(n.getType()));
                return types.containsAll(Set.of("portd.alloc", "portd.resolve", "portd.expire", "portd.exit"));
            });
            PLATFORM.removeNotificationListener(Names.HISTORY, listener);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aRestartedDaemonRegistersItsRestoredLeases() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            assertTrue(d.call("ALLOC kept").ok());
            ObjectName kept = Names.lease("kept");
            await("kept's bean", () -> PLATFORM.isRegistered(kept));
            d.stop();
            nothingLeftBehind();
            d.startAgain();
            await("kept's bean after the restart", () -> PLATFORM.isRegistered(kept));
            assertTrue(PLATFORM.isRegistered(Names.PORT_TABLE));
            assertEquals(1, PLATFORM.getAttribute(Names.PORT_TABLE, "LeaseCount"));
        }
    }

    @Test
    void aSecondDaemonInTheSameJvmKeepsToAServerOfItsOwn() throws Exception {
        try (TestDaemon first = TestDaemon.start()) {
            assertTrue(first.call("ALLOC on-first").ok());
            await("on-first's bean", () -> PLATFORM.isRegistered(Names.lease("on-first")));
            try (TestDaemon second = TestDaemon.start()) {
                assertTrue(second.call("ALLOC on-second").ok());
                assertTrue(second.call("ALLOC on-second-too").ok());
                assertEquals(1, PLATFORM.getAttribute(Names.PORT_TABLE, "LeaseCount"), "the first daemon's table");
                assertFalse(PLATFORM.isRegistered(Names.lease("on-second")));
            }
            assertTrue(PLATFORM.isRegistered(Names.PORT_TABLE), "the second's stop left the first's beans alone");
            assertTrue(PLATFORM.isRegistered(Names.lease("on-first")));
            assertTrue(PLATFORM.isRegistered(new ObjectName("dev.portd.metrics:name=requests.ALLOC,type=timers")));
            assertEquals(1L, PLATFORM.getAttribute(new ObjectName("dev.portd.metrics:name=requests.ALLOC,type=timers"),
                    "Count"));
        }
    }
}
