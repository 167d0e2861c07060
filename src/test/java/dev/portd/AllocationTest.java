package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.protocol.Row;
import dev.portd.probe.BindCheck;
import dev.portd.table.Policy;
import dev.portd.table.Transport;
import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ALLOC's rules and the four policies. Each test has its own daemon on its own free ports. */
class AllocationTest {

    /** A fresh daemon managing {@code n} free ports starting at the returned daemon's {@code base}. */
    record Fresh(TestDaemon daemon, int base, LineClient client) implements AutoCloseable {
        static Fresh of(int n, String... flags) throws Exception {
            int base = Ports.freeRun(n);
            List<String> args = new ArrayList<>(List.of("--range", Ports.range(base, n)));
            args.addAll(List.of(flags));
            TestDaemon d = TestDaemon.start(args.toArray(String[]::new));
            return new Fresh(d, base, d.client());
        }

        Reply call(String request) throws Exception {
            return client.call(request);
        }

        int alloc(String request) throws Exception {
            return Integer.parseInt(call(request).value());
        }

        @Override
        public void close() throws Exception {
            client.close();
            daemon.close();
        }
    }

    @Test
    void aServiceThatHoldsALeaseGetsTheSamePort() throws Exception {
        try (Fresh f = Fresh.of(5)) {
            int p = f.alloc("ALLOC web");
            assertEquals(p, f.alloc("ALLOC web"));
            assertEquals(p, f.alloc("ALLOC web port=" + p));
            assertEquals(p, f.alloc("ALLOC web port=" + p + " strict"));
            Reply other = f.call("ALLOC web port=" + (p + 1));
            assertEquals("CONFLICT", other.code());
            assertTrue(other.status().contains(Integer.toString(p)), "names the port held: " + other.status());
            assertEquals("OK 1", f.call("LIST").status());
            assertEquals(p, f.alloc("ALLOC web ttl=1h"));
            assertTrue(Row.parse(f.call("LIST web").data().get(0)).containsKey("expires"), "the ttl was taken");
            assertEquals(p, f.alloc("ALLOC web"));
            assertEquals(List.of("alloc", "renew"), events(f, "web"));
        }
    }

