package dev.portd.protocol;

/**
 * Shell-style name patterns (LIST GLOB, RELEASE glob=): {@code *} any run, {@code ?} one character,
 * everything else literal, matching the whole name.
 */
public final class Glob {
    private Glob() {}

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
