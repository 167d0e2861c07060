package dev.portd.daemon;

import dev.portd.backup.Backups;
import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Row;
import dev.portd.protocol.Snapshots;
import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.Health;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** What the verbs may use of the daemon, handed to them by the parts that do it. */
final class VerbContext implements Context {
    private final Writer<Reply> writer;
    private final Monitor monitor;
    private final Backups backups;
    private final Health.Results health;
    private final Supplier<Row> stats;

    /** {@code stats} is read only once requests are served (the server it reads is made after this). */
    VerbContext(Writer<Reply> writer, Monitor monitor, Backups backups, Health.Results health, Supplier<Row> stats) {
        this.writer = writer;
        this.monitor = monitor;
        this.backups = backups;
        this.health = health;
        this.stats = stats;
    }

    @Override
    public PortTable table() {
        return writer.table();
    }

    @Override
    public TableConfig tableConfig() {
        return writer.config();
    }

    @Override
    public PortUse portUse() {
        return monitor.ports();
    }

    @Override
    public void submit(Caller caller, Writer.Change<Reply> change, Consumer<Reply> done) {
        writer.submit(caller, change, done);
    }

    @Override
    public Row stats() {
        return stats.get();
    }

    @Override
    public String version() {
        return Portd.VERSION;
    }

    @Override
    public void probe(Consumer<Reply> done) {
        monitor.probeNow(done);
    }

    @Override
    public Runnable await(int port, long timeoutMillis, Consumer<Reply> done) {
        return monitor.await(port, timeoutMillis, done);
    }

    @Override
    public Health.Results health() {
        return health;
    }

    @Override
    public Snapshots backups() {
        return backups;
    }
}
