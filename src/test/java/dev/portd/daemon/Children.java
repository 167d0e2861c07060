package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.fail;

import dev.portd.testing.LineClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the daemon, {@code --restore} and jsvc as real child processes ({@link dev.portd.testing.ChildDaemon}
 * covers the plain daemon). The classpath is the one Surefire gives this JVM
 * ({@code java.class.path}: target/classes plus every dependency jar), so the tests need no packaged
 * jar and run in the ordinary test phase.
 */
final class Children implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Absolute entries only: jsvc changes to / before it loads the JVM. */
    static String classpath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                out.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    /** {@code java -cp ... dev.portd.daemon.Main args...}. */
    static List<String> mainCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xss512k", "-XX:TieredStopAtLevel=1", "-cp", classpath(),
                "dev.portd.daemon.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Runs to completion; returns exit code, stdout and stderr. */
    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    record Result(int code, String out, String err) {}

    /** Waits (bounded) until the socket answers PING. */
    static void awaitAnswer(Path socket, Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (answers(socket)) {
                return;
            }
            if (p != null && !p.isAlive()) {
                fail("the daemon exited with " + p.exitValue() + " before answering on " + socket);
            }
            Thread.sleep(20);
        }
        fail(socket + " did not answer within 30 s");
    }

    /** The status line of one request on a fresh connection. */
    static String once(Path socket, String request) throws IOException {
        try (LineClient c = new LineClient(socket)) {
            return c.call(request).status();
        }
    }

    /** True when something answers PING on the socket. */
    static boolean answers(Path socket) {
        try {
            return once(socket, "PING").equals("OK PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** A temp dir other users may enter (for clients run as nobody). */
    static Path openDir(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : started) {
            List<ProcessHandle> descendants = p.descendants().toList();
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
