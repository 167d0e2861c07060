package dev.portd.table;

import java.net.URI;

/**
 * A lease's health check, as ALLOC asked for it: connect to the port ({@code tcp}) or {@code GET} a
 * path there ({@code http:/healthz}), every {@code intervalMillis}. Part of the lease, so stored with
 * it; what the checks find is not.
 *
 * @param path the path and query for {@link Kind#HTTP}, null for {@link Kind#TCP}
 */
public record Check(Kind kind, String path, long intervalMillis) {
    /** The order is part of the store's format. */
    public enum Kind { TCP, HTTP }

    public static final long DEFAULT_INTERVAL_MILLIS = 10_000;
    public static final long MIN_INTERVAL_MILLIS = 1_000;
    /** A check that has not answered by then has failed (or by its interval, if that is shorter). */
    public static final long MAX_TIMEOUT_MILLIS = 2_000;
    static final int MAX_PATH = 512;

    /**
     * {@code tcp} or {@code http:PATH} with its interval; refuses anything else with a message that says
     * what is accepted.
     */
    public static Check parse(String spec, long every) {
        if (every < MIN_INTERVAL_MILLIS) {
            throw PortdException.badRequest("check_interval must be at least 1s");
        }
        if (spec.equalsIgnoreCase("tcp")) {
            return new Check(Kind.TCP, null, every);
        }
        if (spec.regionMatches(true, 0, "http:", 0, 5)) {
            return new Check(Kind.HTTP, httpPath(spec.substring(5)), every);
        }
        throw PortdException.badRequest("check must be tcp or http:PATH (an absolute path, such as http:/healthz), not '"
                + clip(spec) + "'");
    }

    /** A path that can go into a request line as it is: absolute, printable, a valid URI path and query. */
    private static String httpPath(String p) {
        boolean ok = p.startsWith("/") && p.length() <= MAX_PATH;
        for (int i = 0; i < p.length() && ok; i++) {
            char c = p.charAt(i);
            ok = c > 0x20 && c < 0x7f && c != '#';
        }
        if (ok) {
            try {
                URI u = URI.create("http://127.0.0.1" + p);
                ok = p.equals(u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw PortdException.badRequest("check=http: needs an absolute path of at most " + MAX_PATH
                    + " printable characters, valid in a URL, such as http:/healthz; not '" + clip(p) + "'");
        }
        return p;
    }

    /** How ALLOC writes it: {@code tcp} or {@code http:/healthz}. */
    public String wire() {
        return kind == Kind.TCP ? "tcp" : "http:" + path;
    }

    /** The interval as a duration is written: {@code 10s}, or {@code 1500ms} when not whole seconds. */
    public String intervalText() {
        return intervalMillis % 1000 == 0 ? intervalMillis / 1000 + "s" : intervalMillis + "ms";
    }

    /** 2 s, or the interval if that is shorter, so checks of one lease never overlap. */
    public long timeoutMillis() {
        return Math.min(MAX_TIMEOUT_MILLIS, intervalMillis);
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
