package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.Load;
import dev.portd.testing.TestDaemon;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * WAIT is open to every local user, and each pending one costs the monitor's single thread a bind
 * test per tick. A connection runs its WAITs one after another, so however many a client pipelines,
 * the waiters pending at once are at most the connections (max_connections), and the daemon keeps
 * serving everyone else meanwhile.
 */
class WaitFloodTest {
    @Test
    void pipelinedWaitsAreBoundedByConnections() throws Exception {
        int connections = 64;
        try (TestDaemon d = TestDaemon.start("--probe-interval", "1h")) {
            Load load = Load.start(d.socket(), connections, 3, 3,
                    (c, i) -> "WAIT port=" + (40000 + c * 3 + i) + " timeout=1s");
            int most = 0;
            while (load.replies() < connections * 3L) {
                most = Math.max(most, d.portd().monitor().waiterCount());
                assertEquals("OK PONG", d.call("PING").status(), "others are served during the flood");
                Thread.sleep(50);
            }
            List<Load.Exchange> replies = load.finish(30_000);
            assertTrue(replies.stream().allMatch(e -> e.status().startsWith("ERR TIMEOUT ")), replies.get(0).toString());
            System.out.printf("WaitFloodTest: %d pipelined WAITs on %d connections, at most %d pending at once%n",
                    replies.size(), connections, most);
            assertTrue(most <= connections, most + " waiters pending at once from " + connections + " connections");
        }
    }
}
