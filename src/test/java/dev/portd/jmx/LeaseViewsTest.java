package dev.portd.jmx;

import static dev.portd.jmx.JmxTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import javax.management.Query;
import javax.management.RuntimeOperationsException;
import javax.management.remote.JMXConnector;
import javax.management.remote.MBeanServerForwarder;
import org.junit.jupiter.api.Test;

/**
 * Lease beans are views of the table that the server answers for ({@link LeaseServer}), not registrations:
 * a client sees them exactly as registered beans (names, queries, attributes, refusals, JConsole's
 * registration notices), while the JDK's server underneath holds nothing per lease.
 */
class LeaseViewsTest {
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();

    @Test
    void aThousandLeasesAreAThousandBeansAndNoRegistration() throws Exception {
        MBeanServer jdk = ((MBeanServerForwarder) PLATFORM).getMBeanServer();
        try (TestDaemon d = TestDaemon.start(); LineClient c = d.client()) {
            int registered = jdk.getMBeanCount();
            List<String> allocs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                allocs.add("ALLOC svc" + i);
            }
            c.pipeline(allocs).forEach(r -> assertTrue(r.ok(), r.status()));

            assertEquals(1000, PLATFORM.queryNames(Names.LEASES, null).size());
            assertEquals(registered + 1000, PLATFORM.getMBeanCount());
            assertEquals(registered, jdk.getMBeanCount(), "nothing registered per lease");
            assertEquals(Set.of(), jdk.queryNames(Names.LEASES, null));

            // The patterns and queries a client writes select lease beans as they would registered ones.
            Set<ObjectName> svc12x = Set.of(Names.lease("svc12"), Names.lease("svc120"), Names.lease("svc121"),
                    Names.lease("svc122"), Names.lease("svc123"), Names.lease("svc124"), Names.lease("svc125"),
                    Names.lease("svc126"), Names.lease("svc127"), Names.lease("svc128"), Names.lease("svc129"));
            assertEquals(svc12x, PLATFORM.queryNames(new ObjectName("dev.portd:type=Lease,service=svc12*"), null));
            assertEquals(1000, PLATFORM.queryNames(new ObjectName("*:type=Lease,*"), null).size());
            assertTrue(PLATFORM.queryNames(null, null).containsAll(svc12x));
            assertTrue(PLATFORM.queryNames(new ObjectName("dev.portd:*"), null).contains(Names.PORT_TABLE));
            assertEquals(Set.of(), PLATFORM.queryNames(new ObjectName("java.lang:type=Lease,*"), null));
            int port = Integer.parseInt(c.call("GET svc7").value());
            assertEquals(Set.of(Names.lease("svc7")), PLATFORM.queryNames(Names.LEASES,
                    Query.eq(Query.attr("Port"), Query.value(port))));
            assertEquals(Set.of(Names.lease("svc7")), PLATFORM.queryNames(Names.lease("svc7"), null));
            Set<ObjectInstance> one = PLATFORM.queryMBeans(Names.lease("svc7"), null);
            assertEquals(Set.of(new ObjectInstance(Names.lease("svc7"), LeaseBean.class.getName())), one);

            ObjectName svc7 = Names.lease("svc7");
            assertEquals(port, PLATFORM.getAttribute(svc7, "Port"));
            assertEquals(LeaseBean.class.getName(), PLATFORM.getObjectInstance(svc7).getClassName());
            assertTrue(PLATFORM.isInstanceOf(svc7, LeaseMBean.class.getName()));
            assertFalse(PLATFORM.isInstanceOf(svc7, "javax.management.NotificationBroadcaster"));
            Set<String> attributes = new HashSet<>();
            for (var a : PLATFORM.getMBeanInfo(svc7).getAttributes()) {
                attributes.add(a.getName());
            }
            assertTrue(attributes.containsAll(Set.of("Service", "Port", "Proto", "State", "OwnerUid", "Pid", "Since",
                    "Expires", "Description")), attributes.toString());

            RuntimeOperationsException unregister = assertThrows(RuntimeOperationsException.class,
                    () -> PLATFORM.unregisterMBean(svc7));
            assertTrue(unregister.getMessage().contains("RELEASE svc7"), unregister.getMessage());
            assertThrows(InstanceAlreadyExistsException.class,
                    () -> PLATFORM.registerMBean(new Object() {}, svc7));
            assertThrows(InstanceAlreadyExistsException.class,
                    () -> PLATFORM.createMBean("javax.management.timer.Timer", svc7));
            assertEquals(registered, jdk.getMBeanCount(), "nothing registered under a lease's name");
            assertTrue(PLATFORM.isRegistered(svc7), "refusals changed nothing");

            assertTrue(c.call("RELEASE svc7").ok());
            assertFalse(PLATFORM.isRegistered(svc7), "gone with the lease, at once");
            assertThrows(InstanceNotFoundException.class, () -> PLATFORM.getAttribute(svc7, "Port"));
            assertFalse(PLATFORM.isRegistered(new ObjectName("dev.portd:type=Lease,service=\"svc8\"")),
                    "only the name the contract gives");
        }
        assertEquals(Set.of(), PLATFORM.queryNames(new ObjectName("dev.portd:*"), null), "a stopped daemon shows none");
    }

    @Test
    void jconsolesTreeHearsOfLeasesThatBeginAndEnd() throws Exception {
        BlockingQueue<MBeanServerNotification> heard = new LinkedBlockingQueue<>();
        NotificationListener listener = (n, hb) -> heard.add((MBeanServerNotification) n);
        try (TestDaemon d = TestDaemon.start(); LineClient c = d.client()) {
            PLATFORM.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener,
                    n -> n instanceof MBeanServerNotification m && Names.DOMAIN.equals(m.getMBeanName().getDomain()), null);
            try {
                assertTrue(c.call("ALLOC shown").ok());
                assertTrue(c.call("ALLOC twice").ok());
                assertTrue(c.call("ALLOC twice").ok()); // already held: no second notice
                assertTrue(c.call("RELEASE shown").ok());
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    MBeanServerNotification n = heard.poll(10, TimeUnit.SECONDS);
                    assertTrue(n != null, "notices so far: " + got);
                    got.add(n.getType() + " " + n.getMBeanName());
                }
                assertEquals(List.of(
                        MBeanServerNotification.REGISTRATION_NOTIFICATION + " " + Names.lease("shown"),
                        MBeanServerNotification.REGISTRATION_NOTIFICATION + " " + Names.lease("twice"),
                        MBeanServerNotification.UNREGISTRATION_NOTIFICATION + " " + Names.lease("shown")), got);
                d.stop();
                List<String> atStop = new ArrayList<>();
                for (MBeanServerNotification n; (n = heard.poll(10, TimeUnit.SECONDS)) != null
                        && atStop.size() < 10; ) {
                    atStop.add(n.getType() + " " + n.getMBeanName());
                    if (n.getMBeanName().equals(Names.lease("twice"))) {
                        break;
                    }
                }
                assertTrue(atStop.contains(MBeanServerNotification.UNREGISTRATION_NOTIFICATION + " "
                        + Names.lease("twice")), atStop.toString());
            } finally {
                PLATFORM.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
            }
        }
    }

    @Test
    void aDaemonInItsOwnJvmMakesItsOwnServerWithTheViews() throws Exception {
        // No javax.management.builder.initial on its command line: portd sets it before it asks for the server.
        String output = remoteLeaseBean(Map.of());
        assertFalse(output.contains("no lease beans"), output);
    }

    @Test
    void aJvmWhoseServerWasMadeFirstSaysSoAndTheOptionItNamesMendsIt() throws Exception {
        // The JVM's own agent makes the platform server as the JVM starts, before any of portd's code runs.
        Path dir = TestDaemon.newDir();
        Path socket = dir.resolve("portd.sock");
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Dcom.sun.management.jmxremote"), "--socket", socket.toString(),
                "--data", dir.resolve("data").toString(), "--range", JmxTesting.RANGE);
             LineClient c = new LineClient(socket)) {
            assertTrue(c.call("ALLOC still-served").ok());
            String output = d.output();
            assertTrue(output.contains("WARN  Jmx: no lease beans: this JVM's MBean server was made before portd"),
                    output);
            assertTrue(output.contains("add -Djavax.management.builder.initial=dev.portd.jmx.LeaseServerBuilder"
                    + " to the JVM options"), output);
        } finally {
            TestDaemon.deleteTree(dir);
        }
        String mended = remoteLeaseBean(Map.of("JAVA_TOOL_OPTIONS", "-Dcom.sun.management.jmxremote"
                + " -Djavax.management.builder.initial=dev.portd.jmx.LeaseServerBuilder"));
        assertFalse(mended.contains("no lease beans"), mended);
    }

    /**
     * Starts a daemon as a child JVM with {@code env} and the loopback connector, leases a port, checks its
     * bean and registration notice over JMX as a remote viewer, and returns the daemon's output.
     */
    private static String remoteLeaseBean(Map<String, String> env) throws Exception {
        Path dir = TestDaemon.newDir();
        Path socket = dir.resolve("portd.sock");
        int port = JmxTesting.freeLoopbackPort();
        JmxTesting.credentials(dir, "rw-------");
        List<String> args = new ArrayList<>(List.of("--socket", socket.toString(), "--data", dir.resolve("data").toString(),
                "--range", JmxTesting.RANGE, "--probe-interval", "1h"));
        args.addAll(List.of(JmxTesting.jmxFlags(dir, port)));
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log"), env, args.toArray(String[]::new));
             LineClient c = new LineClient(socket);
             JMXConnector jmx = connectWhenOpen(port)) {
            MBeanServerConnection mbs = jmx.getMBeanServerConnection();
            BlockingQueue<Notification> heard = new LinkedBlockingQueue<>();
            mbs.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, (n, hb) -> heard.add(n), null, null);
            int p = Integer.parseInt(c.call("ALLOC remote-one").value());
            assertEquals(Set.of(Names.lease("remote-one")), mbs.queryNames(Names.LEASES, null));
            assertEquals(p, mbs.getAttribute(Names.lease("remote-one"), "Port"));
            await("the registration notice", () -> heard.stream().anyMatch(n -> n instanceof MBeanServerNotification m
                    && m.getType().equals(MBeanServerNotification.REGISTRATION_NOTIFICATION)
                    && m.getMBeanName().equals(Names.lease("remote-one"))));
            return d.output();
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    /** The socket answers before JMX starts: the connector opens moments after the daemon is ready. */
    private static JMXConnector connectWhenOpen(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return JmxTesting.connect(port, "viewer", JmxTesting.VIEWER_PASSWORD);
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void aServerPortdDidNotMakeGetsEveryBeanButTheLeases() throws Exception {
        MBeanServerBuilder jdk = new MBeanServerBuilder();
        MBeanServer plain = jdk.newMBeanServer("plain", null, jdk.newMBeanServerDelegate());
        try (TestDaemon d = TestDaemon.start()) {
            Jmx jmx = Jmx.start(d.portd().jmxView(), plain, Jmx.QUEUE);
            try {
                assertTrue(d.call("ALLOC unseen").ok());
                assertTrue(plain.isRegistered(Names.PORT_TABLE));
                assertEquals(1, plain.getAttribute(Names.PORT_TABLE, "LeaseCount"));
                assertEquals(Set.of(), plain.queryNames(Names.LEASES, null));
                assertInstanceOf(LeaseServer.class, PLATFORM, "the daemon's own server still shows them");
                assertEquals(Set.of(Names.lease("unseen")), PLATFORM.queryNames(Names.LEASES, null));
            } finally {
                jmx.close();
            }
            assertEquals(Set.of(), plain.queryNames(new ObjectName("dev.portd:*"), null).stream()
                    .filter(n -> !n.getDomain().equals("JMImplementation")).collect(Collectors.toSet()));
        }
    }
}
