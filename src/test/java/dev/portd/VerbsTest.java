package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.daemon.Portd;
import dev.portd.protocol.Row;
import dev.portd.protocol.Verbs;
import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every core verb over the socket, each with its success and its errors. One daemon on 100 free
 * ports; each test uses its own service names, so the tests do not see each other's leases.
 */
class VerbsTest {

    static final int SIZE = 100;
    static final long MY_PID = ProcessHandle.current().pid();
    static final String MY_UID = Integer.toString(dev.portd.daemon.Paths.uid());
    static TestDaemon daemon;
    static int lo;

    @BeforeAll
    static void start() throws Exception {
        lo = Ports.freeRun(SIZE);
        daemon = TestDaemon.start("--range", Ports.range(lo, SIZE));
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    static Reply call(String request) throws Exception {
        return daemon.call(request);
    }

    static int alloc(String request) throws Exception {
        Reply r = call(request);
        return Integer.parseInt(r.value());
    }

    /** The key=value pairs of one data line, read with the protocol's own rules. */
    static Map<String, String> fields(String line) {
        return Row.parse(line);
    }

    // ---- the connection ----

    @Test
    void pingSaysPong() throws Exception {
        assertEquals("OK PONG", call("PING").status());
        assertEquals("BADREQ", call("PING now").code());
    }

    @Test
    void versionNamesPortdAndTheProtocol() throws Exception {
        assertEquals("OK portd " + Portd.VERSION + " protocol=1", call("VERSION").status());
    }

    @Test
    void helpListsEveryVerbOneALine() throws Exception {
        Reply r = call("HELP");
        assertEquals(Verbs.all().size(), r.data().size());
        assertEquals("OK " + r.data().size(), r.status());
        for (String verb : List.of("PING", "VERSION", "HELP", "QUIT", "ALLOC", "GET", "RELEASE", "RENEW", "CHECK",
                "LIST", "FREE", "RESERVE", "UNRESERVE", "HISTORY", "ENV", "EXPORT", "STATS")) {
            assertTrue(r.data().stream().anyMatch(l -> l.startsWith(verb + " ") || l.equals(verb)), verb + " in " + r.data());
        }
    }

    @Test
    void helpOfOneVerbGivesItsWholeText() throws Exception {
        Reply r = call("HELP alloc");
        assertTrue(r.data().size() > 3, r.data().toString());
        assertTrue(r.data().get(0).startsWith("ALLOC <service>"), r.data().get(0));
        assertTrue(String.join("\n", r.data()).contains("strict"));
        assertEquals("NOTFOUND", call("HELP FROB").code());
        assertEquals("BADREQ", call("HELP ALLOC GET").code());
    }

    // ---- GET, RELEASE, RENEW ----

    @Test
    void getAnswersTheLeasedPort() throws Exception {
        int p = alloc("ALLOC get-a");
        assertEquals(Integer.toString(p), call("GET get-a").value());
        assertEquals("NOTFOUND", call("GET get-none").code());
        assertEquals("BADREQ", call("GET").code());
        assertEquals("BADREQ", call("GET -bad").code());
    }

    @Test
    void releaseByServiceAnswersThePortAndByPortTheService() throws Exception {
        int a = alloc("ALLOC rel-a");
        int b = alloc("ALLOC rel-b");
        assertEquals(Integer.toString(a), call("RELEASE rel-a").value());
        assertEquals("NOTFOUND", call("GET rel-a").code());
        assertEquals("NOTFOUND", call("RELEASE rel-a").code(), "a second release finds nothing");
        assertEquals("rel-b", call("RELEASE port=" + b).value());
        assertEquals("NOTFOUND", call("RELEASE port=" + b).code());
        assertEquals("BADREQ", call("RELEASE").code());
        assertEquals("BADREQ", call("RELEASE rel-b port=" + b).code(), "a service or a port, not both");
        assertEquals("BADREQ", call("RELEASE port=0").code());
    }

    @Test
    void renewPushesTheExpiryForward() throws Exception {
        alloc("ALLOC renew-a ttl=1h");
        Instant first = Instant.parse(fields(call("LIST renew-a").data().get(0)).get("expires"));
        assertTrue(call("RENEW renew-a ttl=2d").ok());
        Instant second = Instant.parse(fields(call("LIST renew-a").data().get(0)).get("expires"));
        assertTrue(second.isAfter(first.plusSeconds(24 * 3600)), first + " then " + second);
        assertTrue(call("RENEW renew-a").ok(), "without ttl= the lease's own ttl again");
        assertEquals("NOTFOUND", call("RENEW renew-none ttl=1h").code());
        assertEquals("BADREQ", call("RENEW renew-a ttl=0").code());
        assertEquals("BADREQ", call("RENEW renew-a ttl=soon").code());
    }

    @Test
    void renewOfALeaseWithoutTtlNeedsOne() throws Exception {
        alloc("ALLOC renew-b");
        assertEquals("CONFLICT", call("RENEW renew-b").code());
        assertFalse(fields(call("LIST renew-b").data().get(0)).containsKey("expires"), "no ttl, no expires");
        assertTrue(call("RENEW renew-b ttl=10m").ok());
        assertTrue(fields(call("LIST renew-b").data().get(0)).containsKey("expires"));
    }

    @Test
    void aTtlLeaseEndsUnlessRenewed() throws Exception {
        int p = alloc("ALLOC ttl-short ttl=1s");
        alloc("ALLOC ttl-renewed ttl=1s");
        assertTrue(call("RENEW ttl-renewed ttl=1h").ok());
        Poll.until("ttl-short expires", 20, () -> !call("GET ttl-short").ok());
        assertEquals("NOTFOUND", call("GET ttl-short").code());
        assertTrue(call("GET ttl-renewed").ok(), "renewed for an hour");
        List<String> events = call("HISTORY ttl-short").data().stream().map(l -> fields(l).get("event")).toList();
        assertEquals(List.of("alloc", "expire"), events);
        assertEquals("OK free", call("CHECK " + p).status());
    }

    // ---- CHECK, LIST ----

    @Test
    void checkTellsFreeLeasedAndReserved() throws Exception {
        int p = alloc("ALLOC check-a");
        assertEquals("OK leased service=check-a", call("CHECK " + p).status());
        assertEquals("OK leased service=check-a", call("CHECK " + p + " proto=udp").status());
        assertTrue(call("RELEASE check-a").ok());
        assertEquals("OK free", call("CHECK " + p).status());
        assertTrue(call("RESERVE " + p + " desc=\"kept for tests\"").ok());
        assertEquals("OK reserved desc=\"kept for tests\"", call("CHECK " + p).status());
        assertTrue(call("UNRESERVE " + p).ok());
        assertEquals("BADREQ", call("CHECK 0").code());
        assertEquals("BADREQ", call("CHECK web").code());
        assertEquals("BADREQ", call("CHECK " + p + " proto=sctp").code());
        assertEquals("BADREQ", call("CHECK").code());
    }

    @Test
    void listGivesEveryKeyInOrderSortedByPort() throws Exception {
        int b = alloc("ALLOC list-b desc=\"second one\" proto=udp ttl=1h");
        int a = alloc("ALLOC list-a port=" + (b + 1));
        Reply r = call("LIST list-?");
        assertEquals("OK 2", r.status());
        List<String> keys = new ArrayList<>(fields(r.data().get(0)).keySet());
        assertEquals(List.of("port", "service", "proto", "state", "uid", "since", "expires", "desc"), keys);
        Map<String, String> first = fields(r.data().get(0));
        assertEquals(Integer.toString(b), first.get("port"));
        assertEquals("list-b", first.get("service"));
        assertEquals("udp", first.get("proto"));
        assertEquals("leased", first.get("state"));
        assertEquals(MY_UID, first.get("uid"));
        assertEquals("second one", first.get("desc"));
        assertTrue(first.get("since").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), first.get("since"));
        Map<String, String> second = fields(r.data().get(1));
        assertEquals(Integer.toString(a), second.get("port"));
        assertEquals("tcp", second.get("proto"));
        assertFalse(second.containsKey("desc"));
        assertFalse(second.containsKey("expires"));
        assertEquals("OK 1", call("LIST list-a").status());
        assertEquals("OK 2", call("LIST list*").status());
        assertEquals("OK 0", call("LIST list").status(), "a glob matches the whole name");
        assertEquals("OK 0", call("LIST list-.").status(), "a dot is literal");
        assertEquals("BADREQ", call("LIST a b").code());
    }

