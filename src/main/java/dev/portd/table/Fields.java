package dev.portd.table;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A record's fields by name, in a fixed order: the stored form of a lease or an event, as the store
 * and backups keep it. Null values are left out, so optional fields (desc, note) simply do not appear.
 */
public final class Fields {
    private final Map<String, Object> values = new LinkedHashMap<>();

    public static Fields of(String key, Object value) {
        return new Fields().put(key, value);
    }

    public Fields put(String key, Object value) {
        if (value != null) {
            values.put(key, value);
        }
        return this;
    }

    /** The fields in order, read-only. */
    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** {@code key=value} tokens, quoted as in requests: the form a 0.1.0 store holds each record in. */
    public String line() {
        StringBuilder sb = new StringBuilder(64);
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=');
            appendValue(sb, String.valueOf(e.getValue()));
        }
        return sb.toString();
    }

    /** Quotes a value when a reader splitting on blanks would otherwise get it wrong. */
    public static void appendValue(StringBuilder sb, String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = c != ' ' && c != '\t' && c != '"' && c != '\\';
        }
        if (plain) {
            sb.append(v);
            return;
        }
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return line();
    }
}
