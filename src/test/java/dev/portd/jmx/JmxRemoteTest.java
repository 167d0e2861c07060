package dev.portd.jmx;

import static dev.portd.jmx.JmxTesting.ADMIN_PASSWORD;
import static dev.portd.jmx.JmxTesting.VIEWER_PASSWORD;
import static dev.portd.jmx.JmxTesting.await;
import static dev.portd.jmx.JmxTesting.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portd.protocol.Values;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real daemon with the loopback connector, looked at the way an operator's JMX client does: over RMI
 * with a password, knowing nothing of portd's classes, and checked against what LIST and STATS say over
 * the Unix socket.
 */
class JmxRemoteTest {
    private Path creds;
    private int port;
    private TestDaemon daemon;
    private JMXConnector connector;
    private MBeanServerConnection mbs;
    private LineClient sock;

    @BeforeEach
    void start() throws Exception {
        creds = TestDaemon.newDir();
        JmxTesting.credentials(creds, "rw-------");
        port = JmxTesting.freeLoopbackPort();
        List<String> args = new ArrayList<>(List.of(JmxTesting.jmxFlags(creds, port)));
        args.addAll(List.of("--probe-interval", "1h", "--range", JmxTesting.RANGE)); // probes only when asked
        daemon = TestDaemon.start(args.toArray(String[]::new));
        connector = JmxTesting.connect(port, "admin", ADMIN_PASSWORD);
        mbs = connector.getMBeanServerConnection();
        sock = daemon.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (sock != null) {
            sock.close();
        }
        if (connector != null) {
            connector.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        TestDaemon.deleteTree(creds);
    }

    @Test
    void everyBeanOfTheContractMatchesListAndStats() throws Exception {
        assertTrue(sock.call("ALLOC web desc=\"Main web UI\"").ok());
        assertTrue(sock.call("ALLOC my.api_v2-x ttl=1h").ok());
        assertTrue(sock.call("ALLOC db pid=" + ProcessHandle.current().pid()).ok());
        assertTrue(sock.call("RESERVE 27350 desc=kept").ok());
        assertEquals("NOTFOUND", sock.call("GET nope").code());
        await("three lease beans", () -> leaseBeans().size() == 3);
        int unmanagedPort;
        try (ServerSocket unmanaged = JmxTesting.listenerInRange()) {
            unmanagedPort = unmanaged.getLocalPort();
            assertTrue(sock.call("PROBE").ok());
        }

        JsonNode list = json(sock, "LIST");
        JsonNode history = json(sock, "HISTORY limit=100");
        JsonNode conflicts = json(sock, "CONFLICTS");
        JsonNode backups = json(sock, "BACKUPS");
        JsonNode version = json(sock, "VERSION");
        JsonNode stats = json(sock, "STATS"); // last: from here on nothing is asked over the socket

        // PortTable
        ObjectName table = Names.PORT_TABLE;
        assertEquals(stats.get("range").asText(), get(table, "RangeLow") + "-" + get(table, "RangeHigh"));
        assertEquals(stats.get("policy").asText(), get(table, "Policy"));
        assertEquals(3, stats.get("leases").asInt());
        assertEquals(stats.get("leases").asInt(), get(table, "LeaseCount"));
        assertEquals(stats.get("free").asInt(), get(table, "FreeCount"));
        assertEquals(1, stats.get("reserved").asInt());
        assertEquals(stats.get("reserved").asInt(), get(table, "ReservedCount"));
        assertEquals(stats.get("conflicts").asInt(), get(table, "ConflictCount"));
        TabularData leases = (TabularData) get(table, "Leases");
        assertEquals(list.get("count").asInt(), leases.size());
        for (JsonNode item : list.get("items")) {
            CompositeData row = leases.get(new Object[] {item.get("service").asText()});
            for (String key : List.of("port", "service", "proto", "state", "uid", "pid", "since", "expires", "desc")) {
                assertEquals(text(item.get(key)), text(row.get(key)), item.get("service") + " " + key);
            }
        }

        // one Lease bean per LIST line
        Set<ObjectName> expected = new HashSet<>();
        for (JsonNode item : list.get("items")) {
            ObjectName name = new ObjectName("dev.portd:type=Lease,service=" + item.get("service").asText());
            expected.add(name);
            assertEquals(item.get("service").asText(), get(name, "Service"));
            assertEquals(item.get("port").asInt(), get(name, "Port"));
            assertEquals(item.get("proto").asText(), get(name, "Proto"));
            assertEquals(item.get("state").asText(), get(name, "State"));
            assertEquals(item.get("uid").asInt(), get(name, "OwnerUid"));
            assertEquals(item.has("pid") ? item.get("pid").asInt() : 0, get(name, "Pid"));
            assertEquals(item.get("since").asText(), get(name, "Since"));
            assertEquals(text(item.get("expires")), get(name, "Expires"));
            assertEquals(text(item.get("desc")), get(name, "Description"));
        }
        assertEquals(expected, leaseBeans());
        assertEquals((int) ProcessHandle.current().pid(), get(new ObjectName("dev.portd:type=Lease,service=db"), "Pid"));
        assertEquals("Main web UI", get(new ObjectName("dev.portd:type=Lease,service=web"), "Description"));

        // History
        assertTrue(history.get("count").asInt() >= 5, "three allocs, the reservation, the conflict");
        assertEquals(history.get("count").asLong(), get(Names.HISTORY, "EventCount"));
        List<CompositeData> events = new ArrayList<>();
        for (Object o : ((TabularData) get(Names.HISTORY, "RecentEvents")).values()) {
            events.add((CompositeData) o);
        }
        events.sort(Comparator.comparing(e -> (Long) e.get("seq")));
        assertEquals(history.get("count").asInt(), events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode item = history.get("items").get(i);
            for (String key : List.of("time", "event", "service", "port", "prev", "uid", "pid", "note")) {
                assertEquals(text(item.get(key)), text(events.get(i).get(key)), "event " + i + " " + key);
            }
        }

        // Prober
        assertEquals(3600L, get(Names.PROBER, "IntervalSeconds"));
        assertEquals(stats.get("last_probe").asText(), get(Names.PROBER, "LastProbeTime"));
        assertEquals(stats.get("last_probe_ms").asLong(), get(Names.PROBER, "LastProbeMillis"));
        assertEquals(stats.get("sockets").asInt(), get(Names.PROBER, "SocketsSeen"));
        TabularData conflictRows = (TabularData) get(Names.PROBER, "Conflicts");
        assertTrue(stats.get("conflicts").asInt() >= 1, "ours, and whatever else listens in the range");
        assertEquals(stats.get("conflicts").asInt(), conflictRows.size());
        assertEquals(conflicts.get("count").asInt(), conflictRows.size());
        for (JsonNode item : conflicts.get("items")) {
            CompositeData row = conflictRows.get(new Object[] {item.get("port").asInt()});
            for (String key : List.of("port", "kind", "service", "pid", "uid", "cmd", "since")) {
                assertEquals(text(item.get(key)), text(row.get(key)), "conflict " + key);
            }
        }
        assertEquals("unmanaged", conflictRows.get(new Object[] {unmanagedPort}).get("kind"));

        // Store
        assertEquals(stats.get("store").asText(), get(Names.STORE, "Path"));
        assertEquals(stats.get("store_bytes").asLong(), get(Names.STORE, "FileBytes"));
        assertEquals(stats.get("commits").asLong(), get(Names.STORE, "Commits"));
        assertEquals(stats.get("last_commit").asText(), get(Names.STORE, "LastCommitTime"));
        assertEquals(stats.get("last_commit").asText(), Values.time((Long) get(Names.STORE, "LastCommitMillis")));
        assertEquals(backups.get("count").asInt() == 0 ? "never" : backups.get("items").get(0).get("time").asText(),
                get(Names.STORE, "LastBackup"));
        assertEquals(stats.get("journal_bytes").asLong(), get(Names.STORE, "JournalBytes"));
        assertTrue((Long) get(Names.STORE, "JournalBytes") > 0);
        // A checkpoint may run between STATS and these reads: then JMX shows a newer one, never an older one.
        long since = (Long) get(Names.STORE, "RecordsSinceCheckpoint");
        assertTrue(since >= 0 && since <= stats.get("records_since_checkpoint").asLong(), "records since " + since);
        String checkpoint = (String) get(Names.STORE, "LastCheckpointTime");
        String before = stats.get("last_checkpoint").asText();
        assertTrue(checkpoint.equals(before) || before.equals("never") || checkpoint.compareTo(before) >= 0,
                checkpoint + " vs " + before);

        // Server
        assertEquals(stats.get("config.socket").asText(), get(Names.SERVER, "SocketPath"));
        assertEquals(1, stats.get("connections").asInt());
        assertEquals(stats.get("connections").asInt(), get(Names.SERVER, "Connections"));
        // Requests are counted as they are answered: STATS counted those before it, JMX also counts the STATS.
        assertEquals(stats.get("requests").asLong() + 1, get(Names.SERVER, "Requests"));
        assertEquals(version.get("version").asText(), get(Names.SERVER, "Version"));
        assertTrue((Long) get(Names.SERVER, "Uptime") >= stats.get("uptime_s").asLong());

        // Dropwizard metrics, the same numbers
        assertEquals(stats.get("requests").asLong() + 1, metric("requests", "meters", "Count"));
        assertEquals(stats.get("connections").asInt(), metric("connections", "gauges", "Value"));
        assertEquals(stats.get("leases").asInt(), metric("leases", "gauges", "Value"));
        assertEquals(stats.get("free").asInt(), metric("free", "gauges", "Value"));
        assertEquals(stats.get("reserved").asInt(), metric("reserved", "gauges", "Value"));
        assertEquals(stats.get("commits").asLong(), metric("store.commit", "timers", "Count"));
        assertEquals(stats.get("commits").asLong(), metric("store.batch", "histograms", "Count"));
        assertEquals(3L, metric("requests.ALLOC", "timers", "Count"));
        assertEquals(1L, metric("errors.NOTFOUND", "meters", "Count"));
        assertTrue(mbs.isRegistered(new ObjectName("dev.portd.metrics:name=probe,type=timers")));

        // names only, never secrets
        String statsText = String.join("\n", sock.call("STATS").data());
        assertTrue(statsText.contains("config.jmx_password_file=" + creds.resolve("jmx.password")), statsText);
        assertFalse(statsText.contains(ADMIN_PASSWORD), statsText);
    }

    @Test
    void operationsGoThroughTheVerbTable() throws Exception {
        int p = (Integer) invoke(Names.PORT_TABLE, "allocate", "from-jmx");
        assertEquals(Integer.toString(p), sock.call("GET from-jmx").value());
        assertEquals(p, invoke(Names.PORT_TABLE, "allocate", "from-jmx")); // already held: the same port
        assertEquals(p, invoke(Names.PORT_TABLE, "lookup", "from-jmx"));
        assertEquals(-1, invoke(Names.PORT_TABLE, "lookup", "nobody-has-this"));
        List<String> hist = sock.call("HISTORY from-jmx").data();
        assertEquals(1, hist.size(), hist.toString());
        assertTrue(hist.get(0).contains("event=alloc") && hist.get(0).contains("note=jmx:admin"), hist.get(0));

        RuntimeMBeanException bad = assertThrows(RuntimeMBeanException.class,
                () -> invoke(Names.PORT_TABLE, "allocate", "bad name!"));
        assertInstanceOf(IllegalArgumentException.class, bad.getTargetException());
        assertTrue(bad.getTargetException().getMessage().startsWith("ERR BADREQ bad service name"),
                bad.getTargetException().getMessage());
        RuntimeMBeanException missing = assertThrows(RuntimeMBeanException.class,
                () -> invoke(Names.PORT_TABLE, "release", "nobody-has-this"));
        assertEquals("ERR NOTFOUND no lease for nobody-has-this", missing.getTargetException().getMessage());
        assertEquals("OK 1", sock.call("LIST").status(), "refused operations changed nothing");

        assertEquals(p, invoke(Names.PORT_TABLE, "release", "from-jmx"));
        assertEquals("NOTFOUND", sock.call("GET from-jmx").code());
        assertEquals(-1, invoke(Names.PORT_TABLE, "lookup", "from-jmx"));

        String probed = (String) invoke(Names.PROBER, "probeNow");
        assertTrue(probed.matches("sockets=\\d+ conflicts=\\d+ millis=\\d+"), probed);
        assertEquals("sockets=" + get(Names.PROBER, "SocketsSeen"), probed.substring(0, probed.indexOf(' ')));
        assertTrue(sock.call("STATS").data().contains("config.probe_interval=1h"), "the configured value");
        mbs.setAttribute(Names.PROBER, new Attribute("IntervalSeconds", 7L));
        assertEquals(7L, get(Names.PROBER, "IntervalSeconds"));
        List<String> stats = sock.call("STATS").data();
        assertTrue(stats.contains("config.probe_interval=7s"), "STATS shows the interval in force: " + stats);
        assertEquals(1, stats.stream().filter(l -> l.startsWith("config.probe_interval=")).count(), stats.toString());
        mbs.setAttribute(Names.PROBER, new Attribute("IntervalSeconds", 3600L));
        assertTrue(sock.call("STATS").data().contains("config.probe_interval=1h"), "back to the configured value, as written");
        RuntimeMBeanException zero = assertThrows(RuntimeMBeanException.class,
                () -> mbs.setAttribute(Names.PROBER, new Attribute("IntervalSeconds", 0L)));
        assertInstanceOf(IllegalArgumentException.class, zero.getTargetException());

        String file = (String) invoke(Names.STORE, "backupNow");
        assertTrue(Files.isRegularFile(Path.of(file)), file);
        JsonNode newest = json(sock, "BACKUPS").get("items").get(0);
        assertEquals(file, newest.get("file").asText());
        assertEquals(newest.get("time").asText(), get(Names.STORE, "LastBackup"));
    }

    @Test
    void operationsAreDescribedByTheVerbTable() throws Exception {
        for (javax.management.MBeanOperationInfo op : mbs.getMBeanInfo(Names.PORT_TABLE).getOperations()) {
            String verb = switch (op.getName()) {
                case "allocate" -> "ALLOC";
                case "release" -> "RELEASE";
                default -> "GET";
            };
            assertTrue(op.getDescription().startsWith(verb + " <service>: "
                    + dev.portd.protocol.Verbs.get(verb).summary() + "; returns "), op.getDescription());
            assertEquals("service", op.getSignature()[0].getName());
        }
        String probe = mbs.getMBeanInfo(Names.PROBER).getOperations()[0].getDescription();
        assertEquals("PROBE: probe port occupancy now; returns what it found", probe);
    }

    @Test
    void notificationsFollowSocketRequests() throws Exception {
        BlockingQueue<Notification> got = new LinkedBlockingQueue<>();
        mbs.addNotificationListener(Names.HISTORY, (n, handback) -> got.add(n), null, null);
        int p = Integer.parseInt(sock.call("ALLOC watched.svc desc=\"seen live\"").value());
        assertTrue(sock.call("RELEASE watched.svc").ok());

        Notification alloc = got.poll(10, TimeUnit.SECONDS);
        Notification release = got.poll(10, TimeUnit.SECONDS);
        assertEquals("portd.alloc", alloc.getType());
        assertEquals("portd.release", release.getType());
        assertEquals(Names.HISTORY, alloc.getSource());
        assertTrue(alloc.getSequenceNumber() < release.getSequenceNumber());
        CompositeData data = (CompositeData) alloc.getUserData();
        assertEquals("watched.svc", data.get("service"));
        assertEquals(p, data.get("port"));
        assertEquals("seen live", data.get("note"));
        assertEquals(0, data.get("uid")); // the socket's peer: this test runs as root
        assertEquals(sock.call("HISTORY watched.svc").data().get(0), alloc.getMessage());
        assertEquals(p, ((CompositeData) release.getUserData()).get("port"));
        assertNull(got.poll(200, TimeUnit.MILLISECONDS), "one notification per event");
        assertEquals(2L, get(Names.HISTORY, "NotificationsSent"));
        assertEquals(0L, get(Names.HISTORY, "NotificationsDropped"));
    }

    @Test
    void wrongOrMissingCredentialsAreRefusedAndViewersOnlyRead() throws Exception {
        assertThrows(SecurityException.class, () -> JmxTesting.connect(port, "admin", "not-the-password"));
        assertThrows(SecurityException.class, () -> JmxTesting.connect(port, "nobody", ADMIN_PASSWORD));
        assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(JmxTesting.url(port)));

        try (JMXConnector viewer = JmxTesting.connect(port, "viewer", VIEWER_PASSWORD)) {
            MBeanServerConnection v = viewer.getMBeanServerConnection();
            assertEquals(0, v.getAttribute(Names.PORT_TABLE, "LeaseCount"));
            assertThrows(SecurityException.class, () -> v.invoke(Names.PORT_TABLE, "allocate",
                    new Object[] {"viewer-svc"}, new String[] {String.class.getName()}));
            assertThrows(SecurityException.class,
                    () -> v.setAttribute(Names.PROBER, new Attribute("IntervalSeconds", 1L)));
        }
        assertEquals("NOTFOUND", sock.call("GET viewer-svc").code());
    }

