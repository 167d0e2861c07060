package dev.portd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The portserver endpoint against Debian's portpicker (python3-portpicker under /usr/bin/python3): the
 * client as every test suite runs it, through PORTSERVER_ADDRESS, on an abstract and a path address.
 * portpicker falls back to picking a port by itself when the portserver gives none, so every port is
 * checked against portd's own HISTORY, and every refusal against STATS.
 */
@Timeout(180)
class PortserverTest {
    static final String PYTHON = "/usr/bin/python3";
    /** Asks the portserver at argv[1] for argv[3] ports for pid argv[2]; prints each port, or None. */
    static final String ASK = String.join("\n",
            "import portpicker,sys",
            "for _ in range(int(sys.argv[3])):",
            "    print(portpicker.get_port_from_port_server(sys.argv[1], pid=int(sys.argv[2])), flush=True)");

    final List<Process> children = new ArrayList<>();
    TestDaemon d;
    int lo;

    @BeforeEach
    void portpickerIsThere() throws Exception {
        Process p = new ProcessBuilder(PYTHON, "-c", "import portpicker").redirectErrorStream(true).start();
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
                "Debian's python3-portpicker is not installed: " + new String(p.getInputStream().readAllBytes()));
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : children) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (d != null) {
            d.close();
        }
    }

    static String abstractAddress() {
        return "@portd-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    TestDaemon daemon(int ports, String address, String... more) throws Exception {
        lo = Ports.freeRunInDefaultRange(ports);
        List<String> args = new ArrayList<>(List.of("--range", Ports.range(lo, ports), "--probe-interval", "200ms",
                "--portserver-socket", address));
        args.addAll(List.of(more));
        d = TestDaemon.start(args.toArray(String[]::new));
        return d;
    }

    Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "600").start();
        children.add(p);
        return p;
    }

    /** Runs python with PORTSERVER_ADDRESS set, optionally as another user; returns its stdout lines. */
    static List<String> python(String address, String user, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (user != null) {
            cmd.addAll(List.of("runuser", "-u", user, "--"));
        }
        cmd.addAll(List.of(PYTHON, "-c", script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PORTSERVER_ADDRESS", address);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python finished");
        assertEquals(0, p.exitValue(), out);
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    long stat(String key) throws IOException {
        for (String line : d.call("STATS").data()) {
            if (line.startsWith(key + "=")) {
                return Long.parseLong(line.substring(key.length() + 1));
            }
        }
        throw new AssertionError("STATS has no " + key);
    }

    /** The HISTORY alloc event of the portserver lease on this port. */
    Map<String, String> allocOn(int port) throws IOException {
        for (Map<String, String> e : d.rows("HISTORY port=" + port + " limit=1000")) {
            if ("alloc".equals(e.get("event")) && "portserver".equals(e.get("note"))) {
                return e;
            }
        }
        return null;
    }

    void pickUnusedPort(String address) throws Exception {
        int port = Integer.parseInt(python(address, null, "import portpicker; print(portpicker.pick_unused_port())").get(0));
        assertTrue(port >= lo && port < lo + 8, port + " is in the managed range " + Ports.range(lo, 8));
        Map<String, String> alloc = allocOn(port);
        assertNotNull(alloc, "portd leased " + port + ", not portpicker's fallback");
        assertTrue(alloc.get("service").matches("portpicker\\.[0-9]+\\.[0-9]+"), alloc.toString());
        assertEquals("0", alloc.get("uid"));
        assertEquals(1, stat("portserver_served"));
        // The python process has exited: the prober ends its lease.
        Poll.until("the lease of the exited client ends", () -> d.lease(alloc.get("service")) == null);
        assertTrue(d.events(alloc.get("service")).contains("exit"), d.events(alloc.get("service")).toString());
        assertBindable(port);
    }

    static void assertBindable(int port) throws IOException {
        for (InetAddress any : List.of(InetAddress.getByName("0.0.0.0"), InetAddress.getByName("::"))) {
            try (ServerSocketChannel tcp = ServerSocketChannel.open(); DatagramChannel udp = DatagramChannel.open()) {
                tcp.bind(new InetSocketAddress(any, port));
                udp.bind(new InetSocketAddress(any, port));
            }
        }
    }

    @Test
    void pickUnusedPortThroughAnAbstractAddress() throws Exception {
        pickUnusedPort(daemon(8, abstractAddress()).portd().portserverAddress());
    }

    @Test
    void pickUnusedPortThroughAPath() throws Exception {
        Path dir = TestDaemon.newDir();
        try {
            String address = dir.resolve("portserver.sock").toString();
            daemon(8, address);
            assertEquals("rw-rw-rw-", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(Path.of(address))), "socket_mode applies");
            pickUnusedPort(address);
            d.stop();
            assertFalse(Files.exists(Path.of(address)), "the daemon removes the socket file it made");
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    @Test
    void concurrentClientsOfOneProcessGetDistinctDurablePorts() throws Exception {
        String address = abstractAddress();
        daemon(400, address);
        Process owner = sleeper();
        List<Process> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ProcessBuilder pb = new ProcessBuilder(PYTHON, "-c", ASK, address, Long.toString(owner.pid()), "40");
            clients.add(pb.redirectError(ProcessBuilder.Redirect.DISCARD).start());
        }
        Set<Integer> ports = new HashSet<>();
        for (Process c : clients) {
            for (String line : new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int port = Integer.parseInt(line);
                assertTrue(port >= lo && port < lo + 400, line);
                ports.add(port);
            }
            assertTrue(c.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(320, ports.size(), "320 requests, 320 distinct ports");
        List<Map<String, String>> leases = d.rows("LIST portpicker." + owner.pid() + ".*");
        assertEquals(320, leases.size());
        for (Map<String, String> l : leases) {
            assertEquals("both", l.get("proto"));
            assertEquals(Long.toString(owner.pid()), l.get("pid"));
            assertTrue(ports.contains(Integer.parseInt(l.get("port"))), l.toString());
        }
        assertEquals(320, stat("portserver_served"));
        // JMX: the Server bean counts them, and each lease has its bean like any other.
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        assertEquals(320L, jmx.getAttribute(new javax.management.ObjectName("dev.portd:type=Server"), "PortserverServed"));
        assertEquals(address, jmx.getAttribute(new javax.management.ObjectName("dev.portd:type=Server"), "PortserverAddress"));
        javax.management.ObjectName bean = dev.portd.jmx.Names.lease(leases.get(0).get("service"));
        Poll.until("the lease's bean is registered", () -> jmx.isRegistered(bean));

        owner.destroy();
        owner.waitFor(10, TimeUnit.SECONDS);
        Poll.until("every lease of the exited process ends", () -> d.rows("LIST portpicker.*").isEmpty());
    }

    @Test
    void badRequestsGetNothingAndTheDaemonServesOn() throws Exception {
        Path dir = TestDaemon.newDir();
        try {
            Path address = dir.resolve("ps.sock");
            daemon(8, address.toString(), "--idle-timeout", "1s");
            Process dead = new ProcessBuilder("true").start();
            dead.waitFor();
            Map<String, String> cases = Map.of(
                    "abc\n", "portserver_not_a_number",
                    "-5\n", "portserver_not_a_number",
                    "12 34\n", "portserver_not_a_number",
                    "123456789012345678901\n", "portserver_too_long",
                    "1\n", "portserver_bad_pid",
                    "0", "portserver_bad_pid",
                    dead.pid() + "\n", "portserver_no_process",
                    "99999999999999999999", "portserver_no_process");
            for (Map.Entry<String, String> c : cases.entrySet()) {
                assertEquals("", raw(address, c.getKey(), true), "no answer to " + c.getKey().strip());
            }
            assertEquals("", raw(address, "", true), "an empty request");
            assertEquals(4, stat("portserver_not_a_number"));
            assertEquals(1, stat("portserver_too_long"));
            assertEquals(2, stat("portserver_bad_pid"));
            assertEquals(2, stat("portserver_no_process"));
            assertEquals(0, stat("portserver_served"));
            assertTrue(d.rows("LIST").isEmpty(), "a refusal changes nothing");

            // Nothing sent: closed after idle_timeout, counted.
            try (SocketChannel idle = SocketChannel.open(UnixDomainSocketAddress.of(address))) {
                assertEquals(-1, idle.read(ByteBuffer.allocate(16)), "closed by the daemon");
            }
            Poll.until("the idle client is counted", () -> stat("portserver_idle") == 1);

            // The daemon serves on, to a client that sends no newline and keeps its side open.
            String port = raw(address, Long.toString(ProcessHandle.current().pid()), false);
            assertTrue(port.matches("[0-9]+\n"), port);
            assertEquals(1, stat("portserver_served"));
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    @Test
    void aFullRangeAndAQuotaGetNothing() throws Exception {
        Users.assumeCanSwitchToNobody();
        String address = abstractAddress();
        daemon(2, address, "--max-leases-per-uid", "1");
        Process owner = sleeper();
        // Root (not counted against the quota) fills the two-port range; the third request finds nothing free.
        List<String> root = python(address, null, ASK, address, Long.toString(owner.pid()), "3");
        assertTrue(root.get(0).matches("[0-9]+") && root.get(1).matches("[0-9]+"), root.toString());
        assertEquals("None", root.get(2));
        assertEquals(1, stat("portserver_exhausted"));
        // One lease freed; nobody may hold one lease: its first request gets it, its second is refused (QUOTA).
        d.call("RELEASE " + d.rows("LIST portpicker.*").get(0).get("service"));
        List<String> nobody = python(address, "nobody", "import os\n" + ASK.replace("int(sys.argv[2])", "os.getpid()"),
                address, "0", "2");
        assertTrue(nobody.get(0).matches("[0-9]+"), nobody.toString());
        assertEquals("None", nobody.get(1));
        assertEquals(1, stat("portserver_quota"));
        assertEquals(3, stat("portserver_served"));
    }

    @Test
    void overTheConnectionLimitAClientGetsNothing() throws Exception {
        String address = abstractAddress();
        daemon(2, address, "--max-connections", "1");
        try (LineClient held = d.client()) {
            assertTrue(held.call("PING").ok()); // the one connection allowed, held open
            assertEquals(List.of("None"), python(address, null, ASK, address, Long.toString(ProcessHandle.current().pid()), "1"));
            List<String> stats = held.call("STATS").data();
            assertTrue(stats.contains("portserver_busy=1") && stats.contains("portserver_served=0"), stats.toString());
        }
    }

    /** Sends {@code request} (then shuts down its side when {@code eof}) and reads until the daemon closes. */
    static String raw(Path address, String request, boolean eof) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(address));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            if (eof) {
                ch.shutdownOutput();
            }
            ByteBuffer in = ByteBuffer.allocate(1024);
            while (ch.read(in) >= 0) {
                assertTrue(in.hasRemaining(), "at most one short line");
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void anotherUsersProcessIsRefusedAndAudited() throws Exception {
        Users.assumeCanSwitchToNobody();
        Path dir = TestDaemon.newDir();
        String address = abstractAddress();
        lo = Ports.freeRunInDefaultRange(8);
        Process rootOwned = sleeper();
        try (ChildDaemon child = ChildDaemon.start(dir.resolve("portd.sock"), dir.resolve("log"), Map.of(),
                "--socket", dir.resolve("portd.sock").toString(), "--data", dir.resolve("data").toString(),
                "--range", Ports.range(lo, 8), "--portserver-socket", address)) {
            assertEquals(List.of("None"), python(address, "nobody", ASK, address, Long.toString(rootOwned.pid()), "1"),
                    "nobody may not tie a lease to root's process");
            Process dead = new ProcessBuilder("true").start();
            dead.waitFor();
            assertEquals(List.of("None"), python(address, "nobody", ASK, address, Long.toString(dead.pid()), "1"),
                    "nor to a process that is gone");
            // Its own process is fine: the lease is nobody's.
            int port = Integer.parseInt(python(address, "nobody", "import portpicker; print(portpicker.pick_unused_port())").get(0));
            try (LineClient c = new LineClient(dir.resolve("portd.sock"))) {
                List<String> stats = c.call("STATS").data();
                assertTrue(stats.contains("portserver_other_user=1"), stats.toString());
                assertTrue(stats.contains("portserver_no_process=1"), stats.toString());
                assertTrue(stats.contains("portserver_served=1"), stats.toString());
                Map<String, String> alloc = null;
                for (Map<String, String> e : c.call("HISTORY port=" + port).rows()) {
                    alloc = "alloc".equals(e.get("event")) ? e : alloc;
                }
                assertNotNull(alloc, "portd leased " + port);
                assertEquals(Integer.toString(Users.NOBODY_UID), alloc.get("uid"));
            }
            assertEquals(0, child.terminate());
            String audit = child.output().lines().filter(l -> l.contains("refused ALLOC portpicker." + rootOwned.pid()))
                    .findFirst().orElse(null);
            assertNotNull(audit, child.output());
            assertTrue(audit.contains("WARN") && audit.contains("error=DENIED") && audit.contains("uid=" + Users.NOBODY_UID)
                    && audit.contains("via=portserver"), audit);
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    /** An address another portserver holds stops the start with one clear line, and leaves no socket file behind. */
    @Test
    void aTakenAddressStopsTheStart() throws Exception {
        String address = abstractAddress();
        Path dir = TestDaemon.newDir();
        Process debian = new ProcessBuilder("portserver", "--portserver_address=" + address)
                .redirectErrorStream(true).redirectOutput(dir.resolve("portserver.log").toFile()).start();
        children.add(debian);
        try {
            Poll.until("Debian's portserver answers", () -> python(address, null, ASK, address,
                    Long.toString(ProcessHandle.current().pid()), "1").get(0).matches("[0-9]+"));
            Path socket = dir.resolve("portd.sock");
            try (ChildDaemon child = ChildDaemon.launch(socket, dir.resolve("log"), Map.of(), "--socket", socket.toString(),
                    "--data", dir.resolve("data").toString(), "--portserver-socket", address)) {
                assertTrue(child.waitFor(30) != 0, "the start fails");
                assertTrue(child.output().contains("cannot listen on " + address + ": "), child.output());
                assertFalse(Files.exists(socket), "the main socket, bound first, is removed again");
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    @Test
    void leasesSurviveKill9() throws Exception {
        Path dir = TestDaemon.newDir();
        String address = abstractAddress();
        lo = Ports.freeRunInDefaultRange(8);
        Process owner = sleeper();
        String[] args = {"--socket", dir.resolve("portd.sock").toString(), "--data", dir.resolve("data").toString(),
            "--range", Ports.range(lo, 8), "--portserver-socket", address, "--probe-interval", "200ms"};
        try {
            int port;
            try (ChildDaemon child = ChildDaemon.start(dir.resolve("portd.sock"), dir.resolve("log"), Map.of(), args)) {
                port = Integer.parseInt(python(address, null, ASK, address, Long.toString(owner.pid()), "1").get(0));
                child.kill9();
            }
            try (ChildDaemon again = ChildDaemon.start(dir.resolve("portd.sock"), dir.resolve("log2"), Map.of(), args);
                 LineClient c = new LineClient(dir.resolve("portd.sock"))) {
                List<Map<String, String>> leases = c.call("LIST portpicker.*").rows();
                assertEquals(1, leases.size(), leases.toString());
                assertEquals(Integer.toString(port), leases.get(0).get("port"));
                assertEquals(Long.toString(owner.pid()), leases.get(0).get("pid"));
                // The restarted daemon answers portpicker again, with another port and a name not taken.
                int next = Integer.parseInt(python(address, null, ASK, address, Long.toString(owner.pid()), "1").get(0));
                assertTrue(next != port && next >= lo && next < lo + 8, next + " vs " + port);
                owner.destroy();
                owner.waitFor(10, TimeUnit.SECONDS);
                Poll.until("the leases end with their process", () -> c.call("LIST portpicker.*").rows().isEmpty());
                assertTrue(again.process().isAlive());
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }
}
