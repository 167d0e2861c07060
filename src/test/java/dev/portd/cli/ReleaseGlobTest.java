package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.protocol.Row;
import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.Users;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RELEASE glob=PATTERN: every matching lease the caller may change, in one commit, and portctl release --glob. */
@Timeout(120)
class ReleaseGlobTest extends LiveDaemon {

    private Reply call(String request) throws Exception {
        return daemon.call(request);
    }

    private List<Reply> asNobody(String... requests) throws Exception {
        List<Reply> replies = LineClient.split(Users.asNobody(socket, requests));
        assertEquals(requests.length, replies.size(), "one reply per request: " + replies);
        return replies;
    }

    /** service -> uid of every lease. */
    private Map<String, String> leases() throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String line : call("LIST").data()) {
            Map<String, String> l = Row.parse(line);
            out.put(l.get("service"), l.get("uid"));
        }
        return out;
    }

    private long commits() throws Exception {
        for (String line : call("STATS").data()) {
            if (line.startsWith("commits=")) {
                return Long.parseLong(line.substring("commits=".length()));
            }
        }
        throw new AssertionError("no commits in STATS");
    }

    @Test
    void eachUserEndsOnlyTheLeasesItMayChangeAndRootEndsAnyone() throws Exception {
        Users.assumeCanSwitchToNobody();
        String nobody = Integer.toString(Users.NOBODY_UID);
        for (String s : List.of("ci-a", "ci-b", "web-a")) {
            assertTrue(call("ALLOC " + s).ok());
        }
        List<Reply> made = asNobody("ALLOC ci-n1", "ALLOC ci-n2", "ALLOC web-n", "RELEASE glob=ci-*", "RELEASE glob=ci-*");
        for (Reply r : made.subList(0, 3)) {
            assertTrue(r.ok(), r.status());
        }
        assertEquals("OK 2", made.get(3).status(), "nobody's two ci- leases, not root's");
        assertEquals("OK 0", made.get(4).status(), "root's leases are left alone and not counted");
        assertEquals(Map.of("ci-a", "0", "ci-b", "0", "web-a", "0", "web-n", nobody), leases());
        List<String> hist = call("HISTORY ci-n1").data();
        Map<String, String> ended = Row.parse(hist.get(hist.size() - 1));
        assertEquals("release", ended.get("event"));
        assertEquals(nobody, ended.get("uid"));
        assertEquals("glob ci-*", ended.get("note"));

        long before = commits();
        assertEquals("OK 2", call("RELEASE glob=web-?").status(), "root may end nobody's lease too");
        assertEquals(before + 1, commits(), "one batch: one commit for both leases");
        assertEquals(Map.of("ci-a", "0", "ci-b", "0"), leases());
        assertEquals("release", Row.parse(last(call("HISTORY web-n").data())).get("event"));
        assertEquals("0", Row.parse(last(call("HISTORY web-n").data())).get("uid"));
    }

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    @Test
    void manyLeasesEndInOneCommit() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertTrue(call("ALLOC batch-" + i).ok());
        }
        assertTrue(call("ALLOC keep-1").ok());
        long before = commits();
        assertEquals("OK 20", call("RELEASE glob=batch-*").status());
        assertEquals(before + 1, commits());
        assertEquals(Map.of("keep-1", "0"), leases());
        assertEquals(20, call("HISTORY limit=1000").data().stream()
                .filter(l -> l.contains("event=release") && l.contains("service=batch-")).count());
    }

    @Test
    void aPatternThatMatchesNothingIsOkZeroAndCommitsNothing() throws Exception {
        assertTrue(call("ALLOC alone").ok());
        long before = commits();
        assertEquals("OK 0", call("RELEASE glob=nothing-*").status());
        assertEquals("OK 0", call("RELEASE glob=alon").status(), "a glob matches the whole name");
        assertEquals(before, commits());
        assertEquals(Map.of("alone", "0"), leases());
        assertEquals("{\"ok\":true,\"released\":0}", call("JSON RELEASE glob=zz*").status());
    }

    @Test
    void aBadPatternOrAMixedRequestIsRefusedAndChangesNothing() throws Exception {
        assertTrue(call("ALLOC mixed").ok());
        for (String bad : List.of("RELEASE glob=", "RELEASE glob=a/b", "RELEASE glob=\"a b\"", "RELEASE mixed glob=*",
                "RELEASE port=20000 glob=*", "RELEASE glob=" + "*".repeat(129))) {
            assertEquals("BADREQ", call(bad).code(), bad);
        }
        assertEquals(Map.of("mixed", "0"), leases());
    }

    @Test
    void portctlReleaseGlobPrintsHowMany() throws Exception {
        assertTrue(call("ALLOC ci-1").ok());
        assertTrue(call("ALLOC ci-2").ok());
        assertTrue(call("ALLOC prod").ok());
        assertEquals(new Result(0, "2\n", ""), portctl("release", "--glob", "ci-*"));
        assertEquals(new Result(0, "0\n", ""), portctl("release", "--glob=ci-*"));
        assertEquals(Map.of("prod", "0"), leases());
    }
}
