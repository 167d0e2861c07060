package dev.portd.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the daemon's stderr goes, which decides how its lines look: the journal adds its own
 * timestamps and reads a {@code <N>} priority prefix; a terminal is worth colour; anything else (a
 * file, a pipe to a log shipper, jsvc's errfile) gets plain lines with a UTC timestamp.
 */
public final class Stderr {
    private Stderr() {}

    private static final Path FD2 = Path.of("/proc/self/fd/2");

    /**
     * True when stderr is the journal's stream. systemd sets {@code JOURNAL_STREAM=<dev>:<inode>} of
     * that stream; the variable is inherited by children whose stderr goes elsewhere (jsvc's errfile,
     * a shell redirect), so it only counts when it names the file descriptor we actually write to.
     */
    public static boolean isJournal(Map<String, String> env) {
        String js = env.get("JOURNAL_STREAM");
        if (js == null || js.isEmpty()) {
            return false;
        }
        int colon = js.indexOf(':');
        try {
            long dev = Long.parseLong(js.substring(0, colon));
            long ino = Long.parseLong(js.substring(colon + 1));
            return ((Number) Files.getAttribute(FD2, "unix:dev")).longValue() == dev
                    && ((Number) Files.getAttribute(FD2, "unix:ino")).longValue() == ino;
        } catch (IOException | RuntimeException e) {
            return false; // malformed, or no /proc: not provably the journal
        }
    }

    /**
     * True when stderr is a terminal. {@code System.console()} looks at stdin and stdout, which say
     * nothing about stderr ({@code portd 2>log} at a terminal, or a terminal stderr under a pipe), so
     * this asks where file descriptor 2 points.
     */
    public static boolean isTerminal() {
        try {
            String target = Files.readSymbolicLink(FD2).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Colour on a terminal, unless the user opted out (https://no-color.org) or the terminal is dumb. */
    public static boolean wantsColor(Map<String, String> env) {
        String noColor = env.get("NO_COLOR");
        return isTerminal() && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"));
    }
}
