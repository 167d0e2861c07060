package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.table.Holder;
import dev.portd.table.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live: real sockets and processes against the real /proc, plus one captured tree. */
class ProberTest {

    static final int SELF = (int) ProcessHandle.current().pid();

    private final Prober prober = new Prober();
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            // Parent first, so a wrapper like runuser does not report its child's SIGKILL; the list
            // is taken before, since orphans are re-parented and no longer show as descendants.
            List<ProcessHandle> descendants = p.descendants().toList();
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }

    static int selfUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** The single holder of {@code port} over {@code proto}; fails if there is not exactly one. */
    static Holder only(Occupancy o, int port, Transport proto) {
        List<Holder> hs = o.holders(port).stream().filter(h -> h.proto() == proto).toList();
        assertEquals(1, hs.size(), () -> "holders of " + proto + " " + port + ": " + o.holders(port));
        return hs.get(0);
    }

    void assertMine(Holder h, Transport proto, boolean ipv6) throws IOException {
        assertEquals(proto, h.proto());
        assertEquals(ipv6, h.ipv6());
        assertEquals(SELF, h.pid(), "pid of this JVM");
        assertEquals(selfUid(), h.uid());
        assertEquals("java", h.cmd());
        assertTrue(h.inode() > 0);
    }

    static void assumeIpv6() {
        assumeTrue(Files.exists(Path.of("/proc/net/tcp6")), "IPv6 is disabled on this host");
    }

    /** A python3 that other users can run too (pyenv shims under /root are not). */
    static String python() {
        for (String p : new String[] {"/usr/bin/python3", "/usr/local/bin/python3"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        assumeTrue(false, "no system python3 for child listeners");
        return null;
    }

    /** Starts a child, registers it for cleanup, and returns its first stdout line split on spaces. */
    String[] startChild(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertNotNull(line, "child printed nothing: " + String.join(" ", command));
        return line.trim().split(" ");
    }

    static final String PY_LISTENER =
            "import os, socket, sys\n"
            + "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
            + "print(os.getpid(), s.getsockname()[1], flush=True)\n"
            + "sys.stdin.read()\n";

    @Test
    void tcpIpv4ListenerOfThisJvm() throws Exception {
        int port;
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            Occupancy o = prober.probe();
            assertTrue(o.occupied(port));
            assertTrue(o.occupied(port, Transport.TCP));
            assertFalse(o.occupied(port, Transport.UDP));
            assertMine(only(o, port, Transport.TCP), Transport.TCP, false);
        }
        assertFalse(prober.probe().occupied(port), "closed listener must disappear");
    }

    @Test
    void tcpIpv6ListenerOfThisJvm() throws Exception {
        assumeIpv6();
        int port;
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            assertMine(only(prober.probe(), port, Transport.TCP), Transport.TCP, true);
        }
        assertFalse(prober.probe().occupied(port, Transport.TCP));
    }

    @Test
    void plainServerSocket() throws Exception {
        // java.net.ServerSocket is dual-stack by default, so it shows up in tcp6 on most hosts.
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
            Holder h = only(prober.probe(), port, Transport.TCP);
            assertEquals(SELF, h.pid());
        }
        assertFalse(prober.probe().occupied(port));
    }

    @Test
    void udpSocketsOfThisJvm() throws Exception {
        int port4;
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port4 = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            Occupancy o = prober.probe();
            assertTrue(o.occupied(port4, Transport.UDP));
            assertFalse(o.occupied(port4, Transport.TCP));
            assertMine(only(o, port4, Transport.UDP), Transport.UDP, false);
        }
        assertFalse(prober.probe().occupied(port4));

        assumeIpv6();
        int port6;
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress(InetAddress.getByName("::"), 0));
            port6 = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            assertMine(only(prober.probe(), port6, Transport.UDP), Transport.UDP, true);
        }
        assertFalse(prober.probe().occupied(port6));
    }

    @Test
    void manyListenersAllFound() throws Exception {
        List<ServerSocketChannel> open = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
                open.add(ch);
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            }
            Occupancy o = prober.probe();
            assertTrue(o.socketCount() >= 300);
            for (ServerSocketChannel ch : open) {
                int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
                assertEquals(SELF, only(o, port, Transport.TCP).pid(), "port " + port);
            }
        } finally {
            for (ServerSocketChannel ch : open) {
                ch.close();
            }
        }
    }

    @Test
    void childProcessListener() throws Exception {
        String[] out = startChild(python(), "-c", PY_LISTENER);
        int pid = Integer.parseInt(out[0]);
        int port = Integer.parseInt(out[1]);
        assertEquals(children.get(0).pid(), pid);

        Holder h = only(prober.probe(), port, Transport.TCP);
        assertEquals(pid, h.pid());
        assertEquals(selfUid(), h.uid());
        assertTrue(h.cmd().startsWith("python"), h.cmd());
        assertTrue(Processes.isSelfOrDescendant(h.pid(), SELF));

        children.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertFalse(prober.probe().occupied(port), "listener of a killed child must disappear");
    }

    @Test
    void sharedListenerIsCreditedToTheLowestPid() throws Exception {
        // The parent binds, then forks: both processes hold the same socket (one inode).
        String script = "import os, socket, sys, time\n"
                + "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
                + "kid = os.fork()\n"
                + "if kid == 0:\n"
                + "    time.sleep(60); os._exit(0)\n"
                + "print(os.getpid(), kid, s.getsockname()[1], flush=True)\n"
                + "sys.stdin.read()\n";
        String[] out = startChild(python(), "-c", script);
        int parent = Integer.parseInt(out[0]);
        int kid = Integer.parseInt(out[1]);
        int port = Integer.parseInt(out[2]);
        Holder h = only(prober.probe(), port, Transport.TCP);
        assertEquals(Math.min(parent, kid), h.pid());
        assertTrue(Processes.isSelfOrDescendant(kid, parent));
    }

    @Test
    void listenerOfAnotherUser() throws Exception {
        assumeTrue(selfUid() == 0, "needs root to start a process as nobody");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")),
                "runuser is not installed");
        String[] out = startChild("runuser", "-u", "nobody", "--", python(), "-c", PY_LISTENER);
        int pid = Integer.parseInt(out[0]);
        int port = Integer.parseInt(out[1]);

        Holder h = only(prober.probe(), port, Transport.TCP);
        assertEquals(65534, h.uid(), "uid from the socket table");
        assertEquals(pid, h.pid(), "root sees other users' fds");
        assertTrue(h.cmd().startsWith("python"), h.cmd());
        assertEquals(65534, Processes.uid(pid));
        assertTrue(Processes.isSelfOrDescendant(pid, SELF), "runuser runs it as our grandchild");
    }

    @Test
    void snapshotTiming() {
        long before = System.currentTimeMillis();
        Occupancy o = prober.probe();
        long after = System.currentTimeMillis();
        assertTrue(o.timeMillis() >= before && o.timeMillis() <= after);
        assertTrue(o.durationMillis() >= 0 && o.durationMillis() <= after - before + 1);
        assertEquals(0, o.malformedLines(), "the real kernel tables parse cleanly");
    }

    @Test
    void capturedTreeWithFakeFds(@TempDir Path proc) throws IOException {
        Path net = Files.createDirectories(proc.resolve("net"));
        Files.writeString(net.resolve("tcp"), ProcNetParserTest.TCP);
        Files.writeString(net.resolve("udp6"), ProcNetParserTest.UDP6 + "garbage\n");
        // no tcp6 and udp: a host with those tables missing still probes

        Path low = Files.createDirectories(proc.resolve("4242/fd"));
        Files.createSymbolicLink(low.resolve("0"), Path.of("anon_inode:[eventfd]"));
        Files.createSymbolicLink(low.resolve("3"), Path.of("socket:[5953]"));
        Files.createSymbolicLink(low.resolve("4"), Path.of("pipe:[5954]"));
        Files.writeString(proc.resolve("4242/comm"), "low\n");
        Path high = Files.createDirectories(proc.resolve("10000/fd"));
        Files.createSymbolicLink(high.resolve("5"), Path.of("socket:[5953]"));
        Files.createSymbolicLink(high.resolve("6"), Path.of("socket:[5960]"));
        Files.writeString(proc.resolve("10000/comm"), "high\n");
        Files.createDirectories(proc.resolve("self")); // non-numeric entries are ignored
        Files.createDirectories(proc.resolve("77")); // no fd dir: skipped quietly

        Occupancy o = new Prober(proc).probe();
        assertEquals(6, o.socketCount(), "4 TCP listeners + 2 UDP6 sockets");
        assertEquals(1, o.malformedLines());

        Holder shared = only(o, 23456, Transport.TCP);
        assertEquals(4242, shared.pid(), "the lower pid wins although 10000 sorts first as text");
        assertEquals("low", shared.cmd());
        Holder udp = only(o, 23459, Transport.UDP);
        assertEquals(10000, udp.pid());
        assertEquals("high", udp.cmd());
        assertTrue(udp.ipv6());
        Holder unowned = only(o, 20001, Transport.TCP);
        assertEquals(-1, unowned.pid());
        assertNull(unowned.cmd());
        assertFalse(unowned.ownerKnown());
        assertEquals(0, unowned.uid());
        assertEquals(5954, unowned.inode(), "the pipe with the same number is not the socket");
    }

    @Test
    void unreadableTableFailsTheProbe(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("net/tcp")); // a directory: exists but cannot be read
        assertThrows(UncheckedIOException.class, () -> new Prober(proc).probe());
    }

    @Test
    void emptyTreeIsAnEmptySnapshot(@TempDir Path proc) {
        Occupancy o = new Prober(proc).probe();
        assertEquals(0, o.socketCount());
        assertEquals(0, o.malformedLines());
    }
}
