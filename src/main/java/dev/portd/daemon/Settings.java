package dev.portd.daemon;

import dev.portd.protocol.Values;
import dev.portd.table.Policy;
import java.nio.file.Path;
import java.util.Map;

/**
 * The daemon's settings, typed: what {@link Config} read and checked, parsed once, so the rest of the
 * code reads fields rather than looking keys up by name. Durations are in milliseconds; a file setting
 * left empty is null; 0 still means "off" where the README says so (jmx_port, metrics_port, backup_interval).
 *
 * @param portserverSocket a path, {@code @name} (abstract), or empty when off
 * @param socketPermissions socket_mode as a permission string such as {@code rw-rw-rw-}
 * @param eventLoops Netty event loops, 0 for one per core
 */
public record Settings(Path socket, String portserverSocket, Path data, int rangeLo, int rangeHi, Policy policy,
                       int historyMax, int maxConnections, long idleTimeoutMillis, int maxLeasesPerUid,
                       String socketPermissions, int eventLoops, long probeIntervalMillis, long backupIntervalMillis,
                       int backupKeep, int jmxPort, Path jmxPasswordFile, Path jmxAccessFile, int metricsPort,
                       String logFormat, String logLevel) {

    /** Parses values that {@link Config} has already checked, key by key; every key has a value (its default). */
    static Settings parse(Map<String, String> v) {
        int[] range = Values.range("range", v.get("range"));
        return new Settings(Path.of(v.get("socket")), v.get("portserver_socket"), Path.of(v.get("data")),
                range[0], range[1], Policy.parse(v.get("policy")),
                integer(v, "history_max"), integer(v, "max_connections"), millis(v, "idle_timeout"),
                integer(v, "max_leases_per_uid"), permissions(v.get("socket_mode")), integer(v, "event_loops"),
                millis(v, "probe_interval"), millis(v, "backup_interval"), integer(v, "backup_keep"),
                integer(v, "jmx_port"), optionalPath(v.get("jmx_password_file")), optionalPath(v.get("jmx_access_file")),
                integer(v, "metrics_port"), v.get("log_format"), v.get("log_level"));
    }

    private static int integer(Map<String, String> v, String key) {
        return Integer.parseInt(v.get(key));
    }

    private static long millis(Map<String, String> v, String key) {
        return Values.durationMillis(key, v.get(key));
    }

    private static Path optionalPath(String v) {
        return v == null || v.isEmpty() ? null : Path.of(v);
    }

    /** An octal mode such as 0666 as a permission string such as rw-rw-rw-. */
    private static String permissions(String octal) {
        int mode = Integer.parseInt(octal, 8);
        StringBuilder sb = new StringBuilder(9);
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = mode >> shift;
            sb.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return sb.toString();
    }
}
