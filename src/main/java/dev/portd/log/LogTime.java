package dev.portd.log;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A record's time as both formats write it, {@code 2026-11-30T08:06:09.931Z} (UTC, milliseconds). The
 * text up to the second is formatted once a second and kept; a line only appends its milliseconds, where
 * a DateTimeFormatter per line was half of the cost of encoding one.
 */
final class LogTime {
    private LogTime() {}

    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.")
            .withZone(ZoneOffset.UTC);

    /** A second and its text; replaced whole, so any thread that encodes may read it. */
    private record Second(long epochSecond, String text) {}

    private static volatile Second current = new Second(Long.MIN_VALUE, "");

    /** The text up to the second, formatted once a second. */
    private static Second second(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        Second s = current;
        if (s.epochSecond() != second) {
            s = new Second(second, SECOND.format(Instant.ofEpochSecond(second)));
            current = s;
        }
        return s;
    }

    static void append(LineBuffer out, long epochMillis) {
        int millis = (int) Math.floorMod(epochMillis, 1000);
        out.append(second(epochMillis).text())
                .ascii((char) ('0' + millis / 100))
                .ascii((char) ('0' + millis / 10 % 10))
                .ascii((char) ('0' + millis % 10))
                .ascii('Z');
    }

    static String format(long epochMillis) {
        LineBuffer out = new LineBuffer(24);
        append(out, epochMillis);
        return new String(out.toByteArray(), StandardCharsets.US_ASCII);
    }
}