    /** A glob that a regex engine backtracks on for hours must not hold up the event loop. */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aPathologicalGlobIsAnsweredAndHoldsUpNobody() throws Exception {
        String name = "a".repeat(64);
        alloc("ALLOC " + name);
        try (LineClient c = daemon.client()) {
            c.send("LIST " + "*a".repeat(30) + "Z");
            assertEquals("OK PONG", call("PING").status(), "another connection is served meanwhile");
            assertEquals("OK 0", c.reply().status());
            assertEquals("OK 1", c.call("LIST " + "*a".repeat(30) + "*").status());
        }
    }

    // ---- FREE, RESERVE, UNRESERVE (their own daemon: they count ports) ----

    @Test
    void freeListsRunsAndCountsPorts() throws Exception {
        int base = Ports.freeRun(10);
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(base, 10)); LineClient c = d.client()) {
            assertEquals(List.of(base + "-" + (base + 9)), c.call("FREE").data());
            assertEquals("OK 10", c.call("FREE").status());
            assertEquals("OK " + base, c.call("ALLOC free-a").status());
            assertEquals("OK 1", c.call("RESERVE " + (base + 2)).status());
            assertEquals("OK 2", c.call("RESERVE " + (base + 5) + "-" + (base + 6)).status());
            Reply r = c.call("FREE");
            assertEquals(List.of(Integer.toString(base + 1), (base + 3) + "-" + (base + 4), (base + 7) + "-" + (base + 9)),
                    r.data());
            assertEquals("OK 6", r.status(), "the status counts ports, not lines");
            Reply part = c.call("FREE range=" + (base + 4) + "-" + (base + 7));
            assertEquals(List.of(Integer.toString(base + 4), Integer.toString(base + 7)), part.data());
            assertEquals("OK 2", part.status());
            assertEquals("BADREQ", c.call("FREE range=" + (base + 5) + "-" + (base + 10)).code(), "outside the range");
            assertEquals("BADREQ", c.call("FREE range=9-8").code());
            assertEquals("BADREQ", c.call("FREE " + base).code());
        }
    }

    @Test
    void reserveKeepsPortsOutOfAutomaticChoiceAndCountsNewOnes() throws Exception {
        int base = Ports.freeRun(5);
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(base, 5)); LineClient c = d.client()) {
            assertEquals("OK 2", c.call("RESERVE " + base + "-" + (base + 1) + " desc=\"lab gear\"").status());
            assertEquals("OK 1", c.call("RESERVE " + base + "-" + (base + 2)).status(), "only new ones count");
            assertEquals("OK " + (base + 3), c.call("ALLOC res-a").status());
            assertEquals("TAKEN", c.call("ALLOC res-b port=" + base + " strict").code());
            assertTrue(c.call("ALLOC res-b port=" + base + " strict").status().contains("lab gear"));
            assertEquals("OK " + (base + 4), c.call("ALLOC res-b port=" + base).status(), "no strict: falls back");
            assertEquals("EXHAUSTED", c.call("ALLOC res-c").code());
            assertEquals("OK 1", c.call("UNRESERVE " + (base + 1)).status());
            assertEquals("OK 0", c.call("UNRESERVE " + (base + 1)).status());
            assertEquals("OK " + (base + 1), c.call("ALLOC res-c").status());
            assertEquals("OK 2", c.call("UNRESERVE " + base + "-" + (base + 4)).status());
            assertEquals("BADREQ", c.call("RESERVE").code());
            assertEquals("BADREQ", c.call("RESERVE 0").code());
            assertEquals("BADREQ", c.call("RESERVE 10-5").code());
            assertEquals("BADREQ", c.call("UNRESERVE x").code());
        }
    }

    @Test
    void reservingALeasedPortKeepsItOutAfterTheLeaseEnds() throws Exception {
        int base = Ports.freeRun(2);
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(base, 2)); LineClient c = d.client()) {
            assertEquals("OK " + base, c.call("ALLOC held").status());
            assertEquals("OK 1", c.call("RESERVE " + base).status());
            assertEquals("OK leased service=held", c.call("CHECK " + base).status(), "the lease still shows");
            assertEquals("OK " + base, c.call("RELEASE held").status());
            assertTrue(c.call("CHECK " + base).status().startsWith("OK reserved"));
            assertEquals("OK " + (base + 1), c.call("ALLOC next").status());
            assertEquals("EXHAUSTED", c.call("ALLOC third").code());
            assertEquals("OK 1", c.call("UNRESERVE " + base).status());
            assertEquals("OK " + base, c.call("ALLOC third").status());
            assertEquals("OK 1", c.call("RESERVE " + base).status());
            assertEquals("OK 1", c.call("UNRESERVE " + base).status());
            assertEquals("OK leased service=third", c.call("CHECK " + base).status(),
                    "unreserving a leased port leaves the lease alone");
            assertEquals("EXHAUSTED", c.call("ALLOC fourth").code(), "the leased port stays taken");
        }
    }

    // ---- HISTORY ----

    @Test
    void historyRecordsEachChangeWithWhoMadeIt() throws Exception {
        int p = alloc("ALLOC hist-a ttl=1h desc=\"first\"");
        assertTrue(call("RENEW hist-a").ok());
        assertTrue(call("RELEASE hist-a").ok());
        Reply r = call("HISTORY hist-a");
        assertEquals("OK 3", r.status());
        List<String> events = new ArrayList<>();
        for (String line : r.data()) {
            Map<String, String> f = fields(line);
            events.add(f.get("event"));
            assertEquals("hist-a", f.get("service"));
            assertEquals(Integer.toString(p), f.get("port"));
            assertEquals(MY_UID, f.get("uid"), line);
            assertEquals(Long.toString(MY_PID), f.get("pid"), "the pid of the client process: " + line);
            assertTrue(f.get("time").endsWith("Z"), line);
        }
        assertEquals(List.of("alloc", "renew", "release"), events);
        assertEquals("first", fields(r.data().get(0)).get("note"));
        Reply byPort = call("HISTORY port=" + p + " limit=1");
        assertEquals("OK 1", byPort.status());
        assertEquals("release", fields(byPort.data().get(0)).get("event"), "limit keeps the newest");
        assertEquals("OK 0", call("HISTORY hist-none").status());
        assertEquals("BADREQ", call("HISTORY hist-a port=" + p).code());
        assertEquals("BADREQ", call("HISTORY limit=0").code());
        assertEquals("BADREQ", call("HISTORY port=x").code());
    }

    @Test
    void historyShowsFiftyByDefault() throws Exception {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            requests.add("ALLOC hist-many");
            requests.add("RELEASE hist-many");
        }
        try (LineClient c = daemon.client()) {
            c.pipeline(requests).forEach(r -> assertTrue(r.ok(), r.status()));
            assertEquals("OK 50", c.call("HISTORY hist-many").status());
            assertEquals("OK 60", c.call("HISTORY hist-many limit=100").status());
        }
    }

    // ---- ENV, EXPORT ----

    @Test
    void envNamesAndFormats() throws Exception {
        int p = alloc("ALLOC my-api.v2");
        int q = alloc("ALLOC env_b");
        assertEquals(List.of("MY_API_V2_PORT=" + p), call("ENV my-api.v2").data());
        assertEquals(List.of("MY_API_V2_PORT=" + p, "ENV_B_PORT=" + q), call("ENV my-api.v2 env_b format=dotenv").data());
        assertEquals(List.of("export MY_API_V2_PORT=" + p), call("ENV my-api.v2 format=shell").data());
        assertEquals(List.of("MY_API_V2_PORT: \"" + p + "\""), call("ENV my-api.v2 format=compose").data());
        assertEquals(List.of("Environment=MY_API_V2_PORT=" + p), call("ENV my-api.v2 FORMAT=Systemd").data());
        assertEquals("BADREQ", call("ENV my-api.v2 format=yaml").code());
        assertEquals("NOTFOUND", call("ENV my-api.v2 env-none").code());
        Reply all = call("ENV");
        assertEquals(fields(call("STATS").data().stream().filter(l -> l.startsWith("leases=")).findFirst().get())
                .get("leases"), Integer.toString(all.data().size()), "ENV with no service: every lease");
    }

    @Test
    void exportWritesThePortsRegistryOrJson() throws Exception {
        int p = alloc("ALLOC export-a desc=\"Main web: UI\"");
        int q = alloc("ALLOC export-b");
        List<String> lines = call("EXPORT").data();
        assertTrue(lines.contains("export-a:" + p + ":Main web: UI"), lines.toString());
        assertTrue(lines.contains("export-b:" + q + ":"), lines.toString());
        assertEquals(lines, call("EXPORT format=ports").data());
        Reply json = call("EXPORT format=json");
        assertEquals(1, json.data().size());
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.data().get(0));
        assertEquals(p, doc.get("export-a").get("port").asInt());
        assertEquals("Main web: UI", doc.get("export-a").get("description").asText());
        assertEquals(q, doc.get("export-b").get("port").asInt());
        assertEquals("BADREQ", call("EXPORT format=csv").code());
        assertEquals("BADREQ", call("EXPORT export-a").code());
    }

    // ---- STATS ----

    @Test
    void statsHasTheContractKeys() throws Exception {
        Reply r = call("STATS");
        Map<String, String> stats = new java.util.LinkedHashMap<>();
        for (String line : r.data()) {
            int eq = line.indexOf('=');
            assertTrue(eq > 0, line);
            stats.put(line.substring(0, eq), line.substring(eq + 1));
        }
        for (String key : List.of("version", "uptime_s", "range", "policy", "leases", "free", "reserved", "conflicts",
                "connections", "requests", "commits", "last_probe", "store")) {
            assertTrue(stats.containsKey(key), key + " in " + stats.keySet());
        }
        assertEquals(Portd.VERSION, stats.get("version"));
        assertEquals(Ports.range(lo, SIZE), stats.get("range"));
        assertEquals("lowest", stats.get("policy"));
        assertEquals(daemon.data().resolve("portd.db").toString(), stats.get("store"));
        assertTrue(Integer.parseInt(stats.get("connections")) >= 1, "this connection counts");
    }

    @Test
    void statsCountsLeasesFreeReservedAndCommits() throws Exception {
        int base = Ports.freeRun(10);
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(base, 10)); LineClient c = d.client()) {
            Map<String, String> before = stats(c);
            assertTrue(c.call("ALLOC s-a").ok());
            assertTrue(c.call("ALLOC s-b").ok());
            assertTrue(c.call("RESERVE " + (base + 9)).ok());
            Map<String, String> after = stats(c);
            assertEquals("2", after.get("leases"));
            assertEquals("7", after.get("free"));
            assertEquals("1", after.get("reserved"));
            assertEquals(Long.parseLong(before.get("commits")) + 3, Long.parseLong(after.get("commits")));
            assertEquals(Long.parseLong(before.get("requests")) + 4, Long.parseLong(after.get("requests")));
            assertNotEquals(before.get("store"), "closed");
        }
    }

    static Map<String, String> stats(LineClient c) throws Exception {
        Map<String, String> out = new java.util.HashMap<>();
        for (String line : c.call("STATS").data()) {
            int eq = line.indexOf('=');
            out.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return out;
    }

    @Test
    void everyKnownVerbIsInTheTable() {
        Set<String> names = new java.util.HashSet<>();
        Verbs.all().forEach(v -> names.add(v.name()));
        assertTrue(names.containsAll(List.of("PING", "VERSION", "HELP", "QUIT", "ALLOC", "GET", "RELEASE", "RENEW",
                "CHECK", "LIST", "FREE", "RESERVE", "UNRESERVE", "HISTORY", "ENV", "EXPORT", "STATS")), names.toString());
    }
}
