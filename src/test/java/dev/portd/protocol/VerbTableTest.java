package dev.portd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.protocol.Verb.Trait;
import dev.portd.table.Caller;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The verb table's rows say what the dispatch and the connection do with each verb. */
class VerbTableTest {

    private static Set<String> with(Trait t) {
        Set<String> names = new TreeSet<>();
        Verbs.all().stream().filter(v -> v.is(t)).forEach(v -> names.add(v.name()));
        return names;
    }

    @Test
    void traitsNameTheVerbsThatHaveThem() {
        assertEquals(Set.of("ALLOC", "RELEASE", "RENEW", "RESERVE", "RESOLVE", "UNRESERVE"), with(Trait.WRITE));
        assertEquals(Set.of("PING", "QUIT", "UNWATCH"), with(Trait.WHILE_WATCHING));
        assertEquals(Set.of("BACKUP", "RESERVE", "UNRESERVE"), with(Trait.ADMIN));
        assertEquals(Set.of("QUIT", "UNWATCH", "WATCH"), with(Trait.CONNECTION));
        assertEquals(Set.of("BACKUP", "BACKUPS", "PROBE", "WAIT"), with(Trait.DEFERRED),
                "WAIT replies later; it does not need a connection");
        assertTrue(Verbs.writes(Request.parse("ALLOC web")));
        assertFalse(Verbs.writes(Request.parse("GET web")));
        assertFalse(Verbs.writes(Request.parse("NOSUCHVERB")));
        assertTrue(Verbs.whileWatching(Request.parse("PING")));
        assertFalse(Verbs.whileWatching(Request.parse("LIST")));
    }

    @Test
    void everyRowIsComplete() {
        for (Verb v : Verbs.all()) {
            assertTrue(v.usage().equals(v.name()) || v.usage().startsWith(v.name() + " "), v.usage());
            assertFalse(v.summary().isBlank(), v.name());
            assertTrue(v.minArgs() <= v.maxArgs(), v.name());
            assertFalse(v.is(Trait.WRITE) && v.is(Trait.DEFERRED), v.name());
        }
    }

    @Test
    void helpShowsTheColumnsOfAVerbsLines() throws Exception {
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(Ports.freeRun(5), 5))) {
            List<String> help = d.call("HELP LIST").data();
            assertEquals("LIST [GLOB]", help.get(0));
            assertTrue(help.contains("  Keys: port service proto state uid pid since expires desc health health_ms."), help.toString());
        }
    }

    /** JMX has no connection to quit, watch or unwatch: the dispatch says so instead of acting on none. */
    @Test
    void connectionVerbsAreRefusedWhereThereIsNoConnection() throws Exception {
        try (TestDaemon d = TestDaemon.start("--range", Ports.range(Ports.freeRun(5), 5))) {
            Caller root = new Caller(0, 0, "jmx");
            for (String verb : List.of("QUIT", "WATCH", "UNWATCH")) {
                Reply r = d.portd().execute(Request.parse(verb), root).get(10, TimeUnit.SECONDS);
                assertEquals("ERR BADREQ " + verb + " acts on a connection; there is none here", r.statusLine());
            }
            assertEquals("OK PONG", d.portd().execute(Request.parse("PING"), root).get(10, TimeUnit.SECONDS).statusLine());
        }
    }
}
