package dev.portd.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lines of committed changes as the writer hands them over, a batch at a time, while the logging
 * thread is held in a write: what a burst of changes behind a slow stderr looks like.
 */
class EventLogTest {
    private final Logger log = LoggerFactory.getLogger("test.events");
    private final EventLog events = new EventLog();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        Logging.configure("text", "info");
    }

    /** Logging into {@code format}, its thread now held in the write of a first line. */
    private HeldOutput held(String format) throws InterruptedException {
        HeldOutput out = new HeldOutput(written);
        Logging.configure(new Logging.Setup(format, Level.INFO, false, false, out));
        log.info("first");
        out.writing.await();
        return out;
    }

    private static Event alloc(int n) {
        return new Event(n, 0, Event.Kind.ALLOC, "b" + n, 20000 + n, 0, 1000, 4000 + n, "desc " + n, "cmd" + n);
    }

    /** A batch of one commit, and the span of the clock around the writer's call. */
    private record Commit(List<Event> events, long before, long after) {}

    /** Commits batches of 1 to 7 events, {@code lines} in all, numbered from 0. */
    private List<Commit> commit(int lines) {
        List<Commit> commits = new ArrayList<>();
        for (int n = 0; n < lines; ) {
            List<Event> batch = new ArrayList<>();
            for (int end = Math.min(lines, n + 1 + commits.size() % 7); n < end; n++) {
                batch.add(alloc(n));
            }
            long before = System.currentTimeMillis();
            events.committed(PortTable.EMPTY, List.copyOf(batch));
            commits.add(new Commit(batch, before, System.currentTimeMillis()));
        }
        return commits;
    }

    private List<String> stopAndRead(HeldOutput out) {
        out.release.countDown();
        Logging.stop();
        return Arrays.asList(written.toString(StandardCharsets.UTF_8).split("\n"));
    }

    @Test
    @Timeout(60)
    void aBurstOfCommitsIsLoggedInOrderAtTheTimeOfEachCommit() throws Exception {
        HeldOutput out = held("text");
        List<Commit> commits = commit(2000);
        log.warn("after the burst");
        Thread.sleep(50); // the thread is still held: a line stamped when written would be this much late
        long release = System.currentTimeMillis();
        List<String> lines = stopAndRead(out);

        assertEquals(2002, lines.size(), "first, every change, the warning");
        assertTrue(lines.get(0).endsWith(" INFO  events: first"), lines.get(0));
        int i = 1;
        for (Commit c : commits) {
            for (Event e : c.events()) {
                String line = lines.get(i++);
                int n = (int) e.seq();
                assertEquals(" INFO  table: alloc b" + n + " event=alloc service=b" + n + " port=" + (20000 + n)
                        + " uid=1000 pid=" + (4000 + n) + " cmd=cmd" + n + " note=\"desc " + n + "\"", line.substring(line.indexOf(' ')));
                long time = Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli();
                assertTrue(time >= c.before() && time <= c.after() && time < release, "stamped at the commit: " + line);
            }
        }
        assertTrue(lines.get(2001).endsWith(" WARN  events: after the burst"), lines.get(2001));
    }

    @Test
    @Timeout(60)
    void jsonLinesOfABurstKeepTheirOrderAndTime() throws Exception {
        HeldOutput out = held("json");
        List<Commit> commits = commit(300);
        Thread.sleep(50);
        List<String> lines = stopAndRead(out);

        assertEquals(301, lines.size());
        ObjectMapper json = new ObjectMapper();
        int i = 1;
        for (Commit c : commits) {
            for (Event e : c.events()) {
                JsonNode r = json.readTree(lines.get(i++));
                assertEquals("portd.table", r.get("logger").asText());
                assertEquals("alloc b" + e.seq(), r.get("message").asText());
                assertEquals(20000 + e.seq(), r.get("port").asLong(), r.toString());
                assertTrue(r.get("port").isInt(), r.toString());
                long time = Instant.parse(r.get("time").asText()).toEpochMilli();
                assertTrue(time >= c.before() && time <= c.after(), "stamped at the commit: " + r);
            }
        }
    }

    @Test
    @Timeout(60) // guards against a commit that waits for the logging thread; not a performance limit
    void aFullQueueCountsTheLinesItDropsAndNeverHoldsTheWriter() throws Exception {
        HeldOutput out = held("text");
        long before = Logging.dropped();
        int queue = Logging.QUEUE_SIZE;

        // Batches of 100 while the thread cannot write: the one that reaches the limit is cut, the rest dropped.
        for (int b = 0; b < queue / 100 + 3; b++) {
            List<Event> batch = new ArrayList<>();
            for (int n = b * 100; n < b * 100 + 100; n++) {
                batch.add(alloc(n));
            }
            events.committed(PortTable.EMPTY, List.copyOf(batch));
        }
        int sent = (queue / 100 + 3) * 100;
        assertEquals(sent - queue, Logging.dropped() - before, "every line that did not fit is counted");
        log.info("lost too");
        assertEquals(sent - queue + 1, Logging.dropped() - before);

        List<String> lines = stopAndRead(out);
        assertEquals(1 + queue, lines.size());
        for (int n = 0; n < queue; n++) {
            assertTrue(lines.get(1 + n).contains(" table: alloc b" + n + " "), lines.get(1 + n));
        }
    }
}
