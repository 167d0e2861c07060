package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The socket accepts while start() finishes (JMX, backups, the start-up line), and the shutdown hook
 * was only registered after it: a SIGTERM as soon as the first client was served killed the JVM with
 * 143, no stop, the socket file left behind (seen as flaky service and log tests). Now it is a clean
 * stop, whenever it comes.
 */
class SigtermAtStartTest {
    @Test
    void sigtermRightAfterTheFirstReplyIsACleanStop() throws Exception {
        Path dir = TestDaemon.newDir();
        try {
            Path socket = dir.resolve("portd.sock");
            for (int i = 0; i < 5; i++) {
                ChildDaemon d = ChildDaemon.launch(socket, dir.resolve("log" + i), Map.of(), "--socket", socket.toString(),
                        "--data", dir.resolve("data").toString());
                try (d) {
                    while (!answers(socket)) {
                        Thread.sleep(2);
                    }
                    d.process().destroy(); // SIGTERM at once
                    assertEquals(0, d.waitFor(20), "start " + i + ": " + d.output());
                    assertFalse(Files.exists(socket), "start " + i + ": the socket file is removed: " + d.output());
                }
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    private static boolean answers(Path socket) {
        try (LineClient c = new LineClient(socket)) {
            return c.call("ALLOC early").ok();
        } catch (IOException notYet) {
            return false;
        }
    }
}
