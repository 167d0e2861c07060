package dev.portd.log;

import dev.portd.store.Writer;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Every committed change to the table, once, at INFO, with the fields an operator filters on:
 * {@code event service port prev uid pid cmd note}. Runs on the writer thread after each commit;
 * the async appender takes the line from there, so the writer never waits for stderr.
 */
public final class EventLog implements Writer.CommitListener {
    private static final Logger log = LoggerFactory.getLogger("portd.table");

    @Override
    public void committed(PortTable table, List<Event> events) {
        if (!log.isInfoEnabled()) {
            return;
        }
        for (Event e : events) {
            log(e);
        }
    }

    static void log(Event e) {
        String what = e.kind().wire();
        LoggingEventBuilder b = log.atInfo()
                .setMessage(e.service() != null ? what + " " + e.service() : e.port() > 0 ? what + " " + e.port() : what)
                .addKeyValue("event", what);
        if (e.service() != null) {
            b = b.addKeyValue("service", e.service());
        }
        if (e.port() > 0) {
            b = b.addKeyValue("port", e.port());
        }
        if (e.prev() > 0) {
            b = b.addKeyValue("prev", e.prev());
        }
        if (e.uid() >= 0) {
            b = b.addKeyValue("uid", e.uid());
        }
        if (e.pid() > 0) {
            b = b.addKeyValue("pid", e.pid());
        }
        if (e.cmd() != null) {
            b = b.addKeyValue("cmd", e.cmd());
        }
        if (e.note() != null) {
            b = b.addKeyValue("note", e.note());
        }
        b.log();
    }
}
