package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.daemon.Paths;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listing;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data directory on a 4 MiB tmpfs, filled to the last byte: changes are refused with ERR STORE
 * and change nothing, reads go on, and once space is back, changes work again without a restart and
 * nothing acknowledged is lost. Needs root (mount); skipped with the reason otherwise.
 */
class FullDiskTest {
    private Path mnt;
    private boolean mounted;

    @BeforeEach
    void mount() throws Exception {
        assumeTrue(Paths.uid() == 0, "mounting a small tmpfs needs root");
        mnt = TestDaemon.newDir();
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        mounted = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        assumeTrue(mounted, () -> "cannot mount a tmpfs here: " + out.strip());
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(20, TimeUnit.SECONDS);
        }
        if (mnt != null) {
            TestDaemon.deleteTree(mnt);
        }
    }

    @Test
    void fullDiskRefusesChangesKeepsReadsAndRecoversWithoutRestart() throws Exception {
        Path filler = mnt.resolve("filler");
        String desc = "x".repeat(400);
        Map<String, Integer> acked = new HashMap<>();
        try (TestDaemon d = TestDaemon.start("--data", mnt.resolve("data").toString());
             LineClient c = d.client()) {
            for (int i = 0; i < 20; i++) {
                acked.put("before" + i, Integer.parseInt(c.call("ALLOC before" + i + " desc=" + desc).value()));
            }
            fill(filler);

            // The journal's segments are allocated whole ahead of need, so changes fill the space already
            // allocated first; the one that needs a new segment is refused, and so are the next ones.
            int refused = 0;
            for (int i = 0; i < 10_000 && refused < 20; i++) {
                LineClient.Reply r = c.call("ALLOC full" + i + " desc=" + desc);
                if (r.ok()) {
                    acked.put("full" + i, Integer.parseInt(r.value())); // fitted in space already allocated
                } else {
                    assertEquals("STORE", r.code(), r.status());
                    refused++;
                }
            }
            assertTrue(refused > 0, "the disk never filled up: every ALLOC succeeded");
            LineClient.Reply release = c.call("RELEASE before0");
            assertTrue(release.ok() || release.code().equals("STORE"), release.status());
            if (release.ok()) {
                acked.remove("before0");
            }

            assertEquals(acked, Listing.ports(c), "reads while the disk is full show exactly what was acknowledged");
            assertEquals("OK " + acked.get("before1"), c.call("GET before1").status());
            assertTrue(c.call("STATS").ok());

            Files.delete(filler);
            for (int i = 0; i < 5; i++) {
                LineClient.Reply r = c.call("ALLOC after" + i);
                assertTrue(r.ok(), () -> "with space back, ALLOC must work without a restart: " + r.status());
                acked.put("after" + i, Integer.parseInt(r.value()));
            }
            LineClient.Reply r = c.call("RELEASE before1");
            assertEquals("OK " + acked.remove("before1"), r.status());
            assertEquals(acked, Listing.ports(c));

            d.stop();
            d.startAgain();
            try (LineClient again = d.client()) {
                assertEquals(acked, Listing.ports(again), "after a restart: everything acknowledged, nothing else");
            }
        }
        assertFalse(Files.exists(filler));
    }

    /**
     * A full disk under a checkpoint: the checkpoint fails (and leaves no half-written file), changes go
     * on being acknowledged into the journal's already allocated segments, a stop and a start on the
     * full disk replay them from the journal, and once space is back the next checkpoint succeeds.
     */
    @Test
    void aCheckpointOnAFullDiskFailsAndTheJournalKeepsEverything() throws Exception {
        Path filler = mnt.resolve("filler");
        Path data = mnt.resolve("data");
        Map<String, Integer> acked = new HashMap<>();
        try (TestDaemon d = TestDaemon.start("--data", data.toString(), "--backup-interval", "0");
             LineClient c = d.client()) {
            for (int i = 0; i < 50; i++) {
                acked.put("before" + i, Integer.parseInt(c.call("ALLOC before" + i).value()));
            }
            awaitCheckpoint(c, "the first checkpoint");
            fill(filler);
            for (int i = 0; i < 50; i++) {
                acked.put("full" + i, Integer.parseInt(c.call("ALLOC full" + i + " desc=\"" + "y".repeat(300) + "\"").value()));
            }
            Thread.sleep(7_000); // past the checkpoint interval: one was tried, and failed
            Map<String, String> stats = stats(c);
            assertEquals("50", stats.get("records_since_checkpoint"), stats.toString());
            assertFalse(Files.exists(data.resolve("portd.db.new")), "a failed checkpoint leaves no file behind");
            assertEquals(acked, Listing.ports(c));

            d.stop(); // its last checkpoint fails too
            d.startAgain();
            try (LineClient again = d.client()) {
                assertEquals(acked, Listing.ports(again), "replayed from the journal, on the full disk");
                Files.delete(filler);
                acked.put("after", Integer.parseInt(again.call("ALLOC after").value()));
                awaitCheckpoint(again, "a checkpoint once space is back");
            }
            d.stop();
            d.startAgain();
            try (LineClient again = d.client()) {
                assertEquals(acked, Listing.ports(again));
            }
        }
    }

    private static Map<String, String> stats(LineClient c) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (Map<String, String> row : c.call("STATS").rows()) {
            out.putAll(row);
        }
        return out;
    }

    private static void awaitCheckpoint(LineClient c, String what) throws Exception {
        for (int i = 0; i < 150; i++) {
            if (stats(c).get("records_since_checkpoint").equals("0")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no checkpoint in 15 s: " + what + ": " + stats(c));
    }

    /** Writes until the file system says it is full. */
    static void fill(Path filler) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }
}
