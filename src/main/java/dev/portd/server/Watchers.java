package dev.portd.server;

import dev.portd.store.Writer;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The connections in WATCH mode; every committed event is handed to each (on its own event loop). */
public final class Watchers implements Writer.CommitListener {
    private final Set<WatchStream> watching = ConcurrentHashMap.newKeySet();

    void add(WatchStream w) {
        watching.add(w);
    }

    void remove(WatchStream w) {
        watching.remove(w);
    }

    public int count() {
        return watching.size();
    }

    @Override
    public void committed(PortTable table, List<Event> events) {
        for (WatchStream w : watching) {
            w.deliver(events);
        }
    }
}
