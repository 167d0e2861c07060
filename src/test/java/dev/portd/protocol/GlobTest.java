package dev.portd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** LIST's glob: the shell's meaning, in time linear in the glob times the name. */
class GlobTest {

    @Test
    void starQuestionMarkAndLiterals() {
        assertTrue(Glob.matches("web*", "web"));
        assertTrue(Glob.matches("web*", "web-2"));
        assertFalse(Glob.matches("web*", "my-web"));
        assertTrue(Glob.matches("*web*", "my-web-1"));
        assertTrue(Glob.matches("w?b", "web"));
        assertFalse(Glob.matches("w?b", "wb"));
        assertTrue(Glob.matches("my-api.v?", "my-api.v2"));
        assertFalse(Glob.matches("my-api.v?", "my-apixv2x"));
        assertFalse(Glob.matches("web", "web2"), "a glob matches the whole name");
        assertTrue(Glob.matches("*", "x"));
        assertTrue(Glob.matches("**", "x"));
        assertTrue(Glob.matches("a*b*c", "aXbYbZc"));
        assertFalse(Glob.matches("a*b*c", "aXbYbZ"));
    }

    /** Against the obvious regex translation, on short inputs where backtracking does not hurt. */
    @Test
    void agreesWithTheRegexMeaning() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        char[] globChars = {'a', 'b', '.', '-', '*', '?'};
        char[] nameChars = {'a', 'b', '.', '-'};
        for (int i = 0; i < 20_000; i++) {
            String glob = random(rnd, globChars, 7);
            String name = random(rnd, nameChars, 9);
            assertEquals(regex(glob).matcher(name).matches(), Glob.matches(glob, name),
                    "seed " + seed + ": glob '" + glob + "' name '" + name + "'");
        }
    }

    @Test
    @Timeout(10)
    void aPathologicalGlobIsCheap() {
        String name = "a".repeat(64);
        assertFalse(Glob.matches("*a".repeat(40) + "Z", name));
        assertTrue(Glob.matches("*a".repeat(40) + "*", name));
    }

    private static String random(Random rnd, char[] chars, int max) {
        StringBuilder sb = new StringBuilder();
        for (int n = rnd.nextInt(max + 1); n > 0; n--) {
            sb.append(chars[rnd.nextInt(chars.length)]);
        }
        return sb.toString();
    }

    private static Pattern regex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            re.append(ch == '*' ? ".*" : ch == '?' ? "." : Pattern.quote(String.valueOf(ch)));
        }
        return Pattern.compile(re.toString());
    }
}
