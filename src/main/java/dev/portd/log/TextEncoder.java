package dev.portd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.portd.protocol.Row;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One line per record, for people: {@code [<N>][time ]LEVEL logger: message key=value...}. Key-value
 * pairs are written as on the protocol's data lines, so {@code grep port=20000} works on both.
 *
 * <p>Under the journal there is no timestamp (the journal keeps its own) and each line starts with
 * {@code <N>}, the syslog priority journald reads to record the level. Colour only on a terminal.
 * Control characters are escaped, so one record is one line whatever a client sent.
 */
public final class TextEncoder extends EncoderBase<ILoggingEvent> {
    private static final String RESET = "\u001b[0m";

    private final boolean journal;
    private final boolean color;

    /**
     * @param journal write the {@code <N>} priority prefix and no timestamp
     * @param color   colour the level (a terminal)
     */
    public TextEncoder(boolean journal, boolean color) {
        this.journal = journal;
        this.color = color;
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(160);
        String prefix = journal ? "<" + priority(e.getLevel()) + ">" : "";
        sb.append(prefix);
        if (!journal) {
            LogTime.append(sb, e.getTimeStamp());
            sb.append(' ');
        }
        String level = e.getLevel().toString();
        if (color) {
            sb.append(colorOf(e.getLevel())).append(level).append(RESET);
        } else {
            sb.append(level);
        }
        sb.append(" ".repeat(Math.max(1, 6 - level.length())));
        sb.append(shortName(e.getLoggerName())).append(": ");
        escape(sb, String.valueOf(e.getFormattedMessage()));
        List<KeyValuePair> kvs = e.getKeyValuePairs();
        if (kvs != null) {
            for (KeyValuePair kv : kvs) {
                if (kv.value != null) {
                    sb.append(' ').append(kv.key).append('=');
                    StringBuilder v = new StringBuilder();
                    escape(v, String.valueOf(kv.value));
                    Row.appendValue(sb, v.toString());
                }
            }
        }
        sb.append('\n');
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            // The stack trace keeps the record's priority on every line, so the journal files it together.
            for (String line : ThrowableProxyUtil.asString(t).split("\r?\n")) {
                sb.append(prefix).append('\t').append(line.strip()).append('\n');
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The syslog priority journald parses from a {@code <N>} prefix (SyslogLevelPrefix=). */
    static int priority(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
    }

    private static String colorOf(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "\u001b[1;31m";
            case Level.WARN_INT -> "\u001b[33m";
            case Level.INFO_INT -> "\u001b[32m";
            default -> "\u001b[2m";
        };
    }

    /** {@code dev.portd.store.Writer} reads as {@code Writer}, {@code portd.table} as {@code table}. */
    static String shortName(String logger) {
        return logger.substring(logger.lastIndexOf('.') + 1);
    }

    /** Appends s with control characters written as escapes: no record can forge a second line. */
    static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != 0x7f) {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
    }
}
