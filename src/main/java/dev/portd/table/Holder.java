package dev.portd.table;

import java.util.Objects;

/**
 * One socket occupying a port on the host: a TCP listener or a bound UDP socket.
 *
 * <p>{@code uid} comes from the kernel's socket table itself, so it is always known (it is the uid
 * that created the socket). {@code pid} and {@code cmd} come from scanning {@code /proc/<pid>/fd}
 * and are {@code -1} / {@code null} when no visible process holds the socket (another user's
 * process while we are not root, a process that exited mid-probe, a socket passed to a process in
 * another pid namespace). When several processes share the socket (fork, inherited fd, preforking
 * servers) {@code pid} is the lowest one, which is usually the one that opened it.
 */
public record Holder(Transport proto, boolean ipv6, int port, int uid, long inode, int pid, String cmd) {

    public Holder {
        if (Objects.requireNonNull(proto, "proto") == Transport.BOTH) {
            throw new IllegalArgumentException("a socket is TCP or UDP, not both");
        }
    }

    /** True when a process holding the socket was found. */
    public boolean ownerKnown() {
        return pid > 0;
    }
}
