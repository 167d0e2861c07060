package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.store.Store;
import dev.portd.testing.LineClient;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under Debian's real jsvc (1.0.15, with the commons-daemon 1.4.1 Java API on the classpath). The
 * classpath is Surefire's (target/classes and the dependency jars), so this runs in the test phase
 * without a packaged jar; jsvc changes to / first, hence absolute entries.
 */
@Timeout(180)
class JsvcTest {
    static final Path JSVC = Path.of("/usr/bin/jsvc");

    @TempDir
    Path dir;

    private final List<String> stopCommand = new ArrayList<>();

    @AfterEach
    void stopIfRunning() throws Exception {
        if (Files.exists(dir.resolve("jsvc.pid")) && !stopCommand.isEmpty()) {
            Children.run(stopCommand);
        }
    }

    private List<String> jsvc(String... more) {
        List<String> cmd = new ArrayList<>(List.of(JSVC.toString(), "-java-home", System.getProperty("java.home"),
                "-cp", Children.classpath(), "-pidfile", dir.resolve("jsvc.pid").toString(),
                "-outfile", dir.resolve("out.log").toString(), "-errfile", dir.resolve("err.log").toString()));
        cmd.addAll(List.of(more));
        return cmd;
    }

    private List<String> start() throws IOException {
        Path conf = dir.resolve("empty.conf");
        if (!Files.exists(conf)) {
            Files.createFile(conf);
        }
        return jsvc("dev.portd.daemon.PortdDaemon", "--socket", dir.resolve("portd.sock").toString(),
                "--data", dir.resolve("data").toString(), "--config", conf.toString(), "--range", "45000-45999");
    }

    private String errQuietly() {
        try {
            return err();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private String err() throws IOException {
        return Files.exists(dir.resolve("err.log")) ? Files.readString(dir.resolve("err.log")) : "";
    }

    @Test
    void startsAndStopsCleanlyUnderJsvc() throws Exception {
        assumeTrue(Files.isExecutable(JSVC), "/usr/bin/jsvc is missing (Debian package jsvc; .ci/run installs it)");
        stopCommand.addAll(jsvc("-stop", "dev.portd.daemon.PortdDaemon"));
        Path socket = dir.resolve("portd.sock");

        Children.Result started = Children.run(start());
        assertEquals(0, started.code(), started.err());
        Children.awaitAnswer(socket, null);
        long pid = Long.parseLong(Files.readString(dir.resolve("jsvc.pid")).strip());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the pid file names a live process");
        String port;
        try (LineClient c = new LineClient(socket)) {
            port = c.call("ALLOC under-jsvc").status();
            assertTrue(port.startsWith("OK 45"), port);
            assertTrue(c.call("STATS").data().contains("transport=epoll"));
        }

        Children.Result stopped = Children.run(stopCommand);
        assertEquals(0, stopped.code(), stopped.err());
        assertFalse(Files.exists(dir.resolve("jsvc.pid")), "jsvc removes its pid file");
        assertFalse(Files.exists(socket), () -> "the daemon removed its socket: " + errQuietly());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        String err = err();
        assertTrue(err.contains("PortdDaemon: portd ready ready_ms="), err);
        assertTrue(err.contains("Portd: portd stopped why=\"jsvc stop\" stop_ms="), err);
        assertFalse(err.contains("Exception"), err);

        // Again: the lease survived the stop.
        assertEquals(0, Children.run(start()).code());
        Children.awaitAnswer(socket, null);
        assertEquals(port, Children.once(socket, "GET under-jsvc"));
        assertEquals(0, Children.run(stopCommand).code());
    }

    @Test
    void aDamagedStoreFailsTheStartWithOneLineNamingTheBackup() throws Exception {
        assumeTrue(Files.isExecutable(JSVC), "/usr/bin/jsvc is missing (Debian package jsvc; .ci/run installs it)");
        stopCommand.addAll(jsvc("-stop", "dev.portd.daemon.PortdDaemon"));
        Path socket = dir.resolve("portd.sock");
        assertEquals(0, Children.run(start()).code());
        Children.awaitAnswer(socket, null);
        String backup = Children.once(socket, "BACKUP").substring(3);
        assertEquals(0, Children.run(stopCommand).code());

        Path db = dir.resolve("data").resolve(Store.FILE);
        try (FileChannel ch = FileChannel.open(db, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(db) / 3);
        }
        Files.delete(dir.resolve("err.log"));
        Children.run(start()); // jsvc detaches: the failure shows in the error log
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!err().contains("Service exit with a return value")) {
            if (System.nanoTime() > deadline) {
                fail("jsvc did not report the failed start: " + err());
            }
            Thread.sleep(50);
        }
        String err = err();
        List<String> ours = err.lines().filter(l -> l.contains("portd:")).toList();
        assertEquals(1, ours.size(), err);
        assertTrue(ours.get(0).contains("portd: the store " + db + " is damaged: "), err);
        assertTrue(ours.get(0).contains("the newest backup is " + backup), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertFalse(Children.answers(socket));
    }
}
