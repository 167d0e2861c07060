package dev.portd.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.daemon.Config;
import dev.portd.daemon.Paths;
import dev.portd.testing.TestDaemon;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the Debian package installs, checked from the source tree: the default config lists every
 * setting, the JVM options start a JVM, the units pass systemd-analyze, and portd-jsvc runs the daemon
 * as another user under Debian's jsvc.
 */
@Timeout(180)
class PackagingTest {
    static final Path CONF = Path.of("packaging/portd.conf");
    static final Path DEFAULTS = Path.of("packaging/default/portd");
    static final Path JSVC_LAUNCHER = Path.of("packaging/bin/portd-jsvc").toAbsolutePath();
    static final Path DROP_IN = Path.of("systemd/examples/portd.service.d/see-all-processes.conf");
    static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");
    static final Path UNIT = Path.of("systemd/portd.service");

    record Result(int code, String out) {}

    static Result run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
        return new Result(p.exitValue(), out);
    }

    @Test
    void defaultConfigListsEverySettingWithItsDefault() throws Exception {
        String conf = Files.readString(CONF);
        Matcher m = Pattern.compile("(?m)^  --([a-z-]+) .*?(?:\\(default (.*)\\))?$").matcher(Config.usage());
        int settings = 0;
        while (m.find()) {
            String key = m.group(1).replace('-', '_');
            if (key.equals("config")) {
                continue;
            }
            settings++;
            String def = m.group(2) == null ? null : m.group(2).equals("none") ? "" : m.group(2);
            String line = def == null ? "^" + key + " = /"
                    : "^#" + Pattern.quote(key) + " =" + (def.isEmpty() ? "" : " " + Pattern.quote(def)) + "$";
            assertTrue(Pattern.compile(line, Pattern.MULTILINE).matcher(conf).find(), "portd.conf lacks " + line);
        }
        assertTrue(settings >= 18, "settings found in --help: " + settings);
        Config loaded = Config.load(new String[] {"--config", CONF.toString()}, Map.of());
        assertEquals(Path.of("/run/portd/portd.sock"), loaded.settings().socket());
        assertEquals(Path.of("/var/lib/portd"), loaded.settings().data());
    }

    @Test
    void jvmOptionsStartAJvm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String opts = ". ./" + DEFAULTS + " && exec " + java + " $PORTD_JAVA_OPTS ";
        Result version = run(Map.of(), "sh", "-c", opts + "-version");
        assertEquals(0, version.code(), version.out());
        assertTrue(!version.out().contains("warning") && !version.out().contains("Unrecognized"), version.out());
        Result flags = run(Map.of(), "sh", "-c", opts + "-XX:+PrintFlagsFinal -version");
        assertTrue(flags.out().matches("(?s).*\\bMaxHeapSize += 134217728\\b.*"), "the heap bound is in force");
        assertTrue(flags.out().matches("(?s).*\\bUseParallelGC += true\\b.*")
                && flags.out().matches("(?s).*\\bParallelGCThreads += 2\\b.*"), "the parallel collector, two threads");
    }

    @Test
    void unitsPassSystemdAnalyze() throws Exception {
        assumeTrue(Files.isExecutable(SYSTEMD_ANALYZE), "systemd-analyze is missing (Debian package systemd)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/java")), "verify needs ExecStart's /usr/bin/java");
        assertEquals(new Result(0, ""), analyze("verify", "--man=no", "systemd/portd.socket", "systemd/portd.service",
                "systemd/portd-portserver.socket"), "systemd-analyze verify says nothing");
        double base = exposure(Path.of("systemd/portd.service"));
        assertTrue(base <= 1.5, "exposure " + base);

        // The example drop-in, where an admin puts it: it parses, and it does lift the sandbox a little.
        Path dir = TestDaemon.newDir();
        try {
            Files.copy(Path.of("systemd/portd.service"), dir.resolve("portd.service"));
            Files.copy(Path.of("systemd/portd.socket"), dir.resolve("portd.socket"));
            Path dropIns = Files.createDirectory(dir.resolve("portd.service.d"));
            Files.copy(DROP_IN, dropIns.resolve(DROP_IN.getFileName()));
            assertEquals(new Result(0, ""), analyze("verify", "--man=no", dir.resolve("portd.socket").toString(),
                    dir.resolve("portd.service").toString()));
            double lifted = exposure(dir.resolve("portd.service"));
            assertTrue(lifted > base, "the drop-in takes effect: " + lifted + " vs " + base);
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    /** The journal files the daemon's lines as portd's, not java's. */
    @Test
    void theUnitNamesItsJournalLinesPortd() throws Exception {
        assertEquals("portd", setting(UNIT, "SyslogIdentifier"));
    }

    /** Failures a restart cannot fix end the service for good; the rest are retried, but not forever. */
    @Test
    void theUnitRestartsOnlyWhatARestartCanFixAndNotForever() throws Exception {
        java.util.Set<String> cannotFix = new java.util.TreeSet<>();
        for (dev.portd.daemon.ExitStatus s : dev.portd.daemon.ExitStatus.values()) {
            if (s.restartCannotFix()) {
                cannotFix.add(Integer.toString(s.code()));
            }
        }
        assertEquals(cannotFix, new java.util.TreeSet<>(List.of(setting(UNIT, "RestartPreventExitStatus").split("\\s+"))));
        assertEquals("on-failure", setting(UNIT, "Restart"));
        String unitSection = Files.readString(UNIT).split("(?m)^\\[Service\\]")[0];
        assertTrue(unitSection.matches("(?s).*\\nStartLimitIntervalSec=\\d+s\\n.*"), "a start limit in [Unit]");
        assertTrue(unitSection.matches("(?s).*\\nStartLimitBurst=\\d+\\n.*"), "a start limit in [Unit]");
    }

    /** The packaged changelog's newest entry is the version being built: a release bumps both. */
    @Test
    void theChangelogNamesThisVersion() throws Exception {
        String newest = Files.readAllLines(Path.of("packaging/doc/changelog")).get(0);
        assertEquals("portd (" + dev.portd.daemon.Portd.VERSION + ") unstable; urgency=medium", newest);
    }

    /** The unit's last {@code Key=value} (a later line overrides an earlier one). */
    static String setting(Path unit, String key) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + key + "=(.*?)\\s*$").matcher(Files.readString(unit));
        String value = null;
        while (m.find()) {
            value = m.group(1);
        }
        assertTrue(value != null, unit + " sets no " + key);
        return value;
    }

    static Result analyze(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SYSTEMD_ANALYZE.toString()));
        cmd.addAll(List.of(args));
        return run(Map.of(), cmd.toArray(String[]::new));
    }

    static double exposure(Path unit) throws IOException, InterruptedException {
        Result security = analyze("security", "--offline=yes", unit.toString());
        Matcher m = Pattern.compile("Overall exposure level for portd.service: (\\d+\\.\\d)").matcher(security.out());
        assertTrue(m.find(), security.out());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void jsvcLauncherRunsTheDaemonAsAnotherUser() throws Exception {
        assumeTrue(Paths.uid() == 0, "jsvc -user needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/jsvc")), "/usr/bin/jsvc is missing (Debian package jsvc)");
        Path dir = TestDaemon.newDir();
        try {
            Path data = Files.createDirectory(dir.resolve("data"));
            UserPrincipal nobody = data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(data, nobody);
            Path socket = dir.resolve("run/portd.sock");
            Path conf = Files.writeString(dir.resolve("portd.conf"),
                    "socket = " + socket + "\ndata = " + data + "\nrange = 46000-46999\n");
            Map<String, String> env = Map.of(
                    "PORTD_JAR", classpath(),
                    "PORTD_USER", "nobody",
                    "PORTD_PIDFILE", dir.resolve("run/portd.pid").toString(),
                    "PORTD_LOG", dir.resolve("log/portd.log").toString(),
                    "PORTD_CONF", conf.toString(),
                    "PORTD_DEFAULTS", DEFAULTS.toAbsolutePath().toString(),
                    "JAVA_HOME", System.getProperty("java.home"));
            try {
                Result start = run(env, JSVC_LAUNCHER.toString(), "start");
                assertEquals(0, start.code(), start.out() + log(dir));
                long pid = Long.parseLong(Files.readString(dir.resolve("run/portd.pid")).strip());
                assertTrue(Files.readString(Path.of("/proc/" + pid + "/status")).contains("\nUid:\t65534\t"),
                        "the daemon runs as nobody");
                assertEquals(new Result(0, "portd is running (pid " + pid + ")\n"), run(env, JSVC_LAUNCHER.toString(), "status"));
                try (dev.portd.testing.LineClient c = new dev.portd.testing.LineClient(socket)) {
                    assertEquals("OK PONG", c.call("PING").status());
                }
                Result stop = run(env, JSVC_LAUNCHER.toString(), "stop");
                assertEquals(new Result(0, "portd stopped\n"), stop, log(dir));
                assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "the daemon is gone");
                assertTrue(!Files.exists(socket), "its socket is removed");
                assertEquals(3, run(env, JSVC_LAUNCHER.toString(), "status").code());
                assertTrue(Files.readString(dir.resolve("log/portd.log")).contains("portd stopped"), log(dir));
            } finally {
                run(env, JSVC_LAUNCHER.toString(), "stop");
            }
        } finally {
            TestDaemon.deleteTree(dir);
        }
        assertEquals(2, run(Map.of(), JSVC_LAUNCHER.toString(), "bogus").code());
    }

    static String log(Path dir) throws IOException {
        Path log = dir.resolve("log/portd.log");
        return Files.exists(log) ? "\n" + Files.readString(log) : "";
    }

    /** Surefire's class path with absolute entries: jsvc changes to / first. */
    static String classpath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                out.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, out);
    }
}
