package dev.portd.testing;

import dev.portd.daemon.Config;
import dev.portd.daemon.Portd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real daemon, in this JVM, on a temp socket and data directory. The directory is 0755 so that
 * a client run as another user (nobody) can reach the 0666 socket.
 */
public final class TestDaemon implements AutoCloseable {
    private final Path dir;
    private final Path socket;
    private final Path data;
    private final String[] extraArgs;
    private Portd portd;

    private TestDaemon(Path dir, String[] extraArgs) {
        this.dir = dir;
        this.socket = dir.resolve("portd.sock");
        this.data = dir.resolve("data");
        this.extraArgs = extraArgs;
    }

    /** Starts a daemon with the given extra flags (e.g. "--range", "20000-20009"). */
    public static TestDaemon start(String... extraArgs) throws Exception {
        TestDaemon d = new TestDaemon(newDir(), extraArgs);
        d.startAgain();
        return d;
    }

    public static Path newDir() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "portd-test-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** The flags this daemon runs with. */
    public String[] args() {
        List<String> a = new ArrayList<>(List.of("--socket", socket.toString(), "--data", data.toString()));
        a.addAll(Arrays.asList(extraArgs));
        return a.toArray(String[]::new);
    }

    /** Starts (again, after {@link #stop()}) on the same socket and data. */
    public void startAgain() throws Exception {
        portd = new Portd(Config.load(args(), Map.of()));
        portd.init();
        portd.start();
    }

    public void stop() {
        if (portd != null) {
            portd.stop();
            portd = null;
        }
    }

    public Portd portd() {
        return portd;
    }

    public Path socket() {
        return socket;
    }

    public Path data() {
        return data;
    }

    public Path dir() {
        return dir;
    }

    public LineClient client() throws IOException {
        return new LineClient(socket);
    }

    /** One request on a fresh connection. */
    public LineClient.Reply call(String request) throws IOException {
        try (LineClient c = client()) {
            return c.call(request);
        }
    }

    /** The data lines of a reply that must be OK, as key=value maps. */
    public List<Map<String, String>> rows(String request) throws IOException {
        LineClient.Reply r = call(request);
        if (!r.ok()) {
            throw new AssertionError(request + " answered " + r.status());
        }
        return r.rows();
    }

    /** The service's LIST line as a map, or null when it holds no lease. */
    public Map<String, String> lease(String service) throws IOException {
        for (Map<String, String> row : rows("LIST")) {
            if (service.equals(row.get("service"))) {
                return row;
            }
        }
        return null;
    }

    /** The {@code event=} values of HISTORY for a service or {@code port=N}, oldest first. */
    public List<String> events(String serviceOrPort) throws IOException {
        List<String> out = new ArrayList<>();
        for (Map<String, String> row : rows("HISTORY " + serviceOrPort + " limit=1000")) {
            out.add(row.get("event"));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        stop();
        deleteTree(dir);
    }

    /** Copies the tree {@code from} (a fixture) to {@code to}, which must not exist yet. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
