package dev.portd.log;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.concurrent.atomic.LongAdder;

/**
 * Logback's AsyncAppender that never blocks the thread that logs (an event loop, the store writer)
 * and counts what it drops instead, for STATS {@code log_dropped}. Once the queue is 80% full it
 * drops DEBUG and TRACE; when it is full it drops anything.
 *
 * <p>The count is exact when one thread logs at a time (the writer is the busy one); when several
 * race for the last free slot, a lost one may go uncounted.
 */
final class DroppingAsyncAppender extends AsyncAppender {
    private final LongAdder dropped = new LongAdder();

    DroppingAsyncAppender(int queueSize) {
        setQueueSize(queueSize);
        setDiscardingThreshold(queueSize / 5);
        setNeverBlock(true);
        setIncludeCallerData(false);
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (getRemainingCapacity() == 0) {
            dropped.increment(); // the queue would refuse it silently
            return;
        }
        super.append(e);
    }

    /** Asked only when the queue is nearly full: keep INFO and above, the lines an operator needs. */
    @Override
    protected boolean isDiscardable(ILoggingEvent e) {
        boolean drop = e.getLevel().toInt() <= Level.DEBUG_INT;
        if (drop) {
            dropped.increment();
        }
        return drop;
    }

    long dropped() {
        return dropped.sum();
    }
}
