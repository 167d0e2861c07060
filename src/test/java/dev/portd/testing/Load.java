package dev.portd.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Pipelined traffic over several connections, each keeping up to {@code window} requests in flight:
 * the way a busy client drives the daemon. Each reply is matched to its request by order (the
 * protocol's promise), and a connection stops quietly when the daemon goes away, so a test can kill
 * the daemon in the middle and then ask exactly which requests were acknowledged.
 */
public final class Load {
    /** One request and its status line, or a null status if no reply came. */
    public record Exchange(String request, String status) {
        public boolean ok() {
            return status != null && (status.equals("OK") || status.startsWith("OK "));
        }

        /** The text after {@code OK }. */
        public String value() {
            return status.length() > 3 ? status.substring(3) : "";
        }
    }

    private final List<Worker> workers = new ArrayList<>();
    private final AtomicLong replies = new AtomicLong();

    private Load() {}

    /**
     * Starts {@code connections} connections to {@code socket}; connection c sends
     * {@code request.apply(c, i)} for i = 0 .. perConnection-1.
     */
    public static Load start(Path socket, int connections, int window, int perConnection,
                             BiFunction<Integer, Integer, String> request) throws IOException {
        Load load = new Load();
        for (int c = 0; c < connections; c++) {
            load.workers.add(new Worker(load, new LineClient(socket), c, window, perConnection, request));
        }
        load.workers.forEach(w -> w.thread.start());
        return load;
    }

    /** Replies received so far, on all connections. */
    public long replies() {
        return replies.get();
    }

    /** Waits until {@code n} replies came or every connection finished; false on timeout. */
    public boolean awaitReplies(long n, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (replies.get() < n && workers.stream().anyMatch(w -> w.thread.isAlive())) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Waits for every connection to end (finished, or the daemon closed it) and returns what was sent. */
    public List<Exchange> finish(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<Exchange> out = new ArrayList<>();
        for (Worker w : workers) {
            w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (w.thread.isAlive()) {
                int sent = w.sent.size();
                int answered = w.statuses.size();
                String waitingFor = answered < sent ? w.sent.get(answered) : "(nothing)";
                w.close();
                w.thread.join(5000);
                throw new AssertionError("connection " + w.id + " still running after " + timeoutMillis + " ms: sent "
                        + sent + ", answered " + answered + ", waiting for the reply to " + waitingFor);
            }
            if (w.failure != null) {
                throw new AssertionError("connection " + w.id + " failed", w.failure);
            }
            out.addAll(w.exchanges());
        }
        return out;
    }

    private static final class Worker {
        final Load load;
        final LineClient client;
        final int id;
        final int window;
        final int count;
        final BiFunction<Integer, Integer, String> request;
        final Thread thread;
        final List<String> sent = Collections.synchronizedList(new ArrayList<>());
        final List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        volatile Throwable failure;

        Worker(Load load, LineClient client, int id, int window, int count, BiFunction<Integer, Integer, String> request) {
            this.load = load;
            this.client = client;
            this.id = id;
            this.window = window;
            this.count = count;
            this.request = request;
            this.thread = new Thread(this::run, "load-" + id);
            this.thread.setDaemon(true);
        }

        void run() {
            try (client) {
                while (statuses.size() < count) {
                    StringBuilder batch = new StringBuilder();
                    while (sent.size() < count && sent.size() - statuses.size() < window) {
                        String r = request.apply(id, sent.size());
                        sent.add(r);
                        batch.append(r).append('\n');
                    }
                    if (batch.length() > 0) {
                        client.sendRaw(batch.toString().getBytes(StandardCharsets.UTF_8));
                    }
                    statuses.add(client.reply().status());
                    load.replies.incrementAndGet();
                }
            } catch (IOException daemonGone) {
                // killed or closed: what was answered is what counts
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing to unblock
            }
        }

        List<Exchange> exchanges() {
            List<Exchange> out = new ArrayList<>(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                out.add(new Exchange(sent.get(i), i < statuses.size() ? statuses.get(i) : null));
            }
            return out;
        }
    }
}
