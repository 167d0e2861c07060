package dev.portd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.portd.daemon.Portd;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.LineClient;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics_port} as a fleet uses it: Debian's own Prometheus (the binary, with a config and data
 * directory of its own, scraping every second) scrapes a real daemon, and its HTTP API answers what was
 * done through the socket; promtool judges the exposition and the alert rules shipped in
 * packaging/prometheus.
 */
class PrometheusTest {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Path EXAMPLES = Path.of("packaging/prometheus");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path dir;
    private static int metricsPort;
    private static ChildDaemon daemon;

    /** One daemon with --metrics-port for the tests that only look at it. */
    @BeforeAll
    static void startDaemon() throws Exception {
        dir = TestDaemon.newDir();
        metricsPort = Ports.freeRun(1);
        daemon = ChildDaemon.start(dir.resolve("portd.sock"), dir.resolve("portd.log"), Map.of(),
                "--socket", dir.resolve("portd.sock").toString(), "--data", dir.resolve("data").toString(),
                "--metrics-port", Integer.toString(metricsPort));
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            assertEquals(0, daemon.terminate(), daemon.output());
        }
        TestDaemon.deleteTree(dir);
    }

    @Test
    void aRealPrometheusScrapesTheDaemon() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS), "prometheus is missing (packaging/test/install-deps)");
        Path home = Files.createTempDirectory("prometheus-");
        int web = Ports.freeRun(1);
        Files.writeString(home.resolve("prometheus.yml"), String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "rule_files:",
                "  - " + EXAMPLES.resolve("portd-alerts.yml").toAbsolutePath(),
                "scrape_configs:",
                "  - job_name: portd",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + metricsPort + "']",
                ""));
        Process prometheus = new ProcessBuilder(PROMETHEUS.toString(),
                "--config.file=" + home.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + home.resolve("data"),
                "--web.listen-address=127.0.0.1:" + web)
                .redirectErrorStream(true).redirectOutput(home.resolve("prometheus.log").toFile()).start();
        try (LineClient c = new LineClient(dir.resolve("portd.sock"))) {
            for (int i = 0; i < 7; i++) {
                assertTrue(c.call("ALLOC scraped-" + i).ok());
            }
            String api = "http://127.0.0.1:" + web;
            Poll.until("Prometheus has scraped 7 leases (" + home.resolve("prometheus.log") + ")", 60,
                    () -> prometheus.isAlive() && "7".equals(value(api, "portd_leases")));
            assertEquals("1", value(api, "up{job=\"portd\"}"));
            assertTrue(Double.parseDouble(value(api, "portd_requests_seconds_count{verb=\"ALLOC\"}")) >= 7);
            assertEquals("1", value(api, "portd_build_info{version=\"" + Portd.VERSION + "\"}"));
            JsonNode groups = json(api + "/api/v1/rules").path("data").path("groups");
            assertEquals(4, groups.get(0).path("rules").size(), "the shipped alert rules are loaded: " + groups);
            assertEquals("0", value(api, "count(ALERTS{alertname=~\"Portd.*\"}) or vector(0)"), "a healthy portd fires no alert");
            for (int i = 0; i < 7; i++) {
                assertTrue(c.call("RELEASE scraped-" + i).ok());
            }
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor();
            }
            TestDaemon.deleteTree(home);
        }
    }

    /** The one sample of an instant query's result, as Prometheus prints it; null while there is none. */
    private static String value(String api, String query) throws IOException, InterruptedException {
        JsonNode result = json(api + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))
                .path("data").path("result");
        if (result.size() > 1) {
            throw new AssertionError(query + " gave more than one series: " + result);
        }
        return result.size() == 0 ? null : result.get(0).path("value").get(1).asText();
    }

    /** A GET of Prometheus's API; a missing node while it is not ready yet. */
    private static JsonNode json(String url) throws IOException, InterruptedException {
        HttpResponse<String> r;
        try {
            r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException notListeningYet) {
            return MissingNode.getInstance();
        }
        return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : MissingNode.getInstance();
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool is missing (Debian package prometheus)");
        String text = scrape(metricsPort);
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("", out.strip(), "promtool's lint has nothing to say");
        assertTrue(text.contains("\nportd_leases "), text);
    }

    @Test
    void everyFamilyIsDocumentedInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(scrape(metricsPort));
        List<String> missing = new ArrayList<>();
        int families = 0;
        while (m.find()) {
            families++;
            Pattern row = Pattern.compile("(?m)^\\| `" + Pattern.quote(m.group(1)) + "(\\{[a-z_]+\\})?` \\| "
                    + m.group(2) + " \\|");
            if (!row.matcher(readme).find()) {
                missing.add(m.group(1) + " " + m.group(2));
            }
        }
        assertTrue(families > 20, "families scraped: " + families);
        assertEquals(List.of(), missing, "families without a row (| `name` | type | ...) in README's metrics table");
    }

    @Test
    void theServerListensOn127001Only() throws Exception {
        String port = String.format(":%04X", metricsPort);
        List<String> listeners = tcpListeners(daemon.pid());
        // The JDK may bind an IPv6 socket to 127.0.0.1 as the mapped address ::ffff:127.0.0.1: the same one.
        assertTrue(listeners.equals(List.of("tcp 0100007F" + port))
                || listeners.equals(List.of("tcp6 0000000000000000FFFF00000100007F" + port)), listeners.toString());
        assertTrue(daemon.output().contains("INFO  MetricsServer: Prometheus metrics on http://127.0.0.1:" + metricsPort + "/metrics"),
                daemon.output());
    }

    @Test
    void withoutMetricsPortNothingListensOnTcp() throws Exception {
        Path d = TestDaemon.newDir();
        try (ChildDaemon plain = ChildDaemon.start(d.resolve("portd.sock"), d.resolve("portd.log"), Map.of(),
                "--socket", d.resolve("portd.sock").toString(), "--data", d.resolve("data").toString())) {
            try (LineClient c = new LineClient(d.resolve("portd.sock"))) {
                assertTrue(c.call("ALLOC quiet").ok()); // everything started, the socket served
            }
            assertEquals(List.of(), tcpListeners(plain.pid()));
            assertTrue(tcpListeners(daemon.pid()).size() == 1, "the check sees a listener where there is one");
        } finally {
            TestDaemon.deleteTree(d);
        }
    }

    @Test
    void aTakenPortStopsTheStartWithTheReason() throws Exception {
        Path d = TestDaemon.newDir();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             ChildDaemon failing = ChildDaemon.launch(d.resolve("portd.sock"), d.resolve("portd.log"), Map.of(),
                     "--socket", d.resolve("portd.sock").toString(), "--data", d.resolve("data").toString(),
                     "--metrics-port", Integer.toString(taken.getLocalPort()))) {
            assertEquals(1, failing.waitFor(30), failing.output());
            String why = ChildDaemon.failure(failing.output());
            assertTrue(why != null && why.contains("metrics_port " + taken.getLocalPort() + " on 127.0.0.1"), failing.output());
        } finally {
            TestDaemon.deleteTree(d);
        }
    }

    /**
     * Names the way the Dropwizard registry has them become labelled families, health gauges among them
     * (a real tcp check of a real listener), on threads of the server's own that end with it.
     */
    @Test
    void dropwizardNamesBecomeLabelledFamiliesOnThreadsOfTheirOwn() throws Exception {
        int port = Ports.freeRun(1);
        try (TestDaemon d = TestDaemon.start("--metrics-port", Integer.toString(port), "--probe-interval", "1h")) {
            LineClient.Reply leased = d.call("ALLOC labelled check=tcp check_interval=1s");
            assertTrue(leased.ok(), leased.status());
            ServerSocket listener = new ServerSocket(Integer.parseInt(leased.status().substring(3)), 50,
                    InetAddress.getByName("127.0.0.1"));
            assertTrue(d.call("ALLOC unchecked").ok());
            assertEquals("ERR", d.call("RELEASE never-was").status().split(" ")[0]);
            Poll.until("the check has found the listener", () -> scrape(port).contains("\nportd_health{state=\"ok\"} 1.0\n"));
            String text = scrape(port);
            for (String sample : List.of("portd_health{state=\"ok\"} 1.0", "portd_health{state=\"failing\"} 0.0",
                    "portd_leases_by_state{state=\"leased\"} 2.0", "portd_errors_total{code=\"NOTFOUND\"} 1.0",
                    "portd_requests_seconds_count{verb=\"ALLOC\"} 2", "portd_range_ports 10000.0")) {
                assertTrue(text.contains("\n" + sample + "\n"), sample + " in\n" + text);
            }
            assertTrue(text.contains("# TYPE portd_health gauge\n"), text);
            assertTrue(threadNamed("portd-metrics"), "the scrape ran on the server's worker");
            listener.close();
        }
        Poll.until("the metrics worker has ended", () -> !threadNamed("portd-metrics"));
        assertThrowsIo(port);
    }

    private static boolean threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static void assertThrowsIo(int port) throws InterruptedException {
        try {
            scrape(port);
            throw new AssertionError("a stopped daemon still serves /metrics on " + port);
        } catch (IOException expected) {
            // connection refused: the port was let go
        }
    }

    @Test
    void theAlertRulesAndTheScrapeExampleAreValidAndTheAlertsFire() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool is missing (Debian package prometheus)");
        promtool("check", "rules", "portd-alerts.yml");
        promtool("check", "config", "prometheus.yml");
        promtool("test", "rules", "portd-alerts.test.yml");
    }

    private static void promtool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PROMTOOL.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(EXAMPLES.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", args) + ":\n" + out);
        assertTrue(out.contains("SUCCESS"), out);
        assertTrue(!out.toLowerCase(Locale.ROOT).contains("warning"), out);
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /**
     * The TCP sockets in LISTEN state that process {@code pid} holds, as "tcp|tcp6 ADDRESS:PORT" in
     * /proc/net's hex: its fds' socket inodes looked up in its network namespace's tables.
     */
    private static List<String> tcpListeners(long pid) throws IOException {
        List<String> inodes = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // an fd closed while listing
                }
            }
        }
        assertNotEquals(List.of(), inodes, "process " + pid + " holds its Unix socket at least");
        List<String> out = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    out.add(table + " " + f[1]);
                }
            }
        }
        return out;
    }
}
