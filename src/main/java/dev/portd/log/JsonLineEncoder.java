package dev.portd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.portd.protocol.Json;
import dev.portd.table.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per line, for log shippers and {@code jq}: {@code time level logger message}, then
 * the record's key-value pairs as flat fields (numbers stay numbers), then {@code error} with the
 * stack trace when there is one. Logback's own JsonEncoder nests the pairs in an array of
 * one-key objects and writes the logger context on every line; this keeps a line queryable as
 * {@code .service} or {@code .port}.
 */
public final class JsonLineEncoder extends LineEncoder {
    private static final EventLine.Fields<JsonGenerator> FIELDS = new EventLine.Fields<>() {
        @Override
        public void text(JsonGenerator g, String key, String value) {
            try {
                g.writeStringField(key, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a buffer in memory does not fail
            }
        }

        @Override
        public void number(JsonGenerator g, String key, long value) {
            try {
                g.writeNumberField(key, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    @Override
    void write(ILoggingEvent e, LineBuffer out) {
        try (JsonGenerator g = begin(out, e.getTimeStamp(), e.getLevel(), e.getLoggerName(), e.getFormattedMessage())) {
            List<KeyValuePair> kvs = e.getKeyValuePairs();
            if (kvs != null) {
                for (KeyValuePair kv : kvs) {
                    if (kv.value != null) {
                        g.writeFieldName(kv.key);
                        Json.writeValue(g, kv.value);
                    }
                }
            }
            IThrowableProxy t = e.getThrowableProxy();
            if (t != null) {
                g.writeStringField("error", ThrowableProxyUtil.asString(t));
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        out.ascii('\n');
    }

    @Override
    void write(long time, Event e, LineBuffer out) {
        String subject = EventLine.subject(e);
        String what = e.kind().wire();
        try (JsonGenerator g = begin(out, time, Level.INFO, EventLine.LOGGER, subject == null ? what : what + " " + subject)) {
            EventLine.fields(e, FIELDS, g);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        out.ascii('\n');
    }

    /** A generator writing into {@code out}, with the object and its first four fields begun. */
    private static JsonGenerator begin(LineBuffer out, long time, Level level, String logger, String message)
            throws IOException {
        JsonGenerator g = Json.FACTORY.createGenerator(out);
        g.writeStartObject();
        g.writeStringField("time", LogTime.format(time));
        g.writeStringField("level", level.toString());
        g.writeStringField("logger", logger);
        g.writeStringField("message", message);
        return g;
    }
}
