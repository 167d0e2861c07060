package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RESOLVE moves leases: to a new free port, to a given one, or by swapping; owner-checked and durable. */
@Timeout(60)
class ResolveTest {
    TestDaemon d;
    int lo;

    @BeforeEach
    void start() throws Exception {
        lo = Ports.freeRunInDefaultRange(6);
        d = TestDaemon.start("--range", Ports.range(lo, 6), "--probe-interval", "1h");
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    int port(String service) throws Exception {
        return Integer.parseInt(d.call("GET " + service).value());
    }

    @Test
    void resolveMovesTheLeaseToANewFreePortDurably() throws Exception {
        int old = Integer.parseInt(d.call("ALLOC web desc=\"the web\"").value());
        int moved = Integer.parseInt(d.call("RESOLVE web").value());
        assertNotEquals(old, moved);
        assertEquals(moved, port("web"));
        Map<String, String> last = d.rows("HISTORY web").get(1);
        assertEquals("resolve", last.get("event"));
        assertEquals(Integer.toString(moved), last.get("port"));
        assertEquals(Integer.toString(old), last.get("prev"));
        assertEquals("OK free", d.call("CHECK " + old).status());
        d.stop();
        d.startAgain();
        assertEquals(moved, port("web"));
        assertEquals("the web", d.lease("web").get("desc"));
    }

    @Test
    void resolveToAGivenPort() throws Exception {
        d.call("ALLOC web");
        int to = lo + 4;
        assertEquals("OK " + to, d.call("RESOLVE web port=" + to).status());
        assertEquals(to, port("web"));
        assertEquals("OK " + to, d.call("RESOLVE web port=" + to).status(), "already there");
    }

    @Test
    void resolveToATakenPortIsRefusedAndChangesNothing() throws Exception {
        int a = Integer.parseInt(d.call("ALLOC a").value());
        int b = Integer.parseInt(d.call("ALLOC b").value());
        assertEquals("TAKEN", d.call("RESOLVE a port=" + b).code());
        assertTrue(d.call("RESERVE " + (lo + 3)).ok());
        assertEquals("TAKEN", d.call("RESOLVE a port=" + (lo + 3)).code());
        try (ServerSocketChannel l = Ports.listen(lo + 4)) {
            assertEquals("TAKEN", d.call("RESOLVE a port=" + (lo + 4)).code());
        }
        assertEquals(a, port("a"));
        assertEquals(b, port("b"));
        assertEquals(List.of("alloc"), d.events("a"));
    }

    @Test
    void swapExchangesTwoLeasesPorts() throws Exception {
        int a = Integer.parseInt(d.call("ALLOC a").value());
        int b = Integer.parseInt(d.call("ALLOC b").value());
        assertEquals("OK " + b, d.call("RESOLVE a swap=b").status());
        assertEquals(b, port("a"));
        assertEquals(a, port("b"));
        assertEquals(List.of("alloc", "resolve"), d.events("a"));
        assertEquals(List.of("alloc", "resolve"), d.events("b"));
        d.stop();
        d.startAgain();
        assertEquals(b, port("a"));
        assertEquals(a, port("b"));
    }

    @Test
    void badResolvesAreRefused() throws Exception {
        d.call("ALLOC a");
        d.call("ALLOC b");
        assertEquals("NOTFOUND", d.call("RESOLVE nosuch").code());
        assertEquals("NOTFOUND", d.call("RESOLVE a swap=nosuch").code());
        assertEquals("BADREQ", d.call("RESOLVE a swap=a").code());
        assertEquals("BADREQ", d.call("RESOLVE a port=" + (lo + 5) + " swap=b").code());
        assertEquals("BADREQ", d.call("RESOLVE a port=0").code());
        for (int i = 0; i < 4; i++) {
            assertTrue(d.call("ALLOC fill" + i).ok());
        }
        assertEquals("EXHAUSTED", d.call("RESOLVE a").code(), "no free port left in the range");
        assertEquals(List.of("alloc"), d.events("a"));
    }

    @Test
    void onlyTheOwnerOrRootMayResolve() throws Exception {
        Users.assumeCanSwitchToNobody();
        int web = Integer.parseInt(d.call("ALLOC web").value());
        List<String> out = Users.asNobody(d.socket(), "ALLOC mine", "RESOLVE web", "RESOLVE mine swap=web",
                "RESOLVE web port=" + (lo + 5), "RESOLVE mine");
        assertEquals(5, out.size(), out.toString());
        int mine = Integer.parseInt(out.get(0).substring(3));
        assertTrue(out.get(1).startsWith("ERR DENIED "), out.get(1));
        assertTrue(out.get(2).startsWith("ERR DENIED "), out.get(2));
        assertTrue(out.get(3).startsWith("ERR DENIED "), out.get(3));
        int moved = Integer.parseInt(out.get(4).substring(3));
        assertNotEquals(mine, moved, "nobody may move its own lease");
        assertEquals(web, port("web"));
        // Root may move anyone's.
        assertEquals("OK " + web, d.call("RESOLVE mine swap=web").status());
        assertEquals(moved, port("web"));
    }
}
