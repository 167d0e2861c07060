package dev.portd.server;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Whether a client closed its end of the socket entirely. Reading cannot tell: a client that only
 * stopped sending ({@code shutdown(SHUT_WR)}, {@code nc -N}) and one that closed both give end of
 * input, and the first still waits for its replies. The kernel can: sending nothing fails with EPIPE
 * only once the peer is gone, and sends no byte otherwise.
 */
final class PeerGone {
    private PeerGone() {}

    private static final ByteBuffer NOTHING = ByteBuffer.allocateDirect(1);

    /** True when the peer is known to be gone; false when it is there or cannot be told (NIO transport). */
    static boolean gone(Channel ch) {
        if (ch instanceof EpollDomainSocketChannel epoll && epoll.fd() instanceof Socket s) {
            try {
                s.send(NOTHING, 0, 0);
                return false;
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }
}