    @Test
    void theConnectorListensOnLoopbackOnly() throws Exception {
        List<InetAddress> others = new ArrayList<>();
        for (NetworkInterface nif : NetworkInterface.networkInterfaces().toList()) {
            if (nif.isUp() && !nif.isLoopback()) {
                nif.inetAddresses().filter(a -> a instanceof Inet4Address).forEach(others::add);
            }
        }
        Assumptions.assumeFalse(others.isEmpty(), "no non-loopback IPv4 address to try");
        for (InetAddress a : others) {
            try (Socket s = new Socket()) {
                assertThrows(IOException.class, () -> s.connect(new InetSocketAddress(a, port), 2000), a.toString());
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000); // and it does listen there
        }
    }

    private Set<ObjectName> leaseBeans() {
        try {
            return mbs.queryNames(Names.LEASES, null);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Object get(ObjectName name, String attribute) throws Exception {
        return mbs.getAttribute(name, attribute);
    }

    private Object invoke(ObjectName name, String op, String... args) throws Exception {
        String[] sig = new String[args.length];
        java.util.Arrays.fill(sig, String.class.getName());
        return mbs.invoke(name, op, args, sig);
    }

    private Object metric(String name, String type, String attribute) throws Exception {
        return mbs.getAttribute(new ObjectName("dev.portd.metrics:name=" + name + ",type=" + type), attribute);
    }

    /** A JSON value or an open-data item as text, null when absent, so the two compare. */
    private static String text(Object v) {
        if (v == null || v instanceof JsonNode n && n.isNull()) {
            return null;
        }
        return v instanceof JsonNode n ? n.asText() : v.toString();
    }

}
