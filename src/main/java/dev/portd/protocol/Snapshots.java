package dev.portd.protocol;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The table's JSON snapshots as BACKUP and BACKUPS see them: written and listed off the event loops, each
 * one a row with its {@code file}, {@code time} and {@code bytes}. The backups themselves live elsewhere
 * (and read the protocol's rules to check a file); the verbs know only this.
 */
public interface Snapshots {
    /** Writes a snapshot now; completes with its row once the file is durable. */
    CompletableFuture<Row> write();

    /** Every snapshot's row, newest first. */
    CompletableFuture<List<Row>> rows();
}
