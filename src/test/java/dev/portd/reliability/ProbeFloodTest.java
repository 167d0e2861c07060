package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.Load;
import dev.portd.testing.TestDaemon;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PROBE is open to every local user and a probe reads all of /proc. Each PROBE used to queue a
 * probe of its own on the monitor's one thread, so many clients sending PROBEs queued work without
 * bound (one per connection at a time, up to max_connections) and held up ttl expiry and WAIT behind
 * it. PROBEs that arrive while one is queued now share the next probe.
 */
class ProbeFloodTest {
    @Test
    void pipelinedProbesShareProbes() throws Exception {
        try (TestDaemon d = TestDaemon.start("--probe-interval", "1h")) {
            long before = d.portd().metrics().timer("probe").getCount();
            int connections = 200;
            int requests = connections * 4; // a connection runs its PROBEs one after another
            List<Load.Exchange> replies = Load.start(d.socket(), connections, 4, 4, (c, i) -> "PROBE").finish(60_000);
            long probes = d.portd().metrics().timer("probe").getCount() - before;
            assertTrue(replies.stream().allMatch(e -> e.status() != null && e.status().startsWith("OK sockets=")),
                    "every PROBE gets its own reply");
            System.out.printf("ProbeFloodTest: %d PROBE requests answered by %d probes%n", requests, probes);
            assertTrue(probes <= requests / 4, requests + " PROBEs ran " + probes + " probes");
        }
    }
}
