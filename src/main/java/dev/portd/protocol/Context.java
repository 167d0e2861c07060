package dev.portd.protocol;

import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import java.util.function.Consumer;

/** What the verbs may use of the daemon. Every method is safe to call from an event loop. */
public interface Context {
    /** The last committed table. */
    PortTable table();

    TableConfig tableConfig();

    /** What the last probe saw (plus a live bind check where it matters). */
    PortUse portUse();

    /** Queues a change to the store writer; {@code done} runs after the commit, on the writer thread. */
    void submit(Caller caller, Writer.Change<Reply> change, Consumer<Reply> done);

    /** The STATS figures, one key each. */
    Row stats();

    String version();

    /** Probes now; {@code done} gets {@code OK sockets= conflicts= millis=} once the findings are committed. */
    void probe(Consumer<Reply> done);

    /** Replies through {@code done} once something listens on the port, or on timeout; returns a cancel handle. */
    Runnable await(int port, long timeoutMillis, Consumer<Reply> done);

    /** What the health checks last found (LIST, HEALTH); none where no checks run. */
    default dev.portd.table.Health.Results health() {
        return dev.portd.table.Health.Results.NONE;
    }

    /** The table's JSON snapshots (BACKUP, BACKUPS). */
    Snapshots backups();
}
