package dev.portd.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.portd.table.Fields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordered set of named values: one data line ({@code key=value ...}) or one JSON object.
 * Null values are left out, so optional keys (pid, expires, desc) simply do not appear.
 */
public final class Row {
    private final List<String> keys = new ArrayList<>(10);
    private final List<Object> values = new ArrayList<>(10);
    private String text; // set for verbs whose data lines are not key=value (FREE, ENV, EXPORT, HELP)

    public static Row of(String key, Object value) {
        return new Row().put(key, value);
    }

    /** A record's stored fields as a row (backups write them as JSON objects). */
    public static Row of(Fields fields) {
        Row r = new Row();
        fields.asMap().forEach(r::put);
        return r;
    }

    /** A row whose text line is given verbatim; its JSON form still uses the named values. */
    public static Row text(String line) {
        Row r = new Row();
        r.text = line;
        return r;
    }

    public Row put(String key, Object value) {
        if (value != null) {
            keys.add(key);
            values.add(value);
        }
        return this;
    }

    public int size() {
        return keys.size();
    }

    public String key(int i) {
        return keys.get(i);
    }

    /** The i-th value as it appears on a data line, quoted if needed. */
    public String valueText(int i) {
        StringBuilder sb = new StringBuilder();
        appendValue(sb, String.valueOf(values.get(i)));
        return sb.toString();
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public Object get(String key) {
        int i = keys.indexOf(key);
        return i < 0 ? null : values.get(i);
    }

    /** The data line: the verbatim text if set, else {@code key=value} tokens quoted as in requests. */
    public String line() {
        if (text != null) {
            return text;
        }
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(keys.get(i)).append('=');
            appendValue(sb, String.valueOf(values.get(i)));
        }
        return sb.toString();
    }

    /** Writes the fields into an already-open JSON object. A text-only row has no fields. */
    void writeFields(JsonGenerator g) throws IOException {
        for (int i = 0; i < keys.size(); i++) {
            g.writeFieldName(keys.get(i));
            Json.writeValue(g, values.get(i));
        }
    }

    void writeJson(JsonGenerator g) throws IOException {
        if (keys.isEmpty() && text != null) {
            g.writeString(text);
            return;
        }
        g.writeStartObject();
        writeFields(g);
        g.writeEndObject();
    }

    /** Quotes a value when a reader splitting on blanks would otherwise get it wrong (as the store does). */
    public static void appendValue(StringBuilder sb, String v) {
        Fields.appendValue(sb, v);
    }

    /** Reads a line written by {@link #line()} back into its key/value pairs (the store's encoding). */
    public static java.util.Map<String, String> parse(String line) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Request.Token t : Request.tokenize(line)) {
            if (t.key() != null) {
                out.put(t.key(), t.text());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return line();
    }
}
