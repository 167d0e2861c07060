package dev.portd.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** The one JSON factory of the daemon (thread-safe), and rendering a {@link Row} as an object. */
public final class Json {
    private Json() {}

    public static final JsonFactory FACTORY = new JsonFactory();

    /** A value as JSON: numbers and booleans as themselves, a {@link Row} as an object, anything else as a string. */
    public static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v instanceof Integer n) {
            g.writeNumber(n);
        } else if (v instanceof Long n) {
            g.writeNumber(n);
        } else if (v instanceof Double n) {
            g.writeNumber(n);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Row r) {
            g.writeStartObject();
            r.writeFields(g);
            g.writeEndObject();
        } else {
            g.writeString(String.valueOf(v));
        }
    }

    public static String object(Row row) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            row.writeFields(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
