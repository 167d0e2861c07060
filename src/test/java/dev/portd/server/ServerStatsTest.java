package dev.portd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.ErrorCode;
import org.junit.jupiter.api.Test;

/** The {@code requests} count is the verbs' timers and the unknown verbs added up, as STATS and JMX read it. */
class ServerStatsTest {
    @Test
    void requestsAreEveryVerbTimedPlusTheUnknownVerbsAndNothingElse() {
        MetricRegistry registry = new MetricRegistry();
        ServerStats stats = new ServerStats(10, registry);
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            stats.replied(Request.parse("PING"), t0, Reply.ok("result", "PONG"));
        }
        stats.replied(Request.parse("ALLOC web"), t0, Reply.ok("port", 20000));
        stats.replied(Request.parse("NOSUCH"), t0, Reply.error(ErrorCode.UNKNOWN, "no verb NOSUCH"));
        stats.replied(null, t0, Reply.error(ErrorCode.BADREQ, "unterminated quote")); // a line that was no request

        assertEquals(5, stats.requests());
        assertEquals(5, registry.meter("requests").getCount(), "the registered meter is the same count");
        assertEquals(3, registry.timer("requests.PING").getCount());
        assertEquals(1, registry.meter("errors.UNKNOWN").getCount());
        assertTrue(registry.meter("requests").getMeanRate() > 0);
    }
}
