package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.Transport;
import io.netty.channel.epoll.Epoll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernel's answer for sockets of every kind this host can hold: one dual-stack bind per protocol must
 * see IPv4-only holders too, on the wildcard and on one address, listening or not, with SO_REUSEADDR or
 * SO_REUSEPORT, and a port in TIME_WAIT. Each case runs with Netty's native socket (what the daemon uses on
 * Linux) and with NIO's (the fallback where the epoll transport does not load).
 */
class BindCheckTest {

    @Test
    void theNativeSocketIsUsedOnLinux() {
        assertTrue(BindCheck.nativeSocket(), () -> "epoll unavailable: " + Epoll.unavailabilityCause());
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void tcpHoldersOfEitherFamilyAreSeen(boolean nativeSocket) throws Exception {
        for (String address : List.of("0.0.0.0", "127.0.0.1", "::")) {
            for (boolean listen : new boolean[] {true, false}) {
                for (boolean reuse : new boolean[] {true, false}) {
                    try (NetworkChannel held = listen ? ServerSocketChannel.open(family(address))
                            : SocketChannel.open(family(address))) {
                        held.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, reuse);
                        int port = bind(held, address); // a ServerSocketChannel listens once bound
                        String what = "TCP " + address + " listen=" + listen + " reuseaddr=" + reuse;
                        assertFalse(BindCheck.canBind(port, Transport.TCP, nativeSocket), what);
                        assertFalse(BindCheck.canBind(port, Transport.BOTH, nativeSocket), what);
                        assertTrue(BindCheck.canBind(port, Transport.UDP, nativeSocket), what + ": nothing on UDP");
                    }
                }
            }
        }
        try (ServerSocketChannel held = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            held.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            int port = bind(held, "127.0.0.1");
            assertFalse(BindCheck.canBind(port, Transport.TCP, nativeSocket), "TCP 127.0.0.1 with SO_REUSEPORT");
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void udpHoldersOfEitherFamilyAreSeen(boolean nativeSocket) throws Exception {
        for (String address : List.of("0.0.0.0", "127.0.0.1", "::")) {
            try (DatagramChannel held = DatagramChannel.open(family(address))) {
                int port = bind(held, address);
                assertFalse(BindCheck.canBind(port, Transport.UDP, nativeSocket), "UDP " + address);
                assertFalse(BindCheck.canBind(port, Transport.BOTH, nativeSocket), "UDP " + address);
                assertTrue(BindCheck.canBind(port, Transport.TCP, nativeSocket), "UDP " + address + ": nothing on TCP");
            }
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void aPortInTimeWaitOnLoopbackIsTaken(boolean nativeSocket) throws Exception {
        int port;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            port = bind(server, "127.0.0.1");
            try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                server.accept().close(); // the side that closes first holds the port in TIME_WAIT
                client.read(java.nio.ByteBuffer.allocate(1));
            }
        }
        assertFalse(BindCheck.canBind(port, Transport.TCP, nativeSocket), "TIME_WAIT on 127.0.0.1:" + port);
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void aFreePortIsFree(boolean nativeSocket) throws Exception {
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            port = bind(probe, "127.0.0.1");
        }
        assertTrue(BindCheck.canBind(port, Transport.BOTH, nativeSocket));
    }

    private static StandardProtocolFamily family(String address) {
        return address.contains(":") ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    private static int bind(NetworkChannel ch, String address) throws Exception {
        ch.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        return ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }
}
