package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.Listener;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.nio.channels.ServerSocketChannel;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the prober's findings do to answers: CHECK names who holds a port, the allocator skips held
 * ports, LIST shows a lease bound once its owner listens. Periodic probes are off (1h); PROBE makes
 * each probe happen exactly when the test says.
 */
@Timeout(60)
class ProbeTest {
    static final int SELF = (int) ProcessHandle.current().pid();

    TestDaemon d;
    int lo;

    @BeforeEach
    void start() throws Exception {
        lo = Ports.freeRunInDefaultRange(3);
        d = TestDaemon.start("--range", Ports.range(lo, 3), "--probe-interval", "1h");
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    /** The key=value fields after {@code OK <state>} of a CHECK status line. */
    static Map<String, String> checkFields(LineClient.Reply r, String state) {
        assertTrue(r.status().equals("OK " + state) || r.status().startsWith("OK " + state + " "), r.status());
        String rest = r.status().substring(("OK " + state).length()).trim();
        return rest.isEmpty() ? Collections.emptyMap() : LineClient.fields(rest);
    }

    @Test
    void checkAnswersInuseWithThePidAndCommandOfTheHolder() throws Exception {
        int port = lo + 1;
        assertEquals("OK free", d.call("CHECK " + port).status());
        try (Listener l = Listener.start(port)) {
            // Not probed yet: the bind test alone says the port is taken.
            checkFields(d.call("CHECK " + port), "inuse");
            assertTrue(d.call("PROBE").ok());
            Map<String, String> f = checkFields(d.call("CHECK " + port), "inuse");
            assertEquals(Integer.toString(l.pid()), f.get("pid"), f.toString());
            assertTrue(f.get("cmd").startsWith("python"), f.toString());
            LineClient.Reply json = d.call("JSON CHECK " + port);
            assertEquals("{\"ok\":true,\"state\":\"inuse\",\"pid\":" + l.pid() + ",\"cmd\":\"" + f.get("cmd") + "\"}",
                    json.status());
        }
        Poll.until("CHECK says free once the listener is gone and probed", () -> d.call("PROBE").ok()
                && d.call("CHECK " + port).status().equals("OK free"));
    }

    @Test
    void allocSkipsAPortInUse() throws Exception {
        try (ServerSocketChannel held = Ports.listen(lo)) {
            // Before any probe saw the listener (bind test), and after (the probe's table).
            assertEquals("OK " + (lo + 1), d.call("ALLOC a").status());
            assertTrue(d.call("PROBE").ok());
            assertEquals("OK " + (lo + 2), d.call("ALLOC b").status());
            assertEquals("EXHAUSTED", d.call("ALLOC c").code());
            assertEquals(Integer.toString(lo + 1), d.call("RELEASE a").value());
            assertEquals("OK " + (lo + 1), d.call("ALLOC c").status());
            // Asked for by number, the held port is refused with who holds it.
            LineClient.Reply taken = d.call("ALLOC e port=" + lo + " strict");
            assertEquals("TAKEN", taken.code());
            assertTrue(taken.status().contains("pid " + SELF), taken.status());
        }
    }

    @Test
    void listShowsBoundOnceTheOwnerListensAndLeasedWhenItStops() throws Exception {
        int port = Integer.parseInt(d.call("ALLOC web").value());
        assertEquals("leased", d.lease("web").get("state"));
        try (ServerSocketChannel l = Ports.listen(port)) {
            for (int i = 0; i < 3; i++) {
                assertTrue(d.call("PROBE").ok());
            }
            assertEquals("bound", d.lease("web").get("state"));
            assertEquals(1, Collections.frequency(d.events("web"), "bound"), d.events("web").toString());
            assertTrue(d.rows("CONFLICTS").stream().noneMatch(r -> r.get("port").equals(Integer.toString(port))));
        }
        assertTrue(d.call("PROBE").ok());
        assertEquals("leased", d.lease("web").get("state"));
    }

    /** Pipelined, as {@code printf 'PROBE\nLIST\n' | nc -U} sends it: the reads after PROBE see what it found. */
    @Test
    void readsPipelinedAfterProbeSeeItsFindings() throws Exception {
        int port = Integer.parseInt(d.call("ALLOC web").value());
        try (ServerSocketChannel owner = Ports.listen(port); Listener stranger = Listener.start(lo + 2);
             LineClient c = d.client()) {
            c.send("PROBE").send("LIST web").send("CONFLICTS");
            assertTrue(c.reply().ok());
            assertEquals("bound", c.reply().rows().get(0).get("state"));
            assertTrue(c.reply().rows().stream().anyMatch(r -> r.get("port").equals(Integer.toString(lo + 2))
                    && r.get("kind").equals("unmanaged")), "CONFLICTS after PROBE");
        }
    }
}
