package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.volume.Volume;

/**
 * The redo file's promise, one crash point at a time: writes never reach the main file before a
 * sync; a complete redo file is applied at the next open; a torn or damaged one is ignored and the
 * main file stays as it was.
 */
class RedoVolumeTest {
    @TempDir
    Path dir;

    private Volume open(Path main) {
        return RedoVolume.factory(main).makeVolume(main.toString(), false, 0L, 20, 0L, false);
    }

    private static byte[] content(Path main, int n) throws Exception {
        return Arrays.copyOf(Files.readAllBytes(main), n);
    }

    @Test
    void writesReachTheFileOnlyAtSyncAndReadsSeeThemBefore() throws Exception {
        Path main = dir.resolve("portd.db");
        Volume v = open(main);
        v.ensureAvailable(4096);
        v.putLong(8, 0x1122334455667788L);
        v.putData(100, new byte[] {1, 2, 3}, 0, 3);
        assertEquals(0x1122334455667788L, v.getLong(8), "a held write is visible to reads");
        assertArrayEquals(new byte[16], Arrays.copyOfRange(content(main, 4096), 0, 16), "not in the file before sync");
        v.sync();
        assertEquals(0x1122334455667788L, ByteBuffer.wrap(content(main, 16)).getLong(8));
        assertEquals(0, Files.size(main.resolveSibling("portd.db.redo")), "the redo file is emptied after a sync");
        v.putLong(8, 42);
        v.close(); // a crash before sync: the held write is gone, the file keeps the synced value
        Volume again = open(main);
        assertEquals(0x1122334455667788L, again.getLong(8));
        again.close();
    }

    @Test
    void aCompleteRedoFileIsAppliedAtOpenATornOneIsNot() throws Exception {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            Path main = dir.resolve("t" + trial + ".db");
            Path redo = Path.of(main + RedoVolume.SUFFIX);
            Volume v = open(main);
            v.ensureAvailable(1 << 16);
            v.putLong(0, 1);
            v.sync();
            v.close();
            byte[] before = Files.readAllBytes(main);

            // What a sync had written to the redo file when the process died before applying it.
            byte[] change = new byte[200];
            rnd.nextBytes(change);
            byte[] record = RedoVolume.encode(List.of(new RedoVolume.Write(0, ByteBuffer.allocate(8).putLong(2).array()),
                    new RedoVolume.Write(5000, change)));

            boolean torn = trial % 2 == 1;
            byte[] onDisk = record;
            if (torn) {
                onDisk = trial % 4 == 1 ? Arrays.copyOf(record, rnd.nextInt(record.length)) : record.clone();
                if (trial % 4 == 3) {
                    onDisk[8 + rnd.nextInt(onDisk.length - 8)] ^= 0x20;
                }
                assertNull(RedoVolume.read(onDisk), "trial " + trial);
            }
            Files.write(redo, onDisk);
            Volume reopened = open(main);
            if (torn) {
                assertEquals(1, reopened.getLong(0), "trial " + trial + ": a torn redo file must change nothing");
                assertArrayEquals(before, Arrays.copyOf(Files.readAllBytes(main), before.length));
            } else {
                assertEquals(2, reopened.getLong(0), "trial " + trial + ": a complete redo file is applied");
                byte[] got = new byte[change.length];
                reopened.getData(5000, got, 0, got.length);
                assertArrayEquals(change, got);
            }
            assertEquals(0, Files.size(redo));
            reopened.close();
        }
    }

}
