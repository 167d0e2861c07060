package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.protocol.Row;
import dev.portd.testing.LineClient;
import dev.portd.testing.LineClient.Reply;
import dev.portd.testing.TestDaemon;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Quoting, separators, case, and BADREQ/UNKNOWN with a message naming what was wrong. */
class RequestSyntaxTest {

    static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start();
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    static Reply call(String request) throws Exception {
        return daemon.call(request);
    }

    /** Asserts the request is refused with the code, its message mentioning {@code mention}. */
    static void refused(String code, String request, String mention) throws Exception {
        Reply r = call(request);
        assertEquals(code, r.code(), request + " -> " + r.status());
        assertTrue(r.status().contains(mention), request + " -> " + r.status() + " should mention " + mention);
    }

    @Test
    void quotedDescriptionWithEscapesRoundTrips() throws Exception {
        assertTrue(call("ALLOC quote-a desc=\"a \\\"b\\\" \\\\ c\"").ok());
        String line = call("LIST quote-a").data().get(0);
        assertTrue(line.endsWith(" desc=\"a \\\"b\\\" \\\\ c\""), line);
        assertEquals("a \"b\" \\ c", Row.parse(line).get("desc"));
        assertEquals(List.of("quote-a:" + call("GET quote-a").value() + ":a \"b\" \\ c"),
                call("EXPORT").data().stream().filter(l -> l.startsWith("quote-a:")).toList());
    }

    @Test
    void tabsSeparateAndCaseDoesNotMatterForVerbsKeysAndFlags() throws Exception {
        Reply a = call("alloc\tcase-a\tDESC=\"two  spaces\"\t");
        assertTrue(a.ok(), a.status());
        assertEquals(a.value(), call("Get case-a").value());
        assertEquals("two  spaces", Row.parse(call("LIST case-a").data().get(0)).get("desc"));
        // A tab inside quotes is kept by the tokenizer, but a description is printable text.
        refused("BADREQ", "ALLOC case-tab desc=\"tab\tinside\"", "control character");
        Reply b = call("ALLOC case-b PORT=" + a.value() + " STRICT");
        assertEquals("TAKEN", b.code(), "STRICT is the strict flag: " + b.status());
        assertEquals(a.value(), call("Release case-a").value());
    }

    @Test
    void serviceNamesKeepTheirCase() throws Exception {
        String upper = call("ALLOC Case-Kept").value();
        String lower = call("ALLOC case-kept").value();
        assertTrue(!upper.equals(lower), "Case-Kept and case-kept are two services");
        assertEquals(upper, call("GET Case-Kept").value());
    }

    @Test
    void malformedQuotingIsRefusedAndChangesNothing() throws Exception {
        refused("BADREQ", "ALLOC quote-bad desc=\"never closed", "unterminated");
        refused("BADREQ", "ALLOC quote-bad desc=\"ends in backslash\\", "unterminated");
        refused("BADREQ", "ALLOC quote-bad desc=\"new\\nline\"", "escape");
        assertEquals("NOTFOUND", call("GET quote-bad").code());
        assertEquals("OK 0", call("HISTORY quote-bad").status());
    }

    @Test
    void badRequestsNameWhatWasWrong() throws Exception {
        refused("UNKNOWN", "FROB web", "FROB");
        refused("BADREQ", "ALLOC", "ALLOC <service>");
        refused("BADREQ", "ALLOC bad-1 bad-2", "bad-2");
        refused("BADREQ", "ALLOC bad-1 strictly", "strictly");
        refused("BADREQ", "ALLOC bad-1 colour=red", "colour");
        refused("BADREQ", "ALLOC bad-1 port=http", "port");
        refused("BADREQ", "ALLOC bad-1 port=70000", "port");
        refused("BADREQ", "ALLOC bad-1 range=20000-", "range");
        refused("BADREQ", "ALLOC bad-1 range=20010-20000", "range");
        refused("BADREQ", "ALLOC bad-1 ttl=5x", "ttl");
        refused("BADREQ", "ALLOC bad-1 ttl=0", "ttl");
        refused("BADREQ", "ALLOC bad-1 proto=sctp", "proto");
        refused("BADREQ", "ALLOC bad-1 pid=abc", "pid");
        refused("BADREQ", "ALLOC bad-1 pid=2147483647", "2147483647");
        refused("BADREQ", "ALLOC bad-1 desc=\"" + "x".repeat(513) + "\"", "desc");
        refused("BADREQ", "ALLOC bad-1 port=1 PORT=2", "twice");
        refused("BADREQ", "ALLOC .hidden", ".hidden");
        refused("BADREQ", "ALLOC " + "x".repeat(65), "xxx");
        refused("BADREQ", "ALLOC bad\u0001", "control");
        refused("BADREQ", "GET web port=1", "port");
        refused("BADREQ", "LIST web strict", "strict");
        refused("BADREQ", "STATS now", "now");
        for (int i = 1; i < 20; i++) {
            assertEquals("NOTFOUND", call("GET bad-" + i).code());
        }
        assertEquals("OK 0", call("HISTORY bad-1").status(), "a refused request leaves no trace");
    }

    @Test
    void aFailedRequestCommitsNothing() throws Exception {
        String commits = stat("commits");
        try (LineClient c = daemon.client()) {
            for (String bad : List.of("ALLOC x port=0", "RELEASE nothing-here", "RENEW nothing-here ttl=1h",
                    "UNRESERVE 0", "ALLOC y range=1-2", "RELEASE port=1")) {
                assertTrue(!c.call(bad).ok(), bad);
            }
        }
        assertEquals(commits, stat("commits"));
    }

    static String stat(String key) throws Exception {
        return call("STATS").data().stream().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow()
                .substring(key.length() + 1);
    }
}
