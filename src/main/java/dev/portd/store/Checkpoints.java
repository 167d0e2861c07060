package dev.portd.store;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the MapDB file up to date with the published table, on a thread of its own: every
 * {@link #INTERVAL_MILLIS} when something was committed, sooner once {@link #MAX_RECORDS} records
 * have piled up (so a start never replays many), and at a clean stop. The table is immutable, so a
 * checkpoint needs no lock and never holds up the writer; it only bounds how much journal a start
 * replays. The same thread prepares the journal's next segment.
 */
public final class Checkpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

    static final long INTERVAL_MILLIS = 5_000;
    static final long MAX_RECORDS = 20_000;
    private static final long POLL_MILLIS = 100;

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portd-checkpoint");
        t.setDaemon(true);
        return t;
    });
    private Store store;
    private Supplier<Writer.Committed> source;
    private volatile long lastSeq;
    private volatile long lastMillis;
    private long lastTry;        // checkpoint thread only
    private boolean failing;     // checkpoint thread only

    /** The thread's executor, for the journal's segment preparation (the store opens before this starts). */
    public Executor executor() {
        return thread;
    }

    /** Starts checkpointing {@code store} from what {@code source} publishes. */
    public void start(Store store, Supplier<Writer.Committed> source) {
        this.store = store;
        this.source = source;
        this.lastSeq = store.checkpointSeq(); // what a start replayed is checkpointed like anything else
        this.lastTry = System.currentTimeMillis();
        thread.scheduleWithFixedDelay(this::maybe, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void maybe() {
        long behind = source.get().seq() - lastSeq;
        long now = System.currentTimeMillis();
        if (behind >= MAX_RECORDS || behind > 0 && now - lastTry >= INTERVAL_MILLIS) {
            lastTry = now;
            checkpoint();
        }
    }

    /** Writes one checkpoint now (checkpoint thread, or the stopping thread once this one ended). */
    private void checkpoint() {
        Writer.Committed c = source.get();
        if (c.seq() == lastSeq) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            store.checkpoint(c.table(), c.seq());
            lastSeq = c.seq();
            lastMillis = System.currentTimeMillis();
            if (failing) {
                log.info("checkpoints work again; the journal up to record {} is in {}", c.seq(), store.file());
                failing = false;
            }
            log.debug("checkpoint up to record {} ({} leases) in {} ms", c.seq(), c.table().leaseCount(),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            // Nothing is lost: the journal keeps every record until a checkpoint covers it.
            if (!failing) {
                log.error("checkpoint to {} failed, the journal keeps growing until one succeeds: {}", store.file(),
                        Store.describe(e));
                failing = true;
            }
        }
    }

    /** The last checkpoint of this run, epoch millis; 0 when none yet. */
    public long lastMillis() {
        return lastMillis;
    }

    /** Journal records committed since the last checkpoint. */
    public long recordsSince() {
        return source == null ? 0 : source.get().seq() - lastSeq;
    }

    /** Stops the thread and writes a last checkpoint: call after the writer stopped. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("a checkpoint was still running at stop");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (store != null) {
            checkpoint();
        }
    }
}
