package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * packaging/bin/portctl as a real process: the launcher finds its classes (PORTD_JAR: here the test
 * class path, since the shaded jar is built after the tests), exit codes reach the shell, and run
 * passes signals on to its command.
 */
@Timeout(120)
class LauncherTest extends LiveDaemon {
    static final Path LAUNCHER = Path.of("packaging/bin/portctl").toAbsolutePath();

    ProcessBuilder launcher(String socketPath, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PORTD_JAR", System.getProperty("java.class.path"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("PORTD_SOCKET", socketPath);
        return pb;
    }

    static String readAll(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void exitCodesReachTheShell() throws Exception {
        int port = freePort();
        Process ok = launcher(socket.toString(), "alloc", "web", "--port", Integer.toString(port)).redirectErrorStream(true).start();
        assertEquals(port + "\n", readAll(ok));
        assertEquals(0, ok.waitFor());

        Process err = launcher(socket.toString(), "get", "nosuch").redirectErrorStream(true).start();
        assertTrue(readAll(err).startsWith("portctl: ERR NOTFOUND"));
        assertEquals(1, err.waitFor());

        String none = dir.resolve("no-daemon.sock").toString();
        Process down = launcher(none, "ping").redirectErrorStream(true).start();
        String message = readAll(down);
        assertEquals(2, down.waitFor());
        assertTrue(message.contains("cannot reach portd at " + none), message);
    }

    @Test
    void runPassesSignalsOnAndReleases() throws Exception {
        Process p = launcher(socket.toString(), "run", "sig", "--", "sh", "-c",
                "trap 'echo got-hup' HUP; trap 'echo got-int' INT; trap 'echo got-term; exit 7' TERM; "
                        + "echo \"ready $PORT $$\"; while :; do sleep 0.05; done")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long child = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String[] ready = out.readLine().split(" ");
            child = Long.parseLong(ready[2]);
            assertEquals("ready " + portctl("get", "sig").out().strip(), ready[0] + " " + ready[1]);
            assertTrue(portctl("raw", "LIST sig").out().contains(" pid=" + p.pid() + " "),
                    "the lease is bound to the launcher's pid, which is the JVM's (exec)");
            // Sent as soon as the command runs: portctl takes the signals before it starts the command.
            kill("HUP", p.pid());
            assertEquals("got-hup", out.readLine());
            kill("INT", p.pid());
            assertEquals("got-int", out.readLine());
            kill("TERM", p.pid()); // not destroy(): that also closes our end of its pipes
            assertEquals("got-term", out.readLine());
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        } finally {
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly); // only left over when a step failed
            p.destroyForcibly();
        }
        assertEquals(7, p.exitValue(), "the command's status");
        assertEquals(1, portctl("get", "sig").code(), "released");
    }

    static void kill(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).inheritIO().start().waitFor());
    }
}
