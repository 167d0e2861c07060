package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mostly live: real child processes against the real /proc. */
class ProcessesTest {

    static final int SELF = (int) ProcessHandle.current().pid();

    // Captured from `/tmp/wc/a) b (c 5` (a symlink to sleep): comm holds ") " and " (".
    static final String NASTY_STAT =
            "8464 (a) b (c) S 8463 8459 2572 0 -1 4194304 130 0 0 0 0 0 0 0 20 0 1 0 49736 2990080 410 "
            + "18446744073709551615 94523518648320 94523518666249 140729877866496 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 "
            + "94523518680336 94523518681600 94523886379008 140729877867229 140729877867247 140729877867247 "
            + "140729877868520 0\n";

    private Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null) {
            List<ProcessHandle> descendants = child.descendants().toList();
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }

    static int selfUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** Starts {@code sh -c script} and returns the first line it prints. */
    private String startShell(String script) throws IOException {
        child = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            throw new IOException("child printed nothing");
        }
        return line.trim();
    }

    @Test
    void statFieldsCountFromTheLastParenthesis() {
        byte[] stat = NASTY_STAT.getBytes(StandardCharsets.US_ASCII);
        assertEquals(8463, Processes.statField(stat, Processes.STAT_PPID));
        assertEquals(49736, Processes.statField(stat, Processes.STAT_STARTTIME));
        assertEquals(2990080, Processes.statField(stat, 23)); // vsize, next to starttime
        assertEquals('S', Processes.statState(stat));
    }

    @Test
    void malformedStatIsUnknown() {
        assertEquals(-1, Processes.statField(null, Processes.STAT_STARTTIME));
        assertEquals(-1, Processes.statField(new byte[0], Processes.STAT_STARTTIME));
        assertEquals(-1, Processes.statField("8464 (sleep S 1 2".getBytes(StandardCharsets.US_ASCII), 4));
        assertEquals(-1, Processes.statField("8464 (sleep) S 1 2 3".getBytes(StandardCharsets.US_ASCII), 22));
        assertEquals(-1, Processes.statField("8464 (sleep) S x1 2".getBytes(StandardCharsets.US_ASCII), 4));
        assertEquals(-1, Processes.statState("8464 (sleep)".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void selfIsKnown() throws Exception {
        assertTrue(Processes.startTime(SELF).isPresent());
        assertTrue(Processes.isAlive(SELF, Processes.startTime(SELF).getAsLong()));
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), Processes.parentPid(SELF));
        assertEquals("java", Processes.command(SELF));
        assertEquals(selfUid(), Processes.uid(SELF));
    }

    @Test
    void startTimeIsField22InClockTicksSinceBoot() throws Exception {
        // Cross-check against the JDK's own view: boot time + starttime / CLK_TCK.
        long bootSeconds = Files.readAllLines(Path.of("/proc/stat")).stream()
                .filter(l -> l.startsWith("btime ")).mapToLong(l -> Long.parseLong(l.substring(6).trim()))
                .findFirst().orElseThrow();
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
        long hz = Long.parseLong(new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
        long ticks = Processes.startTime(SELF).getAsLong();
        Instant fromProc = Instant.ofEpochMilli(bootSeconds * 1000 + ticks * 1000 / hz);
        Instant fromJdk = ProcessHandle.current().info().startInstant().orElseThrow();
        assertTrue(Duration.between(fromJdk, fromProc).abs().toMillis() < 2000, fromProc + " vs " + fromJdk);
    }

    @Test
    void childBeforeAndAfterExit() throws Exception {
        child = new ProcessBuilder("sleep", "30").start();
        int pid = (int) child.pid();
        OptionalLong start = Processes.startTime(pid);
        assertTrue(start.isPresent());
        assertTrue(start.getAsLong() >= Processes.startTime(SELF).getAsLong());
        assertTrue(Processes.isAlive(pid, start.getAsLong()));
        assertFalse(Processes.isAlive(pid, start.getAsLong() + 1), "a different start time is a different process");
        assertEquals(SELF, Processes.parentPid(pid));
        assertEquals("sleep", Processes.command(pid));
        assertEquals(selfUid(), Processes.uid(pid));

        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        // waitFor returns once the JDK has reaped it, so /proc/<pid> is gone (barring instant pid reuse).
        assertFalse(Processes.isAlive(pid, start.getAsLong()));
        assertTrue(Processes.startTime(pid).isEmpty() || Processes.startTime(pid).getAsLong() != start.getAsLong());
        assertEquals(-1, Processes.parentPid(pid));
        assertNull(Processes.command(pid));
        assertEquals(-1, Processes.uid(pid));
    }

    @Test
    void zombieIsNotAlive() throws Exception {
        // The shell backgrounds a short sleep, then execs into a long one that never reaps it.
        int zombie = Integer.parseInt(startShell("sleep 0.2 & echo $!; exec sleep 30"));
        long start = Processes.startTime(zombie).getAsLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Processes.statState(Processes.readStat(Processes.PROC, zombie)) != 'Z') {
            assertTrue(System.nanoTime() < deadline, "child never became a zombie");
            Thread.sleep(20);
        }
        assertEquals(start, Processes.startTime(zombie).getAsLong(), "a zombie still has its stat");
        assertFalse(Processes.isAlive(zombie, start));
    }

    @Test
    void grandchildIsADescendant() throws Exception {
        int grandchild = Integer.parseInt(startShell("sleep 30 & echo $!; wait"));
        int shell = (int) child.pid();
        assertEquals(shell, Processes.parentPid(grandchild));
        assertTrue(Processes.isSelfOrDescendant(grandchild, shell));
        assertTrue(Processes.isSelfOrDescendant(grandchild, SELF));
        assertTrue(Processes.isSelfOrDescendant(shell, SELF));
        assertTrue(Processes.isSelfOrDescendant(grandchild, grandchild));
        assertTrue(Processes.isSelfOrDescendant(grandchild, 1) || Processes.parentPid(SELF) == 0,
                "everything descends from init in our pid namespace");
        assertFalse(Processes.isSelfOrDescendant(shell, grandchild));
        assertFalse(Processes.isSelfOrDescendant(SELF, shell));
        assertFalse(Processes.isSelfOrDescendant(SELF, grandchild));
        assertFalse(Processes.isSelfOrDescendant(-1, shell));
        assertFalse(Processes.isSelfOrDescendant(grandchild, 0));
    }

    @Test
    void descendantOfAGonePidIsFalse() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        int gone = (int) p.pid();
        assertFalse(Processes.isSelfOrDescendant(gone, SELF));
        assertFalse(Processes.isSelfOrDescendant(SELF, gone));
    }

    @Test
    void commandWithParenthesesAndSpaces(@TempDir Path dir) throws Exception {
        Path link = dir.resolve("a) b (c");
        Files.createSymbolicLink(link, Path.of("/bin/sleep").toRealPath());
        child = new ProcessBuilder(link.toString(), "30").start();
        int pid = (int) child.pid();
        Files.delete(link); // comm is fixed at exec; and @TempDir warns about links leading outside
        assertEquals("a) b (c", Processes.command(pid));
        assertEquals(SELF, Processes.parentPid(pid));
        long start = Processes.startTime(pid).getAsLong();
        assertTrue(start >= Processes.startTime(SELF).getAsLong());
        assertTrue(Processes.isAlive(pid, start));
    }

    @Test
    void commandFallsBackToCmdlineBasename(@TempDir Path proc) throws IOException {
        Path p = Files.createDirectories(proc.resolve("77"));
        Files.write(p.resolve("cmdline"), "/usr/bin/python3\0-c\0print(1)\0".getBytes(StandardCharsets.UTF_8));
        assertEquals("python3", Processes.command(proc, 77), "no comm file");
        Files.write(p.resolve("comm"), "\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("python3", Processes.command(proc, 77), "empty comm");
        Files.write(p.resolve("comm"), "worker 1\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("worker 1", Processes.command(proc, 77), "comm wins, inner spaces kept");

        Path q = Files.createDirectories(proc.resolve("78"));
        Files.write(q.resolve("cmdline"), new byte[0]); // kernel threads
        assertNull(Processes.command(proc, 78));
        assertNull(Processes.command(proc, 79));
    }

    @Test
    void aFileLongerThanOneReadIsReadWhole(@TempDir Path proc) throws IOException {
        // The first read fills the buffer; only then is there more to read (a real /proc file that fits is
        // written whole into one read). A Uid: line past 10,000 bytes is still found.
        Path p = Files.createDirectories(proc.resolve("77"));
        Files.writeString(p.resolve("status"), "Name:\tlong\n" + "Groups:\t1 2 3\n".repeat(800)
                + "Uid:\t1234\t1234\t1234\t1234\n");
        assertEquals(1234, Processes.uid(proc, 77));
        // And the real one: our own status and cmdline, each read whole.
        assertEquals(Processes.uid(SELF), (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    @Test
    void uidIsTheRealUid(@TempDir Path proc) throws IOException {
        Path p = Files.createDirectories(proc.resolve("77"));
        Files.writeString(p.resolve("status"),
                "Name:\tsetuid-thing\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t77\nPid:\t77\nPPid:\t1\n"
                + "TracerPid:\t0\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n");
        assertEquals(1000, Processes.uid(proc, 77));
        Files.writeString(p.resolve("status"), "Name:\tx\nUid:\t\n");
        assertEquals(-1, Processes.uid(proc, 77));
        Files.writeString(p.resolve("status"), "Name:\tx\n");
        assertEquals(-1, Processes.uid(proc, 77));
        assertEquals(-1, Processes.uid(proc, 78));
    }
}
