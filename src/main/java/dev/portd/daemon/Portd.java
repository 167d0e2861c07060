package dev.portd.daemon;

import com.codahale.metrics.MetricRegistry;
import dev.portd.jmx.Jmx;
import dev.portd.log.EventLog;
import dev.portd.log.Logging;
import dev.portd.metrics.Gauges;
import dev.portd.metrics.MetricsServer;
import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Row;
import dev.portd.protocol.WriterAnswers;
import dev.portd.server.PortdServer;
import dev.portd.server.ServerStats;
import dev.portd.backup.Backups;
import dev.portd.health.HealthChecks;
import dev.portd.store.Checkpoints;
import dev.portd.store.Store;
import dev.portd.store.Writer;
import dev.portd.systemd.SocketActivation;
import dev.portd.table.Caller;
import dev.portd.table.PortTable;
import dev.portd.probe.HostPorts;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import java.io.IOException;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: owns the store, the writer, the server, and their order of start and stop. The same
 * lifecycle serves {@code java -jar}, jsvc and tests: {@link #init()} opens what may fail (and, under
 * jsvc, what needs privileges), {@link #start()} serves, {@link #stop()} answers what is in flight,
 * commits and closes.
 */
public final class Portd implements Context {
    private static final Logger log = LoggerFactory.getLogger(Portd.class);

    public static final String VERSION = dev.portd.protocol.Version.VALUE;

    private final Config config;
    private final MetricRegistry metrics = new MetricRegistry();
    private final long startedNanos = System.nanoTime();
    private TableConfig tableConfig;
    private Store store;
    private Writer<Reply> writer;
    private final Checkpoints checkpoints = new Checkpoints();
    private ServerStats serverStats;
    private PortdServer server;
    private Monitor monitor;
    private HealthChecks health;
    private Backups backups;
    private Jmx jmx;
    private MetricsServer metricsServer;
    private boolean started;

    public Portd(Config config) {
        this.config = config;
    }

    /**
     * Opens the store, loads the table and binds the socket (or takes the one systemd passed). Throws
     * with a message naming the file if it cannot; a {@link ConfigException} for JMX settings that
     * cannot work (a missing file, a password file others can read): restarting would not help.
     */
    public void init() throws IOException, InterruptedException, ConfigException {
        Logging.configure(config.get("log_format"), config.get("log_level"));
        try {
            Jmx.check(config);
        } catch (IllegalStateException e) {
            throw new ConfigException(e.getMessage());
        }
        int[] range = config.range();
        tableConfig = new TableConfig(range[0], range[1], config.policy(), Paths.uid(),
                config.integer("max_leases_per_uid"), config.integer("history_max"));
        DataDir.check(config.data());
        store = Store.open(config.data(), tableConfig.historyMax(), Row::parse, checkpoints.executor());
        HostPorts ports = new HostPorts();
        writer = new Writer<>(store, tableConfig, ports, metrics, WriterAnswers.INSTANCE);
        writer.addListener(new EventLog());
        monitor = new Monitor(writer, ports, config.millis("probe_interval"), metrics);
        serverStats = new ServerStats(config.integer("max_connections"), metrics);
        Gauges.register(metrics, writer, checkpoints, monitor::occupancy);
        int loops = config.integer("event_loops");
        SocketActivation.Passed passed = SocketActivation.passed(System.getenv(), ProcessHandle.current().pid());
        server = new PortdServer(new PortdServer.Options(config.socket(),
                PosixFilePermissions.fromString(config.socketPermissions()),
                loops == 0 ? Runtime.getRuntime().availableProcessors() : loops, config.millis("idle_timeout"),
                passed.main(), config.portserverSocket(), passed.portserver()),
                this, serverStats);
        writer.addListener(server.watchers());
        backups = new Backups(config.data().resolve("backups"), config.integer("backup_keep"), writer::table, VERSION);
        health = new HealthChecks(writer::table, this::recordHealth, metrics);
        writer.addListener((t, events) -> health.committed(events));
        server.bind();
    }

    public void start() throws IOException, InterruptedException {
        writer.start();
        checkpoints.start(store, writer::committed);
        monitor.start();
        int leases = writer.table().leaseCount(); // before clients are served: the count at start, not after them
        server.start();
        jmx = Jmx.start(this);
        if (config.integer("metrics_port") != 0) {
            metricsServer = MetricsServer.start(config.integer("metrics_port"), metrics, VERSION);
        }
        backups.schedule(config.millis("backup_interval"));
        health.start();
        started = true;
        log.atInfo().setMessage("portd " + VERSION + " started")
                .addKeyValue("version", VERSION)
                .addKeyValue("socket", config.socket())
                .addKeyValue("transport", server.transport())
                .addKeyValue("data", config.data())
                .addKeyValue("range", tableConfig.lo() + "-" + tableConfig.hi())
                .addKeyValue("policy", tableConfig.policy().wire())
                .addKeyValue("config", config.file() == null ? "none" : config.file())
                .addKeyValue("leases", leases)
                .addKeyValue("pid", ProcessHandle.current().pid())
                .log();
    }

    /** {@link #stop(String)} when the host gives no reason. */
    public void stop() {
        stop("stop requested");
    }

    /**
     * Stops accepting, answers and commits what is queued, closes connections, the store and the socket,
     * logs why and how long it took, and flushes the log: nothing is logged after this.
     */
    public void stop(String why) {
        long t0 = System.nanoTime();
        if (server != null) {
            server.stopAccepting();
        }
        if (metricsServer != null) {
            metricsServer.close();
            metricsServer = null;
        }
        if (monitor != null) {
            monitor.stop();
        }
        if (health != null) {
            health.stop();
        }
        if (writer != null) {
            try {
                writer.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (jmx != null) {
            jmx.close();
            jmx = null;
        }
        if (server != null) {
            server.shutdown();
        }
        if (backups != null) {
            backups.close();
        }
        checkpoints.close(); // after the writer: the last checkpoint holds everything answered
        if (store != null) {
            store.close();
        }
        store = null;
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (started) { // a start refused in init() says why in one line of its own, not two
            log.atInfo().setMessage("portd stopped")
                    .addKeyValue("why", why)
                    .addKeyValue("stop_ms", ms)
                    .addKeyValue("uptime_s", (System.nanoTime() - startedNanos) / 1_000_000_000L)
                    .log();
        }
        Logging.stop();
    }

    /** Runs a request as {@code caller} through the verb table, as the socket would (JMX, tools). */
    public java.util.concurrent.CompletableFuture<Reply> execute(dev.portd.protocol.Request request, Caller caller) {
        java.util.concurrent.CompletableFuture<Reply> f = new java.util.concurrent.CompletableFuture<>();
        dev.portd.protocol.Verbs.run(request, caller, this, null, f::complete);
        return f;
    }

    @Override
    public Backups backups() {
        return backups;
    }

    public Writer<Reply> writer() {
        return writer;
    }

    /** Where portpicker's clients connect, or "off" (JMX, STATS). */
    public String portserverAddress() {
        return server.portserverAddress();
    }

    public ServerStats serverStats() {
        return serverStats;
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** The open store, or null once stopped. */
    public Store store() {
        return store;
    }

    // ---- Context ----

    @Override
    public PortTable table() {
        return writer.table();
    }

    @Override
    public TableConfig tableConfig() {
        return tableConfig;
    }

    @Override
    public PortUse portUse() {
        return monitor.ports();
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
    public dev.portd.table.Health.Results health() {
        return health;
    }

    /** A change of a lease's health becomes an event through the writer; nothing waits for it. */
    private void recordHealth(dev.portd.table.Lease checked, boolean healthy, String note) {
        Caller self = new Caller(Paths.uid(), (int) ProcessHandle.current().pid(), "portd");
        writer.submit(self, txn -> {
            txn.health(checked, healthy, note);
            return Reply.ok("result", "recorded");
        }, r -> {
            if (!r.ok()) {
                log.warn("health of {} not recorded: {}", checked.service(), r.statusLine());
            }
        });
    }

    public Monitor monitor() {
        return monitor;
    }

    /** The connections in WATCH mode. */
    public dev.portd.server.Watchers watchers() {
        return server.watchers();
    }

    @Override
    public void submit(Caller caller, Writer.Change<Reply> change, Consumer<Reply> done) {
        writer.submit(caller, change, done);
    }

    @Override
    public String version() {
        return VERSION;
    }

    /** Ports of the managed range neither leased, reserved nor seen in use (STATS free, FREE's count). */
    public int freePorts() {
        return dev.portd.table.FreePorts.count(table(), portUse(), tableConfig);
    }

    public long uptimeSeconds() {
        return (System.nanoTime() - startedNanos) / 1_000_000_000L;
    }

    @Override
    public Row stats() {
        PortTable t = table();
        Row rows = new Row();
        rows.put("version", VERSION);
        rows.put("uptime_s", uptimeSeconds());
        rows.put("range", tableConfig.lo() + "-" + tableConfig.hi());
        rows.put("policy", tableConfig.policy().wire());
        rows.put("leases", t.leaseCount());
        rows.put("free", freePorts());
        rows.put("reserved", t.reservations().size());
        rows.put("conflicts", t.conflicts().size());
        rows.put("connections", serverStats.connections());
        rows.put("requests", serverStats.requests());
        rows.put("commits", writer.commits());
        rows.put("last_commit", writer.lastCommitMillis() == 0 ? "never" : dev.portd.protocol.Values.time(writer.lastCommitMillis()));
        long probed = monitor.occupancy().timeMillis();
        rows.put("last_probe", probed == 0 ? "never" : dev.portd.protocol.Values.time(probed));
        rows.put("last_probe_ms", monitor.occupancy().durationMillis());
        rows.put("sockets", monitor.occupancy().socketCount());
        rows.put("last_backup", backups.lastMillis() == 0 ? "never" : dev.portd.protocol.Values.time(backups.lastMillis()));
        Store s = writer.store();
        rows.put("store", s.file().toString());
        rows.put("store_bytes", s.fileBytes());
        rows.put("journal_bytes", s.journalBytes());
        rows.put("last_checkpoint", checkpoints.lastMillis() == 0 ? "never" : dev.portd.protocol.Values.time(checkpoints.lastMillis()));
        rows.put("records_since_checkpoint", checkpoints.recordsSince());
        rows.put("transport", server.transport());
        rows.put("portserver", server.portserverAddress());
        serverStats.addPortserverTo(rows);
        rows.put("log_dropped", Logging.dropped());
        config.addTo(rows, Map.of("probe_interval", monitor.intervalMillis()));
        return rows;
    }

    public Config config() {
        return config;
    }

    public MetricRegistry metrics() {
        return metrics;
    }
}
