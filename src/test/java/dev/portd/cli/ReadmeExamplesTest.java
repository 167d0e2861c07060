package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.daemon.Paths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's shell examples, run as written: they must do what the README says, every time. */
@Timeout(180)
class ReadmeExamplesTest extends LiveDaemon {
    static final List<String> README = readme();

    static List<String> readme() {
        try {
            return Files.readAllLines(Path.of("README.md"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The README's lines from the first that starts with {@code first} up to the one that starts with {@code last}. */
    static String lines(String first, String last) {
        int from = 0;
        while (!README.get(from).startsWith(first)) {
            from++;
        }
        int to = from;
        while (!README.get(to).startsWith(last)) {
            to++;
        }
        return String.join("\n", README.subList(from, to + 1)) + "\n";
    }

    static String sh(Map<String, String> env, String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void theTourSocketIsWhereTheDaemonServes() throws Exception {
        String export = lines("export PORTD_SOCKET=", "export PORTD_SOCKET=${PORTD_SOCKET");
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("XDG_RUNTIME_DIR", "/run/user/1000"),
                Map.of("XDG_RUNTIME_DIR", ""))) {
            String got = sh(env, export + "printf %s \"$PORTD_SOCKET\"");
            assertEquals(Paths.userSocket(env, Paths.uid()).toString(), got, "with " + env + ":\n" + export);
        }
    }

    @Test
    void theWaitExampleWorksEveryTime() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/nc")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "needs nc and python3");
        String example = lines("port=$(echo 'ALLOC web'", "echo 'WAIT web");
        String script = "for i in 1 2 3 4 5 6 7 8 9 10; do\n" + example
                + "kill $!; wait $! 2>/dev/null\necho 'RELEASE web' | nc -U -N \"$PORTD_SOCKET\" >/dev/null\ndone\n";
        String out = sh(Map.of("PORTD_SOCKET", socket.toString()), script);
        List<String> replies = out.lines().filter(Answer::isStatus).toList();
        assertEquals(10, replies.size(), out);
        assertTrue(replies.stream().allMatch(l -> l.startsWith("OK bound pid=")), "WAIT found the listener each time:\n" + out);
    }
}
