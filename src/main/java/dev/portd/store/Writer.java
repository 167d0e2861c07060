package dev.portd.store;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.portd.protocol.ErrorCode;
import dev.portd.protocol.PortdException;
import dev.portd.protocol.Reply;
import dev.portd.table.Caller;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import dev.portd.table.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes the table. Changes are queued to it; it takes everything queued
 * (up to {@link #MAX_BATCH}), applies each to a working copy, commits the store once, publishes the
 * new table, and only then answers the batch (group commit). If the commit fails, every change of
 * the batch is answered {@code ERR STORE} and the published table stays as it was.
 */
public final class Writer {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);

    static final int MAX_BATCH = 1024;
    static final int QUEUE_CAPACITY = 65536;

    /** One change, run on the writer thread against the batch's working copy. */
    @FunctionalInterface
    public interface Change {
        Reply apply(Txn txn);
    }

    /** Called on the writer thread after each commit that recorded events; must not block. */
    @FunctionalInterface
    public interface CommitListener {
        void committed(PortTable table, List<Event> events);
    }

    private record Op(Caller caller, Change change, Consumer<Reply> done) {}

    private static final Op STOP = new Op(null, null, null);

    private volatile Store store; // null while it cannot be opened (see reopen)
    private final java.nio.file.Path dir;
    private final TableConfig config;
    private final Supplier<PortUse> use;
    private final BlockingQueue<Op> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final Timer commitTimer;
    private final Histogram batchSizes;
    private volatile PortTable published;
    private volatile long lastCommitMillis;
    private volatile boolean stopping;

    public Writer(Store store, PortTable initial, TableConfig config, Supplier<PortUse> use, MetricRegistry metrics) {
        this.store = store;
        this.dir = store.file().getParent();
        this.config = config;
        this.use = use;
        this.published = initial;
        this.commitTimer = metrics.timer("store.commit");
        this.batchSizes = metrics.histogram("store.batch");
        this.thread = new Thread(this::run, "portd-writer");
    }

    public void start() {
        thread.start();
    }

    /** The last committed table: what every reader sees. */
    public PortTable table() {
        return published;
    }

    public TableConfig config() {
        return config;
    }

    /** The store in use: after a failed commit the writer reopens it, so this may change. Null while unavailable. */
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
     * Queues a change; {@code done} gets its reply on the writer thread after the commit. Never
     * blocks: when the queue is full the reply is {@code ERR BUSY} at once.
     */
    public void submit(Caller caller, Change change, Consumer<Reply> done) {
        if (stopping) {
            done.accept(Reply.error(ErrorCode.BUSY, "portd is shutting down"));
        } else if (!queue.offer(new Op(caller, change, done))) {
            done.accept(Reply.error(ErrorCode.BUSY, "too many changes queued; retry later"));
        }
    }

    /** Answers everything queued, commits, and stops the thread. */
    public void stop() throws InterruptedException {
        stopping = true;
        if (thread.isAlive()) {
            queue.put(STOP);
            thread.join();
        }
    }

    private void run() {
        List<Op> batch = new ArrayList<>(MAX_BATCH);
        boolean running = true;
        while (running) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            int stop = batch.indexOf(STOP);
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
        for (Op op; (op = queue.poll()) != null; ) {
            if (op != STOP) {
                op.done.accept(Reply.error(ErrorCode.BUSY, "portd is shutting down"));
            }
        }
    }

    private void apply(List<Op> batch) {
        Txn txn = new Txn(published, config, use.get());
        Reply[] replies = new Reply[batch.size()];
        long now = System.currentTimeMillis();
        for (int i = 0; i < replies.length; i++) {
            Op op = batch.get(i);
            txn.begin(op.caller, now);
            try {
                replies[i] = op.change.apply(txn);
            } catch (PortdException e) {
                txn.abort();
                replies[i] = Reply.error(e);
            } catch (RuntimeException e) {
                txn.abort();
                log.error("change failed", e);
                replies[i] = Reply.error(ErrorCode.INTERNAL, "change failed: " + e);
            }
        }
        if (txn.changed()) {
            String failed = null;
            try (Timer.Context ignored = commitTimer.time()) {
                if (store == null) { // the last attempt could not open it (full disk): try again before refusing
                    PortTable found = reopen();
                    if (!sameContent(found, published)) {
                        published = found; // a refused change reached the file after all: the file is the truth
                        throw new StoreException("the store changed while it could not be opened; retry", null);
                    }
                }
                store.write(txn);
                store.commit();
            } catch (RuntimeException | Error e) {
                failed = Store.describe(e);
                log.error("commit failed for a batch of {}: {}", batch.size(), failed);
                log.debug("commit failure", e);
            }
            if (failed != null && !committedAnyway(txn.table())) {
                for (int i = 0; i < replies.length; i++) {
                    if (replies[i].ok()) {
                        replies[i] = Reply.error(ErrorCode.STORE, "could not commit: " + failed);
                    }
                }
                txn = null;
            } else {
                published = txn.table();
                lastCommitMillis = System.currentTimeMillis();
                batchSizes.update(batch.size());
            }
        } else if (txn.table() != published) {
            published = txn.table(); // only derived state changed (conflicts): nothing to make durable
        }
        for (int i = 0; i < replies.length; i++) {
            try {
                batch.get(i).done.accept(replies[i]);
            } catch (RuntimeException e) {
                log.warn("reply delivery failed", e);
            }
        }
        if (txn != null && !txn.events().isEmpty()) {
            for (CommitListener l : listeners) {
                try {
                    l.committed(published, txn.events());
                } catch (RuntimeException e) {
                    log.warn("commit listener failed", e);
                }
            }
        }
    }

    /**
     * After a failed commit MapDB's store object is not usable again (a full disk leaves it failing every
     * later commit, even once space returns), so it is closed and the file opened afresh. What the file
     * then holds decides the answer: the published table (nothing happened: ERR STORE), or the batch's
     * table (the commit became durable before the failure: the changes stand and are answered OK).
     */
    private boolean committedAnyway(PortTable wanted) {
        PortTable found;
        try {
            found = reopen();
        } catch (RuntimeException | Error e) {
            log.error("cannot reopen the store after a failed commit; changes are refused until it opens: {}",
                    Store.describe(e));
            return false;
        }
        if (sameContent(found, wanted)) {
            log.warn("the failed commit had reached the store; its changes stand");
            return true;
        }
        if (!sameContent(found, published)) {
            log.error("after a failed commit the store holds neither the old nor the new table; refusing changes");
            closeQuietly();
        }
        return false;
    }

    /** Closes the store (if open) and opens it again; leaves it null if that fails. */
    private PortTable reopen() {
        closeQuietly();
        Store s = Store.open(dir);
        try {
            PortTable t = s.load();
            store = s;
            return t;
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    private void closeQuietly() {
        Store s = store;
        store = null;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException | Error e) {
                log.debug("closing the failed store: {}", e.toString());
            }
        }
    }

    /** Whether two tables hold the same durable content (what the store keeps). */
    static boolean sameContent(PortTable a, PortTable b) {
        return a.nextSeq() == b.nextSeq() && a.lastPort() == b.lastPort()
                && List.copyOf(a.leases()).equals(List.copyOf(b.leases()))
                && a.reservations().equals(b.reservations());
    }
}
