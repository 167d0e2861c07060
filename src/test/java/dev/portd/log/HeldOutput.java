package dev.portd.log;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * An output that holds the logging thread in its first write until {@link #release} counts down, then
 * passes every write on to {@code to} and records it: what a stuck stderr looks like, and how many writes
 * the lines cost.
 */
final class HeldOutput extends OutputStream {
    final CountDownLatch writing = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final OutputStream to;
    private final List<String> writes = new ArrayList<>();

    HeldOutput(OutputStream to) {
        this.to = to;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        writing.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (writes) {
            writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            try {
                to.write(b, off, len);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Each write so far, as text. */
    List<String> writes() {
        synchronized (writes) {
            return List.copyOf(writes);
        }
    }
}
