package dev.portd.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real TCP listener in a child process (python3), as the service a lease is for would be: its own
 * pid and command, optionally another user (runuser), a later start, or a forked grandchild that
 * binds. It exits when the test closes its stdin, so a dying test JVM leaves nothing behind.
 */
public final class Listener implements AutoCloseable {
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private static final String SCRIPT = """
            import os, socket, sys, time
            port, mode, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
            if mode == 'fork':
                child = os.fork()
                if child:
                    os.waitpid(child, 0)
                    sys.exit(0)
            if delay < 0:
                sys.stdin.readline()
            time.sleep(max(delay, 0))
            try:
                s = socket.socket(socket.AF_INET6)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            except OSError:
                s = socket.socket(socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('', port))
            s.listen(16)
            print('ready', os.getpid(), flush=True)
            sys.stdin.read()
            """;

    private final Process process;
    private final BufferedReader out;
    private final int port;
    private int pid;

    private Listener(Process process, int port) {
        this.process = process;
        this.port = port;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Listens on {@code port} now; returns once it does. */
    public static Listener start(int port) throws IOException {
        return launch(List.of(), port, "plain", 0).awaitReady();
    }

    /** Listens on {@code port} as {@code user} (needs root; see {@link Users#assumeCanSwitchToNobody()}). */
    public static Listener startAs(String user, int port) throws IOException {
        return launch(List.of("runuser", "-u", user, "--"), port, "plain", 0).awaitReady();
    }

    /** The child forks, and the grandchild listens: {@link #process()} is the child, {@link #pid()} the grandchild. */
    public static Listener forking(int port) throws IOException {
        return launch(List.of(), port, "fork", 0).awaitReady();
    }

    /**
     * Starts at once (forking first when asked) and listens only after {@link #go()}: for a lease
     * that must name the process before the port is bound.
     */
    public static Listener gated(int port, boolean fork) throws IOException {
        return launch(List.of(), port, fork ? "fork" : "plain", -1);
    }

    /** Lets a {@link #gated} listener bind; returns once it listens. */
    public Listener go() throws IOException {
        process.getOutputStream().write('\n');
        process.getOutputStream().flush();
        return awaitReady();
    }

    /** Starts at once and listens after {@code delayMillis}; {@link #pid()} waits until it does. */
    public static Listener later(int port, long delayMillis) throws IOException {
        return launch(List.of(), port, "plain", delayMillis / 1000.0);
    }

    private static Listener launch(List<String> prefix, int port, String mode, double delaySeconds) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(prefix.isEmpty() ? PYTHON : "python3", "-c", SCRIPT, Integer.toString(port), mode,
                Double.toString(delaySeconds)));
        return new Listener(new ProcessBuilder(cmd).redirectErrorStream(true).start(), port);
    }

    private Listener awaitReady() throws IOException {
        pid();
        return this;
    }

    /** The pid of the process that listens; blocks until it does. */
    public synchronized int pid() throws IOException {
        if (pid == 0) {
            StringBuilder seen = new StringBuilder();
            for (String l; (l = out.readLine()) != null; ) {
                if (l.startsWith("ready ")) {
                    pid = Integer.parseInt(l.substring(6).trim());
                    return pid;
                }
                seen.append(l).append('\n');
            }
            close();
            throw new IOException("listener on port " + port + " did not start: " + seen);
        }
        return pid;
    }

    public int port() {
        return port;
    }

    /** The direct child (python3, or runuser in front of it). */
    public Process process() {
        return process;
    }

    /** SIGKILL to the direct child only (a forked grandchild keeps running). */
    public void killChild() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        if (pid > 0) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
