package dev.portd.store;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.portd.table.Caller;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import dev.portd.table.Txn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes the table. Changes are queued to it; it takes everything queued
 * (up to {@link #MAX_BATCH}), applies each to a working copy, appends the batch to the journal as one
 * record (one write, one fdatasync), publishes the new table, and only then answers the batch (group
 * commit). If the append fails, every change of the batch is answered as not durable and the
 * published table stays as it was; the journal was cut back, so the next batch simply tries again.
 *
 * <p>Generic over what a change returns ({@code R}): the protocol's replies, for the verbs.
 */
public final class Writer<R> {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);

    static final int MAX_BATCH = 1024;
    static final int QUEUE_CAPACITY = 65536;

    /** One change, run on the writer thread against the batch's working copy; throwing refuses it. */
    @FunctionalInterface
    public interface Change<R> {
        R apply(Txn txn);
    }

    /** The answers the writer gives itself, for changes it could not run or make durable. */
    public interface Answers<R> {
        /** The change threw: it was rolled back. */
        R refused(RuntimeException e);

        /** The batch could not be made durable; {@code why} names the failure. */
        R notDurable(String why);

        /** The queue is full or the writer is stopping. */
        R busy(String why);

        /** Whether {@code r} reports a change made (those become {@link #notDurable} when the append fails). */
        boolean ok(R r);
    }

    /** Called on the writer thread after each commit that recorded events; must not block. */
    @FunctionalInterface
    public interface CommitListener {
        void committed(PortTable table, List<Event> events);
    }

    /** What readers see: a table and the number of the last journal record it contains. */
    public record Committed(PortTable table, long seq) {}

    private record Op<R>(Caller caller, Change<R> change, Consumer<R> done) {}

    private final Op<R> stopOp = new Op<>(null, null, null);

    private final Store store;
    private final TableConfig config;
    private final PortUse use;
    private final Answers<R> answers;
    private final BlockingQueue<Op<R>> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final Timer commitTimer;
    private final Histogram batchSizes;
    private volatile Committed committed;
    private volatile long lastCommitMillis;
    private volatile boolean stopping;

    public Writer(Store store, TableConfig config, PortUse use, MetricRegistry metrics, Answers<R> answers) {
        this.store = store;
        this.config = config;
        this.use = use;
        this.answers = answers;
        this.committed = new Committed(store.table(), store.seq());
        this.commitTimer = metrics.timer("store.commit");
        this.batchSizes = metrics.histogram("store.batch");
        this.thread = new Thread(this::run, "portd-writer");
    }

    public void start() {
        thread.start();
    }

    /** The last committed table: what every reader sees. */
    public PortTable table() {
        return committed.table();
    }

    /** The last committed table with its journal position, for a checkpoint. */
    public Committed committed() {
        return committed;
    }

    public TableConfig config() {
        return config;
    }

    public Store store() {
        return store;
    }

    public void addListener(CommitListener l) {
        listeners.add(l);
    }

    public long commits() {
        return commitTimer.getCount();
    }

    public Timer commitTimer() {
        return commitTimer;
    }

    public long lastCommitMillis() {
        return lastCommitMillis;
    }

    /**
     * Queues a change; {@code done} gets its answer on the writer thread after the commit. Never
     * blocks: when the queue is full the answer is {@link Answers#busy} at once.
     */
    public void submit(Caller caller, Change<R> change, Consumer<R> done) {
        if (stopping) {
            done.accept(answers.busy("portd is shutting down"));
        } else if (!queue.offer(new Op<>(caller, change, done))) {
            done.accept(answers.busy("too many changes queued; retry later"));
        }
    }

    /** Answers everything queued, commits, and stops the thread. */
    public void stop() throws InterruptedException {
        stopping = true;
        if (thread.isAlive()) {
            queue.put(stopOp);
            thread.join();
        }
    }

    private void run() {
        List<Op<R>> batch = new ArrayList<>(MAX_BATCH);
        boolean running = true;
        while (running) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            int stop = batch.indexOf(stopOp);
            if (stop >= 0) {
                running = false;
                batch.subList(stop, batch.size()).clear(); // STOP is queued after the server stopped taking requests
            }
            if (!batch.isEmpty()) {
                apply(batch);
            }
            batch.clear();
        }
        // Anything left was queued after STOP: refuse it rather than leave a client waiting forever.
        for (Op<R> op; (op = queue.poll()) != null; ) {
            if (op != stopOp) {
                op.done.accept(answers.busy("portd is shutting down"));
            }
        }
    }

    private void apply(List<Op<R>> batch) {
        Committed base = committed;
        Txn txn = new Txn(base.table(), config, use);
        List<R> replies = new ArrayList<>(batch.size());
        long now = System.currentTimeMillis();
        for (Op<R> op : batch) {
            txn.begin(op.caller, now);
            try {
                replies.add(op.change.apply(txn));
            } catch (RuntimeException e) {
                txn.abort();
                replies.add(answers.refused(e));
            }
        }
        if (txn.batch().changed()) {
            long seq = base.seq() + 1;
            String failed = null;
            try (Timer.Context ignored = commitTimer.time()) {
                store.append(seq, txn);
            } catch (IOException | RuntimeException e) {
                failed = Store.describe(e);
                log.error("journal append failed for a batch of {}: {}", batch.size(), failed);
                log.debug("append failure", e);
            }
            if (failed != null) {
                for (int i = 0; i < replies.size(); i++) {
                    if (answers.ok(replies.get(i))) {
                        replies.set(i, answers.notDurable("could not commit: " + failed));
                    }
                }
                txn = null;
            } else {
                committed = new Committed(txn.table(), seq);
                lastCommitMillis = System.currentTimeMillis();
                batchSizes.update(batch.size());
            }
        } else if (txn.table() != base.table()) {
            committed = new Committed(txn.table(), base.seq()); // only derived state changed (conflicts): nothing to make durable
        }
        for (int i = 0; i < replies.size(); i++) {
            try {
                batch.get(i).done.accept(replies.get(i));
            } catch (RuntimeException e) {
                log.warn("reply delivery failed", e);
            }
        }
        if (txn != null && !txn.batch().events().isEmpty()) {
            for (CommitListener l : listeners) {
                try {
                    l.committed(committed.table(), txn.batch().events());
                } catch (RuntimeException e) {
                    log.warn("commit listener failed", e);
                }
            }
        }
    }
}
