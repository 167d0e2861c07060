package dev.portd.protocol;

import dev.portd.table.PortdException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Parsing and formatting of the protocol's value types: names, ports, ranges, durations, times. */
public final class Values {
    private Values() {}

    public static final int MAX_DESC = 512;

    /** A service name: {@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}}. */
    public static String service(String s) {
        if (!isService(s)) {
            throw PortdException.badRequest("bad service name '" + clip(s) + "' (letters, digits, . _ -, at most 64)");
        }
        return s;
    }

    public static boolean isService(String s) {
        int n = s.length();
        if (n == 0 || n > 64 || !alnum(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = s.charAt(i);
            if (!alnum(c) && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    public static int port(String what, String s) {
        int p = integer(what, s, 1, 65535);
        return p;
    }

    /** A whole number in [lo, hi]; digits only, so "+5", " 5" and "0x10" are refused. */
    public static int integer(String what, String s, int lo, int hi) {
        long v = 0;
        if (s.isEmpty() || s.length() > 10) {
            throw PortdException.badRequest(what + " must be a number from " + lo + " to " + hi + ", not '" + clip(s) + "'");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw PortdException.badRequest(what + " must be a number from " + lo + " to " + hi + ", not '" + clip(s) + "'");
            }
            v = v * 10 + (c - '0');
        }
        if (v < lo || v > hi) {
            throw PortdException.badRequest(what + " must be from " + lo + " to " + hi + ", not " + v);
        }
        return (int) v;
    }

    /** {@code LO-HI} (inclusive) or a single port, as {lo, hi}. */
    public static int[] range(String what, String s) {
        int dash = s.indexOf('-');
        if (dash < 0) {
            int p = port(what, s);
            return new int[] {p, p};
        }
        int lo = port(what, s.substring(0, dash));
        int hi = port(what, s.substring(dash + 1));
        if (lo > hi) {
            throw PortdException.badRequest(what + " " + s + " is empty (LO must not exceed HI)");
        }
        return new int[] {lo, hi};
    }

    /** Seconds, or a number with ms, s, m, h or d; returned in milliseconds. */
    public static long durationMillis(String what, String s) {
        if (s.isEmpty()) {
            throw PortdException.badRequest(what + " is empty");
        }
        if (s.endsWith("ms")) {
            // Sub-second settings (probe_interval=200ms) and timeouts; checked before the 's' and 'm' units.
            return integer(what, s.substring(0, s.length() - 2), 0, 365 * 24 * 3600);
        }
        char unit = s.charAt(s.length() - 1);
        long mult;
        String digits = s.substring(0, s.length() - 1);
        switch (unit) {
            case 's' -> mult = 1_000L;
            case 'm' -> mult = 60_000L;
            case 'h' -> mult = 3_600_000L;
            case 'd' -> mult = 86_400_000L;
            default -> {
                mult = 1_000L;
                digits = s;
            }
        }
        long n = integer(what, digits, 0, 365 * 24 * 3600);
        long ms = n * mult;
        if (ms > 365L * 86_400_000L) {
            throw PortdException.badRequest(what + " must be at most 365d");
        }
        return ms;
    }

    /** Milliseconds as {@link #durationMillis} reads them, in the largest unit that keeps them whole: 90s, 5m, 200ms. */
    public static String durationText(long millis) {
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (millis > 0 && millis % sizes[i] == 0) {
                return millis / sizes[i] + units[i];
            }
        }
        return millis + "ms";
    }

    /** A description: any text without control characters, at most 512 characters. */
    public static String desc(String s) {
        if (s.length() > MAX_DESC) {
            throw PortdException.badRequest("desc is longer than " + MAX_DESC + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw PortdException.badRequest("desc has a control character");
            }
        }
        return s;
    }

    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;

    /** UTC, ISO 8601, whole seconds, with Z. */
    public static String time(long epochMillis) {
        return ISO.format(Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS));
    }

    public static long parseTime(String s) {
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (RuntimeException e) {
            throw PortdException.badRequest("bad time '" + clip(s) + "' (ISO 8601 UTC, e.g. 2026-11-22T09:30:00Z)");
        }
    }

    /** Keeps echoed input short in error messages. */
    public static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
