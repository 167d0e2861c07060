package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** portctl run: the lease exists while the command runs, is gone after, and the status comes through. */
@Timeout(120)
class RunCommandTest extends LiveDaemon {
    static final String SELF = Long.toString(ProcessHandle.current().pid());

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void leaseLivesExactlyAsLongAsTheCommand() throws Exception {
        Path seen = dir.resolve("seen");
        Path go = dir.resolve("go");
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> portctl("run", "web.api", "--desc", "run test",
                "--", "sh", "-c", "echo \"$PORT $WEB_API_PORT\" > \"$0.tmp\"; mv \"$0.tmp\" \"$0\"; "
                        + "while [ ! -e \"$1\" ]; do sleep 0.02; done; echo done; exit 3", seen.toString(), go.toString()));
        await("the command to start", () -> !read(seen).isEmpty());
        String port = portctl("get", "web.api").out().strip();
        assertEquals(port + " " + port + "\n", read(seen), "PORT and WEB_API_PORT are the leased port");
        List<String> list = portctl("raw", "LIST web.api").lines();
        assertTrue(list.get(0).contains(" pid=" + SELF + " ") && list.get(0).contains("desc=\"run test\""),
                "bound to portctl's pid: " + list);

        Files.createFile(go);
        Result r = run.get(20, TimeUnit.SECONDS);
        assertEquals(new Result(3, "done\n", ""), r, "the command's status and output");
        assertEquals(1, portctl("get", "web.api").code(), "released when the command exited");
    }

    @Test
    void deathBySignalExits128PlusTheSignal() {
        Result r = portctl("run", "web", "--", "sh", "-c", "kill -TERM $$");
        assertEquals(128 + 15, r.code(), r.err());
        assertEquals(1, portctl("get", "web").code());
    }

    @Test
    void commandNotFoundExits127AndReleases() {
        Result r = portctl("run", "web", "--", dir.resolve("no-such-program").toString());
        assertEquals(127, r.code());
        assertTrue(r.err().contains("cannot run"), r.err());
        assertEquals(1, portctl("get", "web").code());
    }

    @Test
    void commandWithoutDoubleDashStartsAtTheFirstWord() throws IOException {
        String port = Integer.toString(freePort());
        Result r = portctl("run", "web", "--port", port, "--strict", "sh", "-c", "echo $PORT --not-an-option");
        assertEquals(new Result(0, port + " --not-an-option\n", ""), r);
    }

    @Test
    void standingLeaseIsUsedAndKept() throws IOException {
        String port = Integer.toString(freePort());
        assertEquals(0, portctl("alloc", "web", "--port", port).code());
        assertEquals(new Result(0, port + "\n", ""), portctl("run", "web", "--", "sh", "-c", "echo $PORT"));
        assertEquals(new Result(0, port + "\n", ""), portctl("get", "web"), "a lease run did not make stays");
    }

    @Test
    void refusedLeaseRunsNothing() throws IOException {
        int port = freePort();
        portctl("alloc", "other", "--port", Integer.toString(port));
        Path marker = dir.resolve("marker");
        Result r = portctl("run", "web", "--port", Integer.toString(port), "--strict", "--", "touch", marker.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("ERR TAKEN"), r.err());
        assertFalse(Files.exists(marker), "the command never ran");
        assertEquals(64, portctl("run", "web").code(), "no command");
        assertEquals(64, portctl("run", "web", "--pid", "1", "--", "true").code(), "pid is run's own");
    }

    @Test
    void pythonHttpServerOnItsPort() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3");
        // A port outside the managed range: the HTTP exchange leaves it in TIME_WAIT for a minute, and
        // other tests expect the range's first ports to be free.
        String free = Integer.toString(freePort());
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> portctl("run", "web", "--port", free, "--strict",
                "--", "sh", "-c", "exec /usr/bin/python3 -m http.server --bind 127.0.0.1 \"$PORT\""));
        await("the lease", () -> portctl("get", "web").code() == 0);
        int port = Integer.parseInt(portctl("get", "web").out().strip());
        assertEquals(free, Integer.toString(port));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build();
        await("python to serve", () -> {
            try {
                return http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        ProcessHandle python = ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("http.server")).findFirst().orElseThrow();
        python.destroy(); // SIGTERM
        Result r = run.get(20, TimeUnit.SECONDS);
        assertEquals(128 + 15, r.code(), r.err());
        assertTrue(r.err().contains("\"GET / HTTP/1.1\" 200"), "its access log came through: " + r.err());
        assertEquals(1, portctl("get", "web").code(), "released");
    }

    /** portctl run in the background, its output readable while it runs. */
    record Running(CompletableFuture<Integer> code, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        String errText() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    Running background(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Portctl p = new Portctl(Map.of("PORTD_SOCKET", socket.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Running(CompletableFuture.supplyAsync(() -> p.run(args)), out, err);
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The HTTP status on 127.0.0.1:port, or -1 when nothing answers there. */
    static int httpStatus(int port) {
        return httpStatus(port, "/");
    }

    static int httpStatus(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<ProcessHandle> pythons() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("http.server")).toList();
    }

    /** python3 -m http.server on $PORT, as portctl run starts it (outside the managed range: see above). */
    static final String SERVE = "exec /usr/bin/python3 -m http.server --bind 127.0.0.1 \"$PORT\"";

    @Test
    void restartOnMoveServesOnTheNewPortOnly() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3");
        int first = freePort();
        // A grace period longer than the test waits: the restart must come from TERM, not from KILL.
        Running run = background("run", "web", "--port", Integer.toString(first), "--strict", "--restart-on-move",
                "--grace", "10m", "--", "sh", "-c", SERVE);
        await("python to serve on " + first, () -> httpStatus(first) == 200);

        int second = freePort();
        assertEquals(new Result(0, second + "\n", ""), portctl("resolve", "web", "--port", Integer.toString(second)));
        await("python to serve on " + second + ": " + run.errText(), () -> httpStatus(second) == 200);
        assertEquals(-1, httpStatus(first), "the old port is closed: CMD was stopped before it was started again");
        assertEquals(1, pythons().size(), "one python at a time");

        // A swap with a standing lease nobody listens on.
        int third = freePort();
        assertEquals(0, portctl("alloc", "other", "--port", Integer.toString(third), "--strict").code());
        assertEquals(new Result(0, third + "\n", ""), portctl("resolve", "web", "--swap", "other"));
        await("python to serve on " + third + ": " + run.errText(), () -> httpStatus(third) == 200);
        assertEquals(-1, httpStatus(second));
        assertEquals(Integer.toString(second), portctl("get", "other").out().strip());

        String err = run.errText();
        assertTrue(err.contains("portctl: web moved from port " + first + " to " + second + ": stopping sh (TERM, then KILL after 10m)"), err);
        assertTrue(err.contains("portctl: starting sh again with PORT=" + second), err);
        assertTrue(err.contains("portctl: starting sh again with PORT=" + third), err);
        assertFalse(run.code().isDone(), "portctl keeps running CMD");

        pythons().forEach(ProcessHandle::destroy); // CMD ending by itself ends portctl run, as before
        assertEquals(128 + 15, run.code().get(20, TimeUnit.SECONDS), run.errText());
        assertEquals(1, portctl("get", "web").code(), "released");
        assertFalse(run.errText().contains("warning"), run.errText());
    }

    @Test
    void aCommandThatIgnoresTermIsKilledAfterTheGracePeriod() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3");
        int first = freePort();
        Running run = background("run", "web", "--port", Integer.toString(first), "--strict", "--restart-on-move",
                "--grace", "1s", "--", "sh", "-c", "trap '' TERM; " + SERVE);
        await("python to serve on " + first, () -> httpStatus(first) == 200);
        int second = freePort();
        assertEquals(0, portctl("resolve", "web", "--port", Integer.toString(second)).code());
        await("python to serve on " + second + ": " + run.errText(), () -> httpStatus(second) == 200);
        assertEquals(-1, httpStatus(first));
        pythons().forEach(ProcessHandle::destroyForcibly);
        assertEquals(128 + 9, run.code().get(20, TimeUnit.SECONDS), run.errText());
    }

    @Test
    void withoutTheFlagAMoveLeavesTheCommandRunningAndWarns() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3");
        int first = freePort();
        Running run = background("run", "web", "--port", Integer.toString(first), "--strict", "--", "sh", "-c", SERVE);
        await("python to serve on " + first, () -> httpStatus(first) == 200);
        ProcessHandle python = pythons().get(0);
        int second = freePort();
        assertEquals(0, portctl("resolve", "web", "--port", Integer.toString(second)).code());
        String warning = "portctl: warning: web moved from port " + first + " to " + second
                + "; sh keeps running with PORT=" + first + " (restart it, or run it with portctl run --restart-on-move)";
        await("the warning", () -> run.errText().contains(warning));
        assertEquals(200, httpStatus(first), "CMD still serves the old port");
        assertEquals(-1, httpStatus(second));
        assertTrue(python.isAlive());
        assertEquals(List.of(python), pythons(), "not restarted");

        python.destroy();
        assertEquals(128 + 15, run.code().get(20, TimeUnit.SECONDS));
        assertEquals(1, run.errText().lines().filter(l -> l.contains("warning")).count(), "warned once: " + run.errText());
        assertEquals(1, portctl("get", "web").code(), "the moved lease was released too");
    }

    @Test
    void graceNeedsRestartOnMoveAndADuration() {
        assertEquals(64, portctl("run", "web", "--grace", "5s", "--", "true").code());
        Result bad = portctl("run", "web", "--restart-on-move", "--grace", "soon", "--", "true");
        assertEquals(64, bad.code());
        assertTrue(bad.err().contains("--grace"), bad.err());
        assertEquals(new Result(0, "ran\n", ""), portctl("run", "web", "--restart-on-move", "--grace=2s", "--", "echo", "ran"));
        assertEquals(1, portctl("get", "web").code());
    }

    @Test
    void theWatchSurvivesARestartOfTheDaemon() throws Exception {
        Path ports = dir.resolve("ports");
        int first = freePort();
        Running run = background("run", "web", "--port", Integer.toString(first), "--strict", "--restart-on-move",
                "--", "sh", "-c", "echo \"$PORT\" >> \"$0\"; exec sleep 600", ports.toString());
        await("the command to start", () -> read(ports).equals(first + "\n"));

        daemon.stop();
        await("the watch to notice", () -> run.errText().contains("portctl: not watching the port of web ("));
        daemon.startAgain();
        await("the watch to come back", () -> run.errText().contains("portctl: watching the port of web again"));
        int second = freePort();
        assertEquals(0, portctl("resolve", "web", "--port", Integer.toString(second)).code());
        await("a restart on " + second + ": " + run.errText(), () -> read(ports).equals(first + "\n" + second + "\n"));

        daemon.stop(); // moved right after the daemon is back: the watch may not be subscribed yet, GET sees it
        daemon.startAgain();
        int third = freePort();
        assertEquals(0, portctl("resolve", "web", "--port", Integer.toString(third)).code());
        await("a restart on " + third + ": " + run.errText(),
                () -> read(ports).equals(first + "\n" + second + "\n" + third + "\n"));

        ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("sleep 600"))
                .forEach(ProcessHandle::destroy);
        assertEquals(128 + 15, run.code().get(20, TimeUnit.SECONDS), run.errText());
        assertEquals(1, portctl("get", "web").code(), "released");
    }

    @Test
    void aSwapOfTwoRestartingServicesEndsWithEachOnTheOthersPort() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3");
        int pa = freePort();
        int pb = freePort();
        Running[] runs = new Running[2];
        String[] names = {"a", "b"};
        int[] ports = {pa, pb};
        for (int i = 0; i < 2; i++) {
            Path root = Files.createDirectories(dir.resolve(names[i]));
            Files.writeString(root.resolve(names[i] + ".txt"), names[i]);
            // b ignores TERM, so its old server keeps port pb until KILL after b's grace period, while a,
            // moved to pb, wants to start there.
            runs[i] = background("run", names[i], "--port", Integer.toString(ports[i]), "--strict", "--restart-on-move",
                    "--grace", i == 0 ? "20s" : "2s", "--", "sh", "-c", (i == 0 ? "" : "trap '' TERM; ")
                            + "exec /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory \"$0\" \"$PORT\"",
                    root.toString());
        }
        await("both to serve", () -> httpStatus(pa, "/a.txt") == 200 && httpStatus(pb, "/b.txt") == 200);
        assertEquals(new Result(0, pb + "\n", ""), portctl("resolve", "a", "--swap", "b"));
        // a's restart waits for pb to be free: b's old server holds it until it is killed.
        await("a on " + pb + " and b on " + pa + ": " + runs[0].errText() + runs[1].errText(),
                () -> httpStatus(pb, "/a.txt") == 200 && httpStatus(pa, "/b.txt") == 200);
        assertFalse(runs[0].code().isDone() || runs[1].code().isDone(), runs[0].errText() + runs[1].errText());
        assertEquals(2, pythons().size());
        pythons().forEach(ProcessHandle::destroyForcibly);
        for (Running r : runs) {
            assertEquals(128 + 9, r.code().get(20, TimeUnit.SECONDS), r.errText());
        }
    }
}
