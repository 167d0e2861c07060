package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** portctl's verb commands, in-process, against the real daemon on a temp socket. */
@Timeout(120)
class PortctlTest extends LiveDaemon {

    @Test
    void allocPrintsJustThePortAndGetFindsIt() throws IOException {
        int port = freePort();
        Result r = portctl("alloc", "web", "--port", Integer.toString(port), "--desc", "Main web UI", "--strict");
        assertEquals(new Result(0, port + "\n", ""), r);
        assertEquals(new Result(0, port + "\n", ""), portctl("get", "web"));
        Result auto = portctl("alloc", "api", "--ttl", "1h", "--range", "20100-20199");
        assertEquals(0, auto.code(), auto.err());
        int p = Integer.parseInt(auto.out().strip());
        assertTrue(p >= 20100 && p <= 20199, auto.out());
    }

    @Test
    void errExitsOneWithTheStatusLineOnStderr() throws IOException {
        Result r = portctl("get", "nosuch");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("portctl: ERR NOTFOUND "), r.err());

        int port = freePort();
        assertEquals(0, portctl("alloc", "web", "--port", Integer.toString(port)).code());
        Result taken = portctl("alloc", "db", "--port", Integer.toString(port), "--strict");
        assertEquals(1, taken.code());
        assertTrue(taken.err().contains("ERR TAKEN"), taken.err());
        assertEquals(1, portctl("get", "db").code(), "a refused ALLOC leased nothing");
    }

    @Test
    void unreachableDaemonExitsTwoNamingTheSocket() {
        Path none = dir.resolve("none.sock");
        Result r = portctl("--socket", none.toString(), "ping");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(none.toString()), r.err());
        Result viaEnv = portctl(Map.of("PORTD_SOCKET", none.toString()), "list");
        assertEquals(2, viaEnv.code());
        assertTrue(viaEnv.err().contains(none.toString()), viaEnv.err());
    }

    @Test
    void usageMistakesExit64AndSendNothing() {
        Result r = portctl("alloc", "web", "--bogus", "1");
        assertEquals(64, r.code());
        assertTrue(r.err().contains("--bogus") && r.err().contains("--port"), r.err());
        assertEquals(64, portctl("alloc", "web", "--port").code());
        assertEquals(64, portctl("alloc", "web", "--strict=yes").code());
        assertEquals(64, portctl().code());
        assertEquals(64, portctl("alloc", "web\nRELEASE other").code(), "a line break would smuggle a request");
        Result unknown = portctl("frobnicate", "web");
        assertEquals(64, unknown.code(), "an unknown command is a usage mistake like the others");
        assertEquals("portctl: unknown command 'frobnicate'; portctl raw 'LINE' sends any request as typed (portctl --help)\n",
                unknown.err());
        assertEquals(64, portctl("frobnicate", "--port", "1").code());
        assertEquals(1, portctl("get", "web").code(), "nothing was leased");
        assertEquals(0, portctl("--help").code());
        assertTrue(portctl("--help").out().contains("import"));
    }

    @Test
    void listIsAnAlignedTableAndJsonIsOneLine() throws IOException {
        portctl("alloc", "web", "--desc", "Main web UI");
        portctl("alloc", "a-much-longer-name", "--ttl", "10m"); // a higher port: its line comes second
        List<String> lines = portctl("list").lines();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(List.of("PORT", "SERVICE", "PROTO", "STATE", "UID", "SINCE", "EXPIRES", "DESC"),
                List.of(lines.get(0).split(" +")), "the protocol's key order, though no line has both expires and desc");
        int state = lines.get(0).indexOf("STATE");
        for (String l : lines.subList(1, 3)) {
            assertEquals("leased", l.substring(state, state + 6), "column STATE lines up: " + lines);
        }
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("Main web UI")), lines.toString());
        int expires = lines.get(0).indexOf("EXPIRES");
        assertTrue(expires > 0 && lines.stream().anyMatch(l -> l.startsWith("-", expires)), "missing cells are -: " + lines);

        Result json = portctl("--json", "list", "web*");
        assertEquals(0, json.code());
        assertEquals(1, json.lines().size());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals(1, doc.get("count").asInt());
        assertEquals("Main web UI", doc.get("items").get(0).get("desc").asText());

        Result jsonErr = portctl("--json", "get", "nosuch");
        assertEquals(1, jsonErr.code());
        assertEquals("NOTFOUND", new ObjectMapper().readTree(jsonErr.out()).get("error").asText());
    }

    @Test
    void envExportAndFreePrintLinesWithoutTheStatus() throws IOException {
        int port = freePort();
        portctl("alloc", "my-api", "--port", Integer.toString(port), "--desc", "the API");
        assertEquals(new Result(0, "export MY_API_PORT=" + port + "\n", ""), portctl("env", "my-api", "--format", "shell"));
        assertEquals(new Result(0, "Environment=MY_API_PORT=" + port + "\n", ""), portctl("env", "--format", "systemd"));
        assertEquals(new Result(0, "my-api:" + port + ":the API\n", ""), portctl("export"));
        assertTrue(portctl("export", "--format", "json").out().startsWith("{\"my-api\":{\"port\":" + port));
        Result free = portctl("free", "--range", "20000-20099");
        assertEquals(0, free.code());
        List<String> lines = free.lines();
        assertTrue(lines.subList(0, lines.size() - 1).stream().allMatch(l -> l.matches("\\d+(-\\d+)?")), "runs: " + free.out());
        int count = 0;
        for (String run : lines.subList(0, lines.size() - 1)) {
            String[] lohi = run.split("-");
            count += lohi.length == 1 ? 1 : Integer.parseInt(lohi[1]) - Integer.parseInt(lohi[0]) + 1;
        }
        assertEquals(count + " free ports", lines.get(lines.size() - 1), "the total from OK <n>, which the runs add up to");
        assertEquals("OK " + count, portctl("raw", "FREE range=20000-20099").lines().get(lines.size() - 1));
        String leased = portctl("alloc", "x", "--range", "20000-20099").out().strip();
        assertEquals(new Result(0, "0 free ports\n", ""), portctl("free", "--range", leased + "-" + leased));
    }

    @Test
    void leaseLifecycleCommands() {
        String web = portctl("alloc", "web", "--ttl", "1m").out().strip();
        assertEquals(new Result(0, web + "\n", ""), portctl("renew", "web", "--ttl", "2h"));
        assertEquals(new Result(0, "leased service=web\n", ""), portctl("check", web));
        assertEquals(new Result(0, "1\n", ""), portctl("reserve", "29990", "--desc", "kept back"));
        assertEquals(new Result(0, "reserved desc=\"kept back\"\n", ""), portctl("check", "29990"));
        assertEquals(1, portctl("alloc", "next", "--range", "29990-29990").code(), "a reserved port is not chosen");
        assertEquals(new Result(0, "1\n", ""), portctl("unreserve", "29990"));
        String next = portctl("alloc", "next").out().strip();
        assertEquals(new Result(0, web + "\n", ""), portctl("release", "web"));
        assertEquals(new Result(0, "next\n", ""), portctl("release", "--port", next));
        List<String> history = portctl("history", "web").lines();
        assertTrue(history.get(0).startsWith("TIME "), history.toString());
        assertEquals(4, history.size(), "alloc, renew, release: " + history);
        assertEquals(new Result(0, "PONG\n", ""), portctl("ping"));
        Result stats = portctl("stats");
        assertTrue(stats.lines().stream().anyMatch(l -> l.matches("leases +0")), stats.out());
        assertTrue(portctl("help", "alloc").out().startsWith("ALLOC <service>"));
    }

    @Test
    void rawSendsTheLineAndPrintsTheWholeReply() {
        String port = portctl("alloc", "web").out().strip();
        assertEquals(new Result(0, "web:" + port + ":\nOK 1\n", ""), portctl("raw", "EXPORT", "format=ports"));
        Result bad = portctl("raw", "NOSUCHVERB x");
        assertEquals(1, bad.code());
        assertTrue(bad.out().startsWith("ERR UNKNOWN "), bad.out());
    }

    @Test
    void watchStreamsEventsUntilTheDaemonGoes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Portctl watcher = new Portctl(Map.of("PORTD_SOCKET", socket.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(() -> watcher.run(new String[] {"watch"}));
        RunCommandTest.await("an event", () -> {
            portctl("alloc", "w");
            portctl("release", "w");
            return out.toString(StandardCharsets.UTF_8).contains("service=w ");
        });
        assertTrue(out.toString(StandardCharsets.UTF_8).lines().allMatch(l -> l.startsWith("time=")), out.toString());
        daemon.stop();
        assertEquals(2, watch.get(20, TimeUnit.SECONDS));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("closed the connection"), err.toString());
    }
}
