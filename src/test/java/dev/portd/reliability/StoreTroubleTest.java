package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.daemon.Paths;
import dev.portd.store.Store;
import dev.portd.store.StoreException;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Seeds;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store truncated or with bytes flipped anywhere: it either opens with exactly the table it had
 * (the damage fell in unused space) or is refused as damaged, with the damaged file kept and the
 * newest backup named. Never a different table, never a stack trace. And a data directory that
 * cannot be written says so in one line.
 */
class StoreTroubleTest {
    static final int TRIALS = 150;

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        chattr("-i", dir.resolve("data"));
        chattr("-i", dir.resolve("locked"));
        TestDaemon.deleteTree(dir);
    }

    @Test
    void anyTruncationOrFlippedByteIsRefusedOrHarmless() throws Exception {
        long seed = Seeds.seed("StoreTroubleTest");
        Random rnd = new Random(seed);
        Path data = dir.resolve("data");
        String[] args = {"--socket", dir.resolve("portd.sock").toString(), "--data", data.toString(), "--backup-interval", "0"};
        String backup;
        try (ChildDaemon d = ChildDaemon.start(dir.resolve("portd.sock"), dir.resolve("log1"), Map.of(), args);
             LineClient c = new LineClient(dir.resolve("portd.sock"))) {
            for (int i = 0; i < 150; i++) {
                assertTrue(c.call("ALLOC s" + i + " desc=\"lease number " + i + "\"" + (i % 3 == 0 ? " ttl=1d" : "")).ok());
            }
            for (int i = 0; i < 150; i += 4) {
                assertTrue(c.call("RELEASE s" + i).ok());
            }
            assertTrue(c.call("RESERVE 25000-25009").ok());
            backup = c.call("BACKUP").value();
            d.terminate();
        }
        Path db = data.resolve(Store.FILE);
        byte[] pristine = Files.readAllBytes(db);
        PortTable want;
        try (Store s = Store.open(data)) {
            want = s.load();
        }

        int refused = 0;
        int harmless = 0;
        byte[] firstRefused = null;
        Path trial = dir.resolve("trial");
        for (int t = 0; t < TRIALS; t++) {
            TestDaemon.deleteTree(trial);
            Files.createDirectories(trial);
            byte[] b = pristine.clone();
            String what;
            if (t % 3 == 0) {
                int cut = t < 12 ? new int[] {0, 1, 8, 16, 40, 64, 4096, b.length / 2, b.length - 1, b.length - 8, 100, 1000}[t / 3 % 12]
                        : rnd.nextInt(b.length);
                b = java.util.Arrays.copyOf(b, Math.min(cut, b.length));
                what = "truncated to " + cut;
            } else {
                int at = lastUsedByte(b) > 0 && rnd.nextBoolean() ? rnd.nextInt(lastUsedByte(b) + 1) : rnd.nextInt(b.length);
                int bit = 1 << rnd.nextInt(8);
                b[at] ^= (byte) bit;
                what = "bit " + Integer.toHexString(bit) + " flipped at " + at;
            }
            Files.write(trial.resolve(Store.FILE), b);
            String context = "seed " + seed + ", trial " + t + ": " + what;
            try (Store s = Store.open(trial)) {
                PortTable got = s.load();
                assertEquals(rows(want), rows(got), context + ": opened with a different table");
                assertEquals(want.reservations(), got.reservations(), context);
                harmless++;
            } catch (StoreException e) {
                assertNotNull(e.damagedFile(), context + ": refused, but not as damage: " + e.getMessage());
                refused++;
                if (firstRefused == null && b.length > 0) {
                    firstRefused = b;
                }
            } catch (Throwable e) {
                throw new AssertionError(context + ": " + e, e);
            }
        }
        System.out.printf("StoreTroubleTest: %d damaged stores: %d refused as damaged, %d harmless (unused bytes), 0 wrong%n",
                TRIALS, refused, harmless);
        assertTrue(refused >= TRIALS / 10, "damage must be noticed: only " + refused + " of " + TRIALS + " refused");

        // The daemon itself: one line naming the file and the newest backup, the damaged file untouched.
        byte[] damaged = firstRefused;
        Files.write(db, damaged);
        ChildDaemon refusedStart = ChildDaemon.launch(dir.resolve("portd.sock"), dir.resolve("log2"), Map.of(), args);
        assertEquals(65, refusedStart.waitFor(20), "a damaged store: EX_DATAERR");
        String out = refusedStart.output().strip();
        String line = ChildDaemon.failure(out);
        assertTrue(line != null && line.startsWith("the store " + db + " is damaged"), out);
        assertTrue(line.contains("the newest backup is " + backup), out);
        assertFalse(out.contains("Exception") || out.contains("\tat "), "no stack trace: " + out);
        assertArrayEquals(damaged, Files.readAllBytes(db), "the damaged store is kept as it was");
    }

    @Test
    void aDataDirectoryThatCannotBeWrittenIsOneClearLine() throws Exception {
        assumeTrue(Paths.uid() == 0, "chattr +i needs root");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        assumeTrue(chattr("+i", data), "chattr +i does not work on this file system");
        assertOneLineRefusal(data, "cannot open the store " + data.resolve(Store.FILE));

        Path locked = dir.resolve("locked");
        Files.createDirectories(locked);
        chattr("+i", locked);
        assertOneLineRefusal(locked.resolve("data"), "cannot create the data directory " + locked.resolve("data"));
    }

    private void assertOneLineRefusal(Path data, String expected) throws Exception {
        ChildDaemon d = ChildDaemon.launch(dir.resolve("portd.sock"), dir.resolve("log-" + data.getFileName()), Map.of(),
                "--socket", dir.resolve("portd.sock").toString(), "--data", data.toString());
        assertEquals(77, d.waitFor(20), "a permission problem (EX_NOPERM), which a restart cannot fix: " + d.output());
        String out = d.output().strip();
        String why = ChildDaemon.failure(out);
        assertTrue(why != null && why.startsWith(expected), out);
        assertFalse(out.contains("Exception") || out.contains("\tat "), "no stack trace: " + out);
        assertFalse(out.matches("(?s).*store \\S+ is damaged.*") || out.contains("backup") || out.contains("restore"),
                "not damage, and no advice to restore: " + out);
        assertFalse(Files.exists(dir.resolve("portd.sock")), "nothing served");
    }

    private static List<String> rows(PortTable t) {
        return t.leases().stream().map(Lease::storedRow).map(r -> r.line()).toList();
    }

    private static int lastUsedByte(byte[] b) {
        int i = b.length - 1;
        while (i >= 0 && b[i] == 0) {
            i--;
        }
        return i;
    }

    private static boolean chattr(String flag, Path p) throws Exception {
        if (!Files.exists(p)) {
            return false;
        }
        Process pr = new ProcessBuilder("chattr", flag, p.toString()).redirectErrorStream(true).start();
        pr.getInputStream().readAllBytes();
        return pr.waitFor(10, TimeUnit.SECONDS) && pr.exitValue() == 0;
    }
}
