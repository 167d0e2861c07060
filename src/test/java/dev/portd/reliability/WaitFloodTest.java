package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.Load;
import dev.portd.testing.TestDaemon;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * WAIT is open to every local user and each one is looked at by the monitor's single thread every
 * tick (a bind test per waiter). Without a bound, 8 connections pipelining 1,000 WAITs each made
 * 8,000 waiters, each new one also re-checking all the others. The number waiting at once is capped
 * (ERR BUSY beyond it), and a tick tests each waited port once.
 */
class WaitFloodTest {
    @Test
    void waitsBeyondTheCapAreRefusedAndTheRestTimeOut() throws Exception {
        try (TestDaemon d = TestDaemon.start("--probe-interval", "1h")) {
            List<Load.Exchange> replies = Load.start(d.socket(), 8, 1000, 1000,
                    (c, i) -> "WAIT port=" + (40000 + (c * 1000 + i) % 5000) + " timeout=2s").finish(60_000);
            long busy = replies.stream().filter(e -> e.status().startsWith("ERR BUSY ")).count();
            long timedOut = replies.stream().filter(e -> e.status().startsWith("ERR TIMEOUT ")).count();
            System.out.printf("WaitFloodTest: %d WAITs: %d timed out, %d refused with BUSY%n", replies.size(), timedOut, busy);
            assertEquals(replies.size(), busy + timedOut, "each WAIT gets TIMEOUT or BUSY: " + replies.get(0));
            assertTrue(timedOut <= dev.portd.daemon.MonitorAccess.maxWaiters(), timedOut + " waited at once");
            assertTrue(busy > 0, "8,000 WAITs at once must hit the cap");
            assertTrue(d.call("WAIT port=40001 timeout=1s").status().startsWith("ERR TIMEOUT"), "room again afterwards");
        }
    }
}
