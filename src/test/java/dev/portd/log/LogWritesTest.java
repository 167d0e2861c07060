package dev.portd.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How lines reach the output: their timestamps, and how many writes a burst of them costs. */
class LogWritesTest {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private final Logger log = LoggerFactory.getLogger("test.writes");

    @AfterEach
    void restore() {
        Logging.configure("text", "info");
    }

    @Test
    void bothFormatsWriteTheTimeAsTheFormatterDoes() throws Exception {
        TextEncoder text = new TextEncoder(false, false);
        JsonLineEncoder json = new JsonLineEncoder();
        ObjectMapper m = new ObjectMapper();
        List<Long> times = new ArrayList<>(List.of(0L, 999L, 1000L, -1L, -1001L, 951_782_399_999L, 951_782_400_000L,
                1_796_025_969_931L, 1_796_025_969_007L, 1_796_025_970_070L, 1_796_025_969_500L, 253_402_300_799_999L));
        for (long t = 1_796_025_960_000L; t < 1_796_025_980_000L; t += 137) {
            times.add(t); // runs of the same second, then the next
        }
        for (long t : times) {
            LoggingEvent e = new LoggingEvent();
            e.setLevel(Level.INFO);
            e.setLoggerName("test.writes");
            e.setMessage("at " + t);
            e.setTimeStamp(t);
            String expected = ISO.format(Instant.ofEpochMilli(t));
            String line = new String(text.encode(e), StandardCharsets.UTF_8);
            assertEquals(expected + " INFO  writes: at " + t + "\n", line);
            assertEquals(expected, m.readTree(json.encode(e)).get("time").asText());
        }
    }

    @Test
    @Timeout(60)
    void linesQueuedTogetherGoOutInOneWriteAndWarningsAtOnce() throws Exception {
        HeldOutput out = new HeldOutput(OutputStream.nullOutputStream());
        Logging.configure(new Logging.Setup("text", Level.INFO, false, false, out));
        log.info("first");
        out.writing.await(); // the appender's thread is held in the write of "first"; these queue up meanwhile
        for (int i = 0; i < 100; i++) {
            log.info("change {}", i);
        }
        log.warn("careful");
        for (int i = 0; i < 50; i++) {
            log.info("after {}", i);
        }
        out.release.countDown();
        Logging.stop();

        List<String> writes = out.writes();
        assertEquals(3, writes.size(), "first; the changes up to the warning; the rest: " + writes.size());
        assertTrue(writes.get(0).endsWith("INFO  writes: first\n"), writes.get(0));
        assertEquals(101, writes.get(1).split("\n").length);
        assertTrue(writes.get(1).endsWith("WARN  writes: careful\n"), "a warning is written as soon as it is encoded");
        assertEquals(50, writes.get(2).split("\n").length);
        assertTrue(writes.get(2).endsWith("INFO  writes: after 49\n"), writes.get(2));
    }

    @Test
    @Timeout(60)
    void aQuietDaemonHasItsLastLineOutAtOnce() throws Exception {
        HeldOutput out = new HeldOutput(OutputStream.nullOutputStream());
        out.release.countDown();
        Logging.configure(new Logging.Setup("json", Level.INFO, false, false, out));
        log.info("the only line");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (out.writes().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the line was never written");
            Thread.sleep(10);
        }
        assertEquals(1, out.writes().size(), out.writes().toString());
        assertTrue(out.writes().get(0).contains("\"message\":\"the only line\""), out.writes().toString());
    }

    @Test
    void theDefaultBeforeConfigurationWritesEachLineAtOnce() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(sink, true, StandardCharsets.UTF_8));
        try {
            Logging.configureDefault((LoggerContext) LoggerFactory.getILoggerFactory());
            log.info("before the config is read");
            assertTrue(sink.toString(StandardCharsets.UTF_8).endsWith(" INFO  writes: before the config is read\n"),
                    sink.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }
}
