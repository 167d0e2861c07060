package dev.portd.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Log text reaches the output as the JDK encodes it, whatever a client put in a service name or note. */
class LineBufferTest {

    @Test
    void textIsUtf8AsTheJdkWritesIt() {
        String[] texts = {"", "plain ascii port=20000", "café", "naïve → ünïcödé", "emoji \uD83D\uDE80 done",
                "lone \uD800 high", "lone \uDC00 low", "tail high \uD83D"};
        for (String t : texts) {
            LineBuffer b = new LineBuffer(4); // grows as it goes
            b.append("a=").append(t).append(42L);
            assertArrayEquals(("a=" + t + "42").getBytes(StandardCharsets.UTF_8), b.toByteArray(), t);
        }
    }

    @Test
    void aSliceIsWrittenAsTheSubstring() {
        String t = "x\u00e9y\uD83D\uDE80z";
        for (int from = 0; from <= t.length(); from++) {
            for (int to = from; to <= t.length(); to++) {
                if (to > from && Character.isLowSurrogate(t.charAt(from)) || to < t.length() && to > 0
                        && Character.isHighSurrogate(t.charAt(to - 1))) {
                    continue; // a slice through a surrogate pair is not text
                }
                LineBuffer b = new LineBuffer(1);
                b.append(t, from, to);
                assertArrayEquals(t.substring(from, to).getBytes(StandardCharsets.UTF_8), b.toByteArray(), from + ".." + to);
            }
        }
    }

    @Test
    void numbersAsLongToStringWritesThem() {
        for (long n : new long[] {0, 7, -7, 10, 99, 100, 20000, -20000, Long.MAX_VALUE, Long.MIN_VALUE}) {
            LineBuffer b = new LineBuffer(1);
            b.append(n);
            assertArrayEquals(Long.toString(n).getBytes(StandardCharsets.US_ASCII), b.toByteArray(), Long.toString(n));
        }
    }
}
