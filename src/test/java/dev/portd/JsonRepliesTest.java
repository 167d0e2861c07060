package dev.portd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.daemon.Portd;
import dev.portd.testing.LineClient;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JSON prefix: exactly one line, one object, for every verb and every error. */
class JsonRepliesTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static TestDaemon daemon;
    static int lo;

    @BeforeAll
    static void start() throws Exception {
        lo = Ports.freeRun(20);
        daemon = TestDaemon.start("--range", Ports.range(lo, 20));
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    /** Sends a JSON request and reads exactly one line, which must be a JSON object. */
    static JsonNode json(LineClient c, String request) throws Exception {
        c.send(request);
        String line = c.readLine();
        JsonNode n = MAPPER.readTree(line);
        assertTrue(n.isObject(), line);
        assertTrue(n.get("ok").isBoolean(), line);
        return n;
    }

    static JsonNode json(String request) throws Exception {
        try (LineClient c = daemon.client()) {
            JsonNode n = json(c, request);
            assertEquals("OK PONG", c.call("PING").status(), "nothing after the one JSON line: " + request);
            return n;
        }
    }

    static void assertError(String code, JsonNode n) {
        assertFalse(n.get("ok").asBoolean(), n.toString());
        assertEquals(code, n.get("error").asText(), n.toString());
        assertFalse(n.get("message").asText().isEmpty(), n.toString());
    }

    @Test
    void simpleResultsAreNamedFields() throws Exception {
        assertEquals("{\"ok\":true,\"result\":\"PONG\"}", json("JSON PING").toString());
        JsonNode v = json("json version");
        assertEquals(Portd.VERSION, v.get("version").asText());
        assertEquals(1, v.get("protocol").asInt());
        JsonNode a = json("JSON ALLOC json-a desc=\"say \\\"hi\\\"\"");
        assertTrue(a.get("port").isInt(), a.toString());
        assertEquals(a.get("port").asInt(), json("JSON GET json-a").get("port").asInt());
        assertEquals("leased", json("JSON CHECK " + a.get("port").asInt()).get("state").asText());
        assertEquals("json-a", json("JSON CHECK " + a.get("port").asInt()).get("service").asText());
        assertEquals("json-a", json("JSON RELEASE port=" + a.get("port").asInt()).get("service").asText());
    }

    @Test
    void listsGoUnderItems() throws Exception {
        int p = json("JSON ALLOC json-list desc=\"say \\\"hi\\\" \\\\ bye\" ttl=1h").get("port").asInt();
        JsonNode l = json("JSON LIST json-list");
        assertEquals(1, l.get("count").asInt());
        JsonNode item = l.get("items").get(0);
        assertEquals(p, item.get("port").asInt());
        assertTrue(item.get("port").isInt());
        assertEquals("json-list", item.get("service").asText());
        assertEquals("say \"hi\" \\ bye", item.get("desc").asText(), "JSON carries the unescaped text");
        assertEquals(dev.portd.daemon.Paths.uid(), item.get("uid").asInt());
        assertTrue(item.get("expires").asText().endsWith("Z"));
        JsonNode empty = json("JSON LIST nothing-*");
        assertEquals(0, empty.get("count").asInt());
        assertTrue(empty.get("items").isArray());
        assertEquals(0, empty.get("items").size());

        JsonNode env = json("JSON ENV json-list format=shell");
        assertEquals("JSON_LIST_PORT", env.get("items").get(0).get("name").asText());
        assertEquals(p, env.get("items").get(0).get("port").asInt());
        JsonNode help = json("JSON HELP");
        assertTrue(help.get("items").size() >= 17);
        assertEquals("PING", help.get("items").get(0).get("verb").asText());
        JsonNode hist = json("JSON HISTORY json-list");
        assertEquals("alloc", hist.get("items").get(0).get("event").asText());
    }

    @Test
    void freeListsItsRunsUnderItemsToo() throws Exception {
        JsonNode f = json("JSON FREE range=" + (lo + 18) + "-" + (lo + 19));
        assertEquals(2, f.get("free").asInt(), f.toString());
        assertTrue(f.has("items"), "FREE's runs are its result: " + f);
        assertEquals(lo + 18, f.get("items").get(0).get("lo").asInt(), f.toString());
        assertEquals(lo + 19, f.get("items").get(0).get("hi").asInt(), f.toString());
    }

    @Test
    void statsPairsAreFields() throws Exception {
        JsonNode s = json("JSON STATS");
        for (String key : List.of("version", "uptime_s", "range", "policy", "leases", "free", "reserved", "conflicts",
                "connections", "requests", "commits", "last_probe", "store")) {
            assertTrue(s.has(key), key + " in " + s);
        }
        assertTrue(s.get("leases").isInt(), s.toString());
        assertEquals(Ports.range(lo, 20), s.get("range").asText());
    }

    @Test
    void exportJsonIsADocument() throws Exception {
        int p = json("JSON ALLOC json-export desc=x").get("port").asInt();
        JsonNode e = json("JSON EXPORT format=json");
        JsonNode doc = e.get("items").get(0).get("document");
        assertEquals(p, doc.get("json-export").get("port").asInt(), e.toString());
    }

    @Test
    void everyKindOfErrorIsOneJsonObject() throws Exception {
        assertError("UNKNOWN", json("JSON FROB"));
        assertError("BADREQ", json("JSON ALLOC json-bad desc=\"unterminated"));
        assertError("BADREQ", json("JSON ALLOC json-bad desc=\"bad \\n escape\""));
        assertError("BADREQ", json("JSON ALLOC json-bad port=x"));
        assertError("BADREQ", json("JSON"));
        assertError("BADREQ", json("json\tALLOC json-bad bogus=1"));
        assertError("NOTFOUND", json("JSON GET json-none"));
        int p = json("JSON ALLOC json-taken").get("port").asInt();
        JsonNode taken = json("JSON ALLOC json-other port=" + p + " strict");
        assertError("TAKEN", taken);
        assertTrue(taken.get("message").asText().contains("json-taken"), taken.toString());
        assertError("CONFLICT", json("JSON ALLOC json-taken port=" + (p == lo ? lo + 1 : lo)));
    }

    @Test
    void invalidUtf8AfterTheJsonPrefixGetsAJsonError() throws Exception {
        try (LineClient c = daemon.client()) {
            c.sendRaw(new byte[] {'J', 'S', 'O', 'N', ' ', 'G', 'E', 'T', ' ', (byte) 0xff, '\n'});
            JsonNode n = MAPPER.readTree(c.readLine());
            assertError("BADREQ", n);
            assertTrue(n.get("message").asText().contains("UTF-8"), n.toString());
            c.sendRaw(new byte[] {'G', 'E', 'T', ' ', (byte) 0xff, '\n'});
            assertTrue(c.readLine().startsWith("ERR BADREQ "), "no prefix, a text reply");
        }
    }

    @Test
    void jsonAndTextInterleaveOnOneConnection() throws Exception {
        try (LineClient c = daemon.client()) {
            c.send("JSON PING").send("PING").send("JSON LIST").send("LIST json-nothing").send("JSON QUIT");
            assertTrue(MAPPER.readTree(c.readLine()).get("ok").asBoolean());
            assertEquals("OK PONG", c.readLine());
            assertTrue(MAPPER.readTree(c.readLine()).has("items"));
            assertEquals("OK 0", c.readLine());
            assertEquals("{\"ok\":true,\"result\":\"bye\"}", c.readLine());
            assertTrue(c.closedByPeer());
        }
    }
}
