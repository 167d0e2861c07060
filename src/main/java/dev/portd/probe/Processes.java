package dev.portd.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Small readers over {@code /proc/<pid>}. Every method treats a process that is gone or unreadable
 * as unknown (empty, -1, null, false) and never throws: processes exit between any two reads, and
 * the caller decides what "unknown" means for a lease.
 */
public final class Processes {

    static final Path PROC = Path.of("/proc");

    /** Bound on the parent walk: deeper than any real tree, small enough to stop a pid-reuse loop. */
    static final int MAX_DEPTH = 1024;

    // Fields of /proc/<pid>/stat, numbered as in proc(5).
    static final int STAT_PPID = 4;
    static final int STAT_STARTTIME = 22;

    /**
     * Each reading thread's buffer (event loops, the monitor): holds comm, stat and status whole, so a read
     * allocates only its result. A longer cmdline is read into a bigger buffer of its own.
     */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4096));

    private Processes() {}

    /**
     * Start time of {@code pid} in clock ticks since boot (field 22 of /proc/pid/stat). Together
     * with the pid it names one process for good: a recycled pid gets a later start time.
     */
    public static OptionalLong startTime(int pid) {
        return startTime(PROC, pid);
    }

    static OptionalLong startTime(Path proc, int pid) {
        long t = statField(readStat(proc, pid), STAT_STARTTIME);
        return t < 0 ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /**
     * True if {@code pid} exists with this start time and has not exited. A zombie counts as dead:
     * its sockets are closed already and its parent may never reap it.
     */
    public static boolean isAlive(int pid, long startTime) {
        return isAlive(PROC, pid, startTime);
    }

    static boolean isAlive(Path proc, int pid, long startTime) {
        byte[] stat = readStat(proc, pid);
        int state = statState(stat);
        return state > 0 && state != 'Z' && state != 'X' && statField(stat, STAT_STARTTIME) == startTime;
    }

    /** Parent pid, or -1 if the process is gone. 0 for processes whose parent is outside our pid namespace. */
    public static int parentPid(int pid) {
        return parentPid(PROC, pid);
    }

    static int parentPid(Path proc, int pid) {
        long ppid = statField(readStat(proc, pid), STAT_PPID);
        return ppid < 0 ? -1 : (int) ppid;
    }

    /**
     * True if {@code pid} is {@code ancestor} or one of its descendants, by walking the parent chain.
     * {@code pid == ancestor} is true without looking at /proc: liveness is the caller's check
     * ({@link #isAlive} with the recorded start time, which also guards against a recycled ancestor
     * pid). A descendant whose parent died is re-parented (to init or a subreaper) and is no longer
     * found under the original ancestor: that is the kernel's view and we keep it.
     */
    public static boolean isSelfOrDescendant(int pid, int ancestor) {
        return isSelfOrDescendant(PROC, pid, ancestor);
    }

    static boolean isSelfOrDescendant(Path proc, int pid, int ancestor) {
        if (pid <= 0 || ancestor <= 0) {
            return false;
        }
        int p = pid;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            if (p == ancestor) {
                return true;
            }
            if (p == 1) {
                return false; // init is everyone's root; nothing above it
            }
            p = parentPid(proc, p);
            if (p <= 0) {
                return false;
            }
        }
        return false;
    }

    /**
     * Short command name: /proc/pid/comm (at most 15 bytes, set by the kernel from the executable
     * or by prctl), else the basename of the first cmdline argument, else null.
     */
    public static String command(int pid) {
        return command(PROC, pid);
    }

    static String command(Path proc, int pid) {
        byte[] comm = read(proc, pid, "comm");
        if (comm != null) {
            int end = comm.length;
            while (end > 0 && (comm[end - 1] == '\n' || comm[end - 1] == ' ')) {
                end--;
            }
            if (end > 0) {
                return new String(comm, 0, end, StandardCharsets.UTF_8);
            }
        }
        byte[] cmdline = read(proc, pid, "cmdline");
        if (cmdline == null) {
            return null;
        }
        int end = 0;
        while (end < cmdline.length && cmdline[end] != 0) {
            end++;
        }
        int start = end;
        while (start > 0 && cmdline[start - 1] != '/') {
            start--;
        }
        return start == end ? null : new String(cmdline, start, end - start, StandardCharsets.UTF_8);
    }

    /** Real uid from the {@code Uid:} line of /proc/pid/status, or -1 if unknown. */
    public static int uid(int pid) {
        return uid(PROC, pid);
    }

    static int uid(Path proc, int pid) {
        byte[] status = read(proc, pid, "status");
        if (status == null) {
            return -1;
        }
        int line = 0;
        while (line < status.length) {
            if (startsWith(status, line, "Uid:")) {
                int p = line + 4;
                while (p < status.length && (status[p] == ' ' || status[p] == '\t')) {
                    p++;
                }
                long v = 0;
                int digits = 0;
                while (p < status.length && status[p] >= '0' && status[p] <= '9' && digits < 11) {
                    v = v * 10 + (status[p++] - '0');
                    digits++;
                }
                return digits == 0 || v > 0xFFFF_FFFFL ? -1 : (int) v;
            }
            while (line < status.length && status[line] != '\n') {
                line++;
            }
            line++;
        }
        return -1;
    }

    static byte[] readStat(Path proc, int pid) {
        return read(proc, pid, "stat");
    }

    /**
     * Numeric field {@code field} (4 or above) of a /proc/pid/stat text, or -1. Field 2 is
     * "(comm)" and comm may hold spaces and ')' itself, so fields are counted from the LAST ')'.
     */
    static long statField(byte[] stat, int field) {
        int p = afterComm(stat);
        if (p < 0 || field < 4) {
            return -1;
        }
        // p is at field 3; skip to the wanted one.
        for (int f = 3; f < field; f++) {
            while (p < stat.length && stat[p] != ' ') {
                p++;
            }
            if (p >= stat.length) {
                return -1;
            }
            p++;
        }
        long v = 0;
        int digits = 0;
        while (p < stat.length && stat[p] >= '0' && stat[p] <= '9') {
            if (++digits > 18) {
                return -1;
            }
            v = v * 10 + (stat[p++] - '0');
        }
        boolean ended = p == stat.length || stat[p] == ' ' || stat[p] == '\n';
        return digits > 0 && ended ? v : -1;
    }

    /** State letter (field 3: R, S, D, Z, X, ...) of a /proc/pid/stat text, or -1. */
    static int statState(byte[] stat) {
        int p = afterComm(stat);
        return p < 0 || p >= stat.length ? -1 : stat[p];
    }

    /** Index of field 3 in a stat text, i.e. just past ") ", or -1. */
    private static int afterComm(byte[] stat) {
        if (stat == null) {
            return -1;
        }
        int close = stat.length - 1;
        while (close >= 0 && stat[close] != ')') {
            close--;
        }
        if (close < 0 || close + 2 >= stat.length || stat[close + 1] != ' ') {
            return -1;
        }
        return close + 2;
    }

    private static boolean startsWith(byte[] b, int at, String prefix) {
        if (at + prefix.length() > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[at + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whole small /proc file, or null if the process is gone or the file unreadable. /proc files report a
     * size of 0, for which Files.readAllBytes makes six syscalls (open, fstat, a read of one byte, a read, the
     * read of the end, close); this makes three: the kernel writes these files whole into a read that has room
     * for them (seq_file fills the buffer; cmdline copies up to the count asked), so a read that leaves room
     * is the end, and only a full buffer needs another. Event loops read one or two of these per connection.
     */
    private static byte[] read(Path proc, int pid, String file) {
        if (pid <= 0) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(proc.resolve(Integer.toString(pid)).resolve(file))) {
            ByteBuffer buf = BUFFER.get().clear();
            while (ch.read(buf) >= 0 && !buf.hasRemaining()) {
                buf = ByteBuffer.allocate(buf.capacity() * 2).put(buf.flip());
            }
            return Arrays.copyOf(buf.array(), buf.position());
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
