package dev.portd.protocol;

import dev.portd.table.PortdException;

/**
 * Shell-style name patterns (LIST GLOB, RELEASE glob=): {@code *} any run, {@code ?} one character,
 * everything else literal, matching the whole name.
 */
public final class Glob {
    private Glob() {}

    /** A pattern for {@code what}: the characters of a service name, * and ?; BADREQ otherwise. */
    public static String pattern(String what, String s) {
        boolean ok = !s.isEmpty() && s.length() <= 128;
        for (int i = 0; i < s.length() && ok; i++) {
            char c = s.charAt(i);
            ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || ".-_*?".indexOf(c) >= 0;
        }
        if (!ok) {
            throw PortdException.badRequest("bad " + what + " '" + Values.clip(s)
                    + "' (letters, digits, . _ - and the wildcards * ?, at most 128)");
        }
        return s;
    }

    /**
     * Only the last * is ever backtracked to, so a glob costs at most its length times the name's; a regex
     * built from a glob like *a*a*a*a*a*a*aZ backtracks exponentially and would hold an event loop for hours.
     */
    public static boolean matches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = n;
            } else if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (star >= 0) {
                g = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }
}
