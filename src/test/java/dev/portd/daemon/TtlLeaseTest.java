package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leases with a ttl end unless renewed; the probe interval plays no part (it is 1h here). */
@Timeout(60)
class TtlLeaseTest {
    TestDaemon d;

    @BeforeEach
    void start() throws Exception {
        int lo = Ports.freeRunInDefaultRange(4);
        d = TestDaemon.start("--range", Ports.range(lo, 4), "--probe-interval", "1h");
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    @Test
    void aTtlLeaseExpires() throws Exception {
        int port = Integer.parseInt(d.call("ALLOC t ttl=1s").value());
        assertTrue(d.call("ALLOC u ttl=1500ms").ok());
        assertNotNull(d.lease("t").get("expires"));
        Poll.until("the ttl leases are gone", () -> d.lease("t") == null && d.lease("u") == null);
        assertEquals(List.of("alloc", "expire"), d.events("t"));
        assertEquals(List.of("alloc", "expire"), d.events("u"));
        assertEquals("OK free", d.call("CHECK " + port).status());
    }

    @Test
    void renewKeepsALeasePastItsFirstExpiry() throws Exception {
        try (LineClient c = d.client()) {
            // One batch: both leases get the same expiry; then keep's is pushed an hour on.
            c.send("ALLOC keep ttl=1s").send("ALLOC gone ttl=1s").send("RENEW keep ttl=1h");
            for (int i = 0; i < 3; i++) {
                assertTrue(c.reply().ok());
            }
        }
        Instant first = Instant.parse(d.lease("gone").get("expires"));
        assertTrue(Instant.parse(d.lease("keep").get("expires")).isAfter(first.plusSeconds(3000)));
        Poll.until("the lease that was not renewed expires", () -> d.lease("gone") == null);
        assertNotNull(d.lease("keep"), "the renewed lease outlived the other one");
        assertEquals(List.of("alloc", "renew"), d.events("keep"));
        // Without ttl= the lease's own (last) ttl is used again.
        assertTrue(d.call("RENEW keep").ok());
        assertTrue(d.call("ALLOC plain").ok());
        assertEquals("CONFLICT", d.call("RENEW plain").code(), "a lease without a ttl has nothing to renew");
    }

    @Test
    void aTtlThatRanOutWhileTheDaemonWasDownEndsAfterStart() throws Exception {
        d.call("ALLOC t ttl=1s");
        long expires = Instant.parse(d.lease("t").get("expires")).toEpochMilli() + 1000; // LIST drops the millis
        d.stop();
        Poll.until("the ttl has run out", () -> System.currentTimeMillis() > expires);
        d.startAgain();
        Poll.until("the lease is gone after start", () -> d.lease("t") == null);
        assertEquals(List.of("alloc", "expire"), d.events("t"));
    }

    @Test
    void badTtlsAreRefused() throws Exception {
        assertEquals("BADREQ", d.call("ALLOC t ttl=0").code());
        assertEquals("BADREQ", d.call("ALLOC t ttl=0ms").code());
        assertEquals("BADREQ", d.call("ALLOC t ttl=5sms").code());
        assertEquals("BADREQ", d.call("ALLOC t ttl=-1s").code());
        assertEquals("BADREQ", d.call("ALLOC t ttl=1x").code());
        assertEquals("NOTFOUND", d.call("RENEW t").code());
        assertTrue(d.rows("LIST").isEmpty());
    }
}
