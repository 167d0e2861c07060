package dev.portd.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.backup.Snapshot;
import dev.portd.table.Check;
import dev.portd.testing.HttpServer;
import dev.portd.testing.LineClient;
import dev.portd.testing.Listener;
import dev.portd.testing.Poll;
import dev.portd.testing.Ports;
import dev.portd.testing.TestDaemon;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Health checks against real listeners: a python socket for tcp, {@code python3 -m http.server} for
 * http (200 on a file, 301 on a directory, 404 on nothing), through every state and change of state,
 * as HEALTH, LIST, JSON LIST, HISTORY, WATCH, JMX and the metrics show them, and across a restart.
 */
@Timeout(180)
class HealthCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();

    private TestDaemon d;
    private int port;

    @BeforeEach
    void start() throws Exception {
        port = Ports.freeRun(2);
        d = TestDaemon.start();
    }

    @AfterEach
    void stop() throws Exception {
        d.close();
    }

    private Map<String, String> health(String service) throws Exception {
        List<Map<String, String>> rows = d.rows("HEALTH " + service);
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }

    /** Waits until the service's health is {@code state}; returns its HEALTH line then. */
    private Map<String, String> awaitHealth(String service, String state) throws Exception {
        Poll.until(service + " to be " + state, () -> state.equals(health(service).get("health")));
        return health(service);
    }

    /**
     * Waits until the health events (and check changes) of a service are {@code want}: an event reaches
     * HISTORY through the writer a moment after HEALTH shows the result that made it.
     */
    private void awaitEvents(String service, List<String> want) throws Exception {
        try {
            Poll.until(service + "'s events to be " + want, () -> want.equals(healthEvents(service)));
        } catch (AssertionError e) {
            assertEquals(want, healthEvents(service));
            throw e;
        }
    }

    /** The health events (and check changes) of a service, oldest first, as {@code event note}. */
    private List<String> healthEvents(String service) throws Exception {
        return d.rows("HISTORY " + service + " limit=1000").stream()
                .filter(r -> List.of("healthy", "unhealthy", "check").contains(r.get("event")))
                .map(r -> r.get("event") + " " + r.get("note")).toList();
    }

    @Test
    void tcpFollowsTheListenerFromUnknownToOkToFailingAndBack() throws Exception {
        Listener service = Listener.gated(port, false); // started, not yet listening
        try {
            assertEquals("OK " + port, d.call("ALLOC web port=" + port + " strict check=tcp check_interval=1s").status());
            Map<String, String> h = health("web");
            assertEquals("unknown", h.get("health"), h.toString());
            assertEquals("tcp", h.get("check"));
            assertEquals("1s", h.get("check_interval"));
            assertEquals(String.valueOf(port), h.get("port"));
            assertFalse(h.containsKey("health_ms") || h.containsKey("checked"), "not checked yet: " + h);
            Map<String, String> listed = d.lease("web");
            assertEquals("unknown", listed.get("health"));
            assertFalse(listed.containsKey("health_ms"), listed.toString());

            service.go();
            h = awaitHealth("web", "ok");
            assertEquals("tcp: connected to 127.0.0.1", h.get("note"));
            assertTrue(Long.parseLong(h.get("health_ms")) >= 0);
            assertNotNull(h.get("checked"));
            assertEquals("ok", d.lease("web").get("health"));
            awaitEvents("web", List.of("healthy tcp: connected to 127.0.0.1")); // before WATCH, so not seen there
        } finally {
            service.close();
        }
        try (LineClient watcher = d.client()) {
            assertEquals("OK watching", watcher.call("WATCH").status());
            Map<String, String> h = awaitHealth("web", "failing");
            assertEquals("tcp: connection refused", h.get("note"));
            Map<String, String> event = LineClient.fields(watcher.readLine());
            assertEquals("unhealthy", event.get("event"), event.toString());
            assertEquals("web", event.get("service"));
            assertEquals(String.valueOf(port), event.get("port"));
            assertEquals("tcp: connection refused", event.get("note"));
        }
        assertEquals("OK " + port, d.call("GET web").status(), "a failing check changes nothing else");

        try (Listener again = Listener.start(port)) {
            awaitHealth("web", "ok");
        }
        awaitEvents("web", List.of("healthy tcp: connected to 127.0.0.1", "unhealthy tcp: connection refused",
                "healthy tcp: connected to 127.0.0.1"));

        assertEquals("OK " + (port + 1), d.call("RESOLVE web port=" + (port + 1)).status());
        Map<String, String> moved = health("web");
        assertEquals(List.of(String.valueOf(port + 1), "unknown", "tcp"),
                List.of(moved.get("port"), moved.get("health"), moved.get("check")), "a moved lease is checked afresh");
        assertEquals("tcp: connection refused", awaitHealth("web", "failing").get("note"));
    }

    @Test
    void httpCountsTwoAndThreeHundredsHealthyAndFollowsTheServer() throws Exception {
        Path www = d.dir().resolve("www");
        assertTrue(d.call("ALLOC plain").ok());
        assertEquals("OK " + port, d.call("ALLOC web port=" + port + " strict check=http:/healthz check_interval=5s").status());
        assertEquals("unknown", health("web").get("health"));
        HttpServer server = HttpServer.start(www, port); // well within the first interval
        try {
            assertEquals("http:/healthz 200", awaitHealth("web", "ok").get("note"));

            assertEquals("OK " + port, d.call("ALLOC web check=http:/missing check_interval=1s").status(),
                    "a held lease takes the new check");
            Map<String, String> h = awaitHealth("web", "failing");
            assertEquals("http:/missing", h.get("check"));
            assertEquals("http:/missing 404", h.get("note"));
            assertEquals("http:/sub 301", awaitHealth2("web", "http:/sub").get("note"));
            assertEquals("http:/healthz 200", awaitHealth2("web", "http:/healthz").get("note"));
            assertEquals(1, gauge("health.ok"));
            assertEquals(0, gauge("health.failing"));

            JsonNode list = JSON.readTree(d.call("JSON LIST").status());
            JsonNode web = null;
            for (JsonNode item : list.get("items")) {
                if (item.get("service").asText().equals("plain")) {
                    assertNull(item.get("health"), "a lease without a check has no health: " + item);
                } else {
                    web = item;
                }
            }
            assertEquals("ok", web.get("health").asText(), list.toString());
            assertTrue(web.get("health_ms").isNumber(), list.toString());
            assertEquals(1, d.rows("HEALTH").size(), "HEALTH lists leases with a check only");
            assertEquals("OK 0", d.call("HEALTH plain").status());
            assertEquals("NOTFOUND", d.call("HEALTH nosuch").code());

            ObjectName bean = new ObjectName("dev.portd:type=Lease,service=web");
            Poll.until("web's bean", () -> PLATFORM.isRegistered(bean));
            assertEquals("ok", PLATFORM.getAttribute(bean, "Health"));
            assertTrue((Long) PLATFORM.getAttribute(bean, "HealthMillis") >= 0);
            assertNotNull(PLATFORM.getAttribute(bean, "LastChecked"));
            ObjectName plain = new ObjectName("dev.portd:type=Lease,service=plain");
            Poll.until("plain's bean", () -> PLATFORM.isRegistered(plain));
            assertNull(PLATFORM.getAttribute(plain, "Health"));
            assertEquals(-1L, PLATFORM.getAttribute(plain, "HealthMillis"));
        } finally {
            server.close();
        }
        assertEquals("http:/healthz connection refused", awaitHealth("web", "failing").get("note"));
        assertEquals(0, gauge("health.ok"));
        assertEquals(1, gauge("health.failing"));
        try (HttpServer again = HttpServer.start(www, port)) {
            awaitHealth("web", "ok");
        }
        awaitEvents("web", List.of("healthy http:/healthz 200",
                "check http:/missing every 1s", "unhealthy http:/missing 404",
                "check http:/sub every 1s", "healthy http:/sub 301",
                "check http:/healthz every 1s", "healthy http:/healthz 200",
                "unhealthy http:/healthz connection refused", "healthy http:/healthz 200"));
    }

    /** Gives {@code service} the check {@code spec} (1s) and waits until that check finds it ok. */
    private Map<String, String> awaitHealth2(String service, String spec) throws Exception {
        assertTrue(d.call("ALLOC " + service + " check=" + spec + " check_interval=1s").ok());
        Poll.until(service + " to be ok by " + spec, () -> {
            Map<String, String> h = health(service);
            return spec.equals(h.get("check")) && "ok".equals(h.get("health"));
        });
        return health(service);
    }

    private long gauge(String name) {
        return ((Number) d.portd().metrics().getGauges().get(name).getValue()).longValue();
    }

    @Test
    void theCheckOutlivesARestartItsResultDoesNot() throws Exception {
        Path www = d.dir().resolve("www");
        assertTrue(d.call("ALLOC web port=" + port + " strict check=http:/healthz check_interval=5s").ok());
        try (HttpServer server = HttpServer.start(www, port)) { // well within the first interval
            awaitHealth("web", "ok");
            assertEquals(0, gauge("health.unknown"));
            awaitEvents("web", List.of("healthy http:/healthz 200"));
            String file = d.call("BACKUP").value();
            assertEquals(Check.parse("http:/healthz", 5000),
                    Snapshot.read(Path.of(file)).leases().get(0).check(), "backups keep the check");

            d.stop();
            d.startAgain();
            Map<String, String> h = health("web");
            assertEquals("unknown", h.get("health"), "results are not kept: " + h);
            assertEquals("http:/healthz", h.get("check"));
            assertEquals("5s", h.get("check_interval"));
            assertEquals(1, gauge("health.unknown"));
            awaitHealth("web", "ok");
        }
        awaitEvents("web", List.of("healthy http:/healthz 200", "healthy http:/healthz 200")); // unknown to ok, again
    }

    @Test
    void aCheckWithNoAnswerFailsAfterItsTimeout() throws Exception {
        try (Listener mute = Listener.gated(port, false)) { // will accept connections, never answer
            assertTrue(d.call("ALLOC web port=" + port + " strict check=http:/healthz check_interval=1s").ok());
            mute.go();
            Poll.until("a check to time out", () -> String.valueOf(health("web").get("note")).endsWith("no answer in 1000 ms"));
            Map<String, String> h = health("web");
            assertEquals("failing", h.get("health"));
            assertEquals("http:/healthz no answer in 1000 ms", h.get("note"));
            assertTrue(Long.parseLong(h.get("health_ms")) >= 1000, h.toString());
        }
    }

    @Test
    void ipv6LoopbackIsTriedWhenIpv4RefusesIt() throws Exception {
        int other = port + 1;
        assertTrue(d.call("ALLOC tcp6 port=" + port + " strict check=tcp check_interval=1s").ok());
        assertTrue(d.call("ALLOC http6 port=" + other + " strict check=http:/healthz check_interval=1s").ok());
        Process v6 = new ProcessBuilder("python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_INET6)
                s.bind(('::1', int(sys.argv[1])))
                s.listen(16)
                print('ready', flush=True)
                sys.stdin.read()
                """, Integer.toString(port)).redirectErrorStream(true).start();
        try (HttpServer server = HttpServer.start(d.dir().resolve("www"), other, "::1")) {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(v6.getInputStream())).readLine());
            assertEquals("tcp: connected to 0:0:0:0:0:0:0:1", awaitHealth("tcp6", "ok").get("note"));
            assertEquals("http:/healthz 200", awaitHealth("http6", "ok").get("note"));
        } finally {
            v6.destroyForcibly();
            v6.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void badChecksAreRefusedAndChangeNothing() throws Exception {
        Map<String, String> refused = Map.of(
                "check=udp", "check must be tcp or http:PATH",
                "check=http:healthz", "check=http: needs an absolute path",
                "check=http:", "check=http: needs an absolute path",
                "check=\"http:/a b\"", "check=http: needs an absolute path",
                "check=http:/%zz", "check=http: needs an absolute path",
                "check=tcp check_interval=500ms", "check_interval must be at least 1s",
                "check=tcp check_interval=0", "check_interval must be at least 1s",
                "check=tcp check_interval=soon", "check_interval must be a number",
                "check_interval=5s", "check_interval= needs check=");
        for (Map.Entry<String, String> r : refused.entrySet()) {
            LineClient.Reply reply = d.call("ALLOC web " + r.getKey());
            assertEquals("BADREQ", reply.code(), r.getKey() + ": " + reply.status());
            assertTrue(reply.status().contains(r.getValue()), r.getKey() + ": " + reply.status());
        }
        assertEquals("OK 0", d.call("LIST").status());
        assertEquals("OK 0", d.call("HISTORY").status());

        assertTrue(d.call("ALLOC web check=tcp").ok());
        assertEquals("BADREQ", d.call("ALLOC web check=http:nope").code());
        assertEquals("BADREQ", d.call("ALLOC web check=tcp check_interval=999ms").code());
        Map<String, String> h = health("web");
        assertEquals("tcp", h.get("check"));
        assertEquals("10s", h.get("check_interval"), "the default interval");
        assertEquals(List.of("alloc"), d.events("web"), "the refused ALLOCs left no trace");
    }
}
