package dev.portd.probe;

import dev.portd.table.Transport;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
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
    private static final StandardProtocolFamily FAMILY = IPV6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    /** [::] or 0.0.0.0, made once: an InetSocketAddress of a literal parses it every time. */
    private static final InetAddress WILDCARD = wildcard(IPV6);
    /** Netty's epoll transport is on the server's path already; where it loads, its raw sockets do the check. */
    private static final boolean NATIVE = Epoll.isAvailable();

    public static boolean canBind(int port, Transport proto) {
        return canBind(port, proto, NATIVE);
    }

    /** The check made with Netty's native socket ({@code nativeSocket}) or NIO's; both must answer alike. */
    static boolean canBind(int port, Transport proto, boolean nativeSocket) {
        return (!proto.tcp() || bind(port, true, nativeSocket)) && (!proto.udp() || bind(port, false, nativeSocket));
    }

    /** Whether {@link #canBind(int, Transport)} uses Netty's native socket. */
    static boolean nativeSocket() {
        return NATIVE;
    }

    /*
     * Both paths open IPv6 sockets dual-stack (IPV6_V6ONLY off), and Linux refuses a dual-stack bind of [::]:port
     * whenever a bind of 0.0.0.0:port would be refused: any IPv4 socket on the port (wildcard or one address,
     * listening or not, SO_REUSEADDR or SO_REUSEPORT, TIME_WAIT) conflicts with it too (BindCheckTest). So where
     * IPv6 works one bind per protocol answers for both families; the IPv4 bind is for hosts without IPv6.
     *
     * A fresh socket is bound and closed. No SO_REUSEADDR, so a port in TIME_WAIT or bound by anyone counts as
     * taken: neither path sets it on a client stream socket or a datagram socket. bind() is where the kernel
     * refuses a held port; listen() on a port bound without SO_REUSEADDR cannot fail for that reason (nobody
     * else can join the port), so it is not made.
     */
    private static boolean bind(int port, boolean stream, boolean nativeSocket) {
        return nativeSocket ? nativeBind(port, stream) : nioBind(port, stream);
    }

    /**
     * socket, setsockopt(IPV6_V6ONLY, 0), getsockname (Netty asks the new socket its family), bind, close:
     * no NIO channel, no getsockname after the bind. A refused bind throws Netty's NativeIoException, which
     * carries no stack trace.
     */
    private static boolean nativeBind(int port, boolean stream) {
        LinuxSocket s;
        try {
            s = stream ? LinuxSocket.newSocketStream(IPV6) : LinuxSocket.newSocketDgram(IPV6);
        } catch (ChannelException e) {
            return false; // out of descriptors: no answer is no port
        }
        try {
            s.bind(new InetSocketAddress(WILDCARD, port));
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            try {
                s.close();
            } catch (IOException e) {
                // close() of a socket never connected cannot lose data; the descriptor is gone either way
            }
        }
    }

    /** socket, setsockopt, bind, getsockname twice (NIO learns the bound address), close; more for UDP. */
    private static boolean nioBind(int port, boolean stream) {
        try (NetworkChannel ch = stream ? SocketChannel.open(FAMILY) : DatagramChannel.open(FAMILY)) {
            ch.bind(new InetSocketAddress(WILDCARD, port));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static InetAddress wildcard(boolean ipv6) {
        try {
            return InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for a bad array length
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
