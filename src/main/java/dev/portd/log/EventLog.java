package dev.portd.log;

import dev.portd.store.Writer;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every committed change to the table, once, at INFO, with the fields an operator filters on (see
 * {@link EventLine}). The commit's listener only stamps the batch with the time and queues it whole for
 * the logging thread, which writes the lines: the writer, on the path of every durable change, builds no
 * record and no line.
 */
public final class EventLog implements Writer.CommitListener {
    private static final Logger log = LoggerFactory.getLogger(EventLine.LOGGER);

    @Override
    public void committed(PortTable table, List<Event> events) {
        if (log.isInfoEnabled()) {
            Logging.committed(System.currentTimeMillis(), events);
        }
    }
}
