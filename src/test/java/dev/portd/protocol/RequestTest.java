package dev.portd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tokenizer and the request grammar, without a daemon. */
class RequestTest {

    static PortdException refused(String line) {
        PortdException e = assertThrows(PortdException.class, () -> Request.parse(line), line);
        assertEquals(ErrorCode.BADREQ, e.code(), line);
        return e;
    }

    @Test
    void verbIsUpperCasedKeysLowerCasedWordsKeptInOrder() {
        Request r = Request.parse("alloc Web PORT=20001 Strict desc=x");
        assertEquals("ALLOC", r.verb());
        assertEquals(List.of("Web", "Strict"), r.words());
        assertEquals(Map.of("port", "20001", "desc", "x"), r.options());
        assertFalse(r.json());
    }

    @Test
    void blankLinesAreNoRequest() {
        assertNull(Request.parse(""));
        assertNull(Request.parse("   "));
        assertNull(Request.parse(" \t \t"));
    }

    @Test
    void spacesAndTabsSeparateAndRunsCollapse() {
        Request r = Request.parse("\tALLOC \t web\t\tdesc=x   ");
        assertEquals(List.of("web"), r.words());
        assertEquals("x", r.options().get("desc"));
    }

    @Test
    void quotedValueWithTheTwoEscapes() {
        Request r = Request.parse("ALLOC web desc=\"a \\\"b\\\" \\\\ c\"");
        assertEquals("a \"b\" \\ c", r.options().get("desc"));
    }

    @Test
    void quotesGroupTabsAndSpacesAndMayBeEmpty() {
        assertEquals("a\tb  c", Request.parse("X desc=\"a\tb  c\"").options().get("desc"));
        assertEquals("", Request.parse("X desc=\"\"").options().get("desc"));
        assertEquals("abcdef", Request.parse("X ab\"cd\"ef").words().get(0));
    }

    @Test
    void unterminatedQuoteIsRefused() {
        assertTrue(refused("ALLOC web desc=\"abc").getMessage().contains("unterminated"));
        // A backslash just before the end escapes nothing: still unterminated.
        assertTrue(refused("ALLOC web desc=\"abc\\").getMessage().contains("unterminated"));
        assertTrue(refused("ALLOC web desc=\"abc\\\"").getMessage().contains("unterminated"));
    }

    @Test
    void onlyBackslashQuoteAndBackslashBackslashAreEscapes() {
        assertTrue(refused("ALLOC web desc=\"a\\nb\"").getMessage().contains("bad escape"));
        assertTrue(refused("ALLOC web desc=\"a\\tb\"").getMessage().contains("bad escape"));
        // Outside quotes a backslash is an ordinary character.
        assertEquals("a\\b", Request.parse("X a\\b").words().get(0));
    }

    @Test
    void controlCharactersAreRefused() {
        refused("PING\u0000");
        refused("ALLOC web desc=\"a\u0001b\"");
        refused("ALLOC web\u007f");
    }

    @Test
    void onlyTheFirstEqualsSplitsAndOnlyAfterAPlainKey() {
        assertEquals("b=c", Request.parse("X a=b=c").options().get("a"));
        assertEquals("=x", Request.parse("X desc==x").options().get("desc"));
        // A quoted "key" is a word, as is anything whose key part is not a key.
        Request r = Request.parse("X \"desc\"=x =y 1a=z");
        assertEquals(List.of("desc=x", "=y", "1a=z"), r.words());
        assertTrue(r.options().isEmpty());
    }

    @Test
    void anOptionGivenTwiceIsRefusedWhateverItsCase() {
        assertTrue(refused("ALLOC web port=1 PORT=2").getMessage().contains("twice"));
    }

    @Test
    void aRequestStartsWithAPlainVerb() {
        refused("\"PING\"");
        refused("port=1 ALLOC web");
    }

    @Test
    void jsonPrefix() {
        Request r = Request.parse("json  list web*");
        assertTrue(r.json());
        assertEquals("LIST", r.verb());
        assertTrue(refused("JSON").getMessage().contains("JSON needs"));
        assertTrue(Request.wantsJson("JSON ALLOC web desc=\"unterminated"));
        assertTrue(Request.wantsJson(" \tjson\tPING"));
        assertTrue(Request.wantsJson("JSON"));
        assertFalse(Request.wantsJson("JSONLIST"));
        assertFalse(Request.wantsJson("PING JSON"));
    }

    /** Whatever a data line holds, the protocol's own tokenizer reads it back (the store relies on it). */
    @Test
    void rowValuesRoundTripThroughTheTokenizer() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        char[] alphabet = {'a', 'Z', '0', ' ', '\t', '"', '\\', '=', ':', '-', 'é', '€', '*'};
        for (int n = 0; n < 2000; n++) {
            StringBuilder v = new StringBuilder();
            int len = rnd.nextInt(12);
            for (int i = 0; i < len; i++) {
                v.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            String value = v.toString();
            String line = Row.of("desc", value).put("port", 20000).line();
            Map<String, String> back = Row.parse(line);
            assertEquals(value, back.get("desc"), "seed " + seed + ": line " + line);
            assertEquals("20000", back.get("port"), "seed " + seed + ": line " + line);
        }
    }
}
