package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.Fuzz;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listing;
import dev.portd.testing.Ports;
import dev.portd.testing.Seeds;
import dev.portd.testing.TestDaemon;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Hostile input over several connections at once: the daemon keeps answering, each line that is not
 * blank gets exactly one reply in order (checked by sentinel GETs with known answers between the
 * fuzz), no input ever gets ERR INTERNAL, the leases the test made are untouched, and the heap after
 * the run is about what it was before.
 */
class FuzzTest {
    static final int CONNECTIONS = 8;
    static final int LINES_PER_CONNECTION = 3_000;
    static final int BATCH = 100;
    static final int KEEP = 50;
    static final Set<String> CODES = Set.of("BADREQ", "UNKNOWN", "NOTFOUND", "TAKEN", "EXHAUSTED", "CONFLICT", "DENIED",
            "QUOTA", "BUSY", "TIMEOUT", "STORE");
    static final Pattern STATUS = Pattern.compile("^(OK|ERR)( |$)");

    @Test
    void fuzzedLinesGetOneReplyEachAndChangeNothingTheyShouldNot() throws Exception {
        long seed = Seeds.seed("FuzzTest");
        try (TestDaemon d = TestDaemon.start("--probe-interval", "1h")) {
            int keepLo = Ports.freeRun(KEEP);
            Map<String, String> kept = keepLeases(d, keepLo);
            long heapBefore = heapAfterGc();
            AtomicLong sent = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            List<Future<?>> runs = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                long connSeed = seed + c;
                runs.add(pool.submit(() -> {
                    fuzzOneConnection(d, new Fuzz(connSeed, keepLo, keepLo + KEEP - 1), connSeed, kept, sent);
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
            pool.shutdown();

            try (LineClient c = d.client()) {
                assertEquals("OK PONG", c.call("PING").status(), "the daemon still answers after the fuzz");
                Map<String, String> now = keptRows(c);
                assertEquals(kept, now, "seed " + seed + ": the leases on the kept ports changed");
            }
            long heapAfter = heapAfterGc();
            System.out.printf("FuzzTest: %d fuzz lines on %d connections; heap after GC %d MiB before, %d MiB after%n",
                    sent.get(), CONNECTIONS, heapBefore >> 20, heapAfter >> 20);
            assertTrue(heapAfter - heapBefore < 64L << 20, "seed " + seed + ": heap grew by "
                    + ((heapAfter - heapBefore) >> 20) + " MiB");
        }
    }

    /** Lines too long, thousands of blank lines, CR without LF: the edges of framing. */
    @Test
    void framingEdges() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            try (LineClient c = d.client()) {
                byte[] blanks = "\n \n\t\n\r\n".repeat(2500).getBytes(StandardCharsets.US_ASCII);
                c.sendRaw(blanks).send("PING");
                assertEquals("OK PONG", c.reply().status(), "10,000 blank lines get no reply");
                c.sendRaw("PING\rPING\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("BADREQ", c.reply().code(), "a CR inside a line is a control character");
                c.sendRaw(new byte[] {'P', 'I', 'N', 'G', 0, '\n'});
                assertEquals("BADREQ", c.reply().code());
                c.sendRaw(new byte[] {'G', 'E', 'T', ' ', (byte) 0xC3, '\n'});
                assertEquals("BADREQ", c.reply().code(), "invalid UTF-8");
                c.sendRaw("\"\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("BADREQ", c.reply().code(), "a lone quote");
                c.sendRaw(("GET " + "a".repeat(4090) + "\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("BADREQ", c.reply().code(), "4094 bytes is long but allowed");
                assertEquals("OK PONG", c.call("PING").status(), "the connection lives on after all that");
            }
            try (LineClient c = d.client()) {
                c.sendRaw(("ALLOC " + "a".repeat(5000) + "\nPING\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("TOOLONG", c.reply().code());
                assertTrue(c.closedByPeer(), "the connection is closed after TOOLONG");
            }
            try (LineClient c = d.client()) {
                byte[] endless = new byte[1 << 20]; // one MiB without a newline: cut off at 4096, not buffered
                Arrays.fill(endless, (byte) 'x');
                try {
                    c.sendRaw(endless);
                } catch (java.io.IOException closedEarly) {
                    // the daemon may close before we finish writing
                }
                assertEquals("TOOLONG", c.reply().code());
            }
            assertEquals("OK PONG", d.call("PING").status());
            assertTrue(d.call("LIST").data().isEmpty(), "nothing the edges sent became a lease");
        }
    }

    private void fuzzOneConnection(TestDaemon d, Fuzz fuzz, long seed, Map<String, String> kept, AtomicLong sent)
            throws Exception {
        List<String> keepNames = new ArrayList<>(kept.keySet());
        java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>(); // the last exchanges, for failures
        try (LineClient c = d.client()) {
            for (int done = 0; done < LINES_PER_CONNECTION; done += BATCH) {
                List<byte[]> lines = new ArrayList<>(BATCH + 1);
                for (int i = 0; i < BATCH; i++) {
                    lines.add(fuzz.line());
                }
                String sentinel = keepNames.get((done / BATCH) % keepNames.size());
                lines.add(("GET " + sentinel).getBytes(StandardCharsets.UTF_8));
                c.sendRaw(Fuzz.join(lines));
                for (byte[] line : lines.subList(0, BATCH)) {
                    if (Fuzz.replies(line) == 0) {
                        continue;
                    }
                    String shown = new String(line, StandardCharsets.UTF_8).replace("\r", "\\r").replace("\0", "\\0");
                    String what = "seed " + seed + ", after " + recent + ", line " + shown;
                    if (Fuzz.json(line)) {
                        String json = c.readLine();
                        assertNotNull(json, what + ": connection closed");
                        assertTrue(json.startsWith("{\"ok\":") && json.endsWith("}"), what + ": " + json);
                        assertFalse(json.contains("\"INTERNAL\""), what + ": " + json);
                        remember(recent, shown + " -> " + json);
                    } else {
                        LineClient.Reply r = c.reply();
                        for (String data : r.data()) {
                            assertFalse(STATUS.matcher(data).find(), what + ": a data line looks like a status line");
                        }
                        if (!r.ok()) {
                            assertTrue(CODES.contains(r.code()), what + ": " + r.status());
                        }
                        remember(recent, shown + " -> " + r.data().size() + " lines, " + r.status());
                    }
                }
                LineClient.Reply s = c.reply();
                assertEquals("OK " + Listing.fields(kept.get(sentinel)).get("port"), s.status(),
                        "seed " + seed + ": the sentinel after batch " + done / BATCH + " got someone else's reply");
                sent.addAndGet(BATCH);
            }
        }
    }

    private static void remember(java.util.ArrayDeque<String> recent, String exchange) {
        if (recent.size() == 3) {
            recent.removeFirst();
        }
        recent.addLast(exchange.length() > 300 ? exchange.substring(0, 300) + "..." : exchange);
    }

    /** Leases on ports the fuzz never names: any change to them is a bug. */
    private static Map<String, String> keepLeases(TestDaemon d, int keepLo) throws Exception {
        try (LineClient c = d.client()) {
            for (int i = 0; i < KEEP; i++) {
                int port = keepLo + i;
                assertEquals("OK " + port, c.call("ALLOC keep" + i + " port=" + port + " strict desc=\"kept " + i + "\"").status());
            }
            return keptRows(c);
        }
    }

    private static Map<String, String> keptRows(LineClient c) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : c.call("LIST keep*").data()) {
            out.put(Listing.fields(line).get("service"), line.replaceAll(" state=\\w+", ""));
        }
        return out;
    }

    private static long heapAfterGc() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return m.getHeapMemoryUsage().getUsed();
    }
}
