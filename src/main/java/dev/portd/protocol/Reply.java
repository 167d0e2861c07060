package dev.portd.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One reply: zero or more data rows and one status line. It renders itself as protocol text
 * ({@code OK ...} / {@code ERR CODE message}) or, for a {@code JSON} request, as one JSON line.
 */
public final class Reply {
    private final ErrorCode error;   // null on success
    private final String status;     // the text after OK, or the error message; null for a single value
    private final Row fields;        // named results for JSON; null for a single value
    private final String name;       // a single value's name and value (GET, PING): no Row nor status
    private final Object value;      // string is built unless JSON or the status text is asked for
    private final List<Row> rows;    // data lines, may be empty
    private final boolean close;     // close the connection once this is written

    private Reply(ErrorCode error, String status, Row fields, List<Row> rows, boolean close) {
        this(error, status, fields, null, null, rows, close);
    }

    private Reply(ErrorCode error, String status, Row fields, String name, Object value, List<Row> rows,
                  boolean close) {
        this.error = error;
        this.status = status;
        this.fields = fields;
        this.name = name;
        this.value = value;
        this.rows = rows;
        this.close = close;
    }

    /** {@code OK <value>}; in JSON {@code {"ok":true,"<name>":value}}. */
    public static Reply ok(String name, Object value) {
        return new Reply(null, null, null, name, value, List.of(), false);
    }

    /** {@code OK <status>} with the JSON fields given separately (CHECK's state plus details). */
    public static Reply ok(String status, Row fields) {
        return new Reply(null, status, fields, List.of(), false);
    }

    /** Data rows ending in {@code OK <n>}; in JSON the rows go under "items" with "count". */
    public static Reply rows(List<Row> rows) {
        return new Reply(null, Integer.toString(rows.size()), Row.of("count", rows.size()), rows, false);
    }

    /** Data rows with a status of the verb's own (FREE counts ports, not lines); JSON still lists the rows. */
    public static Reply rows(List<Row> rows, String name, Object value) {
        return new Reply(null, String.valueOf(value), Row.of(name, value).put("count", rows.size()), rows, false);
    }

    /**
     * One {@code key=value} line per pair, ending in {@code OK <n>}; in JSON the pairs are the reply's
     * own fields (STATS).
     */
    public static Reply pairs(Row pairs) {
        List<Row> rows = new java.util.ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            rows.add(Row.text(pairs.key(i) + "=" + pairs.valueText(i)));
        }
        return new Reply(null, Integer.toString(rows.size()), pairs, rows, false);
    }

    public static Reply error(ErrorCode code, String message) {
        return new Reply(code, message, null, List.of(), code == ErrorCode.TOOLONG);
    }

    public static Reply error(PortdException e) {
        return error(e.code(), e.getMessage());
    }

    /** The same reply, after which the connection is closed (QUIT, TOOLONG, BUSY at accept). */
    public Reply thenClose() {
        return new Reply(error, status, fields, name, value, rows, true);
    }

    public boolean ok() {
        return error == null;
    }

    public ErrorCode error() {
        return error;
    }

    public String status() {
        return status != null ? status : String.valueOf(value);
    }

    public List<Row> rows() {
        return rows;
    }

    public boolean closes() {
        return close;
    }

    /** The status line alone, e.g. {@code OK 20000} or {@code ERR TAKEN port 5432 is ...}. */
    public String statusLine() {
        StringBuilder sb = new StringBuilder(32);
        appendStatusLine(sb);
        return sb.toString();
    }

    /** The status line without building it as a string first: the reply of every request passes here. */
    private void appendStatusLine(StringBuilder sb) {
        if (error != null) {
            sb.append("ERR ").append(error.name()).append(' ').append(status);
        } else if (value instanceof Integer n) {
            sb.append("OK ").append(n.intValue());
        } else if (value instanceof Long n) {
            sb.append("OK ").append(n.longValue());
        } else {
            String s = status();
            sb.append(s.isEmpty() ? "OK" : "OK ").append(s);
        }
    }

    /** Protocol text, every line ending in LF. */
    public void appendText(StringBuilder sb) {
        for (int i = 0; i < rows.size(); i++) {
            sb.append(rows.get(i).line()).append('\n');
        }
        appendStatusLine(sb);
        sb.append('\n');
    }

    /** One JSON object, ending in LF. */
    public void appendJson(StringBuilder sb) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = Json.FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeBooleanField("ok", error == null);
            if (error != null) {
                g.writeStringField("error", error.name());
                g.writeStringField("message", status);
            } else if (fields == null) {
                if (value != null) { // as Row leaves a null value out
                    g.writeFieldName(name);
                    Json.writeValue(g, value);
                }
            } else {
                fields.writeFields(g);
                if (fields.get("count") != null) {
                    g.writeArrayFieldStart("items");
                    for (Row r : rows) {
                        r.writeJson(g);
                    }
                    g.writeEndArray();
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        sb.append(w).append('\n');
    }

    public String render(boolean json) {
        StringBuilder sb = new StringBuilder(32);
        if (json) {
            appendJson(sb);
        } else {
            appendText(sb);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render(false);
    }
}
