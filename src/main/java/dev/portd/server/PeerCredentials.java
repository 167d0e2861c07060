package dev.portd.server;

import dev.portd.probe.Processes;
import dev.portd.table.Caller;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.io.IOException;

/** Who is on the other end of a connection, from the kernel (SO_PEERCRED), never from the client. */
final class PeerCredentials {
    private PeerCredentials() {}

    static Caller of(Channel ch) {
        if (ch instanceof EpollDomainSocketChannel epoll) {
            try {
                io.netty.channel.unix.PeerCredentials pc = epoll.peerCredentials();
                // comm is read once per connection, for the log: a small procfs read at accept.
                return Caller.socket(pc.uid(), pc.pid(), Processes.command(pc.pid()));
            } catch (IOException e) {
                return Caller.socket(Caller.UNKNOWN, 0);
            }
        }
        // The NIO transport (non-Linux) gives no credentials: such callers own nothing and may change nothing
        // they did not create as unknown.
        return Caller.socket(Caller.UNKNOWN, 0);
    }
}
