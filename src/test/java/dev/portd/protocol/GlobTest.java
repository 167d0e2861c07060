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
        assertTrue(Verbs.globMatches("web*", "web"));
        assertTrue(Verbs.globMatches("web*", "web-2"));
        assertFalse(Verbs.globMatches("web*", "my-web"));
        assertTrue(Verbs.globMatches("*web*", "my-web-1"));
        assertTrue(Verbs.globMatches("w?b", "web"));
        assertFalse(Verbs.globMatches("w?b", "wb"));
        assertTrue(Verbs.globMatches("my-api.v?", "my-api.v2"));
        assertFalse(Verbs.globMatches("my-api.v?", "my-apixv2x"));
        assertFalse(Verbs.globMatches("web", "web2"), "a glob matches the whole name");
        assertTrue(Verbs.globMatches("*", "x"));
        assertTrue(Verbs.globMatches("**", "x"));
        assertTrue(Verbs.globMatches("a*b*c", "aXbYbZc"));
        assertFalse(Verbs.globMatches("a*b*c", "aXbYbZ"));
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
            assertEquals(regex(glob).matcher(name).matches(), Verbs.globMatches(glob, name),
                    "seed " + seed + ": glob '" + glob + "' name '" + name + "'");
        }
    }

    @Test
    @Timeout(10)
    void aPathologicalGlobIsCheap() {
        String name = "a".repeat(64);
        assertFalse(Verbs.globMatches("*a".repeat(40) + "Z", name));
        assertTrue(Verbs.globMatches("*a".repeat(40) + "*", name));
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
