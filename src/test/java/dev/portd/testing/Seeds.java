package dev.portd.testing;

/**
 * Seeds for randomized tests: {@code -Dportd.seed=N} replays a run, otherwise each run draws a new one.
 * The seed is printed at once and belongs in every failure message.
 */
public final class Seeds {
    private Seeds() {}

    public static long seed(String test) {
        String given = System.getProperty("portd.seed");
        long seed = given != null && !given.isBlank() ? Long.parseLong(given.trim()) : System.nanoTime() * 0x9E3779B97F4A7C15L;
        System.out.println(test + ": seed " + seed + " (replay with -Dportd.seed=" + seed + ")");
        return seed;
    }
}
