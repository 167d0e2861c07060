package dev.portd.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.portd.table.Event;

/**
 * A log format: writes a record, or a committed change of the table, as one line straight into the
 * logging thread's buffer. A change needs no logback record: the line is written from the
 * {@link Event} and the commit's time, the same bytes a record with its fields would give.
 */
public abstract class LineEncoder extends EncoderBase<ILoggingEvent> {

    /** Writes {@code e} as one line (and its stack trace, if any). */
    abstract void write(ILoggingEvent e, LineBuffer out);

    /** Writes the line of logger {@code portd.table} for {@code e}, committed at {@code time}, at INFO. */
    abstract void write(long time, Event e, LineBuffer out);

    /** For logback's own appenders (the default before the config is read). */
    @Override
    public final byte[] encode(ILoggingEvent e) {
        LineBuffer out = new LineBuffer(256);
        write(e, out);
        return out.toByteArray();
    }

    @Override
    public final byte[] headerBytes() {
        return null;
    }

    @Override
    public final byte[] footerBytes() {
        return null;
    }
}
