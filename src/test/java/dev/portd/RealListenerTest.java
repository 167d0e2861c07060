package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sockets bound by someone else on ports of the range, which the table knows nothing about: the
 * allocator must skip them and {@code port=N strict} must refuse them, per protocol.
 */
class RealListenerTest {

    private final List<NetworkChannel> sockets = new ArrayList<>();
    private TestDaemon daemon;
    private LineClient c;
    private int base;

    @BeforeEach
    void start() throws Exception {
        base = Ports.freeRun(10);
        daemon = TestDaemon.start("--range", Ports.range(base, 10));
        c = daemon.client();
    }

    @AfterEach
    void stop() throws Exception {
        for (NetworkChannel s : sockets) {
            s.close();
        }
        c.close();
        daemon.close();
    }

    private NetworkChannel tcp(StandardProtocolFamily family, String address, int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(family);
        sockets.add(ch);
        ch.bind(new InetSocketAddress(address, port));
        return ch;
    }

    private NetworkChannel udp(StandardProtocolFamily family, String address, int port) throws IOException {
        DatagramChannel ch = DatagramChannel.open(family);
        sockets.add(ch);
        ch.bind(new InetSocketAddress(address, port));
        return ch;
    }

    static void assumeIpv6() {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/net/if_inet6")), "IPv6 is off on this host");
    }

    int alloc(String request) throws Exception {
        Reply r = c.call(request);
        return Integer.parseInt(r.value());
    }

    @Test
    void tcpListenersOnIpv4AndIpv6WildcardsAreSkipped() throws Exception {
        assumeIpv6();
        tcp(StandardProtocolFamily.INET, "0.0.0.0", base);
        tcp(StandardProtocolFamily.INET6, "::", base + 1);
        assertEquals(base + 2, alloc("ALLOC tcp-a"));
        assertEquals(base + 3, alloc("ALLOC tcp-b"));
        assertEquals("OK inuse", c.call("CHECK " + base).status().replaceAll(" pid=.*", ""));
        assertEquals("OK inuse", c.call("CHECK " + (base + 1)).status().replaceAll(" pid=.*", ""));
    }

    @Test
    void checkNamesTheHolderOnceProbed() throws Exception {
        tcp(StandardProtocolFamily.INET, "0.0.0.0", base);
        udp(StandardProtocolFamily.INET, "0.0.0.0", base + 1);
        assertTrue(c.call("PROBE").ok());
        long me = ProcessHandle.current().pid();
        assertEquals("OK inuse pid=" + me + " cmd=java", c.call("CHECK " + base).status());
        assertEquals("OK inuse pid=" + me + " cmd=java", c.call("CHECK " + (base + 1) + " proto=udp").status());
        assertEquals("OK free", c.call("CHECK " + (base + 1)).status(), "nothing on TCP there");
        LineClient.Reply free = c.call("FREE range=" + base + "-" + (base + 2));
        assertEquals(List.of((base + 1) + "-" + (base + 2)), free.data(), "FREE leaves out what the probe saw");
        assertEquals("OK 2", free.status());
    }

    @Test
    void aListenerOnLoopbackOnlyIsSkippedToo() throws Exception {
        tcp(StandardProtocolFamily.INET, "127.0.0.1", base);
        assertEquals(base + 1, alloc("ALLOC loop-a"));
    }

    @Test
    void strictRefusesAPortInUseAndWithoutStrictFallsBack() throws Exception {
        tcp(StandardProtocolFamily.INET, "0.0.0.0", base + 4);
        Reply r = c.call("ALLOC strict-a port=" + (base + 4) + " strict");
        assertEquals("TAKEN", r.code());
        assertTrue(r.status().contains("in use"), r.status());
        assertEquals("NOTFOUND", c.call("GET strict-a").code());
        assertEquals(base, alloc("ALLOC strict-a port=" + (base + 4)));
    }

    @Test
    void udpIsCheckedForUdpLeasesOnly() throws Exception {
        assumeIpv6();
        udp(StandardProtocolFamily.INET, "0.0.0.0", base);
        udp(StandardProtocolFamily.INET6, "::", base + 1);
        assertEquals(base + 2, alloc("ALLOC udp-a proto=udp"));
        assertEquals(base + 3, alloc("ALLOC both-a proto=both"));
        assertEquals(base, alloc("ALLOC tcp-a"), "a UDP socket does not stop a TCP lease");
        assertEquals("TAKEN", c.call("ALLOC udp-b port=" + (base + 1) + " proto=udp strict").code());
        assertEquals("TAKEN", c.call("ALLOC udp-b port=" + (base + 1) + " proto=both strict").code());
        assertEquals(base + 1, alloc("ALLOC tcp-b port=" + (base + 1) + " strict"));
        udp(StandardProtocolFamily.INET, "0.0.0.0", base + 5);
        assertEquals("OK inuse", c.call("CHECK " + (base + 5) + " proto=udp").status().replaceAll(" pid=.*", ""));
        assertEquals("OK inuse", c.call("CHECK " + (base + 5) + " proto=both").status().replaceAll(" pid=.*", ""));
        assertEquals("OK free", c.call("CHECK " + (base + 5)).status());
    }

    @Test
    void aPortIsFreeAgainOnceTheListenerCloses() throws Exception {
        NetworkChannel ch = tcp(StandardProtocolFamily.INET, "0.0.0.0", base);
        assertEquals(base + 1, alloc("ALLOC first"));
        ch.close();
        assertEquals("OK free", c.call("CHECK " + base).status());
        assertEquals(base, alloc("ALLOC second"));
    }

    @Test
    void everyPortInUseMeansExhausted() throws Exception {
        for (int p = base; p < base + 10; p++) {
            tcp(StandardProtocolFamily.INET, "0.0.0.0", p);
        }
        assertEquals("EXHAUSTED", c.call("ALLOC none").code());
        assertEquals(base, alloc("ALLOC udp-ok proto=udp"));
    }
}
