package dev.portd.jmx;

import static dev.portd.jmx.JmxTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * History notifications are built only while someone listens: on a server of the test's own, every way of
 * adding and removing a listener (directly, several times, through a JMX connector) is followed, and what a
 * listener receives still matches the HISTORY line.
 */
class HistoryListenersTest {
    private TestDaemon daemon;
    private MBeanServer own;
    private Jmx jmx;
    private LineClient sock;
    private int allocs;

    @BeforeEach
    void start() throws Exception {
        daemon = TestDaemon.start("--probe-interval", "1h", "--range", JmxTesting.RANGE);
        own = MBeanServerFactory.newMBeanServer();
        jmx = Jmx.start(daemon.portd().jmxView(), own, Jmx.QUEUE);
        sock = daemon.client();
    }

    @AfterEach
    void stop() throws Exception {
        sock.close();
        jmx.close();
        daemon.close();
    }

    /** One ALLOC, waited for until the JMX thread has published its event; returns the service. */
    private String alloc() throws Exception {
        String service = "svc" + ++allocs;
        long sent = jmx.history().getNotificationsSent();
        assertTrue(sock.call("ALLOC " + service).ok());
        await("the alloc of " + service + " published", () -> jmx.history().getNotificationsSent() > sent);
        return service;
    }

    @Test
    void withoutListenersNoneIsBuiltButEveryEventCounts() throws Exception {
        alloc();
        alloc();
        alloc();
        assertEquals(0, jmx.history().built());
        assertEquals(3, jmx.history().getNotificationsSent());
    }

    @Test
    void eachWayToAddAndRemoveAListenerIsFollowed() throws Exception {
        BlockingQueue<Object> twice = new LinkedBlockingQueue<>();
        NotificationListener registeredTwice = (n, handback) -> twice.add(handback);
        BlockingQueue<Notification> got = new LinkedBlockingQueue<>();
        NotificationListener filtered = (n, handback) -> got.add(n);
        NotificationFilter allocsOnly = n -> n.getType().equals("portd.alloc");
        own.addNotificationListener(Names.HISTORY, registeredTwice, null, "a");
        own.addNotificationListener(Names.HISTORY, registeredTwice, null, "b");
        own.addNotificationListener(Names.HISTORY, filtered, allocsOnly, null);

        String service = alloc();
        assertSameAsHistory(service, got.poll(10, TimeUnit.SECONDS));
        assertEquals(List.of("a", "b"), List.of(twice.take(), twice.take()));
        assertEquals(1, jmx.history().built());

        own.removeNotificationListener(Names.HISTORY, registeredTwice, null, "a"); // one of its two
        alloc();
        assertEquals("b", twice.poll(10, TimeUnit.SECONDS));
        own.removeNotificationListener(Names.HISTORY, registeredTwice); // every registration left
        alloc();
        assertEquals(2, got.size(), "the filtered listener heard every alloc");
        assertNull(twice.poll(100, TimeUnit.MILLISECONDS), "the listener registered twice is gone");
        assertThrows(ListenerNotFoundException.class, () -> own.removeNotificationListener(Names.HISTORY, registeredTwice));

        own.removeNotificationListener(Names.HISTORY, filtered, allocsOnly, null);
        long built = jmx.history().built();
        assertEquals(3, built);
        alloc();
        assertEquals(built, jmx.history().built(), "nobody listens: nothing built");

        own.addNotificationListener(Names.HISTORY, filtered, null, null); // the count never went below zero
        String again = alloc();
        assertEquals(built + 1, jmx.history().built());
        got.clear();
        assertTrue(sock.call("RELEASE " + again).ok());
        Notification release = got.poll(10, TimeUnit.SECONDS);
        assertEquals("portd.release", release.getType());
        assertEquals(sock.call("HISTORY " + again).data().get(1), release.getMessage());
    }

    @Test
    void aConnectorListensForItsClientsUntilItCloses() throws Exception {
        JMXConnectorServer server = JMXConnectorServerFactory.newJMXConnectorServer(
                new JMXServiceURL("service:jmx:rmi://127.0.0.1"), null, own);
        server.start();
        try {
            alloc();
            assertEquals(0, jmx.history().built(), "a connector without clients does not listen");
            BlockingQueue<Notification> got = new LinkedBlockingQueue<>();
            try (JMXConnector client = JMXConnectorFactory.connect(server.getAddress())) {
                MBeanServerConnection mbs = client.getMBeanServerConnection();
                mbs.addNotificationListener(Names.HISTORY, (n, handback) -> got.add(n), null, null);
                String service = alloc();
                assertSameAsHistory(service, got.poll(10, TimeUnit.SECONDS));
            }
        } finally {
            server.stop(); // removes what it listened with
        }
        long built = jmx.history().built();
        alloc();
        assertEquals(built, jmx.history().built(), "the closed connector no longer listens");
    }

    /** What a listener receives for an alloc: the HISTORY line as message, its keys as user data. */
    private void assertSameAsHistory(String service, Notification n) throws Exception {
        String line = sock.call("HISTORY " + service).data().get(0);
        assertEquals("portd.alloc", n.getType());
        assertEquals(Names.HISTORY, n.getSource());
        assertEquals(line, n.getMessage());
        CompositeData data = (CompositeData) n.getUserData();
        assertEquals(service, data.get("service"));
        assertEquals(n.getSequenceNumber(), data.get("seq"));
        assertEquals(Integer.parseInt(sock.call("GET " + service).value()), data.get("port"));
        for (String key : List.of("time", "event", "uid")) {
            String item = key + "=" + data.get(key);
            assertTrue(line.startsWith(item + " ") || line.contains(" " + item + " "), item + " in " + line);
        }
    }
}
