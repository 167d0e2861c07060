package dev.portd.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.daemon.Paths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The .deb this build made (failsafe runs this after {@code package}): lintian has nothing to say about
 * it, and installed on a freshly booted Debian machine it does what operators and users do with it
 * (packaging/test/habitat, whose checks are in packaging/test/checks.sh).
 */
class DebPackageIT {
    static final Path DEB = Path.of(System.getProperty("portd.deb", "target/portd.deb"));
    static final Path HABITAT = Path.of("packaging/test/habitat");

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void lintianHasNothingToSay() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/lintian")), "lintian is missing (packaging/test/install-deps)");
        assertTrue(Files.isRegularFile(DEB), DEB + " was not built");
        List<String> out = run(List.of("lintian", "--display-info", "--fail-on", "error,warning,info", DEB.toString()), null, 4);
        String lines = String.join("\n", out);
        assertEquals(0, Integer.parseInt(out.get(out.size() - 1)), "lintian " + DEB + ":\n" + lines);
        assertTrue(out.stream().noneMatch(l -> l.matches("^[EWIXP]: .*")), "lintian " + DEB + ":\n" + lines);
    }

    /** The habitat test needs root (debootstrap, overlay mounts, systemd-nspawn) and those tools. */
    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void theHabitatTestPasses() throws Exception {
        assumeTrue(Paths.uid() == 0, "the habitat test needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debootstrap")) && Files.isExecutable(Path.of("/usr/bin/systemd-nspawn")),
                "debootstrap or systemd-nspawn is missing (packaging/test/install-deps)");
        assertTrue(Files.isRegularFile(DEB), DEB + " was not built");
        Path log = Path.of("target/habitat/habitat.log");
        Files.createDirectories(log.getParent());
        List<String> out = run(List.of(HABITAT.toString(), "--deb", DEB.toString()), log, 24);
        int status = Integer.parseInt(out.remove(out.size() - 1));
        // A failed check's lines (indented under its FAIL line) and the summary say what went wrong.
        List<String> failures = new ArrayList<>();
        boolean inFailure = false;
        for (String l : out) {
            inFailure = l.startsWith("FAIL") || (inFailure && l.startsWith("      "));
            if (inFailure || l.startsWith("habitat:")) {
                failures.add(l);
            }
        }
        assertEquals(0, status, "packaging/test/habitat failed (whole output in " + log + "):\n" + String.join("\n", failures));
    }

    /**
     * Runs a command, echoing its output (to the test's output and to {@code log} if given); returns the
     * lines and, last, the exit status. On timeout the command gets SIGTERM (the habitat harness then
     * tears its machine down) and a minute to exit.
     */
    static List<String> run(List<String> cmd, Path log, long minutes) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 Writer w = log == null ? Writer.nullWriter() : Files.newBufferedWriter(log)) {
                for (String l; (l = r.readLine()) != null; ) {
                    System.out.println(l);
                    w.write(l + "\n");
                    w.flush();
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (IOException e) {
                System.out.println("reading " + cmd.get(0) + ": " + e);
            }
        }, "output of " + cmd.get(0));
        reader.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroy();
            p.waitFor(1, TimeUnit.MINUTES);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + minutes + " minutes");
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        synchronized (lines) {
            List<String> result = new ArrayList<>(lines);
            result.add(Integer.toString(p.exitValue()));
            return result;
        }
    }
}
