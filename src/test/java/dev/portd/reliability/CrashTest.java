package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listing;
import dev.portd.testing.Load;
import dev.portd.testing.Seeds;
import dev.portd.testing.TestDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.stream.Stream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL at random moments while clients pipeline changes, then a restart on the same data: an
 * acknowledged change is never lost, a port is never leased twice, and the store always opens.
 * The kill moments come from a seed printed at the start (replay with {@code -Dportd.seed=N}).
 */
@Tag("crash")
class CrashTest {
    static final int ROUNDS = 20;
    static final int CONNECTIONS = 16;
    static final int WINDOW = 32;
    static final String RANGE = "20000-59999";

    private Path dir;
    private ChildDaemon daemon;
    private int starts;
    private long seed;
    private Random rnd;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        TestDaemon.deleteTree(dir);
    }

    /** Kills land while ALLOCs are pipelined and while BACKUP writes snapshots. */
    @Test
    void acknowledgedAllocsAndBackupsSurviveKill9() throws Exception {
        init("CrashTest.allocs");
        Map<String, Integer> acked = new HashMap<>();
        Set<String> sent = new HashSet<>();
        Set<Path> backups = new HashSet<>();
        int kills = 0;
        for (int round = 0; round < ROUNDS; round++) {
            kills += killDuringStart(round);
            start();
            checkBackups(backups, check(acked, sent, "before round " + round));
            int r = round;
            Load load = Load.start(socket(), CONNECTIONS, WINDOW, 100, (c, i) -> "ALLOC a" + r + "-" + c + "-" + i);
            Load backup = Load.start(socket(), 1, 2, 1000, (c, i) -> "BACKUP");
            killAfter(load, 1 + rnd.nextInt(1400));
            kills++;
            for (Load.Exchange e : backup.finish(10_000)) {
                if (e.status() != null) {
                    assertTrue(e.ok(), () -> why("BACKUP got " + e.status()));
                    backups.add(Path.of(e.value()));
                }
            }
            for (Load.Exchange e : load.finish(10_000)) {
                String service = e.request().substring("ALLOC ".length());
                sent.add(service);
                if (e.status() != null) {
                    assertTrue(e.ok(), () -> why("round " + r + ": " + e.request() + " got " + e.status()));
                    Integer other = acked.put(service, Integer.parseInt(e.value()));
                    assertEquals(null, other, () -> why(service + " acknowledged twice"));
                }
            }
        }
        start();
        Map<String, Integer> table = check(acked, sent, "at the end");
        checkBackups(backups, table);
        assertEquals(new HashSet<>(acked.values()).size(), acked.size(), () -> why("two acknowledged leases share a port"));
        System.out.printf("CrashTest.allocs: %d kills survived, %d ALLOCs and %d BACKUPs acknowledged, %d leases at the end%n",
                kills, acked.size(), backups.size(), table.size());
    }

    @Test
    void acknowledgedReleasesStayReleasedAfterKill9() throws Exception {
        init("CrashTest.releases");
        Map<String, Integer> held = new HashMap<>();   // must be there, on this port
        Map<String, Integer> maybe = new HashMap<>();  // released without an answer: gone, or still on this port
        int kills = 0;
        int released = 0;
        for (int round = 0; round < ROUNDS; round++) {
            kills += killDuringStart(round);
            start();
            checkReleases(held, maybe, "before round " + round);
            int r = round;
            Load allocs = Load.start(socket(), CONNECTIONS, WINDOW, 60, (c, i) -> "ALLOC r" + r + "-" + c + "-" + i);
            for (Load.Exchange e : allocs.finish(30_000)) {
                assertTrue(e.ok(), () -> why(e.request() + " got " + e.status()));
                held.put(e.request().substring("ALLOC ".length()), Integer.parseInt(e.value()));
            }
            List<String> victims = held.keySet().stream().sorted().toList();
            Load releases = Load.start(socket(), CONNECTIONS, WINDOW, victims.size() / CONNECTIONS,
                    (c, i) -> "RELEASE " + victims.get(i * CONNECTIONS + c));
            killAfter(releases, 1 + rnd.nextInt(victims.size() - CONNECTIONS));
            kills++;
            for (Load.Exchange e : releases.finish(10_000)) {
                String service = e.request().substring("RELEASE ".length());
                Integer port = held.remove(service);
                if (e.status() == null) {
                    maybe.put(service, port);
                } else {
                    assertEquals("OK " + port, e.status(), () -> why(e.request()));
                    released++;
                }
            }
        }
        start();
        checkReleases(held, maybe, "at the end");
        System.out.printf("CrashTest.releases: %d kills survived, %d RELEASEs acknowledged, %d leases kept%n",
                kills, released, held.size());
    }

    // ---- the loop's parts ----

    private void init(String name) {
        seed = Seeds.seed(name);
        rnd = new Random(seed);
    }

    private Path socket() {
        return dir.resolve("portd.sock");
    }

    private void start() throws Exception {
        Path log = dir.resolve("log-" + (++starts) + ".txt");
        try {
            daemon = ChildDaemon.start(socket(), log, Map.of(), args());
        } catch (IllegalStateException e) {
            throw new AssertionError(why("start " + starts + " failed (the store must open after every kill)"), e);
        }
    }

    private String[] args() {
        return new String[] {"--socket", socket().toString(), "--data", dir.resolve("data").toString(),
                "--range", RANGE, "--max-leases-per-uid", "1000000", "--event-loops", "2", "--backup-keep", "10000",
                "--backup-interval", "0"};
    }

    /** Every fourth round also kills a daemon that is still opening its store. */
    private int killDuringStart(int round) throws Exception {
        if (round % 4 != 3) {
            return 0;
        }
        Path log = dir.resolve("log-" + (++starts) + ".txt");
        daemon = ChildDaemon.launch(socket(), log, Map.of(), args());
        TimeUnit.MILLISECONDS.sleep(rnd.nextInt(800));
        daemon.kill9();
        return 1;
    }

    /** Kills the daemon once {@code replies} replies came, plus up to 2 ms more. */
    private void killAfter(Load load, int replies) throws Exception {
        assertTrue(load.awaitReplies(replies, 30_000), () -> why("no " + replies + " replies in 30 s"));
        long spin = System.nanoTime() + rnd.nextInt(2_000_000);
        while (System.nanoTime() - spin < 0) {
            Thread.onSpinWait();
        }
        daemon.kill9();
    }

    /** The table holds every acknowledged lease on its port, and nothing that was never asked for. */
    private Map<String, Integer> check(Map<String, Integer> acked, Set<String> sent, String when) throws IOException {
        Map<String, Integer> table;
        try (LineClient c = new LineClient(socket())) {
            table = Listing.ports(c);
        }
        for (Map.Entry<String, Integer> a : acked.entrySet()) {
            assertEquals(a.getValue(), table.get(a.getKey()), () -> why(when + ": acknowledged lease " + a.getKey()));
        }
        for (String s : table.keySet()) {
            assertTrue(sent.contains(s), () -> why(when + ": " + s + " was never asked for"));
        }
        return table;
    }

    /**
     * Every acknowledged backup is still there and whole, and (nothing is ever released here) each lease
     * in it is in the table on the same port; no half-written file carries a backup's name.
     */
    private void checkBackups(Set<Path> backups, Map<String, Integer> table) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (Path b : backups) {
            JsonNode doc;
            try {
                doc = json.readTree(b.toFile());
            } catch (IOException e) {
                throw new AssertionError(why("acknowledged backup " + b + " is not whole: " + e.getMessage()), e);
            }
            assertEquals("portd-backup", doc.path("format").asText(), () -> why(b.toString()));
            for (JsonNode l : doc.path("leases")) {
                String service = l.path("service").asText();
                assertEquals(table.get(service), (Integer) l.path("port").asInt(), () -> why(b + ": " + service));
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("data").resolve("backups"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                try {
                    json.readTree(f.toFile());
                } catch (IOException e) {
                    throw new AssertionError(why("backup " + f + " is not whole: " + e.getMessage()), e);
                }
            }
        } catch (java.nio.file.NoSuchFileException none) {
            // no backup yet
        }
    }

    private void checkReleases(Map<String, Integer> held, Map<String, Integer> maybe, String when) throws IOException {
        Map<String, Integer> table;
        try (LineClient c = new LineClient(socket())) {
            table = Listing.ports(c);
        }
        for (Map.Entry<String, Integer> h : held.entrySet()) {
            assertEquals(h.getValue(), table.get(h.getKey()), () -> why(when + ": lease " + h.getKey()));
        }
        for (Map.Entry<String, Integer> t : table.entrySet()) {
            if (!held.containsKey(t.getKey())) {
                assertEquals(maybe.get(t.getKey()), t.getValue(), () -> why(when + ": " + t.getKey()
                        + " is in the table though its RELEASE was acknowledged"));
            }
        }
        maybe.keySet().removeIf(s -> !table.containsKey(s));
        held.putAll(maybe); // an unanswered RELEASE that did not happen leaves a lease like any other
        maybe.clear();
        assertFalse(held.size() != table.size(), () -> why(when + ": table " + table.size() + " leases, expected " + held.size()));
    }

    private String why(String what) {
        String out;
        try {
            out = daemon == null ? "" : daemon.output();
        } catch (IOException e) {
            out = e.toString();
        }
        return what + " [seed " + seed + ", start " + starts + "]" + (out.isEmpty() ? "" : "\nlast daemon output:\n"
                + out.substring(Math.max(0, out.length() - 4000)));
    }
}
