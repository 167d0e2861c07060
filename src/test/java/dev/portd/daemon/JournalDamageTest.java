package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flipped bit in a journal record that later, acknowledged records follow: the daemon refuses to
 * start with one line naming the segment, the offset and the newest backup, says what a restore would
 * lose, and does not tell the operator to restore; the journal is left as it was.
 */
@Timeout(120)
class JournalDamageTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        TestDaemon.deleteTree(dir);
    }

    @Test
    void aDamagedRecordBeforeTheEndRefusesTheStartWithoutAdvisingARestore() throws Exception {
        Path socket = dir.resolve("portd.sock");
        Path data = dir.resolve("data");
        String[] args = {"--socket", socket.toString(), "--data", data.toString(), "--backup-interval", "0"};
        String backup;
        try (ChildDaemon d = ChildDaemon.start(socket, dir.resolve("log"), Map.of(), args);
             LineClient c = new LineClient(socket)) {
            backup = c.call("BACKUP").value();
            for (int i = 0; i < 5; i++) {
                assertTrue(c.call("ALLOC after-backup-" + i).ok());
            }
            d.kill9(); // before a checkpoint: the five records are only in the journal
        }
        Path segment = data.resolve("portd.journal.0000000000000001");
        byte[] b = Files.readAllBytes(segment);
        ByteBuffer in = ByteBuffer.wrap(b);
        int second = 16 + in.getInt(0);
        b[second + 20] ^= 0x10; // inside the second record's changes
        Files.write(segment, b);

        Children.Result refused = Children.run(Children.mainCommand(args));
        assertEquals(65, refused.code(), refused.err()); // damage: a restart cannot fix it (ExitStatus)
        String line = refused.err().strip();
        assertFalse(line.contains("\n"), "one line: " + refused.err());
        assertTrue(line.matches("\\S+ ERROR portd: the journal " + java.util.regex.Pattern.quote(segment.toString())
                + " is damaged at offset " + second + ": .*"), line); // the one ERROR line of a failed start
        assertTrue(line.contains("the newest backup is " + backup + " ("), line);
        assertTrue(line.contains("restoring it would lose every change acknowledged since then"), line);
        assertFalse(line.contains("--restore"), "a restore loses acknowledged changes: not advised: " + line);
        assertArrayEquals(b, Files.readAllBytes(segment), "the journal is left as it was");
        assertFalse(Children.answers(socket));
    }
}
