package dev.portd.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log: records appended to {@link Segments}, one file after another. The next segment is
 * prepared on another thread while this one fills.
 *
 * <p>A record is {@code length(4) crc32c(4) seq(8) payload}; the CRC covers the length, the sequence
 * number and the payload. A zero length ends a segment's records. Sequence numbers go up by one from
 * record to record across segments.
 *
 * <p>Used by the writer thread (append), the checkpoint thread (drop) and start-up (read), each
 * method synchronized: the only contention is a checkpoint's deletion of old segments.
 */
final class Journal implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    static final int HEADER = 16;

    /** One segment file; {@code lastSeq} is 0 while it holds no record. */
    private static final class Segment {
        final long number;
        final Path file;
        long lastSeq;

        Segment(long number, Path file, long lastSeq) {
            this.number = number;
            this.file = file;
            this.lastSeq = lastSeq;
        }
    }

    private final Path dir;
    private final Executor preparer;
    private final List<Segment> segments; // oldest first; the last is the one appended to
    private FileChannel channel;          // of the last segment
    private long position;                // where its next record goes
    private long allocated;               // its zero-filled size
    private CompletableFuture<Void> next = CompletableFuture.completedFuture(null);
    private boolean dirty;                // a failed append may have left bytes after position
    private volatile long bytes;          // for STATS and JMX, which must not wait for an append

    private Journal(Path dir, Executor preparer, List<Segment> segments, FileChannel channel, long position)
            throws IOException {
        this.dir = dir;
        this.preparer = preparer;
        this.segments = segments;
        this.channel = channel;
        this.position = position;
        this.allocated = channel.size();
    }

    /** What {@link #open} found: the records after the checkpoint, and the journal ready for the next. */
    record Opened(Journal journal, List<JournalReader.Record> records, long lastSeq, long cutBytes) {}

    /**
     * Reads every segment, cuts a torn last record, and opens the last segment for appends. Records up
     * to {@code checkpointSeq} are already in the MapDB file and are skipped.
     */
    static Opened open(Path dir, long checkpointSeq, Executor preparer) throws IOException {
        List<Path> files = Segments.files(dir);
        JournalReader.Result read = JournalReader.read(files, checkpointSeq);
        List<Segment> segments = new ArrayList<>();
        if (files.isEmpty()) {
            Path first = dir.resolve(Segments.name(1));
            Segments.prepare(first);
            segments.add(new Segment(1, first, 0));
        }
        // Segments after the one appended to hold nothing (prepared ahead): the next roll takes them up.
        for (int i = 0; i <= read.appendTo() && i < files.size(); i++) {
            segments.add(new Segment(Segments.number(files.get(i)), files.get(i), read.lastSeqs()[i]));
        }
        FileChannel ch = FileChannel.open(segments.get(segments.size() - 1).file, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        Journal j;
        try {
            j = new Journal(dir, preparer, segments, ch, read.end());
            if (read.cutBytes() > 0) {
                Segments.zero(ch, read.end(), read.end() + read.cutBytes());
                ch.force(false);
                log.warn("cut a torn last record ({} bytes) off the journal {} at offset {}: a crash interrupted its"
                        + " write, so it was never acknowledged", read.cutBytes(), segments.get(segments.size() - 1).file,
                        read.end());
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        j.countBytes();
        j.prepareNext();
        return new Opened(j, read.records(), Math.max(checkpointSeq, read.lastSeq()), read.cutBytes());
    }

    /**
     * Writes the record with one write and one {@code fdatasync}. On failure the journal is cut back to
     * its last good record (tried again before the next append if that fails too) and the exception is
     * thrown: the record is not in the journal.
     */
    synchronized void append(long seq, byte[] payload) throws IOException {
        if (dirty) {
            cutBack();
        }
        ByteBuffer record = frame(seq, payload);
        if (position > 0 && position + record.remaining() > allocated) {
            roll();
        }
        dirty = true;
        try {
            for (long at = position; record.hasRemaining(); ) {
                at += channel.write(record, at);
            }
            channel.force(false);
        } catch (IOException e) {
            try {
                cutBack(); // now, so a crash before the next append cannot bring back a record answered ERR STORE
            } catch (IOException again) {
                log.warn("cannot cut the journal back after a failed append; the next append tries again: {}",
                        Store.describe(again));
            }
            throw e;
        }
        dirty = false;
        position += record.limit();
        segments.get(segments.size() - 1).lastSeq = seq;
    }

    static ByteBuffer frame(long seq, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
        b.putInt(payload.length).putInt(0).putLong(seq).put(payload);
        b.putInt(4, JournalReader.crc(b.array(), 0, payload.length));
        return b.flip();
    }

    /** Zeroes what a failed append may have written after the last good record, and forces it. */
    private void cutBack() throws IOException {
        if (channel.size() > allocated) {
            channel.truncate(Math.max(allocated, position));
        }
        Segments.zero(channel, position, Math.min(allocated, position + Segments.BYTES));
        channel.force(false);
        dirty = false;
    }

    /** Moves on to the next segment, prepared meanwhile by the preparer (or now, if that failed). */
    private void roll() throws IOException {
        Segment cur = segments.get(segments.size() - 1);
        long number = cur.number + 1;
        Path file = dir.resolve(Segments.name(number));
        try {
            next.join();
        } catch (RuntimeException e) {
            log.debug("preparing {} failed: {}", file, e.toString());
        }
        if (!Files.exists(file) || Files.size(file) < Segments.BYTES) {
            try {
                Segments.prepare(file);
            } catch (IOException e) {
                throw new IOException("cannot make the journal segment " + file + ": " + Store.describe(e), e);
            }
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (java.nio.file.AccessDeniedException e) {
            // Prepared before jsvc dropped privileges (owned by root): made again as the daemon's user.
            Files.delete(file);
            Segments.prepare(file);
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        channel.close();
        channel = ch;
        position = 0;
        allocated = ch.size();
        segments.add(new Segment(number, file, 0));
        countBytes();
        prepareNext();
    }

    private void prepareNext() {
        Path file = dir.resolve(Segments.name(segments.get(segments.size() - 1).number + 1));
        try {
            next = CompletableFuture.runAsync(() -> {
            try {
                if (!Files.exists(file)) {
                    Segments.prepare(file);
                }
            } catch (IOException e) {
                log.warn("cannot prepare the next journal segment {}: {}", file, Store.describe(e));
                throw new java.io.UncheckedIOException(e);
            }
        }, preparer);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            next = CompletableFuture.completedFuture(null); // stopping: a roll, if any, prepares its own
        }
    }

    /**
     * Deletes the segments whose every record is at or below {@code seq} (the MapDB file now holds
     * them). The segment appended to stays.
     */
    synchronized int dropThrough(long seq) {
        int dropped = 0;
        while (segments.size() > 1 && segments.get(0).lastSeq <= seq) {
            Segment s = segments.remove(0);
            try {
                Files.deleteIfExists(s.file);
                dropped++;
            } catch (IOException e) {
                log.warn("cannot delete the journal segment {}: {}", s.file, Store.describe(e));
            }
        }
        countBytes();
        return dropped;
    }

    /** Bytes of journal on disk (whole segments, as allocated); read without the lock, from any thread. */
    long bytes() {
        return bytes;
    }

    private void countBytes() {
        long n = 0;
        for (Segment seg : segments) {
            try {
                n += Files.size(seg.file);
            } catch (IOException e) {
                // deleted meanwhile
            }
        }
        bytes = n;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            next.join();
        } catch (RuntimeException e) {
            // logged where it failed
        }
        channel.close();
    }
}
