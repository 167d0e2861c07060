package dev.portd.protocol;

import dev.portd.table.PortdException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One parsed request line: {@code [JSON] VERB [argument...] [key=value...] [flag...]}.
 *
 * <p>Parsing only splits and unquotes; which arguments, keys and flags a verb accepts is checked
 * against the verb table ({@link Verbs}), so the grammar lives here and the rules live there.
 */
public final class Request {
    public static final int MAX_LINE_BYTES = 4096;

    private final boolean json;
    private final String verb;
    private final Verb command;
    private final List<String> words;
    private final Map<String, String> options;

    private Request(boolean json, String verb, List<String> words, Map<String, String> options) {
        this.json = json;
        this.verb = verb;
        this.command = Verbs.get(verb); // once: the connection, the dispatch and the timers all ask for it
        this.words = words;
        this.options = options;
    }

    /** True when the reply must be one JSON line. */
    public boolean json() {
        return json;
    }

    /** Upper-cased verb; empty only for a bare {@code JSON}. */
    public String verb() {
        return verb;
    }

    /** The verb's row in the table, or null when there is no such verb. */
    public Verb command() {
        return command;
    }

    /** Bare words after the verb, in order: arguments and flags (the verb table tells them apart). */
    public List<String> words() {
        return words;
    }

    /** key=value options, keys lower-cased, in the order given. */
    public Map<String, String> options() {
        return options;
    }

    /**
     * Parses one line (without its LF; a trailing CR is the framer's business). Returns null for a
     * blank line, which gets no reply. A JSON prefix is honoured even when the rest is malformed, so
     * the error comes back as JSON: see {@link #wantsJson(String)}.
     */
    public static Request parse(String line) {
        Lexer lex = new Lexer(line);
        if (!lex.next()) {
            return null;
        }
        boolean json = false;
        if (lex.key == null && !lex.quoted && lex.text.equalsIgnoreCase("JSON")) {
            json = true;
            if (!lex.next()) {
                throw PortdException.badRequest("JSON needs a request after it");
            }
        }
        if (lex.key != null || lex.quoted) {
            throw PortdException.badRequest("a request starts with a verb");
        }
        String verb = lex.text.toUpperCase(Locale.ROOT);
        // Most requests are a verb and a word or none (PING, GET web): no collections for what is absent.
        String first = null;
        List<String> words = null; // made at the second word
        Map<String, String> options = Map.of();
        while (lex.next()) {
            if (lex.key == null) {
                if (first == null) {
                    first = lex.text;
                } else {
                    if (words == null) {
                        words = new ArrayList<>(4);
                        words.add(first);
                    }
                    words.add(lex.text);
                }
            } else {
                if (options.isEmpty()) {
                    options = new LinkedHashMap<>(4);
                }
                if (options.putIfAbsent(lex.key, lex.text) != null) {
                    throw PortdException.badRequest("option " + lex.key + " given twice");
                }
            }
        }
        return new Request(json, verb,
                words != null ? Collections.unmodifiableList(words) : first != null ? List.of(first) : List.of(),
                options.isEmpty() ? options : Collections.unmodifiableMap(options));
    }

    /** Whether a line (even one that fails to parse) asks for a JSON reply. */
    public static boolean wantsJson(String line) {
        int i = 0;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return line.regionMatches(true, i, "JSON", 0, 4)
                && (line.length() == i + 4 || line.charAt(i + 4) == ' ' || line.charAt(i + 4) == '\t');
    }

    /** A request built in code (JMX operations, tests), going through the same verb table. */
    public static Request of(String verb, List<String> words, Map<String, String> options) {
        return new Request(false, verb.toUpperCase(Locale.ROOT), List.copyOf(words), Map.copyOf(options));
    }

    record Token(String key, String text, boolean quoted) {}

    /** Splits on spaces and tabs; double quotes group, with {@code \"} and {@code \\} as the only escapes. */
    static List<Token> tokenize(String line) {
        List<Token> out = new ArrayList<>();
        Lexer lex = new Lexer(line);
        while (lex.next()) {
            out.add(new Token(lex.key, lex.text, lex.quoted));
        }
        return out;
    }

    /**
     * Reads one token at a time, so parsing a request allocates only the strings it keeps: an unquoted
     * token is a substring of the line (all of it for a bare {@code PING}); only quotes need a buffer.
     */
    private static final class Lexer {
        private final String line;
        private StringBuilder sb;
        private int i;
        String key;
        String text;
        boolean quoted;

        Lexer(String line) {
            this.line = line;
        }

        /** Reads the next token into key, text and quoted; false at the end of the line. */
        boolean next() {
            int n = line.length();
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n) {
                return false;
            }
            key = null;
            quoted = false;
            boolean sawQuoteBeforeEquals = false;
            int start = i;           // where the text (after a key's '=') begins in the line
            boolean buffered = false; // the text is being unquoted into sb rather than cut from the line
            while (i < n) {
                char c = line.charAt(i);
                if (c == ' ' || c == '\t') {
                    break;
                }
                if (c < 0x20 || c == 0x7f) {
                    throw PortdException.badRequest("control character 0x" + Integer.toHexString(c) + " in request");
                }
                if (c == '"') {
                    if (!buffered) {
                        if (sb == null) {
                            sb = new StringBuilder(16);
                        }
                        sb.setLength(0);
                        sb.append(line, start, i);
                        buffered = true;
                    }
                    quoted = true;
                    if (key == null) {
                        sawQuoteBeforeEquals = true;
                    }
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char q = line.charAt(i++);
                        if (q == '"') {
                            closed = true;
                            break;
                        }
                        if (q == '\\') {
                            if (i >= n) {
                                break;
                            }
                            char e = line.charAt(i++);
                            if (e != '"' && e != '\\') {
                                throw PortdException.badRequest("bad escape \\" + e + " (only \\\" and \\\\)");
                            }
                            sb.append(e);
                        } else if (q < 0x20 && q != '\t' || q == 0x7f) {
                            throw PortdException.badRequest("control character 0x" + Integer.toHexString(q) + " in request");
                        } else {
                            sb.append(q);
                        }
                    }
                    if (!closed) {
                        throw PortdException.badRequest("unterminated quote");
                    }
                    continue;
                }
                // Not buffered here: a quote before any '=' rules the key out.
                if (c == '=' && key == null && !sawQuoteBeforeEquals && isKey(line, start, i)) {
                    key = line.substring(start, i).toLowerCase(Locale.ROOT);
                    i++;
                    start = i;
                    continue;
                }
                if (buffered) {
                    sb.append(c);
                }
                i++;
            }
            text = buffered ? sb.toString() : line.substring(start, i);
            return true;
        }
    }

    private static boolean isKey(String s, int from, int to) {
        if (from == to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (i > from && (c >= '0' && c <= '9' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
