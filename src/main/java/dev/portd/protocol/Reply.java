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
    private final String status;     // the text after OK, or the error message
    private final Row fields;        // named results for JSON
    private final List<Row> rows;    // data lines, may be empty
    private final boolean close;     // close the connection once this is written

    private Reply(ErrorCode error, String status, Row fields, List<Row> rows, boolean close) {
        this.error = error;
        this.status = status;
        this.fields = fields;
        this.rows = rows;
        this.close = close;
    }

    /** {@code OK <value>}; in JSON {@code {"ok":true,"<name>":value}}. */
    public static Reply ok(String name, Object value) {
        return new Reply(null, String.valueOf(value), Row.of(name, value), List.of(), false);
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
        return new Reply(error, status, fields, rows, true);
    }

    public boolean ok() {
        return error == null;
    }

    public ErrorCode error() {
        return error;
    }

    public String status() {
        return status;
    }

    public List<Row> rows() {
        return rows;
    }

    public boolean closes() {
        return close;
    }

    /** The status line alone, e.g. {@code OK 20000} or {@code ERR TAKEN port 5432 is ...}. */
    public String statusLine() {
        if (error != null) {
            return "ERR " + error.name() + " " + status;
        }
        return status.isEmpty() ? "OK" : "OK " + status;
    }

    /** Protocol text, every line ending in LF. */
    public void appendText(StringBuilder sb) {
        for (Row r : rows) {
            sb.append(r.line()).append('\n');
        }
        sb.append(statusLine()).append('\n');
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
