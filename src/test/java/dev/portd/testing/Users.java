package dev.portd.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Running a client as another user (nobody), for ownership tests. Needs root and runuser. */
public final class Users {
    private Users() {}

    public static final int NOBODY_UID = 65534;

    /** Skips the calling test, with the reason, unless we are root and runuser exists. */
    public static void assumeCanSwitchToNobody() {
        Assumptions.assumeTrue(dev.portd.daemon.Paths.uid() == 0, "ownership across uids needs root (runuser -u nobody)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")),
                "runuser is not installed");
    }

    /** A python3 that nobody can run too (a pyenv shim under /root is not). */
    public static String python() {
        for (String p : new String[] {"/usr/bin/python3", "/usr/local/bin/python3"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "python3";
    }

    /**
     * Sends the request lines as user nobody over the socket (python3, so no portd code is involved) and
     * returns every line the daemon answered.
     */
    public static List<String> asNobody(Path socket, String... requests) throws IOException, InterruptedException {
        return as("nobody", socket, requests);
    }

    /** {@link #asNobody}, as any user. */
    public static List<String> as(String user, Path socket, String... requests) throws IOException, InterruptedException {
        String script = String.join("\n",
                "import socket,sys",
                "s=socket.socket(socket.AF_UNIX)",
                "s.connect(sys.argv[1])",
                "s.sendall(sys.stdin.buffer.read())",
                "s.shutdown(socket.SHUT_WR)",
                "out=b''",
                "while True:",
                "    b=s.recv(65536)",
                "    if not b: break",
                "    out+=b",
                "sys.stdout.buffer.write(out)");
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user, "--", python(), "-c", script, socket.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write((String.join("\n", requests) + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("client as " + user + " did not finish");
        }
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
}
