package dev.portd.systemd;

import java.util.Map;

/**
 * sd_listen_fds(3): under socket activation systemd (or {@code systemd-socket-activate}) opens the
 * listening sockets and hands them over from fd 3 on, with {@code LISTEN_FDS} counting them,
 * {@code LISTEN_PID} naming the receiving process and {@code LISTEN_FDNAMES} naming each fd (a unit's
 * {@code FileDescriptorName=}, by default the unit's name), colon-separated. The variables are inherited
 * by children, so LISTEN_PID must be ours.
 */
public final class SocketActivation {
    private SocketActivation() {}

    /** The first fd passed by systemd. */
    public static final int FIRST_FD = 3;

    /** The FileDescriptorName of the portserver socket (systemd/portd-portserver.socket). */
    public static final String PORTSERVER_NAME = "portserver";

    /**
     * The sockets passed to this process: {@code main} is the first fd not named {@value #PORTSERVER_NAME}
     * (so an unnamed single fd is the protocol's socket, as before names existed), {@code portserver} the
     * first one so named; -1 for each one not passed.
     */
    public record Passed(int main, int portserver) {
        public static final Passed NONE = new Passed(-1, -1);
    }

    public static Passed passed(Map<String, String> env, long pid) {
        String fds = env.get("LISTEN_FDS");
        String lpid = env.get("LISTEN_PID");
        if (fds == null || lpid == null || !lpid.equals(Long.toString(pid))) {
            return Passed.NONE;
        }
        int n;
        try {
            n = Integer.parseInt(fds);
        } catch (NumberFormatException e) {
            return Passed.NONE;
        }
        String[] names = env.getOrDefault("LISTEN_FDNAMES", "").split(":", -1);
        int main = -1;
        int portserver = -1;
        for (int i = 0; i < n; i++) {
            boolean isPortserver = i < names.length && names[i].equals(PORTSERVER_NAME);
            if (isPortserver && portserver < 0) {
                portserver = FIRST_FD + i;
            } else if (!isPortserver && main < 0) {
                main = FIRST_FD + i;
            }
        }
        return new Passed(main, portserver);
    }
}
