package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listing;
import dev.portd.testing.Load;
import dev.portd.testing.Seeds;
import dev.portd.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL while a checkpoint rewrites the MapDB file (between the moment its new file appears and a
 * little after its rename, when covered journal segments are deleted), with clients writing all the
 * while: every start opens, and every acknowledged lease is back on its port. The table is large
 * enough (some 20,000 leases) that a checkpoint takes a while. Replay with {@code -Dportd.seed=N}.
 */
@Tag("crash")
class CheckpointCrashTest {
    static final int ROUNDS = 8;

    private Path dir;
    private ChildDaemon daemon;
    private int starts;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        TestDaemon.deleteTree(dir);
    }

    private Path socket() {
        return dir.resolve("portd.sock");
    }

    private void start() throws Exception {
        daemon = ChildDaemon.start(socket(), dir.resolve("log-" + (++starts)), Map.of(), "--socket", socket().toString(),
                "--data", dir.resolve("data").toString(), "--range", "20000-64999", "--max-leases-per-uid", "1000000",
                "--backup-interval", "0", "--event-loops", "2");
    }

    private static void collect(Load load, Map<String, Integer> acked, String what) throws InterruptedException {
        for (Load.Exchange e : load.finish(30_000)) {
            if (e.status() != null) {
                assertTrue(e.ok(), what + ": " + e.request() + " got " + e.status());
                Integer before = acked.put(e.request().substring("ALLOC ".length()), Integer.parseInt(e.value()));
                assertEquals(null, before, e.request() + " acknowledged twice");
            }
        }
    }

    private Map<String, Integer> check(Map<String, Integer> acked, String when) throws Exception {
        Map<String, Integer> table;
        try (LineClient c = new LineClient(socket())) {
            table = Listing.ports(c);
        }
        for (Map.Entry<String, Integer> a : acked.entrySet()) {
            assertEquals(a.getValue(), table.get(a.getKey()), when + ": acknowledged lease " + a.getKey()
                    + "\n" + daemon.output());
        }
        assertEquals(table.size(), new HashSet<>(table.values()).size(), when + ": a port leased twice");
        return table;
    }

    @Test
    void acknowledgedLeasesSurviveKill9DuringCheckpoints() throws Exception {
        long seed = Seeds.seed("CheckpointCrashTest");
        Random rnd = new Random(seed);
        Map<String, Integer> acked = new HashMap<>();
        start();
        collect(Load.start(socket(), 8, 64, 2500, (c, i) -> "ALLOC base-" + c + "-" + i), acked, "preload");
        Path fresh = dir.resolve("data").resolve("portd.db.new");
        int hit = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int r = round;
            Load load = Load.start(socket(), 2, 1, 1500, (c, i) -> "ALLOC r" + r + "-" + c + "-" + i);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(fresh) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (Files.exists(fresh)) {
                hit++;
            }
            TimeUnit.MICROSECONDS.sleep(rnd.nextInt(400_000)); // into the write, the rename, or the drop after it
            daemon.kill9();
            collect(load, acked, "round " + round);
            start();
            check(acked, "[seed " + seed + "] after kill " + (round + 1));
        }
        assertTrue(hit >= ROUNDS / 2, "most kills must land in a checkpoint; " + hit + " did");
        System.out.printf("CheckpointCrashTest: %d kills, %d seen mid-checkpoint, %d leases acknowledged [seed %d]%n",
                ROUNDS, hit, acked.size(), seed);
    }
}
