package dev.portd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.portd.table.Event;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands lines to a thread of its own, so a thread that logs (an event loop, the store writer) never
 * waits for stderr, and counts what it drops instead, for STATS {@code log_dropped}. The queue holds
 * {@link #capacity} lines; once 80% of them are taken it drops DEBUG and TRACE; when it is full it drops
 * anything.
 *
 * <p>A commit's changes go in as one item, the events and the commit's time: the writer does one queue
 * operation per batch and builds no line; this thread writes the lines from the events. The queue has no
 * lock (an event loop that logs never contends with the writer), and a producer wakes this thread only
 * when it has said it is going to sleep, once: no wake-up while it is busy writing.
 *
 * <p>The thread writes everything queued into one buffer and writes that out when the queue is empty: a
 * burst of changes costs one {@code write(2)}, not one per line. WARN and ERROR lines are written as
 * soon as they are encoded. So a line waits only while the lines queued with it are encoded, a quiet
 * daemon has every line out at once, and a crash loses no more than what was queued.
 */
final class DroppingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /** How long a stop waits for the queue to be written, as logback's AsyncAppender does. */
    private static final long STOP_MILLIS = 1000;
    /** Bytes of lines gathered before a write even if more are queued, as a BufferedOutputStream's. */
    private static final int BUFFER = 64 * 1024;

    /** A batch of committed changes and the time of its commit. */
    private record Changes(long time, List<Event> events) {}

    /** {@link ILoggingEvent}s and {@link Changes}, in the order they were logged. */
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    /** Lines in the queue: a record is one, a batch of changes one per event. */
    private final AtomicInteger lines = new AtomicInteger();
    private final int capacity;
    private final int threshold;
    private final LongAdder dropped = new LongAdder();
    /** Set by the thread before it parks, cleared by the one producer that wakes it. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final LineEncoder encoder;
    private final OutputStream out;
    private final LineBuffer buffer = new LineBuffer(BUFFER);
    private final Thread worker = new Thread(this::work, "portd-log");

    /**
     * @param encoder writes the lines
     * @param out     where they go, one write per burst; closed at the stop
     */
    DroppingAsyncAppender(int capacity, LineEncoder encoder, OutputStream out) {
        this.capacity = capacity;
        this.threshold = capacity / 5;
        this.encoder = encoder;
        this.out = out;
        worker.setDaemon(true);
    }

    @Override
    public void start() {
        super.start();
        worker.start();
    }

    @Override
    protected void append(ILoggingEvent e) {
        // Keep room for INFO and above, the lines an operator needs: DEBUG only while threshold lines are free.
        int limit = e.getLevel().toInt() <= Level.DEBUG_INT ? capacity - threshold + 1 : capacity;
        if (reserve(1, limit) == 0) {
            dropped.increment();
            return;
        }
        e.prepareForDeferredProcessing(); // the message, thread name and MDC as they are now
        enqueue(e);
    }

    /**
     * Queues the lines of a commit's events, stamped with {@code time}; as many as there is room for, in
     * order, the rest counted as dropped. The list must not change afterwards.
     */
    void committed(long time, List<Event> events) {
        if (!isStarted() || events.isEmpty()) {
            return;
        }
        int n = events.size();
        int taken = reserve(n, capacity);
        if (taken < n) {
            dropped.add(n - taken);
        }
        if (taken > 0) {
            enqueue(new Changes(time, taken == n ? events : events.subList(0, taken)));
        }
    }

    /** Takes up to n of the queue's free lines, counting no more than limit in all; how many it took. */
    private int reserve(int n, int limit) {
        while (true) {
            int now = lines.get();
            int take = Math.min(n, limit - now);
            if (take <= 0) {
                return 0;
            }
            if (lines.compareAndSet(now, now + take)) {
                return take;
            }
        }
    }

    private void enqueue(Object item) {
        queue.offer(item);
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(worker);
        }
    }

    private void work() {
        while (true) {
            boolean stopped = !isStarted(); // before the poll: what was queued before the stop is seen
            Object item = queue.poll();
            if (item != null) {
                write(item);
                continue;
            }
            writeOut(); // the queue is empty: what was queued goes out in one write
            if (stopped) {
                return;
            }
            sleeping.set(true);
            if (queue.isEmpty() && isStarted()) { // a producer that queued before this saw sleeping false
                LockSupport.park(this);
            }
            sleeping.set(false);
        }
    }

    private void write(Object item) {
        if (item instanceof Changes c) {
            lines.addAndGet(-c.events().size());
            for (Event e : c.events()) {
                encode(null, e, c.time());
            }
        } else {
            lines.decrementAndGet();
            ILoggingEvent e = (ILoggingEvent) item;
            encode(e, null, 0);
            if (e.getLevel().toInt() >= Level.WARN_INT) {
                writeOut();
            }
        }
        if (buffer.size() >= BUFFER) {
            writeOut();
        }
    }

    /** One line: of the change {@code e} committed at {@code time} if there is one, else of the record. */
    private void encode(ILoggingEvent record, Event e, long time) {
        int start = buffer.size();
        try {
            if (e != null) {
                encoder.write(time, e, buffer);
            } else {
                encoder.write(record, buffer);
            }
        } catch (RuntimeException ex) {
            buffer.truncate(start); // no half line: this one is lost, the daemon goes on
            addError("cannot encode a log line", ex);
        }
    }

    private void writeOut() {
        try {
            buffer.writeTo(out);
        } catch (IOException | RuntimeException e) {
            addError("cannot write the log", e); // as logback's appenders do: the daemon goes on
        }
    }

    /** Writes what is queued (waiting up to a second for it) and closes the output. */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        LockSupport.unpark(worker);
        try {
            worker.join(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            addWarn("the log queue was not written within " + STOP_MILLIS + " ms; " + lines.get() + " lines lost");
            return; // the thread may still be writing to the output
        }
        try {
            out.close();
        } catch (IOException e) {
            addError("cannot close the log", e);
        }
    }

    long dropped() {
        return dropped.sum();
    }
}
