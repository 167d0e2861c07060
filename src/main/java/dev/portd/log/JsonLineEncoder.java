package dev.portd.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.portd.protocol.Json;
import java.io.ByteArrayOutputStream;
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
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

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
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", LogTime.format(e.getTimeStamp()));
            g.writeStringField("level", e.getLevel().toString());
            g.writeStringField("logger", e.getLoggerName());
            g.writeStringField("message", e.getFormattedMessage());
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
            throw new UncheckedIOException(ex); // a byte array does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }
}
