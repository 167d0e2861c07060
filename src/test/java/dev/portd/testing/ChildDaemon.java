package dev.portd.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real daemon as a child process ({@code java dev.portd.daemon.Main}, on the test class path),
 * for what an in-process daemon cannot show: SIGKILL, exit codes, stderr, environment.
 */
public final class ChildDaemon implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final Path log;

    private ChildDaemon(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /** Starts {@code Main} with the args and waits (up to 20 s) until the socket answers PING. */
    public static ChildDaemon start(Path socket, Path log, Map<String, String> env, String... args) throws Exception {
        ChildDaemon d = launch(socket, log, env, args);
        d.awaitReady();
        return d;
    }

    /** Starts {@code Main} without waiting: for start-up failures. */
    public static ChildDaemon launch(Path socket, Path log, Map<String, String> env, String... args) throws IOException {
        return launch(List.of(), System.getProperty("java.class.path"), socket, log, env, args);
    }

    /**
     * Starts {@code Main} as another user (runuser, so root only) and waits until it answers. That user
     * cannot read the build's class path (under /root), so it is copied into {@code dir} first.
     */
    public static ChildDaemon startAs(String user, Path dir, Path socket, Path log, String... args) throws Exception {
        return startUnder(List.of("runuser", "-u", user, "--"), dir, socket, log, args);
    }

    /**
     * Starts {@code Main} under a command that ends by running its arguments as another user (such as
     * {@code unshare ... runuser -u nobody --}), with the class path copied into {@code dir}, and waits
     * until it answers.
     */
    public static ChildDaemon startUnder(List<String> prefix, Path dir, Path socket, Path log, String... args) throws Exception {
        ChildDaemon d = launchUnder(prefix, dir, socket, log, args);
        d.awaitReady();
        return d;
    }

    /** {@link #startUnder} without waiting: for start-up failures as another user. */
    public static ChildDaemon launchUnder(List<String> prefix, Path dir, Path socket, Path log, String... args) throws IOException {
        return launch(prefix, readableClassPath(dir), socket, log, Map.of(), args);
    }

    /** Starts {@code Main} on {@code classPath} under {@code prefix} (another user: see {@link #readableClassPath}). */
    public static ChildDaemon launch(List<String> prefix, String classPath, Path socket, Path log,
                                     Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(javaBin(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, "dev.portd.daemon.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new ChildDaemon(pb.start(), socket, log);
    }

    /** Copies every class path entry under {@code dir} (world-readable) and returns the new class path. */
    public static String readableClassPath(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve("cp-" + n++ + (Files.isDirectory(from) ? "" : ".jar"));
            try (var files = Files.walk(from)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, to.resolve(from.relativize(f).toString()));
                }
            }
            out.add(to.toString());
        }
        try (var files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                f.toFile().setReadable(true, false);
                if (Files.isDirectory(f)) {
                    f.toFile().setExecutable(true, false);
                }
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static final java.util.regex.Pattern FAILURE =
            java.util.regex.Pattern.compile("(?m)^(?:<3>|\\S+Z )ERROR portd: (.*)$");

    /**
     * Why the daemon did not start: the message of its "ERROR portd: ..." line (logged at error
     * priority, under the journal or not), or null if there is none.
     */
    public static String failure(String output) {
        java.util.regex.Matcher m = FAILURE.matcher(output);
        return m.find() ? m.group(1) : null;
    }

    static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    public void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + ": " + output());
            }
            try (LineClient c = new LineClient(socket)) {
                if (c.call("PING").ok()) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("daemon did not answer within 20 s: " + output());
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** Everything the daemon printed so far. */
    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Waits for the process to exit and returns its exit code. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("daemon still running after " + seconds + " s");
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no final commit. The daemon too when it runs under runuser. */
    public void kill9() throws InterruptedException {
        List<ProcessHandle> below = process.descendants().toList();
        below.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle h : below) {
            h.onExit().completeOnTimeout(h, 10, TimeUnit.SECONDS).join();
        }
    }

    /** SIGTERM, then wait for the clean stop. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return waitFor(20);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() || process.descendants().findAny().isPresent()) {
            kill9();
        }
    }
}
