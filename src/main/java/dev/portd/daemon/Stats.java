package dev.portd.daemon;

import dev.portd.backup.Backups;
import dev.portd.log.Logging;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Row;
import dev.portd.protocol.Values;
import dev.portd.server.PortdServer;
import dev.portd.server.ServerStats;
import dev.portd.store.Checkpoints;
import dev.portd.store.Store;
import dev.portd.store.Writer;
import dev.portd.table.FreePorts;
import dev.portd.table.PortTable;
import dev.portd.table.TableConfig;
import java.util.Map;

/** The daemon's figures: STATS, one key each, read from the parts as they are now. Safe on an event loop. */
final class Stats {
    private final Config config;
    private final Writer<Reply> writer;
    private final Monitor monitor;
    private final Checkpoints checkpoints;
    private final Backups backups;
    private final ServerStats serverStats;
    private final PortdServer server;
    private final long startedNanos;

    Stats(Config config, Writer<Reply> writer, Monitor monitor, Checkpoints checkpoints, Backups backups,
          ServerStats serverStats, PortdServer server, long startedNanos) {
        this.config = config;
        this.writer = writer;
        this.monitor = monitor;
        this.checkpoints = checkpoints;
        this.backups = backups;
        this.serverStats = serverStats;
        this.server = server;
        this.startedNanos = startedNanos;
    }

    long uptimeSeconds() {
        return (System.nanoTime() - startedNanos) / 1_000_000_000L;
    }

    /** Ports of the managed range neither leased, reserved nor seen in use (STATS free, FREE's count). */
    int freePorts() {
        return FreePorts.count(writer.table(), monitor.ports(), writer.config());
    }

    Row row() {
        PortTable t = writer.table();
        TableConfig tableConfig = writer.config();
        Row rows = new Row();
        rows.put("version", Portd.VERSION);
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
        rows.put("last_commit", time(writer.lastCommitMillis()));
        rows.put("last_probe", time(monitor.occupancy().timeMillis()));
        rows.put("last_probe_ms", monitor.occupancy().durationMillis());
        rows.put("sockets", monitor.occupancy().socketCount());
        rows.put("last_backup", time(backups.lastMillis()));
        Store s = writer.store();
        rows.put("store", s.file().toString());
        rows.put("store_bytes", s.fileBytes());
        rows.put("journal_bytes", s.journalBytes());
        rows.put("last_checkpoint", time(checkpoints.lastMillis()));
        rows.put("records_since_checkpoint", checkpoints.recordsSince());
        rows.put("transport", server.transport());
        rows.put("portserver", server.portserverAddress());
        serverStats.addPortserverTo(rows);
        rows.put("log_dropped", Logging.dropped());
        config.addTo(rows, Map.of("probe_interval", monitor.intervalMillis()));
        return rows;
    }

    private static String time(long millis) {
        return millis == 0 ? "never" : Values.time(millis);
    }
}
