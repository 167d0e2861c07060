package dev.portd.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.Configurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.testing.TestDaemon;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logging set up in this JVM with a captured output stream: encoders, levels, and the async queue. */
class LoggingTest {
    private final Logger log = LoggerFactory.getLogger("test.logging");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        Logging.configure("text", "info");
    }

    private List<String> lines() {
        Logging.stop(); // flushes the async queue
        return Arrays.asList(out.toString(StandardCharsets.UTF_8).split("\n"));
    }

    @Test
    @Timeout(60) // guards against a logging call that blocks; not a performance limit
    void aStuckOutputDropsDebugFirstThenAnythingAndCountsIt() throws Exception {
        HeldOutput stuck = new HeldOutput(out);
        Logging.configure(new Logging.Setup("text", Level.INFO, false, false, stuck));
        ((ch.qos.logback.classic.Logger) log).setLevel(Level.DEBUG); // only this test's DEBUG lines, no library's
        long before = Logging.dropped();
        int queue = Logging.QUEUE_SIZE;
        int threshold = queue / 5;

        log.info("first");
        stuck.writing.await(); // the appender's thread is now stuck writing "first"; its queue is empty
        for (int i = 0; i < queue - threshold; i++) {
            log.info("fill {}", i);
        }
        log.debug("kept debug"); // still room above the threshold
        for (int i = 0; i < 10; i++) {
            log.debug("dropped debug {}", i); // below the threshold: DEBUG goes first
        }
        for (int i = 0; i < threshold - 1; i++) {
            log.info("more {}", i); // INFO still fits until the queue is full
        }
        for (int i = 0; i < 5; i++) {
            log.info("lost info {}", i);
            log.warn("lost warn {}", i);
        }
        assertEquals(20, Logging.dropped() - before);

        stuck.release.countDown();
        List<String> lines = lines();
        assertEquals(1 + queue, lines.size());
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("DEBUG logging: kept debug")), lines.get(0));
        assertTrue(lines.stream().noneMatch(l -> l.contains("dropped debug") || l.contains("lost ")));
        assertTrue(lines.get(lines.size() - 1).endsWith("more " + (threshold - 2)), lines.get(lines.size() - 1));
    }

    @Test
    void textEscapesControlCharactersSoOneRecordIsOneLine() {
        Logging.configure(new Logging.Setup("text", Level.INFO, false, false, out));
        log.atInfo().setMessage("two\nlines").addKeyValue("desc", "a b").addKeyValue("evil", "x\r\n\u001b[31mred").log();
        List<String> lines = lines();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("\\S+Z INFO  logging: two\\\\nlines desc=\"a b\" evil=.*"), lines.get(0));
        assertFalse(lines.get(0).contains("\u001b"), lines.get(0));
    }

    @Test
    void journalLinesCarryThePriorityEvenInAStackTrace() {
        Logging.configure(new Logging.Setup("text", Level.INFO, true, false, out));
        log.warn("careful");
        log.error("failed", new IllegalStateException("boom"));
        List<String> lines = lines();
        assertEquals("<4>WARN  logging: careful", lines.get(0));
        assertEquals("<3>ERROR logging: failed", lines.get(1));
        assertTrue(lines.size() > 3, lines.toString());
        for (String l : lines.subList(2, lines.size())) {
            assertTrue(l.startsWith("<3>\t"), l);
        }
        assertTrue(lines.get(2).contains("IllegalStateException: boom"), lines.get(2));
    }

    @Test
    void colourOnlyWhenAskedFor() {
        Logging.configure(new Logging.Setup("text", Level.INFO, false, true, out));
        log.info("hello");
        assertTrue(lines().get(0).contains("\u001b[32mINFO\u001b[0m  logging: hello"));
    }

    @Test
    void jsonIsOneObjectPerLineWithFlatTypedFields() throws Exception {
        Logging.configure(new Logging.Setup("json", Level.INFO, false, false, out));
        log.atInfo().setMessage("alloc web").addKeyValue("service", "web").addKeyValue("port", 20000)
                .addKeyValue("big", 5_000_000_000L).addKeyValue("ok", true).addKeyValue("desc", "line\nbreak \"quoted\"").log();
        log.error("failed", new IllegalStateException("boom"));
        List<String> lines = lines();
        assertEquals(2, lines.size(), lines.toString());
        ObjectMapper m = new ObjectMapper();
        JsonNode a = m.readTree(lines.get(0));
        assertEquals("INFO", a.get("level").asText());
        assertEquals("test.logging", a.get("logger").asText());
        assertEquals("alloc web", a.get("message").asText());
        assertEquals("web", a.get("service").asText());
        assertTrue(a.get("port").isInt());
        assertEquals(5_000_000_000L, a.get("big").asLong());
        assertTrue(a.get("ok").isBoolean());
        assertEquals("line\nbreak \"quoted\"", a.get("desc").asText());
        JsonNode e = m.readTree(lines.get(1));
        assertTrue(e.get("error").asText().startsWith("java.lang.IllegalStateException: boom"), e.toString());
    }

    @Test
    void nettyAndMapdbSpeakOnlyFromWarnUnlessDebugging() {
        Logging.configure(new Logging.Setup("text", Level.INFO, false, false, out));
        assertFalse(LoggerFactory.getLogger("io.netty.channel.X").isInfoEnabled());
        assertTrue(LoggerFactory.getLogger("org.mapdb.Y").isWarnEnabled());
        assertFalse(LoggerFactory.getLogger("org.mapdb.Y").isInfoEnabled());
        assertTrue(log.isInfoEnabled());
        assertFalse(log.isDebugEnabled());
        Logging.configure(new Logging.Setup("text", Level.DEBUG, false, false, out));
        assertTrue(LoggerFactory.getLogger("io.netty.channel.X").isDebugEnabled());
    }

    @Test
    void logbackFindsTheDefaultThroughTheServiceFile() {
        assertTrue(ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == DefaultConfigurator.class));
    }

    @Test
    void statsCountsDroppedLines() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            assertTrue(d.call("STATS").data().stream().anyMatch(l -> l.matches("log_dropped=\\d+")));
        }
    }
}
