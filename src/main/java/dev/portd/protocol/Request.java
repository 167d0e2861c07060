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
    private final List<String> words;
    private final Map<String, String> options;

    private Request(boolean json, String verb, List<String> words, Map<String, String> options) {
        this.json = json;
        this.verb = verb;
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
        List<Token> tokens = tokenize(line);
        if (tokens.isEmpty()) {
            return null;
        }
        int i = 0;
        boolean json = false;
        Token first = tokens.get(0);
        if (first.key == null && !first.quoted && first.text.equalsIgnoreCase("JSON")) {
            json = true;
            i = 1;
            if (tokens.size() == 1) {
                throw PortdException.badRequest("JSON needs a request after it");
            }
        }
        Token verbToken = tokens.get(i++);
        if (verbToken.key != null || verbToken.quoted) {
            throw PortdException.badRequest("a request starts with a verb");
        }
        List<String> words = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.key == null) {
                words.add(t.text);
            } else if (options.putIfAbsent(t.key, t.text) != null) {
                throw PortdException.badRequest("option " + t.key + " given twice");
            }
        }
        return new Request(json, verbToken.text.toUpperCase(Locale.ROOT),
                Collections.unmodifiableList(words), Collections.unmodifiableMap(options));
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
        StringBuilder sb = new StringBuilder();
        int n = line.length();
        int i = 0;
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            sb.setLength(0);
            String key = null;
            boolean quoted = false;
            boolean sawQuoteBeforeEquals = false;
            while (i < n) {
                c = line.charAt(i);
                if (c == ' ' || c == '\t') {
                    break;
                }
                if (c < 0x20 || c == 0x7f) {
                    throw PortdException.badRequest("control character 0x" + Integer.toHexString(c) + " in request");
                }
                if (c == '"') {
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
                if (c == '=' && key == null && !sawQuoteBeforeEquals && isKey(sb)) {
                    key = sb.toString().toLowerCase(Locale.ROOT);
                    sb.setLength(0);
                    i++;
                    continue;
                }
                sb.append(c);
                i++;
            }
            out.add(new Token(key, sb.toString(), quoted));
        }
        return out;
    }

    private static boolean isKey(CharSequence s) {
        if (s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (i > 0 && (c >= '0' && c <= '9' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