    static List<String> events(Fresh f, String service) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : f.call("HISTORY " + service).data()) {
            out.add(Row.parse(line).get("event"));
        }
        return out;
    }

    @Test
    void anExplicitFreePortIsLeasedEvenOutsideTheManagedRange() throws Exception {
        int outside = Ports.freeRun(1);
        try (Fresh f = Fresh.of(5)) {
            assertEquals(f.base + 3, f.alloc("ALLOC inside port=" + (f.base + 3)));
            assertEquals(outside, f.alloc("ALLOC outside port=" + outside + " strict"));
            assertEquals("OK leased service=outside", f.call("CHECK " + outside).status());
            assertEquals("OK 4", f.call("FREE").status(), "a port outside the range does not count as the range's");
            assertEquals(f.base, f.alloc("ALLOC auto"));
        }
    }

    @Test
    void aTakenPortFallsBackOrWithStrictIsRefusedNamingTheHolder() throws Exception {
        try (Fresh f = Fresh.of(5)) {
            int p = f.alloc("ALLOC holder");
            Reply strict = f.call("ALLOC wants port=" + p + " strict");
            assertEquals("TAKEN", strict.code());
            assertTrue(strict.status().contains("holder"), strict.status());
            assertEquals("NOTFOUND", f.call("GET wants").code(), "TAKEN leased nothing");
            int fallback = f.alloc("ALLOC wants port=" + p);
            assertNotEquals(p, fallback);
            assertEquals(f.base + 1, fallback, "the fallback follows the policy");
        }
    }

    @Test
    void rangeLimitsTheChoiceAndMustLieInsideTheManagedRange() throws Exception {
        try (Fresh f = Fresh.of(10)) {
            String r = (f.base + 5) + "-" + (f.base + 6);
            assertEquals(f.base + 5, f.alloc("ALLOC r1 range=" + r));
            assertEquals(f.base + 6, f.alloc("ALLOC r2 range=" + r));
            Reply full = f.call("ALLOC r3 range=" + r);
            assertEquals("EXHAUSTED", full.code());
            assertTrue(full.status().contains(r), full.status());
            assertEquals(f.base, f.alloc("ALLOC r3"), "the rest of the range is still free");
            assertEquals("BADREQ", f.call("ALLOC r4 range=" + (f.base + 5) + "-" + (f.base + 10)).code());
            assertEquals("BADREQ", f.call("ALLOC r4 range=" + (f.base - 1) + "-" + (f.base + 1)).code());
            assertEquals("NOTFOUND", f.call("GET r4").code());
        }
    }

    @Test
    void exhaustionChangesNothingAndAReleaseFreesAPortAgain() throws Exception {
        try (Fresh f = Fresh.of(5)) {
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                ports.add(f.alloc("ALLOC svc-" + i));
            }
            assertEquals(5, ports.size());
            String commits = stat(f, "commits");
            Reply r = f.call("ALLOC svc-5");
            assertEquals("EXHAUSTED", r.code());
            assertTrue(r.status().contains(Ports.range(f.base, 5)), r.status());
            assertEquals(commits, stat(f, "commits"), "a refused ALLOC commits nothing");
            assertEquals("OK 5", f.call("LIST").status());
            assertEquals("OK 0", f.call("FREE").status());
            assertEquals(Integer.toString(f.base + 2), f.call("RELEASE svc-2").value());
            assertEquals(f.base + 2, f.alloc("ALLOC svc-5"));
        }
    }

    static String stat(Fresh f, String key) throws Exception {
        return f.call("STATS").data().stream().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow()
                .substring(key.length() + 1);
    }

    @Test
    void changesPipelinedIntoOneBatchSeeEachOtherAndARefusalInTheMiddleUndoesOnlyItself() throws Exception {
        try (Fresh f = Fresh.of(5)) {
            int b = f.base;
            List<Reply> r = f.client.pipeline(List.of("ALLOC a", "ALLOC b port=" + b + " strict", "ALLOC c",
                    "RELEASE a", "ALLOC d", "RELEASE nobody-here", "ALLOC e port=" + (b + 1) + " strict"));
            assertEquals("OK " + b, r.get(0).status());
            assertEquals("TAKEN", r.get(1).code(), "b sees a's lease from the same batch");
            assertEquals("OK " + (b + 1), r.get(2).status(), "the refusal of b left a in place");
            assertEquals("OK " + b, r.get(3).status());
            assertEquals("OK " + b, r.get(4).status(), "d gets the port a released in the same batch");
            assertEquals("NOTFOUND", r.get(5).code());
            assertEquals("TAKEN", r.get(6).code());
            assertEquals(List.of("c", "d"), f.call("LIST").data().stream().map(l -> Row.parse(l).get("service")).sorted()
                    .toList());
        }
    }

    @Test
    void racingClientsGetOneLeasePerServiceAndOnePerPort() throws Exception {
        int clients = 8;
        try (Fresh f = Fresh.of(5)) {
            List<List<Reply>> results = race(f.daemon, clients, k -> List.of(
                    "ALLOC shared", "ALLOC strict-" + k + " port=" + (f.base + 4) + " strict", "ALLOC own-" + k));
            Set<String> sharedPorts = new HashSet<>();
            int strictWins = 0;
            int exhausted = 0;
            Set<String> ownPorts = new HashSet<>();
            for (List<Reply> r : results) {
                sharedPorts.add(r.get(0).value());
                strictWins += r.get(1).ok() ? 1 : 0;
                if (!r.get(1).ok()) {
                    assertEquals("TAKEN", r.get(1).code(), r.get(1).status());
                }
                if (r.get(2).ok()) {
                    assertTrue(ownPorts.add(r.get(2).value()), "port " + r.get(2).value() + " handed out twice");
                } else {
                    assertEquals("EXHAUSTED", r.get(2).code(), r.get(2).status());
                    exhausted++;
                }
            }
            assertEquals(1, sharedPorts.size(), "every client got the one lease of 'shared': " + sharedPorts);
            assertEquals(1, strictWins, "exactly one client got the strict port");
            assertEquals(3, ownPorts.size(), "5 ports: shared, the strict one, and 3 more");
            assertEquals(clients - 3, exhausted);
            assertEquals("OK 5", f.call("LIST").status());
        }
    }

    /** Runs each client's requests on its own connection, all released at once; returns replies per client. */
    static List<List<Reply>> race(TestDaemon d, int clients, java.util.function.IntFunction<List<String>> requests)
            throws Exception {
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(clients);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<List<Reply>>> futures = new ArrayList<>();
            for (int k = 0; k < clients; k++) {
                int id = k;
                futures.add(pool.submit(() -> {
                    try (LineClient c = d.client()) {
                        List<Reply> out = new ArrayList<>();
                        go.await();
                        for (String req : requests.apply(id)) {
                            out.add(c.call(req));
                        }
                        return out;
                    }
                }));
            }
            List<List<Reply>> all = new ArrayList<>();
            for (var fu : futures) {
                all.add(fu.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- policies ----

    @Test
    void lowestTakesTheLowestFreePort() throws Exception {
        try (Fresh f = Fresh.of(5, "--policy", "lowest")) {
            assertEquals(f.base, f.alloc("ALLOC a"));
            assertEquals(f.base + 1, f.alloc("ALLOC b"));
            assertEquals(f.base + 2, f.alloc("ALLOC c"));
            f.call("RELEASE a");
            assertEquals(f.base, f.alloc("ALLOC d"));
        }
    }

    @Test
    void sequentialContinuesAfterTheLastPortWrapsAndSurvivesARestart() throws Exception {
        try (Fresh f = Fresh.of(4, "--policy", "sequential")) {
            assertEquals(f.base, f.alloc("ALLOC a"));
            assertEquals(f.base + 1, f.alloc("ALLOC b"));
            f.call("RELEASE a");
            assertEquals(f.base + 2, f.alloc("ALLOC c"), "not the freed lower port");
            f.client.close();
            f.daemon.stop();
            f.daemon.startAgain();
            try (LineClient c = f.daemon.client()) {
                assertEquals("OK " + (f.base + 3), c.call("ALLOC d").status(), "the last port is remembered");
                assertEquals("OK " + f.base, c.call("ALLOC e").status(), "then it wraps to the bottom");
                assertEquals("EXHAUSTED", c.call("ALLOC f").code());
            }
        }
    }

    @Test
    void randomStaysInTheRangeAndFillsIt() throws Exception {
        try (Fresh f = Fresh.of(10, "--policy", "random")) {
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                int p = f.alloc("ALLOC r" + i);
                assertTrue(p >= f.base && p < f.base + 10, "port " + p);
                got.add(p);
            }
            assertEquals(10, got.size());
            assertEquals("EXHAUSTED", f.call("ALLOC r10").code());
        }
    }

    @Test
    void stableGivesTheSamePortForTheSameNameOnTwoFreshDaemons() throws Exception {
        int base = Ports.freeRun(100);
        String range = Ports.range(base, 100);
        int expected = Policy.STABLE.start(base, base + 99, "billing-api", 0);
        int first;
        try (TestDaemon d = TestDaemon.start("--range", range, "--policy", "stable")) {
            first = Integer.parseInt(d.call("ALLOC billing-api").value());
        }
        assertEquals(expected, first, "the start is hashed from the name");
        try (TestDaemon d = TestDaemon.start("--range", range, "--policy", "stable"); LineClient c = d.client()) {
            // Other services first, on ports other than billing-api's.
            for (String other : List.of("web", "db", "cache")) {
                int p = Integer.parseInt(c.call("ALLOC " + other).value());
                if (p == expected) {
                    c.call("RELEASE " + other);
                }
            }
            assertEquals("OK " + first, c.call("ALLOC billing-api").status());
            // When the stable port is taken, the walk goes up from it.
            c.call("RELEASE billing-api");
            c.call("ALLOC squatter port=" + expected);
            int next = Integer.parseInt(c.call("ALLOC billing-api").value());
            int want = expected;
            String holder;
            do {
                want = want == base + 99 ? base : want + 1;
                holder = c.call("CHECK " + want).status();
            } while (holder.startsWith("OK leased service=") && !holder.equals("OK leased service=billing-api"));
            assertEquals(want, next, "the first port above " + expected + " not leased to another service");
        }
    }

    // ---- privileged ports ----

    @Test
    void rootMayLeaseAPortBelow1024() throws Exception {
        int low = -1;
        for (int p = 1023; p > 900; p--) {
            if (BindCheck.canBind(p, Transport.TCP)) {
                low = p;
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.portd.daemon.Paths.uid() == 0, "needs root");
        org.junit.jupiter.api.Assumptions.assumeTrue(low > 0, "no free port in 901-1023");
        try (Fresh f = Fresh.of(2)) {
            assertEquals(low, f.alloc("ALLOC low port=" + low + " strict"));
        }
    }

    @Test
    void pidAndDescAreRecorded() throws Exception {
        long me = ProcessHandle.current().pid();
        try (Fresh f = Fresh.of(2)) {
            f.alloc("ALLOC withpid pid=" + me + " desc=\"bound to the test JVM\" proto=both");
            var row = Row.parse(f.call("LIST withpid").data().get(0));
            assertEquals(Long.toString(me), row.get("pid"));
            assertEquals("both", row.get("proto"));
            assertEquals("bound to the test JVM", row.get("desc"));
        }
    }
}
