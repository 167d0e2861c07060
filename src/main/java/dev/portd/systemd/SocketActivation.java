package dev.portd.systemd;

import java.util.Map;

/**
 * sd_listen_fds(3): under socket activation systemd (or {@code systemd-socket-activate}) opens the
 * listening socket and hands it over as fd 3, with {@code LISTEN_FDS} and {@code LISTEN_PID} naming
 * the receiving process. The variables are inherited by children, so LISTEN_PID must be ours.
 */
public final class SocketActivation {
    private SocketActivation() {}

    /** The first fd passed by systemd. */
    public static final int FIRST_FD = 3;

    /** The listening socket's fd if one was passed to this process, else -1. */
    public static int listenFd(Map<String, String> env, long pid) {
        String fds = env.get("LISTEN_FDS");
        String lpid = env.get("LISTEN_PID");
        if (fds == null || lpid == null || !lpid.equals(Long.toString(pid))) {
            return -1;
        }
        try {
            return Integer.parseInt(fds) >= 1 ? FIRST_FD : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
