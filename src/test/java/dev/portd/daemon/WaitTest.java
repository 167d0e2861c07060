package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.LineClient;
import dev.portd.testing.Listener;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WAIT against real listeners. Periodic probes are off (1h): a waiter must find its listener on its
 * own. No thread waits per waiter, so the waiter count is the daemon's whole cost of a WAIT.
 */
@Timeout(60)
class WaitTest {
    static final int SELF = (int) ProcessHandle.current().pid();

    TestDaemon d;
    int lo;

    @BeforeEach
    void start() throws Exception {
        lo = Ports.freeRunInDefaultRange(4);
        d = TestDaemon.start("--range", Ports.range(lo, 4), "--probe-interval", "1h");
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    int waiters() {
        return d.portd().monitor().waiterCount();
    }

    @Test
    void waitAnswersWhenAListenerStartsLate() throws Exception {
        int port = Integer.parseInt(d.call("ALLOC web").value());
        try (LineClient c = d.client()) {
            // Pipelined like `printf 'WAIT web\nLIST web\n' | nc -U`: LIST comes after WAIT and shows what it waited for.
            c.send("WAIT web timeout=20s").send("LIST web");
            Poll.until("the daemon holds the waiter", () -> waiters() == 1);
            try (Listener l = Listener.later(port, 300)) {
                assertEquals("OK bound pid=" + l.pid(), c.reply().status());
                assertEquals("bound", c.reply().rows().get(0).get("state"));
            }
        }
        assertEquals(0, waiters());
    }

    @Test
    void waitByPortOnAPortAlreadyListenedOn() throws Exception {
        int port = Ports.freeRunInDefaultRange(1);
        try (ServerSocketChannel l = Ports.listen(port)) {
            assertEquals("OK bound pid=" + SELF, d.call("WAIT port=" + port).status());
            LineClient.Reply json = d.call("JSON WAIT port=" + port + " timeout=5s");
            assertEquals("{\"ok\":true,\"state\":\"bound\",\"pid\":" + SELF + "}", json.status());
        }
    }

    /** A service restarting: the last probe saw its old process, which is gone; WAIT waits for the new one. */
    @Test
    void aListenerTheLastProbeSawButThatIsGoneDoesNotAnswerAWait() throws Exception {
        int port = lo + 3;
        try (Listener old = Listener.start(port)) {
            assertTrue(d.call("PROBE").ok());
            assertEquals("OK inuse pid=" + old.pid(), d.call("CHECK " + port).status().replaceFirst(" cmd=.*", ""));
        }
        try (LineClient c = d.client()) {
            c.send("WAIT port=" + port + " timeout=20s");
            Poll.until("the daemon holds the waiter", () -> waiters() == 1);
            try (Listener restarted = Listener.start(port)) {
                assertEquals("OK bound pid=" + restarted.pid(), c.reply().status());
            }
        }
    }

    @Test
    void waitTimesOut() throws Exception {
        LineClient.Reply r = d.call("WAIT port=" + (lo + 3) + " timeout=1s");
        assertEquals("TIMEOUT", r.code());
        assertEquals(0, waiters());
        assertTrue(d.call("PING").ok());
    }

    @Test
    void closingTheConnectionCancelsTheWait() throws Exception {
        try (LineClient c = d.client(); LineClient other = d.client()) {
            c.send("WAIT port=" + (lo + 3) + " timeout=300s");
            other.send("WAIT port=" + (lo + 2) + " timeout=300s");
            Poll.until("both waits are held", () -> waiters() == 2);
            c.close();
            Poll.until("the closed connection's wait is dropped", () -> waiters() == 1);
            assertEquals("OK PONG", d.call("PING").status(), "the daemon keeps answering others");
        }
        Poll.until("no waiter is left", () -> waiters() == 0);
    }

    /** {@code printf 'WAIT web\n' | nc -U -N}: the client stops sending but still reads; its wait goes on. */
    @Test
    void aClientThatOnlyStopsSendingStillGetsItsAnswer() throws Exception {
        int port = Integer.parseInt(d.call("ALLOC web").value());
        try (LineClient c = d.client()) {
            c.send("WAIT web timeout=20s").shutdownOutput();
            Poll.until("the daemon holds the waiter", () -> waiters() == 1);
            try (Listener l = Listener.start(port)) {
                assertEquals("OK bound pid=" + l.pid(), c.reply().status());
            }
            assertTrue(c.closedByPeer(), "answered, the daemon closes the half-closed connection");
        }
    }

    @Test
    void manyWaitsOnOneConnectionLeaveNothingBehind() throws Exception {
        int port = Ports.freeRunInDefaultRange(1);
        try (ServerSocketChannel l = Ports.listen(port); LineClient c = d.client()) {
            for (int i = 0; i < 200; i++) {
                c.send("WAIT port=" + port);
            }
            for (int i = 0; i < 200; i++) {
                assertEquals("OK bound pid=" + SELF, c.reply().status());
            }
            assertEquals(0, waiters());
        }
    }

    @Test
    void stoppingTheDaemonAnswersWaiters() throws Exception {
        try (LineClient c = d.client()) {
            c.send("WAIT port=" + (lo + 3) + " timeout=300s");
            Poll.until("the wait is held", () -> waiters() == 1);
            d.stop();
            assertEquals("BUSY", c.reply().code());
        }
    }

    @Test
    void badWaitsAreRefused() throws Exception {
        d.call("ALLOC web");
        assertEquals("BADREQ", d.call("WAIT").code());
        assertEquals("BADREQ", d.call("WAIT web port=" + lo).code());
        assertEquals("NOTFOUND", d.call("WAIT nosuch").code());
        assertEquals("BADREQ", d.call("WAIT web timeout=301s").code());
        assertEquals("BADREQ", d.call("WAIT web timeout=0").code());
        assertEquals("BADREQ", d.call("WAIT port=0").code());
        assertEquals(0, waiters());
    }
}
