package dev.portd.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import org.junit.jupiter.api.Test;

class ValuesTest {

    static void refused(Runnable r, String what) {
        PortdException e = assertThrows(PortdException.class, r::run, what);
        assertEquals(ErrorCode.BADREQ, e.code(), what);
    }

    @Test
    void serviceNames() {
        for (String ok : new String[] {"a", "web", "my-api.v2", "A_b-c.d", "0", "x".repeat(64)}) {
            assertTrue(Values.isService(ok), ok);
            assertEquals(ok, Values.service(ok));
        }
        for (String bad : new String[] {"", ".web", "-web", "_web", "x".repeat(65), "we b", "wéb", "web/1", "web*"}) {
            assertFalse(Values.isService(bad), bad);
            refused(() -> Values.service(bad), bad);
        }
    }

    @Test
    void portsAreDigitsFrom1To65535() {
        assertEquals(1, Values.port("port", "1"));
        assertEquals(65535, Values.port("port", "65535"));
        assertEquals(8080, Values.port("port", "08080"));
        for (String bad : new String[] {"0", "65536", "", "+5", "-5", " 5", "5 ", "0x10", "1e3", "99999999999", "٣"}) {
            refused(() -> Values.port("port", bad), bad);
        }
    }

    @Test
    void rangesAreInclusiveAndNotEmpty() {
        assertArrayEquals(new int[] {20000, 20004}, Values.range("range", "20000-20004"));
        assertArrayEquals(new int[] {80, 80}, Values.range("range", "80"));
        assertArrayEquals(new int[] {7, 7}, Values.range("range", "7-7"));
        for (String bad : new String[] {"5-4", "-5", "5-", "1-2-3", "a-b", "0-10", "1-65536", ""}) {
            refused(() -> Values.range("range", bad), bad);
        }
    }

    @Test
    void durationsAreSecondsOrNumberWithUnit() {
        assertEquals(30_000, Values.durationMillis("ttl", "30"));
        assertEquals(30_000, Values.durationMillis("ttl", "30s"));
        assertEquals(300_000, Values.durationMillis("ttl", "5m"));
        assertEquals(7_200_000, Values.durationMillis("ttl", "2h"));
        assertEquals(86_400_000, Values.durationMillis("ttl", "1d"));
        assertEquals(365L * 86_400_000, Values.durationMillis("ttl", "365d"));
        assertEquals(0, Values.durationMillis("ttl", "0"));
        for (String bad : new String[] {"", "s", "5x", "-5", "5 m", "1.5h", "366d", "5M", "99999999999"}) {
            refused(() -> Values.durationMillis("ttl", bad), bad);
        }
    }

    @Test
    void timesAreUtcWholeSecondsWithZ() {
        assertEquals("1970-01-01T00:00:00Z", Values.time(0));
        assertEquals("2026-11-22T09:30:00Z", Values.time(Values.parseTime("2026-11-22T09:30:00Z") + 999));
        refused(() -> Values.parseTime("2026-11-22 09:30"), "no T, no Z");
    }

    @Test
    void descriptionsAreShortPrintableText() {
        assertEquals("", Values.desc(""));
        assertEquals("x".repeat(512), Values.desc("x".repeat(512)));
        assertEquals("Café \"ok\" \\", Values.desc("Café \"ok\" \\"));
        refused(() -> Values.desc("x".repeat(513)), "513 characters");
        refused(() -> Values.desc("a\tb"), "tab");
        refused(() -> Values.desc("a\nb"), "newline");
    }

    @Test
    void errorMessagesNameTheValueAndKeepItShort() {
        PortdException e = assertThrows(PortdException.class, () -> Values.port("port", "x".repeat(100)));
        assertTrue(e.getMessage().startsWith("port "), e.getMessage());
        assertTrue(e.getMessage().length() < 120, e.getMessage());
    }
}
