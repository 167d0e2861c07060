package dev.portd.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.probe.Processes;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import dev.portd.testing.Users;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon as an operator runs it: a child process whose stderr is captured, changed over the real
 * socket, stopped with SIGTERM, and its log read back the way journalctl and jq would read it.
 */
class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d");
    /** This JVM's command name: what the daemon should log for our own requests. */
    private static final String OUR_CMD = Processes.command((int) ProcessHandle.current().pid());

    private Path dir;
    private Path log;
    private ChildDaemon daemon;
    private Process sleeper;

    @BeforeEach
    void dirs() throws IOException {
        dir = TestDaemon.newDir();
        log = dir.resolve("stderr.log");
        Files.createFile(log);
    }

    @AfterEach
    void cleanup() throws Exception {
        if (sleeper != null) {
            sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (daemon != null) {
            daemon.close();
        }
        TestDaemon.deleteTree(dir);
    }

    private Path socket() {
        return dir.resolve("portd.sock");
    }

    private void start(Map<String, String> env, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--socket", socket().toString(), "--data", dir.resolve("data").toString()));
        args.addAll(List.of(flags));
        daemon = ChildDaemon.start(socket(), log, env, args.toArray(String[]::new));
    }

    /** Stops the daemon with SIGTERM (its last line must survive) and returns every line it wrote. */
    private List<String> stopAndRead() throws Exception {
        daemon.terminate();
        return Files.readAllLines(log);
    }

    /** The whole life of four leases: alloc, renew, expire, process exit, release, and a refusal. */
    private void tellTheStory() throws Exception {
        sleeper = new ProcessBuilder("sleep", "60").start();
        try (LineClient c = new LineClient(socket())) {
            assertTrue(c.call("ALLOC web pid=" + sleeper.pid() + " desc=\"Main web UI\"").ok());
            assertTrue(c.call("ALLOC api ttl=1s").ok());
            assertTrue(c.call("RENEW api").ok());
            assertTrue(c.call("ALLOC db").ok());
            assertTrue(c.call("RELEASE db").ok());
            assertEquals("NOTFOUND", c.call("RELEASE nosuch").code(), "a failed request changes nothing and logs nothing");
            assertTrue(c.call("LIST").ok());
            sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertTrue(c.call("PROBE").ok());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (c.call("GET api").ok() || c.call("GET web").ok()) {
                assertTrue(System.nanoTime() < deadline, "api should expire and web end with its process");
                Thread.sleep(50);
                c.call("PROBE");
            }
        }
    }

    @Test
    void textUnderTheJournalHasPrioritiesAndNoTimestampsOrColour() throws Exception {
        // stderr is the log file: JOURNAL_STREAM names it, as systemd names its stream socket.
        String stream = Files.getAttribute(log, "unix:dev") + ":" + Files.getAttribute(log, "unix:ino");
        start(Map.of("JOURNAL_STREAM", stream, "TERM", "xterm-256color"));
        tellTheStory();
        List<String> lines = stopAndRead();

        for (String line : lines) {
            assertTrue(line.matches("<[3-7]>(ERROR|WARN|INFO|DEBUG|TRACE) .*"), "priority prefix, then the level: " + line);
            assertFalse(TIMESTAMP.matcher(line).find(), "the journal adds its own time: " + line);
            assertFalse(line.contains("\u001b"), "no colour codes in the journal: " + line);
        }
        // The story of this test's leases; the host may hold unmanaged ports of the range (other processes).
        List<String> story = lines.stream().filter(l -> l.contains(" table: ") && l.contains(" service="))
                .collect(Collectors.toList());
        assertEquals(7, story.size(), "one line per change: " + story);
        assertLine(story.get(0), "<6>INFO  table: alloc web event=alloc service=web port=\\d+ uid=\\d+ pid=" + ProcessHandle.current().pid()
                + " cmd=" + OUR_CMD + " note=\"Main web UI\"");
        assertLine(story.get(1), "<6>INFO  table: alloc api event=alloc service=api port=\\d+ .*");
        assertLine(story.get(2), "<6>INFO  table: renew api event=renew service=api .*");
        assertLine(story.get(3), "<6>INFO  table: alloc db event=alloc service=db .*");
        assertLine(story.get(4), "<6>INFO  table: release db event=release service=db .*cmd=" + OUR_CMD);
        assertTrue(story.subList(5, 7).stream().anyMatch(l -> l.startsWith("<6>INFO  table: expire api event=expire service=api ")),
                story.toString());
        assertTrue(story.subList(5, 7).stream().anyMatch(l -> l.startsWith("<6>INFO  table: exit web event=exit service=web ")
                && l.contains(" pid=" + sleeper.pid() + " ") && l.contains("note=\"pid " + sleeper.pid() + " exited\"")), story.toString());

        assertLine(firstStarted(lines), "<6>INFO  Portd: portd \\S+ started version=\\S+ socket=" + Pattern.quote(socket().toString())
                + " transport=\\w+ data=.* range=20000-29999 policy=lowest config=\\S+ leases=0 pid=" + daemon.pid());
        assertLine(lines.get(lines.size() - 1), "<6>INFO  Portd: portd stopped why=signal stop_ms=\\d+ uptime_s=\\d+");
    }

    /**
     * A start that fails says why in one line at error priority, under the journal as anywhere: a bad
     * flag (before the config is read), and a store that is not a store (after logging is set up).
     */
    @Test
    void aFailedStartIsOneLineAtErrorPriorityInTheJournal() throws Exception {
        String stream = Files.getAttribute(log, "unix:dev") + ":" + Files.getAttribute(log, "unix:ino");
        Map<String, String> journal = Map.of("JOURNAL_STREAM", stream);
        ChildDaemon badFlag = ChildDaemon.launch(socket(), log, journal, "--socket", socket().toString(), "--range", "5-1");
        assertEquals(2, badFlag.waitFor(30), badFlag.output());
        assertEquals(List.of("<3>ERROR portd: flag --range: range 5-1 is empty (LO must not exceed HI)"), Files.readAllLines(log));

        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("portd.db"), "not a store");
        ChildDaemon damaged = ChildDaemon.launch(socket(), log, journal, "--socket", socket().toString(), "--data", data.toString());
        assertTrue(damaged.waitFor(30) != 0, damaged.output());
        List<String> lines = Files.readAllLines(log);
        assertEquals(1, lines.size(), lines.toString());
        assertLine(lines.get(0), "<3>ERROR portd: the store " + Pattern.quote(data.resolve("portd.db").toString()) + " is damaged: .*");
        assertFalse(Files.exists(socket()), "nothing served");
    }

    /** The start-up line; conflicts the first probe finds on the host may be logged before it. */
    private static String firstStarted(List<String> lines) {
        return lines.stream().filter(l -> l.contains("Portd: portd ") && l.contains(" started ")).findFirst().orElseThrow();
    }

    @Test
    void journalStreamOfAnotherFileIsNotTheJournal() throws Exception {
        // jsvc or a shell redirect inherits JOURNAL_STREAM but writes elsewhere: plain timestamped lines.
        start(Map.of("JOURNAL_STREAM", "1:1"));
        try (LineClient c = new LineClient(socket())) {
            assertTrue(c.call("ALLOC web").ok());
        }
        List<String> lines = stopAndRead();
        assertLine(firstStarted(lines), "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  Portd: portd \\S+ started .*");
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\S+Z INFO  table: alloc web event=alloc service=web port=\\d+ .*")),
                String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("<") || l.contains("\u001b")), String.join("\n", lines));
    }

    @Test
    void jsonLinesTellTheSameStoryToJq() throws Exception {
        start(Map.of(), "--log-format", "json");
        tellTheStory();
        List<JsonNode> records = parse(stopAndRead());

        for (JsonNode r : records) {
            for (String key : List.of("time", "level", "logger", "message")) {
                assertTrue(r.hasNonNull(key), key + " in " + r);
            }
            assertTrue(r.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), r.toString());
        }
        // jq 'select(.service=="web") | .event'
        assertEquals(List.of("alloc", "exit"), events(records, "web"));
        assertEquals(List.of("alloc", "renew", "expire"), events(records, "api"));
        assertEquals(List.of("alloc", "release"), events(records, "db"));

        JsonNode alloc = records.stream().filter(r -> "alloc".equals(r.path("event").asText()) && "web".equals(r.path("service").asText()))
                .findFirst().orElseThrow();
        assertEquals("INFO", alloc.get("level").asText());
        assertEquals("portd.table", alloc.get("logger").asText());
        assertEquals("alloc web", alloc.get("message").asText());
        assertTrue(alloc.get("port").isInt(), "ports are numbers: " + alloc);
        assertTrue(alloc.get("port").asInt() >= 20000, alloc.toString());
        assertEquals(ProcessHandle.current().pid(), alloc.get("pid").asLong());
        assertEquals(OUR_CMD, alloc.get("cmd").asText());
        assertEquals("Main web UI", alloc.get("note").asText());

        JsonNode start = records.stream().filter(r -> r.path("message").asText().endsWith(" started")).findFirst().orElseThrow();
        assertEquals("portd " + start.get("version").asText() + " started", start.get("message").asText());
        assertEquals(socket().toString(), start.get("socket").asText());
        assertEquals("20000-29999", start.get("range").asText());
        JsonNode stop = records.get(records.size() - 1);
        assertEquals("portd stopped", stop.get("message").asText());
        assertEquals("signal", stop.get("why").asText());
        assertTrue(stop.get("stop_ms").isNumber(), stop.toString());
    }

    @Test
    void refusalsFromAnotherUserAreAuditedAtWarn() throws Exception {
        Users.assumeCanSwitchToNobody();
        start(Map.of(), "--log-format", "json", "--max-leases-per-uid", "1");
        try (LineClient c = new LineClient(socket())) {
            assertTrue(c.call("ALLOC web").ok());
        }
        List<String> replies = Users.asNobody(socket(), "RELEASE web", "RESERVE 20100-20109", "ALLOC mine", "ALLOC second", "GET web");
        assertEquals(5, replies.size(), replies.toString());
        assertTrue(replies.get(0).startsWith("ERR DENIED "), replies.toString());
        assertTrue(replies.get(1).startsWith("ERR DENIED "), replies.toString());
        assertTrue(replies.get(2).startsWith("OK "), replies.toString());
        assertTrue(replies.get(3).startsWith("ERR QUOTA "), replies.toString());
        List<JsonNode> records = parse(stopAndRead());

        List<JsonNode> audit = records.stream().filter(r -> "portd.audit".equals(r.get("logger").asText())).collect(Collectors.toList());
        assertEquals(3, audit.size(), "the two DENIED and the QUOTA, nothing for the allowed requests: " + audit);
        JsonNode release = audit.get(0);
        assertEquals("WARN", release.get("level").asText());
        assertEquals("refused RELEASE web", release.get("message").asText());
        assertEquals("RELEASE", release.get("verb").asText());
        assertEquals("web", release.get("target").asText());
        assertEquals(Users.NOBODY_UID, release.get("uid").asInt());
        assertTrue(release.get("pid").asInt() > 0, release.toString());
        assertEquals("python3", release.get("cmd").asText());
        assertEquals("DENIED", release.get("error").asText());
        assertEquals(replies.get(0).substring("ERR DENIED ".length()), release.get("reason").asText());
        assertEquals("20100-20109", audit.get(1).get("target").asText());
        assertEquals("QUOTA", audit.get(2).get("error").asText());
        assertEquals("second", audit.get(2).get("target").asText());

        JsonNode mine = records.stream().filter(r -> "mine".equals(r.path("service").asText())).findFirst().orElseThrow();
        assertEquals(Users.NOBODY_UID, mine.get("uid").asInt(), "the allowed change is logged as a change, with its owner");
        assertEquals("python3", mine.get("cmd").asText());
    }

    private static List<JsonNode> parse(List<String> lines) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines) {
            JsonNode n = JSON.readTree(line); // every line is one JSON object, or this throws
            assertTrue(n.isObject(), line);
            out.add(n);
        }
        return out;
    }

    private static List<String> events(List<JsonNode> records, String service) {
        return records.stream().filter(r -> service.equals(r.path("service").asText()))
                .map(r -> r.get("event").asText()).collect(Collectors.toList());
    }

    private static void assertLine(String line, String regex) {
        assertTrue(line.matches(regex), "expected /" + regex + "/ but got: " + line);
    }
}
