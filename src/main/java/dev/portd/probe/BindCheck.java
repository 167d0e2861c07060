package dev.portd.probe;

import dev.portd.table.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Whether a port can really be bound right now, on the IPv4 and the IPv6 wildcard address. The
 * table and the prober can both be out of date (a process binds between probes); the kernel is not.
 */
public final class BindCheck {
    private BindCheck() {}

    private static final boolean IPV6 = ipv6Available();

    public static boolean canBind(int port, Transport proto) {
        return (!proto.tcp() || tcp(port)) && (!proto.udp() || udp(port));
    }

    /*
     * Java opens IPv6 sockets dual-stack (IPV6_V6ONLY off), and Linux refuses a dual-stack bind of [::]:port
     * whenever a bind of 0.0.0.0:port would be refused: any IPv4 socket on the port (wildcard or one address,
     * listening or not, SO_REUSEADDR or SO_REUSEPORT, TIME_WAIT) conflicts with it too (BindCheckTest). So where
     * IPv6 works one bind per protocol answers for both families; the IPv4 bind is for hosts without IPv6.
     */
    private static boolean tcp(int port) {
        return bind(IPV6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET, port, true);
    }

    private static boolean udp(int port) {
        return bind(IPV6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET, port, false);
    }

    /**
     * Binds a fresh socket and closes it. No SO_REUSEADDR, so a port in TIME_WAIT or bound by anyone counts
     * as taken: a client {@link SocketChannel} and a {@link DatagramChannel} are opened without it (a
     * {@link ServerSocketChannel} is not, and switching it off cost a syscall more). bind() is where the kernel
     * refuses a held port; listen() on a port bound without SO_REUSEADDR cannot fail for that reason (nobody
     * else can join the port), so it is not made: 4 syscalls a family instead of 7, on the writer thread.
     */
    private static boolean bind(StandardProtocolFamily family, int port, boolean stream) {
        try (NetworkChannel ch = stream ? SocketChannel.open(family) : DatagramChannel.open(family)) {
            ch.bind(new InetSocketAddress(family == StandardProtocolFamily.INET ? "0.0.0.0" : "::", port));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static boolean ipv6Available() {
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
