package dev.portd.backup;

import dev.portd.protocol.Row;
import dev.portd.protocol.Snapshots;
import dev.portd.protocol.Values;
import dev.portd.store.Store;
import dev.portd.table.PortTable;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON snapshots of the table in {@code <data>/backups/}: every {@code backup_interval} and on
 * {@code BACKUP}, keeping the {@code backup_keep} newest. The published {@link PortTable} is
 * immutable, so a snapshot is taken without the writer's help and written on this class's own thread:
 * never on an event loop, never on the writer. Files appear whole or not at all (temporary file,
 * fsync, rename, fsync of the directory).
 */
public final class Backups implements Snapshots, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Backups.class);

    /** portd-20261125T153000Z.json, or portd-20261125T153000Z-2.json for a second one in that second. */
    private static final Pattern NAME = Pattern.compile("portd-(\\d{8}T\\d{6}Z)(?:-(\\d{1,6}))?\\.json");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String TEMP_PREFIX = ".portd-backup-";

    /** One backup file. */
    public record Info(Path file, long timeMillis, int seq, long bytes) {
        public Row row() {
            return Row.of("file", file.toString()).put("time", Values.time(timeMillis)).put("bytes", bytes);
        }
    }

    private static final Comparator<Info> NEWEST_FIRST =
            Comparator.comparingLong(Info::timeMillis).thenComparingInt(Info::seq).reversed();

    private final Path dir;
    private final int keep;
    private final Supplier<PortTable> table;
    private final String version;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portd-backup");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastMillis;
    private PortTable lastWritten; // backup thread only
    private Info lastInfo;         // backup thread only

    public Backups(Path dir, int keep, Supplier<PortTable> table, String version) {
        this.dir = dir;
        this.keep = keep;
        this.table = table;
        this.version = version;
    }

    public Path dir() {
        return dir;
    }

    /** When the last backup of this run was written, 0 if none. */
    public long lastMillis() {
        return lastMillis;
    }

    /**
     * Writes a backup every {@code intervalMillis}, counting from the newest existing one, so a daemon
     * restarted more often than the interval still keeps to it. A periodic backup of a table that has
     * not changed since the last one is skipped. 0 turns it off.
     */
    public void schedule(long intervalMillis) {
        if (intervalMillis <= 0) {
            return;
        }
        long newest = newest(dir).map(Info::timeMillis).orElse(0L);
        long first = Math.max(0, Math.min(intervalMillis, newest + intervalMillis - System.currentTimeMillis()));
        thread.scheduleWithFixedDelay(() -> {
            try {
                if (table.get() != lastWritten) {
                    writeNow();
                }
            } catch (IOException | RuntimeException e) {
                log.error("periodic backup to {} failed: {}", dir, e.toString());
            }
        }, first, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Writes a backup now, on the backup thread. */
    public CompletableFuture<Info> backup() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return writeNow();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, thread);
    }

    /** Lists the backups, newest first, on the backup thread (directory reads stay off the event loops). */
    public CompletableFuture<List<Info>> listAsync() {
        return CompletableFuture.supplyAsync(() -> list(dir), thread);
    }

    @Override
    public CompletableFuture<Row> write() {
        return backup().thenApply(Info::row);
    }

    @Override
    public CompletableFuture<List<Row>> rows() {
        return listAsync().thenApply(all -> all.stream().map(Info::row).toList());
    }

    private Info writeNow() throws IOException {
        PortTable t = table.get();
        long now = System.currentTimeMillis();
        // Never reuse a name within a second, even one pruned since: the order of names is the order of writes.
        int firstSeq = lastInfo != null && lastInfo.timeMillis() == now / 1000 * 1000 ? lastInfo.seq() + 1 : 1;
        Info info = write(dir, t, now, version, firstSeq);
        lastInfo = info;
        lastWritten = t;
        lastMillis = now;
        prune();
        log.info("backup {} ({} leases, {} bytes)", info.file(), t.leaseCount(), info.bytes());
        return info;
    }

    /** Writes {@code t} to a new file in {@code dir}, atomically and durably; suffixes start at {@code firstSeq}. */
    static Info write(Path dir, PortTable t, long nowMillis, String version, int firstSeq) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String stamp = STAMP.format(Instant.ofEpochMilli(nowMillis));
        long second = nowMillis / 1000 * 1000;
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX, ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                Snapshot.write(t, nowMillis, version, out);
                out.flush();
                ch.force(true);
            }
            for (int seq = firstSeq; ; seq++) {
                Path target = dir.resolve("portd-" + stamp + (seq == 1 ? "" : "-" + seq) + ".json");
                if (Files.exists(target)) {
                    continue;
                }
                // No REPLACE_EXISTING: only this thread writes here, and an existing name is skipped above.
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                Store.fsyncDirectory(dir);
                return new Info(target, second, seq, Files.size(target));
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes the oldest backups beyond {@code keep}, and temporary files a crash left behind. */
    private void prune() {
        List<Info> all = list(dir);
        for (Info old : all.subList(Math.min(keep, all.size()), all.size())) {
            try {
                Files.deleteIfExists(old.file());
            } catch (IOException e) {
                log.warn("cannot delete old backup {}: {}", old.file(), e.getMessage());
            }
        }
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP_PREFIX + "*.tmp")) {
            for (Path p : temps) {
                if (Files.getLastModifiedTime(p).toMillis() < System.currentTimeMillis() - 3_600_000L) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            log.debug("cannot clean {}: {}", dir, e.getMessage());
        }
    }

    /** The backups in {@code dir}, newest first; empty when there is no such directory. */
    public static List<Info> list(Path dir) {
        List<Info> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "portd-*.json")) {
            for (Path p : files) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    long time = Instant.from(STAMP.parse(m.group(1))).toEpochMilli();
                    out.add(new Info(p, time, m.group(2) == null ? 1 : Integer.parseInt(m.group(2)), Files.size(p)));
                }
            }
        } catch (IOException e) {
            log.warn("cannot list backups in {}: {}", dir, e.getMessage());
        }
        out.sort(NEWEST_FIRST);
        return out;
    }

    public static Optional<Info> newest(Path dir) {
        List<Info> all = list(dir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Finishes a backup in progress and stops the thread. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("a backup was still running at stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
