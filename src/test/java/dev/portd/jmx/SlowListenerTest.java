package dev.portd.jmx;

import static dev.portd.jmx.JmxTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A listener that does not return costs notifications, never requests. */
class SlowListenerTest {
    private TestDaemon d;
    private MBeanServer own;
    private Jmx jmx;
    private final CountDownLatch unstick = new CountDownLatch(1);

    /** A daemon whose commits reach a server of the test's own through a queue of two, and a stuck listener. */
    @BeforeEach
    void start() throws Exception {
        d = TestDaemon.start("--probe-interval", "1h", "--range", JmxTesting.RANGE);
        own = MBeanServerFactory.newMBeanServer();
        jmx = Jmx.start(d.portd().jmxView(), own, 2);
        listenStuck(own, unstick);
    }

    @AfterEach
    void stop() throws Exception {
        unstick.countDown();
        jmx.close();
        d.close();
    }

    @Test
    @Timeout(60)
    void aStuckListenerDropsNotificationsAndTheDaemonKeepsAnswering() throws Exception {
        try (LineClient c = d.client()) {
            for (int i = 0; i < 20; i++) {
                assertTrue(c.call("ALLOC svc" + i).ok()); // one commit each, answered while the listener is stuck
            }
        }
        // The writer hands each commit over after its reply: wait, still stuck, until it has handed over the
        // twentieth. One batch is in the listener and two are queued, so at least 17 allocs were dropped
        // (more if the prober recorded something meanwhile).
        await("17 events dropped while the listener is stuck", () -> dropped(own) >= 17);
        assertEquals(0, sent(own));
        unstick.countDown();
        await("the three kept to be sent", () -> sent(own) + dropped(own) >= 20);
        await("a bean per lease, although most commits were dropped",
                () -> own.queryNames(Names.LEASES, null).size() == 20);
        jmx.close();
        assertEquals(0, own.queryNames(null, null).stream().filter(n -> n.getDomain().startsWith("dev.portd")).count());
    }

    @Test
    @Timeout(60)
    void leasesThatEndedWhileNotificationsWereDroppedTakeTheirBeansAlong() throws Exception {
        try (LineClient c = d.client()) {
            for (int i = 0; i < 10; i++) {
                assertTrue(c.call("ALLOC svc" + i).ok());
            }
            assertEquals(10, own.queryNames(Names.LEASES, null).size(), "a bean per lease, the listener stuck or not");
            for (int i = 0; i < 10; i++) {
                assertTrue(c.call("RELEASE svc" + i).ok()); // their events are dropped
            }
            await("the releases dropped", () -> dropped(own) >= 15);
        }
        unstick.countDown();
        await("no bean left: the table has no lease", () -> own.queryNames(Names.LEASES, null).isEmpty());
    }

    /** A History listener that does not return until {@code unstick} counts down. */
    private static void listenStuck(MBeanServer own, CountDownLatch unstick) throws Exception {
        own.addNotificationListener(Names.HISTORY, (n, hb) -> {
            try {
                unstick.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, null, null);
    }

    private static long sent(MBeanServer s) {
        return attribute(s, "NotificationsSent");
    }

    private static long dropped(MBeanServer s) {
        return attribute(s, "NotificationsDropped");
    }

    private static long attribute(MBeanServer s, String name) {
        try {
            return (Long) s.getAttribute(Names.HISTORY, name);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
