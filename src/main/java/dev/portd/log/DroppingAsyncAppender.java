package dev.portd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.Flushable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hands records to a thread of its own, so a thread that logs (an event loop, the store writer) never
 * waits for stderr, and counts what it drops instead, for STATS {@code log_dropped}. Once the queue is
 * 80% full it drops DEBUG and TRACE; when it is full it drops anything.
 *
 * <p>The thread takes everything queued at once, writes it through the sink into a buffer and flushes
 * that once: a burst of changes costs one {@code write(2)}, not one per line (that write was a third of
 * the thread's CPU under a stream of changes). WARN and ERROR lines are flushed as soon as they are
 * written. So a line waits only while the lines queued with it are encoded, a quiet daemon has every line
 * out at once, and a crash loses no more than what was queued. Logback's AsyncAppender writes line by
 * line and cannot tell where such a batch ends, hence this small queue of our own.
 */
final class DroppingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /** How long a stop waits for the queue to be written, as logback's AsyncAppender does. */
    private static final long STOP_MILLIS = 1000;

    private final ArrayBlockingQueue<ILoggingEvent> queue;
    private final int threshold;
    private final LongAdder dropped = new LongAdder();
    private final OutputStreamAppender<ILoggingEvent> sink;
    private final Flushable out;
    private final Thread worker = new Thread(this::work, "portd-log");

    /**
     * @param sink writes a record, without flushing, to {@code out}
     * @param out  the buffer the sink writes to, flushed here
     */
    DroppingAsyncAppender(int queueSize, OutputStreamAppender<ILoggingEvent> sink, Flushable out) {
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.threshold = queueSize / 5;
        this.sink = sink;
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
        if (queue.remainingCapacity() < threshold && e.getLevel().toInt() <= Level.DEBUG_INT) {
            dropped.increment(); // keep room for INFO and above, the lines an operator needs
            return;
        }
        e.prepareForDeferredProcessing(); // the message, thread name and MDC as they are now
        if (!queue.offer(e)) {
            dropped.increment();
        }
    }

    private void work() {
        List<ILoggingEvent> batch = new ArrayList<>();
        while (isStarted()) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException stop) {
                break;
            }
            queue.drainTo(batch);
            write(batch);
        }
        queue.drainTo(batch); // what was logged before the stop
        write(batch);
    }

    private void write(List<ILoggingEvent> batch) {
        for (ILoggingEvent e : batch) {
            sink.doAppend(e);
            if (e.getLevel().toInt() >= Level.WARN_INT) {
                flush();
            }
        }
        batch.clear();
        flush();
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            addError("cannot flush the log", e); // as the sink does for a failed write: the daemon goes on
        }
    }

    /** Writes what is queued (waiting up to a second for it) and stops the sink. */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        worker.interrupt();
        try {
            worker.join(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            addWarn("the log queue was not written within " + STOP_MILLIS + " ms; " + queue.size() + " records lost");
        }
        sink.stop();
    }

    long dropped() {
        return dropped.sum();
    }
}
