package dev.portd.daemon;

import com.codahale.metrics.MetricRegistry;
import dev.portd.backup.Backups;
import dev.portd.jmx.Managed;
import dev.portd.probe.Occupancy;
import dev.portd.protocol.Portserver;
import dev.portd.protocol.Reply;
import dev.portd.server.PortdServer;
import dev.portd.server.ServerStats;
import dev.portd.store.Checkpoints;
import dev.portd.store.Store;
import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.Health;
import dev.portd.table.PortTable;
import dev.portd.table.PortdException;
import dev.portd.table.TableConfig;
import dev.portd.table.Txn;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** The daemon as the JMX beans see it ({@link Managed}), made of the parts the daemon wired. */
final class JmxView implements Managed, Managed.Prober {
    /** What a typed change answers the writer with; only whether it is OK is read. */
    private static final Reply APPLIED = Reply.ok("applied", true);

    private final Writer<Reply> writer;
    private final Monitor monitor;
    private final Checkpoints checkpoints;
    private final Backups backups;
    private final Health.Results health;
    private final ServerStats serverStats;
    private final PortdServer server;
    private final Settings settings;
    private final Stats stats;
    private final MetricRegistry metrics;
    private final Supplier<Store> store;

    /** {@code store} is the open store, null once closed. */
    JmxView(Writer<Reply> writer, Monitor monitor, Checkpoints checkpoints, Backups backups, Health.Results health,
            ServerStats serverStats, PortdServer server, Settings settings, Stats stats, MetricRegistry metrics,
            Supplier<Store> store) {
        this.writer = writer;
        this.monitor = monitor;
        this.checkpoints = checkpoints;
        this.backups = backups;
        this.health = health;
        this.serverStats = serverStats;
        this.server = server;
        this.settings = settings;
        this.stats = stats;
        this.metrics = metrics;
        this.store = store;
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
    public Health.Results health() {
        return health;
    }

    @Override
    public int freePorts() {
        return stats.freePorts();
    }

    @Override
    public <T> CompletableFuture<T> change(Caller caller, Function<Txn, T> change) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        Object[] result = new Object[1]; // set and read on the writer thread
        writer.submit(caller, txn -> {
            result[0] = change.apply(txn);
            return APPLIED;
        }, reply -> {
            if (reply.ok()) {
                @SuppressWarnings("unchecked")
                T t = (T) result[0];
                answer.complete(t);
            } else {
                answer.completeExceptionally(refused(reply));
            }
        });
        return answer;
    }

    /** The writer's refusal (the table's, the store's, or a busy writer's) with its code and words. */
    private static PortdException refused(Reply reply) {
        return new PortdException(reply.error(), reply.status());
    }

    @Override
    public void addCommitListener(Writer.CommitListener listener) {
        writer.addListener(listener);
    }

    @Override
    public MetricRegistry metrics() {
        return metrics;
    }

    // ---- the prober ----

    @Override
    public Prober prober() {
        return this;
    }

    @Override
    public long intervalMillis() {
        return monitor.intervalMillis();
    }

    @Override
    public void setIntervalMillis(long millis) {
        monitor.setIntervalMillis(millis);
    }

    @Override
    public long lastTimeMillis() {
        return monitor.occupancy().timeMillis();
    }

    @Override
    public long lastDurationMillis() {
        return monitor.occupancy().durationMillis();
    }

    @Override
    public int socketsSeen() {
        return monitor.occupancy().socketCount();
    }

    /** Once the probe's findings are committed, the prober's last findings and the table's conflicts are the probe's. */
    @Override
    public CompletableFuture<Probed> probeNow() {
        CompletableFuture<Probed> answer = new CompletableFuture<>();
        monitor.probeNow(reply -> {
            if (reply.ok()) {
                Occupancy seen = monitor.occupancy();
                answer.complete(new Probed(seen.socketCount(), writer.table().conflicts().size(), seen.durationMillis()));
            } else {
                answer.completeExceptionally(refused(reply));
            }
        });
        return answer;
    }

    // ---- the store and backups ----

    @Override
    public StoreFigures store() {
        Store s = store.get();
        return new StoreFigures(s == null ? null : s.file(), s == null ? -1 : s.fileBytes(), s == null ? -1 : s.journalBytes(),
                writer.commits(), writer.lastCommitMillis(), checkpoints.lastMillis(), checkpoints.recordsSince());
    }

    @Override
    public long newestBackupMillis() {
        return Backups.newest(backups.dir()).map(Backups.Info::timeMillis).orElse(0L);
    }

    @Override
    public CompletableFuture<Path> backupNow() {
        CompletableFuture<Path> answer = new CompletableFuture<>();
        backups.backup().whenComplete((b, e) -> {
            if (e == null) {
                answer.complete(b.file());
            } else {
                Throwable why = e.getCause() == null ? e : e.getCause();
                answer.completeExceptionally(new PortdException(ErrorCode.STORE, "backup failed: " + why));
            }
        });
        return answer;
    }

    // ---- the server ----

    @Override
    public ServerFigures server() {
        long refused = 0;
        for (Portserver.Outcome o : Portserver.Outcome.values()) {
            refused += o == Portserver.Outcome.SERVED ? 0 : serverStats.portserverCount(o);
        }
        return new ServerFigures(settings.socket(), serverStats.connections(), serverStats.maxConnections(),
                serverStats.requests(), server.portserverAddress(), serverStats.portserverCount(Portserver.Outcome.SERVED),
                refused);
    }

    @Override
    public long uptimeSeconds() {
        return stats.uptimeSeconds();
    }

    @Override
    public String version() {
        return Portd.VERSION;
    }
}
