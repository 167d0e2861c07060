package dev.portd.server;

import dev.portd.store.Writer;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The connections in WATCH mode; every committed event is handed to each (on its own event loop). */
public final class Watchers implements Writer.CommitListener {
    private final Set<Connection> watching = ConcurrentHashMap.newKeySet();

    void add(Connection c) {
        watching.add(c);
    }

    void remove(Connection c) {
        watching.remove(c);
    }

    public int count() {
        return watching.size();
    }

    @Override
    public void committed(PortTable table, List<Event> events) {
        for (Connection c : watching) {
            c.deliver(events);
        }
    }
}
