package dev.portd.daemon;

import com.codahale.metrics.MetricRegistry;
import dev.portd.backup.Backups;
import dev.portd.jmx.Jmx;
import dev.portd.jmx.JmxSettings;
import dev.portd.jmx.Managed;
import dev.portd.log.EventLog;
import dev.portd.log.Logging;
import dev.portd.metrics.Gauges;
import dev.portd.metrics.MetricsServer;
import dev.portd.probe.HostPorts;
import dev.portd.protocol.Context;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.protocol.Row;
import dev.portd.protocol.Verbs;
import dev.portd.protocol.WriterAnswers;
import dev.portd.server.PortdServer;
import dev.portd.server.ServerStats;
import dev.portd.server.Watchers;
import dev.portd.health.HealthChecks;
import dev.portd.store.Checkpoints;
import dev.portd.store.Store;
import dev.portd.store.Writer;
import dev.portd.systemd.SocketActivation;
import dev.portd.table.Caller;
import dev.portd.table.PortTable;
import dev.portd.table.TableConfig;
import java.io.IOException;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: wires the store, the writer, the monitor, the server, backups, JMX and metrics together,
 * and owns their order of start and stop. The same lifecycle serves {@code java -jar}, jsvc and tests:
 * {@link #init()} opens what may fail (and, under jsvc, what needs privileges), {@link #start()} serves,
 * {@link #stop()} answers what is in flight, commits and closes. What the verbs and the JMX beans may use
 * of it is handed to them as {@link VerbContext} and {@link JmxView}; STATS is {@link Stats}.
 */
public final class Portd {
    private static final Logger log = LoggerFactory.getLogger(Portd.class);

    public static final String VERSION = dev.portd.protocol.Version.VALUE;

    private final Config config;
    private final Settings settings;
    private final MetricRegistry metrics = new MetricRegistry();
    private final long startedNanos = System.nanoTime();
    private Store store;
    private Writer<Reply> writer;
    private final Checkpoints checkpoints = new Checkpoints();
    private ServerStats serverStats;
    private PortdServer server;
    private Monitor monitor;
    private HealthChecks health;
    private Backups backups;
    private VerbContext context;
    private Stats stats;
    private Jmx jmx;
    private MetricsServer metricsServer;
    private boolean started;

    public Portd(Config config) {
        this.config = config;
        this.settings = config.settings();
    }

    /**
     * Opens the store, loads the table and binds the socket (or takes the one systemd passed). Throws
     * with a message naming the file if it cannot; a {@link ConfigException} for JMX settings that
     * cannot work (a missing file, a password file others can read): restarting would not help.
     */
    public void init() throws IOException, InterruptedException, ConfigException {
        Logging.configure(settings.logFormat(), settings.logLevel());
        try {
            Jmx.check(jmxSettings());
        } catch (IllegalStateException e) {
            throw new ConfigException(e.getMessage());
        }
        TableConfig tableConfig = new TableConfig(settings.rangeLo(), settings.rangeHi(), settings.policy(), Paths.uid(),
                settings.maxLeasesPerUid(), settings.historyMax());
        DataDir.check(settings.data());
        store = Store.open(settings.data(), tableConfig.historyMax(), Row::parse, checkpoints.executor());
        HostPorts ports = new HostPorts();
        writer = new Writer<>(store, tableConfig, ports, metrics, WriterAnswers.INSTANCE);
        writer.addListener(new EventLog());
        monitor = new Monitor(writer, ports, settings.probeIntervalMillis(), metrics);
        serverStats = new ServerStats(settings.maxConnections(), metrics);
        Gauges.register(metrics, writer, checkpoints, monitor::occupancy);
        backups = new Backups(settings.data().resolve("backups"), settings.backupKeep(), writer::table, VERSION);
        health = new HealthChecks(writer::table, this::recordHealth, metrics);
        context = new VerbContext(writer, monitor, backups, health, () -> stats.row());
        int loops = settings.eventLoops();
        SocketActivation.Passed passed = SocketActivation.passed(System.getenv(), ProcessHandle.current().pid());
        server = new PortdServer(new PortdServer.Options(settings.socket(),
                PosixFilePermissions.fromString(settings.socketPermissions()),
                loops == 0 ? Runtime.getRuntime().availableProcessors() : loops, settings.idleTimeoutMillis(),
                passed.main(), settings.portserverSocket(), passed.portserver()),
                context, serverStats);
        writer.addListener(server.watchers());
        writer.addListener((t, events) -> health.committed(events));
        stats = new Stats(config, writer, monitor, checkpoints, backups, serverStats, server, startedNanos);
        server.bind();
    }

    private JmxSettings jmxSettings() {
        return new JmxSettings(settings.jmxPort(), settings.jmxPasswordFile(), settings.jmxAccessFile());
    }

    public void start() throws IOException, InterruptedException {
        writer.start();
        checkpoints.start(store, writer::committed);
        monitor.start();
        int leases = writer.table().leaseCount(); // before clients are served: the count at start, not after them
        server.start();
        jmx = Jmx.start(jmxView(), jmxSettings());
        if (settings.metricsPort() != 0) {
            metricsServer = MetricsServer.start(settings.metricsPort(), metrics, VERSION);
        }
        backups.schedule(settings.backupIntervalMillis());
        health.start();
        started = true;
        log.atInfo().setMessage("portd " + VERSION + " started")
                .addKeyValue("version", VERSION)
                .addKeyValue("socket", settings.socket())
                .addKeyValue("transport", server.transport())
                .addKeyValue("data", settings.data())
                .addKeyValue("range", settings.rangeLo() + "-" + settings.rangeHi())
                .addKeyValue("policy", settings.policy().wire())
                .addKeyValue("config", config.file() == null ? "none" : config.file())
                .addKeyValue("leases", leases)
                .addKeyValue("pid", ProcessHandle.current().pid())
                .log();
    }

    /** The daemon as the JMX beans see it (a second set of beans on a server of a test's own, too). */
    public Managed jmxView() {
        return new JmxView(writer, monitor, checkpoints, backups, health, serverStats, server, settings, stats, metrics,
                () -> store);
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

    /** Runs a request as {@code caller} through the verb table, as the socket would (tools, tests). */
    public CompletableFuture<Reply> execute(Request request, Caller caller) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        Verbs.run(request, caller, context, null, f::complete);
        return f;
    }

    /** What the verbs may use of the daemon (a connection of a test's own, too). */
    public Context context() {
        return context;
    }

    /** The last committed table. */
    public PortTable table() {
        return writer.table();
    }

    /** Where portpicker's clients connect, or "off". */
    public String portserverAddress() {
        return server.portserverAddress();
    }

    /** A change of a lease's health becomes an event through the writer; nothing waits for it. */
    private void recordHealth(dev.portd.table.Lease checked, boolean healthy, String note) {
        Caller self = new Caller(Paths.uid(), (int) ProcessHandle.current().pid(), "portd");
        writer.submit(self, txn -> {
            txn.findings().health(checked, healthy, note);
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
    public Watchers watchers() {
        return server.watchers();
    }

    public Config config() {
        return config;
    }

    public MetricRegistry metrics() {
        return metrics;
    }
}
