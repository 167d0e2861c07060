package dev.portd.jmx;

import com.codahale.metrics.MetricRegistry;
import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.Health;
import dev.portd.table.PortTable;
import dev.portd.table.TableConfig;
import dev.portd.table.Txn;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What the beans need of the daemon, and no more: the published table and changes to it through the
 * writer, the prober's, store's and server's figures, and backups. The daemon implements it when it wires
 * the parts together, so this package never sees the daemon's classes (nor the daemon's start of JMX
 * makes a cycle). Every method may be called from any thread; none waits on an event loop.
 */
public interface Managed {

    /** The last published table. */
    PortTable table();

    TableConfig tableConfig();

    /** What the health checks last found of each lease that has one. */
    Health.Results health();

    /** Ports of the managed range neither leased, reserved nor seen in use (STATS free). */
    int freePorts();

    /**
     * Runs {@code change} on the writer as {@code caller}, like any request: it completes with the change's
     * result once that is durable, or exceptionally with the {@link dev.portd.table.PortdException} that
     * refused it (the table said no, the store failed, the writer is busy or stopping).
     */
    <T> CompletableFuture<T> change(Caller caller, Function<Txn, T> change);

    /** Tells {@code listener} of every commit that recorded events, on the writer thread. */
    void addCommitListener(Writer.CommitListener listener);

    MetricRegistry metrics();

    /** What a probe found, once committed. */
    record Probed(int sockets, int conflicts, long millis) {}

    /** The prober's schedule and last findings. */
    interface Prober {
        long intervalMillis();

        /** From now on (more than 0). */
        void setIntervalMillis(long millis);

        /** When the last probe ran (0 before the first), how long it took, and the sockets it saw. */
        long lastTimeMillis();

        long lastDurationMillis();

        int socketsSeen();

        /** Probes now (sharing a probe already queued) and completes once what it found is committed. */
        CompletableFuture<Probed> probeNow();
    }

    Prober prober();

    /**
     * The store's figures. {@code file} is null, and the sizes -1, once the store is closed.
     * Times are epoch milliseconds, 0 for never.
     */
    record StoreFigures(Path file, long fileBytes, long journalBytes, long commits, long lastCommitMillis,
                        long lastCheckpointMillis, long recordsSinceCheckpoint) {}

    StoreFigures store();

    /** When the newest backup in the backup directory was taken (of this run or an earlier one), 0 if none. */
    long newestBackupMillis();

    /** Writes a backup now; completes with its file once it is durable. */
    CompletableFuture<Path> backupNow();

    /** The server's figures; {@code portserverAddress} is "off" when portpicker's socket is not served. */
    record ServerFigures(Path socket, int connections, int maxConnections, long requests, String portserverAddress,
                         long portserverServed, long portserverRefused) {}

    ServerFigures server();

    long uptimeSeconds();

    String version();
}
