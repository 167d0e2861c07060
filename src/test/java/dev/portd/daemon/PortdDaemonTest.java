package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.daemon.DaemonContext;
import org.apache.commons.daemon.DaemonController;
import org.apache.commons.daemon.DaemonInitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Commons Daemon lifecycle, driven in the order jsvc drives it, over the real socket and store. */
@Timeout(120)
class PortdDaemonTest {
    @TempDir
    Path dir;

    /** What jsvc hands to init: the arguments after the class name. */
    static DaemonContext context(String... args) {
        return new DaemonContext() {
            @Override
            public DaemonController getController() {
                return null;
            }

            @Override
            public String[] getArguments() {
                return args;
            }
        };
    }

    private String[] args(String... more) throws Exception {
        Path conf = dir.resolve("empty.conf");
        if (!Files.exists(conf)) {
            Files.createFile(conf);
        }
        List<String> a = new java.util.ArrayList<>(List.of("--socket", dir.resolve("portd.sock").toString(),
                "--data", dir.resolve("data").toString(), "--config", conf.toString()));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void initStartStopDestroyLikeJsvc() throws Exception {
        Path socket = dir.resolve("portd.sock");
        PortdDaemon d = new PortdDaemon(Map.of());
        d.init(context(args()));
        // init bound the socket (what jsvc does while privileged) but serves nothing yet:
        // a client that connects now waits in the backlog and is answered once start() runs.
        assertTrue(Files.exists(socket));
        String webPort;
        try (LineClient early = new LineClient(socket)) {
            d.start();
            assertEquals("OK PONG", early.call("PING").status());
            webPort = early.call("ALLOC web desc=\"first run\"").status();
            assertTrue(webPort.matches("OK \\d+"), webPort);
            List<String> stats = early.call("STATS").data();
            assertTrue(stats.contains("config.socket=" + socket), stats.toString());
            assertTrue(stats.contains("store=" + dir.resolve("data/portd.db")), stats.toString());
        }
        d.stop();
        assertFalse(Files.exists(socket), "stop removes the socket file the daemon created");
        assertFalse(Children.answers(socket));
        d.destroy();
        assertNull(d.portd());

        // The same data directory again: the lease is durable, and the lifecycle repeats cleanly.
        PortdDaemon again = new PortdDaemon(Map.of());
        again.init(context(args()));
        again.start();
        try (LineClient c = new LineClient(socket)) {
            assertEquals(webPort, c.call("GET web").status());
            assertTrue(c.call("ALLOC api").status().matches("OK \\d+"));
        }
        again.stop();
        again.destroy();
    }

    @Test
    void aSecondDaemonOnTheSameSocketIsRefusedAndTheFirstKeepsServing() throws Exception {
        PortdDaemon first = new PortdDaemon(Map.of());
        first.init(context(args()));
        first.start();
        try {
            PortdDaemon second = new PortdDaemon(Map.of());
            DaemonInitException e = assertThrows(DaemonInitException.class, () -> second.init(context(args())));
            // The store is locked by the first, so that is what the second reports.
            assertTrue(e.getMessage().startsWith("portd: the store " + dir.resolve("data/portd.db") + " is in use"),
                    e.getMessage());
            PortdDaemon third = new PortdDaemon(Map.of());
            DaemonInitException e3 = assertThrows(DaemonInitException.class,
                    () -> third.init(context(args("--data", dir.resolve("other").toString()))));
            assertEquals("portd: another portd is already serving " + dir.resolve("portd.sock"), e3.getMessage());
            assertEquals("OK PONG", Children.once(dir.resolve("portd.sock"), "PING"));
        } finally {
            first.stop();
            first.destroy();
        }
    }

    @Test
    void aBadArgumentFailsInitWithOneLine() {
        PortdDaemon d = new PortdDaemon(Map.of());
        DaemonInitException e = assertThrows(DaemonInitException.class, () -> d.init(context("--range", "9-3")));
        assertEquals("portd: flag --range: range 9-3 is empty (LO must not exceed HI)", e.getMessage());
        d.destroy();
    }
}
