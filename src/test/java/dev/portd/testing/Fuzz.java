package dev.portd.testing;

import dev.portd.protocol.Verb;
import dev.portd.protocol.Verbs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Seeded request lines that try to break the parser: random bytes, requests built from the verb
 * table and then mangled (wrong arity, unknown keys, bad values, lone quotes, NULs, CR, invalid
 * UTF-8, huge tokens), and runs of blank lines. Every line is under the 4096-byte limit and carries
 * no LF of its own; {@link #replies(byte[])} says how many replies the protocol promises for it.
 */
public final class Fuzz {
    /** Verbs left out: QUIT closes the connection, WATCH turns it into an event stream, WAIT blocks it for seconds. */
    public static final Set<String> SKIPPED = Set.of("QUIT", "WATCH", "WAIT");
    private final Random rnd;
    private final List<Verb> verbs = new ArrayList<>();
    private final int keepLo;
    private final int keepHi;

    /** Lines from {@code seed} that never name a port of {@code keepLo..keepHi}: leases there are the test's. */
    public Fuzz(long seed, int keepLo, int keepHi) {
        this.rnd = new Random(seed);
        this.keepLo = keepLo;
        this.keepHi = keepHi;
        for (Verb v : Verbs.all()) {
            if (!SKIPPED.contains(v.name())) {
                verbs.add(v);
            }
        }
    }

    /** The next line, without its LF. */
    public byte[] line() {
        int kind = rnd.nextInt(100);
        if (kind < 15) {
            return randomBytes(rnd.nextInt(120));
        }
        if (kind < 20) {
            return blank();
        }
        if (kind < 22) {
            return huge();
        }
        return mangle(request());
    }

    /** A well-formed request from the verb table, as text. */
    String request() {
        Verb v = verbs.get(rnd.nextInt(verbs.size()));
        StringBuilder sb = new StringBuilder();
        if (rnd.nextInt(10) == 0) {
            sb.append("json ");
        }
        sb.append(rnd.nextBoolean() ? v.name() : v.name().toLowerCase());
        int args = v.minArgs() + rnd.nextInt(Math.min(v.maxArgs(), v.minArgs() + 2) - v.minArgs() + 1);
        for (int i = 0; i < args; i++) {
            sb.append(' ').append(value());
        }
        for (String k : v.keys()) {
            if (rnd.nextInt(3) == 0) {
                // A glob starts with f, so RELEASE glob= never ends the test's own leases (keep0, keep1, ...).
                sb.append(' ').append(k).append('=').append(k.equals("glob") ? "f" : "").append(value());
            }
        }
        for (String f : v.flags()) {
            if (rnd.nextInt(3) == 0) {
                sb.append(' ').append(f);
            }
        }
        return sb.toString();
    }

    private static final String[] WORDS = {"f0", "f1", "f2", "web", "db", "-x", ".a", "a..b", "x".repeat(64), "x".repeat(65),
        "*", "?", "f*", "tcp", "udp", "both", "TCP", "ports", "json", "dotenv", "shell", "compose", "systemd", "strict",
        "ALLOC", "JSON", "=", "==", "a=b=c", "\"\"", "\"a b\"", "\"a\\\"b\"", "\"a\\\\\"", "\"a\\qb\"", "\"", "\"open",
        "é", "日本", "\uD83D\uDE00", "1s", "0s", "-1s", "1m", "1h", "1d", "99999999999d", "1x", "s", "2026-11-22T09:30:00Z"};

    /** A value: a name, a port, a range, a duration, a number at an edge, or junk. Never a port of the kept range. */
    String value() {
        return switch (rnd.nextInt(6)) {
            case 0 -> WORDS[rnd.nextInt(WORDS.length)];
            case 1 -> Integer.toString(number());
            case 2 -> range();
            case 3 -> Long.toString(rnd.nextLong());
            case 4 -> "f" + rnd.nextInt(20);
            default -> junkToken();
        };
    }

    /** A short range, or one at an edge; never a wide one (RESERVE 1024-65535 is legal, and a slow commit). */
    private String range() {
        String[] edges = {"65535-1024", "0-1", "1-0", "-1-5", "65535-65536", "29999-30000", "1-", "-", "5-5-5", "20100-"};
        if (rnd.nextInt(4) == 0) {
            return edges[rnd.nextInt(edges.length)];
        }
        int lo = number();
        return lo + "-" + (lo + rnd.nextInt(10));
    }

    private int number() {
        int[] edges = {0, 1, -1, 1023, 1024, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, 29999, 30000, 19999};
        int n = rnd.nextInt(3) == 0 ? edges[rnd.nextInt(edges.length)] : 20100 + rnd.nextInt(9900);
        return n >= keepLo - 10 && n <= keepHi ? keepHi + 1 + (n - keepLo + 10) : n; // ranges start below: lo + 9
    }

    private String junkToken() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
            sb.append((char) (0x21 + rnd.nextInt(0x5e)));
        }
        return sb.toString();
    }

    /** Breaks a request in one of many small ways (or leaves it well-formed). */
    byte[] mangle(String req) {
        String s = req;
        switch (rnd.nextInt(12)) {
            case 0 -> { } // as built
            case 1 -> s = s.substring(0, rnd.nextInt(s.length() + 1));
            case 2 -> s = insert(s, "\"");
            case 3 -> s = insert(s, "\0");
            case 4 -> s = insert(s, "\r");
            case 5 -> s = insert(s, "\\");
            case 6 -> s = s + " " + s;
            case 7 -> s = s.replace(' ', '\t');
            case 8 -> s = s + " unknownkey=1";
            case 9 -> s = "  " + s + "  ";
            case 10 -> s = insert(s, Character.toString((char) rnd.nextInt(0x20)));
            default -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                if (b.length > 0) {
                    b[rnd.nextInt(b.length)] = (byte) (0x80 + rnd.nextInt(0x80)); // likely invalid UTF-8
                }
                return noLf(b);
            }
        }
        return noLf(s.getBytes(StandardCharsets.UTF_8));
    }

    private String insert(String s, String what) {
        int at = rnd.nextInt(s.length() + 1);
        return s.substring(0, at) + what + s.substring(at);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return noLf(b);
    }

    private byte[] blank() {
        String[] blanks = {"", " ", "\t", " \t ", "\r"};
        return blanks[rnd.nextInt(blanks.length)].getBytes(StandardCharsets.US_ASCII);
    }

    /** A line just under the limit: one huge token, or a huge quoted desc. */
    private byte[] huge() {
        int n = 3000 + rnd.nextInt(1000);
        String s = rnd.nextBoolean() ? "ALLOC f1 desc=\"" + "d".repeat(n) + "\"" : "GET " + "g".repeat(n);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] noLf(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                b[i] = ' ';
            }
        }
        return b;
    }

    // ---- what the protocol promises for a line ----

    /** 0 for a blank line (spaces and tabs, a CR before the LF dropped), else exactly 1. */
    public static int replies(byte[] line) {
        int end = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
        for (int i = 0; i < end; i++) {
            if (line[i] != ' ' && line[i] != '\t') {
                return 1;
            }
        }
        return 0;
    }

    /**
     * Whether the reply is one JSON line: the line starts with the word JSON (even when the rest is not
     * valid UTF-8: the error then comes back as JSON too).
     */
    public static boolean json(byte[] line) {
        String s = new String(line, StandardCharsets.UTF_8); // malformed bytes become U+FFFD
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        String t = s.replaceFirst("^[ \t]+", "");
        return t.regionMatches(true, 0, "JSON", 0, 4) && (t.length() == 4 || t.charAt(4) == ' ' || t.charAt(4) == '\t');
    }

    /** Lines joined with LF, for one write. */
    public static byte[] join(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.writeBytes(l);
            out.write('\n');
        }
        return out.toByteArray();
    }
}
