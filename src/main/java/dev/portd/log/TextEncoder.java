package dev.portd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import dev.portd.table.Event;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.event.KeyValuePair;

/**
 * One line per record, for people: {@code [<N>][time ]LEVEL logger: message key=value...}. Key-value
 * pairs are written as on the protocol's data lines, so {@code grep port=20000} works on both.
 *
 * <p>Under the journal there is no timestamp (the journal keeps its own) and each line starts with
 * {@code <N>}, the syslog priority journald reads to record the level. Colour only on a terminal.
 * Control characters are escaped, so one record is one line whatever a client sent.
 */
public final class TextEncoder extends LineEncoder {
    private static final String RESET = "\u001b[0m";
    private static final String EVENT_LOGGER = shortName(EventLine.LOGGER);
    private static final EventLine.Fields<LineBuffer> FIELDS = new EventLine.Fields<>() {
        @Override
        public void text(LineBuffer out, String key, String value) {
            value(out.ascii(' ').append(key).ascii('='), value);
        }

        @Override
        public void number(LineBuffer out, String key, long value) {
            out.ascii(' ').append(key).ascii('=').append(value);
        }
    };

    private final boolean journal;
    private final boolean color;
    /** Each logger's name as a line shows it, worked out once per logger. */
    private final Map<String, String> shortNames = new ConcurrentHashMap<>();

    /**
     * @param journal write the {@code <N>} priority prefix and no timestamp
     * @param color   colour the level (a terminal)
     */
    public TextEncoder(boolean journal, boolean color) {
        this.journal = journal;
        this.color = color;
    }

    @Override
    void write(ILoggingEvent e, LineBuffer out) {
        begin(out, e.getLevel(), e.getTimeStamp(), shortNames.computeIfAbsent(e.getLoggerName(), TextEncoder::shortName));
        escape(out, String.valueOf(e.getFormattedMessage()), false);
        List<KeyValuePair> kvs = e.getKeyValuePairs();
        if (kvs != null) {
            for (KeyValuePair kv : kvs) {
                if (kv.value != null) {
                    FIELDS.text(out, kv.key, String.valueOf(kv.value));
                }
            }
        }
        out.ascii('\n');
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            // The stack trace keeps the record's priority on every line, so the journal files it together.
            for (String line : ThrowableProxyUtil.asString(t).split("\r?\n")) {
                prefix(out, e.getLevel());
                out.ascii('\t').append(line.strip()).ascii('\n');
            }
        }
    }

    @Override
    void write(long time, Event e, LineBuffer out) {
        begin(out, Level.INFO, time, EVENT_LOGGER);
        String subject = EventLine.subject(e);
        escape(out, e.kind().wire(), false);
        if (subject != null) {
            escape(out.ascii(' '), subject, false);
        }
        EventLine.fields(e, FIELDS, out);
        out.ascii('\n');
    }

    private void prefix(LineBuffer out, Level level) {
        if (journal) {
            out.ascii('<').append(priority(level)).ascii('>');
        }
    }

    /** {@code [<N>][time ]LEVEL logger: } */
    private void begin(LineBuffer out, Level level, long time, String shortName) {
        prefix(out, level);
        if (!journal) {
            LogTime.append(out, time);
            out.ascii(' ');
        }
        String name = level.toString();
        if (color) {
            out.append(colorOf(level)).append(name).append(RESET);
        } else {
            out.append(name);
        }
        for (int pad = Math.max(1, 6 - name.length()); pad > 0; pad--) {
            out.ascii(' ');
        }
        out.append(shortName).ascii(':').ascii(' ');
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

    /**
     * Writes a value as on the protocol's data lines ({@code Fields.appendValue}) after its control
     * characters are escaped: bare when it has no blank, quote, backslash or control character, else
     * quoted with {@code "} and {@code \\} (the escapes' own backslashes included) backslashed.
     */
    static void value(LineBuffer out, String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = c != ' ' && c != '"' && c != '\\' && !control(c);
        }
        if (plain) {
            out.append(v);
        } else {
            escape(out.ascii('"'), v, true).ascii('"');
        }
    }

    private static boolean control(char c) {
        return c < 0x20 || c == 0x7f;
    }

    /**
     * Writes s with control characters written as escapes: no record can forge a second line. Inside
     * quotes, {@code "} and backslashes (the escapes' too) get a backslash of their own.
     */
    static LineBuffer escape(LineBuffer out, String s, boolean quoted) {
        int run = 0; // start of the characters not yet written, written as they are
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean quote = quoted && (c == '"' || c == '\\');
            if (!quote && !control(c)) {
                continue;
            }
            out.append(s, run, i);
            run = i + 1;
            if (quoted) {
                out.ascii('\\');
            }
            if (quote) {
                out.ascii(c);
                continue;
            }
            out.ascii('\\');
            switch (c) {
                case '\n' -> out.ascii('n');
                case '\r' -> out.ascii('r');
                case '\t' -> out.ascii('t');
                default -> out.append(String.format("u%04x", (int) c));
            }
        }
        return out.append(s, run, s.length());
    }
}
