package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.systemd.SocketActivation;
import dev.portd.testing.ChildDaemon;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Socket activation through systemd's own tool: the daemon serves fd 3 and leaves the file to systemd. */
@Timeout(120)
class SocketActivationTest {
    static final Path TOOL = Path.of("/usr/bin/systemd-socket-activate");

    @TempDir
    Path dir;

    private final Children children = new Children();

    @AfterEach
    void stop() throws InterruptedException {
        children.close();
    }

    private List<String> daemon(Path socket) throws Exception {
        Path conf = dir.resolve("empty.conf");
        if (!Files.exists(conf)) {
            Files.createFile(conf);
        }
        return Children.mainCommand("--socket", socket.toString(), "--data", dir.resolve("data").toString(),
                "--config", conf.toString(), "--range", "44000-44999");
    }

    @Test
    void servesTheInheritedSocketAndLeavesItsFileAlone() throws Exception {
        assumeTrue(Files.isExecutable(TOOL), TOOL + " is missing (Debian package systemd)");
        Path socket = dir.resolve("activated.sock");
        List<String> cmd = new ArrayList<>(List.of(TOOL.toString(), "-l", socket.toString()));
        cmd.addAll(daemon(socket));
        Process p = children.start(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(socket), "systemd-socket-activate made the socket");
        Object mode = Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Object ino = Files.getAttribute(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS);

        // The first connection makes the tool exec the daemon, which answers it on the inherited fd.
        assertEquals("OK PONG", Children.once(socket, "PING"), () -> log());

        // Many clients at once: the inherited fd is blocking, and accept must still never stall a loop.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String name = "svc" + i;
                replies.add(pool.submit(() -> Children.once(socket, "ALLOC " + name)));
            }
            Set<String> ports = new HashSet<>();
            for (Future<String> f : replies) {
                String r = f.get(30, TimeUnit.SECONDS);
                assertTrue(r.startsWith("OK 44"), r);
                ports.add(r);
            }
            assertEquals(64, ports.size());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(mode, Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS), "not chmod-ed");

        p.destroy(); // SIGTERM to the daemon (the tool exec-ed it: same pid)
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is systemd's: not removed");
        assertEquals(ino, Files.getAttribute(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        assertTrue(log().contains("serving socket fd 3 passed by systemd"), log());
    }

    /**
     * Two sockets, as portd.socket and portd-portserver.socket pass them: the one named portserver
     * (LISTEN_FDNAMES) answers portpicker's protocol, the other the line protocol, with no flag given.
     */
    @Test
    void servesAPortserverSocketPassedByName() throws Exception {
        assumeTrue(Files.isExecutable(TOOL), TOOL + " is missing (Debian package systemd)");
        Path socket = dir.resolve("activated.sock");
        String name = "portd-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        List<String> cmd = new ArrayList<>(List.of(TOOL.toString(), "-l", socket.toString(), "-l", "@" + name,
                "--fdname=portd.socket:portserver"));
        cmd.addAll(daemon(socket));
        children.start(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("OK PONG", Children.once(socket, "PING"), () -> log());

        // The portserver protocol on the abstract socket: our pid in, a port of the range out.
        String script = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\n"
                + "s.connect('\\0'+sys.argv[1])\n"
                + "s.sendall(sys.argv[2].encode()+b'\\n')\n"
                + "print(s.recv(100).decode().strip())";
        Process py = new ProcessBuilder("python3", "-c", script, name, Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        String port = new String(py.getInputStream().readAllBytes()).strip();
        assertTrue(py.waitFor(30, TimeUnit.SECONDS));
        assertTrue(port.matches("44[0-9]{3}"), port + "\n" + log());
        try (dev.portd.testing.LineClient c = new dev.portd.testing.LineClient(socket)) {
            List<String> stats = c.call("STATS").data();
            assertTrue(stats.contains("portserver=@" + name), stats.toString());
            assertEquals(port, c.call("LIST portpicker.*").rows().get(0).get("port"));
        }
    }

    @Test
    void fdNamesTellTheSocketsApart() {
        long pid = 42;
        assertEquals(new SocketActivation.Passed(3, -1), SocketActivation.passed(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), pid),
                "one unnamed fd is the protocol's socket");
        assertEquals(new SocketActivation.Passed(3, 4), SocketActivation.passed(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42",
                "LISTEN_FDNAMES", "portd.socket:portserver"), pid));
        assertEquals(new SocketActivation.Passed(4, 3), SocketActivation.passed(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42",
                "LISTEN_FDNAMES", "portserver:portd.socket"), pid), "systemd's order is not fixed");
        assertEquals(new SocketActivation.Passed(-1, 3), SocketActivation.passed(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42",
                "LISTEN_FDNAMES", "portserver"), pid), "the portserver socket alone");
        assertEquals(SocketActivation.Passed.NONE, SocketActivation.passed(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "7",
                "LISTEN_FDNAMES", "portd.socket:portserver"), pid), "another process's fds");
        assertEquals(SocketActivation.Passed.NONE, SocketActivation.passed(Map.of("LISTEN_FDS", "x", "LISTEN_PID", "42"), pid));
    }

    /** LISTEN_* meant for another process (inherited through a fork) are ignored: the daemon binds its own. */
    @Test
    void listenFdsForAnotherPidAreIgnored() throws Exception {
        Path socket = dir.resolve("own.sock");
        List<String> cmd = daemon(socket);
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log"), Map.of("LISTEN_FDS", "1", "LISTEN_PID", "1"),
                cmd.subList(cmd.indexOf("dev.portd.daemon.Main") + 1, cmd.size()).toArray(new String[0]))) {
            assertEquals("rw-rw-rw-", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals(0, d.terminate(), "a clean stop exits 0");
        }
        assertFalse(Files.exists(socket), "its own socket file is removed at stop");
        assertFalse(log().contains("passed by systemd"), log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
