package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an acknowledged change costs, counted rather than timed: strace follows the running daemon
 * while one client makes {@value #N} ALLOCs one after another (each its own batch). Each must cost one
 * forced write (the journal append's fdatasync); checkpoints may add a few. Needs strace (ptrace).
 */
@Timeout(180)
class FsyncDisciplineTest {
    static final int N = 200;

    private Path dir;
    private ChildDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        TestDaemon.deleteTree(dir);
    }

    private static boolean hasStrace() {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(p, "strace"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void serialAllocsCostOneForcedWriteEach() throws Exception {
        assumeTrue(hasStrace(), "strace is not installed (.ci/run installs it)");
        Path socket = dir.resolve("portd.sock");
        daemon = ChildDaemon.start(socket, dir.resolve("log"), Map.of(), "--socket", socket.toString(),
                "--data", dir.resolve("data").toString(), "--backup-interval", "0", "--probe-interval", "1h");
        Path trace = dir.resolve("strace.out");
        try (LineClient c = new LineClient(socket)) {
            assertTrue(c.call("ALLOC warm-up").ok()); // the first segment's successor is prepared by now
            Process strace = new ProcessBuilder("strace", "-f", "-qq", "-e", "trace=fsync,fdatasync,sync_file_range,msync,sync,syncfs",
                    "-o", trace.toString(), "-p", Long.toString(daemon.pid())).redirectErrorStream(true).start();
            try {
                awaitAttached(c, trace);
                long before = count(trace);
                for (int i = 0; i < N; i++) {
                    LineClient.Reply r = c.call("ALLOC s" + i);
                    assertTrue(r.ok(), r.status());
                }
                TimeUnit.MILLISECONDS.sleep(300); // strace writes what it saw
                long forced = count(trace) - before;
                System.out.printf("FsyncDisciplineTest: %d serial ALLOCs, %d forced writes%n", N, forced);
                assertTrue(forced >= N && forced <= N + 60, N + " serial ALLOCs made " + forced + " forced writes:\n"
                        + String.join("\n", Files.readAllLines(trace).subList(0, (int) Math.min(40, count(trace)))));
            } finally {
                strace.destroy();
                strace.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** strace attaches to every thread before tracing: one traced ALLOC shows it is in place. */
    private static void awaitAttached(LineClient c, Path trace) throws Exception {
        for (int i = 0; i < 200; i++) {
            assertTrue(c.call("ALLOC attach" + i).ok());
            if (count(trace) > 0) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("strace saw no forced write in 10 s");
    }

    private static long count(Path trace) throws Exception {
        if (!Files.exists(trace)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(trace);
        return lines.stream().filter(l -> l.matches("^\\d+ +(fsync|fdatasync|sync_file_range|msync|sync|syncfs)\\(.*")).count();
    }
}
