package dev.portd.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Where the socket, data and config live by default (PROTOCOL.md, "Where the socket is"). */
public final class Paths {
    private Paths() {}

    public static final Path SYSTEM_SOCKET = Path.of("/run/portd/portd.sock");
    public static final Path SYSTEM_DATA = Path.of("/var/lib/portd");
    public static final Path SYSTEM_CONFIG = Path.of("/etc/portd/portd.conf");

    private static final int UID = readUid();

    /** This process's real uid. */
    public static int uid() {
        return UID;
    }

    private static int readUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return (Integer) attribute(Path.of(System.getProperty("user.home")));
    }

    private static Object attribute(Path p) {
        try {
            return Files.getAttribute(p, "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The socket a user's own daemon uses: $XDG_RUNTIME_DIR/portd/portd.sock, else /tmp/portd-$UID/portd.sock. */
    public static Path userSocket(Map<String, String> env, int uid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "portd", "portd.sock");
        }
        return Path.of("/tmp", "portd-" + uid, "portd.sock");
    }

    /** The daemon's socket: PORTD_SOCKET, else the system path for root, else the user's path. */
    public static Path defaultSocket(Map<String, String> env, int uid) {
        String override = env.get("PORTD_SOCKET");
        if (override != null && !override.isEmpty()) {
            return Path.of(override);
        }
        return uid == 0 ? SYSTEM_SOCKET : userSocket(env, uid);
    }

    public static Path defaultData(Map<String, String> env, int uid) {
        if (uid == 0) {
            return SYSTEM_DATA;
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "portd");
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "portd");
    }

    /** The config file used when no --config is given, or null when there is none to read. */
    public static Path defaultConfig(int uid) {
        Path p = uid == 0 ? SYSTEM_CONFIG : Path.of(System.getProperty("user.home"), ".config", "portd", "portd.conf");
        return Files.isRegularFile(p) ? p : null;
    }

    /** Where a client looks: PORTD_SOCKET, then the system socket, then the user's own. */
    public static Path clientSocket(Map<String, String> env, int uid) {
        String override = env.get("PORTD_SOCKET");
        if (override != null && !override.isEmpty()) {
            return Path.of(override);
        }
        if (Files.exists(SYSTEM_SOCKET)) {
            return SYSTEM_SOCKET;
        }
        return userSocket(env, uid);
    }
}
