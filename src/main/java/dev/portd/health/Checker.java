package dev.portd.health;

import dev.portd.table.Check;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One check of one port: a TCP connect, or an HTTP {@code GET} with the JDK's client, on the loopback
 * address, IPv4 first, then IPv6 if nothing answered there. Never longer than the check's timeout.
 */
final class Checker {
    /** What a check found: healthy or not, and a short note that says why. */
    record Outcome(boolean healthy, String note) {}

    private static final List<InetAddress> LOOPBACK = List.of(v4(), v6());

    private final Executor workers;
    private HttpClient http; // made for the first http check: a daemon without one pays nothing for it

    /** {@code workers} run the blocking TCP connects; HTTP runs on the client's own threads. */
    Checker(Executor workers) {
        this.workers = workers;
    }

    CompletableFuture<Outcome> run(Check check, int port) {
        long timeout = check.timeoutMillis();
        CompletableFuture<Outcome> f = check.kind() == Check.Kind.TCP
                ? CompletableFuture.supplyAsync(() -> tcp(port, timeout), workers)
                : http(check.path(), port, 0, timeout);
        String label = check.kind() == Check.Kind.TCP ? "tcp:" : check.wire();
        return f.orTimeout(timeout + 100, TimeUnit.MILLISECONDS) // the attempts time out themselves; this is the bound
                .exceptionally(e -> new Outcome(false, label + " " + why(e, timeout)));
    }

    private static Outcome tcp(int port, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        IOException first = null;
        for (InetAddress a : LOOPBACK) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, port), (int) left);
                return new Outcome(true, "tcp: connected to " + a.getHostAddress());
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        return new Outcome(false, "tcp: " + why(first, timeoutMillis));
    }

    private CompletableFuture<Outcome> http(String path, int port, int attempt, long timeoutMillis) {
        InetAddress a = LOOPBACK.get(attempt);
        String host = a.getAddress().length == 4 ? a.getHostAddress() : "[" + a.getHostAddress() + "]";
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofMillis(timeoutMillis))
                .header("User-Agent", "portd-health")
                .GET()
                .build();
        return client().sendAsync(req, HttpResponse.BodyHandlers.ofInputStream()).handle((r, e) -> {
            if (e == null) {
                closeQuietly(r.body()); // the status is all a check needs; an endless body is not read
                int s = r.statusCode();
                return CompletableFuture.completedFuture(new Outcome(s >= 200 && s < 400, "http:" + path + " " + s));
            }
            if (attempt + 1 < LOOPBACK.size() && unwrap(e) instanceof ConnectException) {
                return http(path, port, attempt + 1, timeoutMillis)
                        // IPv6 refusing too says nothing new; the IPv4 error is the one to show
                        .thenApply(o -> o.healthy() ? o : new Outcome(false, "http:" + path + " " + why(e, timeoutMillis)));
            }
            return CompletableFuture.completedFuture(new Outcome(false, "http:" + path + " " + why(e, timeoutMillis)));
        }).thenCompose(f -> f);
    }

    private static void closeQuietly(java.io.InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the connection is gone already
        }
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER) // a 3xx is an answer, and healthy
                    .proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofMillis(Check.MAX_TIMEOUT_MILLIS))
                    .build();
        }
        return http;
    }

    /** A failure in a few words: {@code connection refused}, {@code no answer in 2000 ms}. */
    static String why(Throwable e, long timeoutMillis) {
        Throwable t = unwrap(e);
        if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException || t instanceof TimeoutException) {
            return "no answer in " + timeoutMillis + " ms";
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        String m = t == null ? null : t.getMessage();
        return m == null || m.isBlank() ? String.valueOf(t) : m.toLowerCase(java.util.Locale.ROOT);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static InetAddress v4() {
        return address(new byte[] {127, 0, 0, 1});
    }

    private static InetAddress v6() {
        byte[] b = new byte[16];
        b[15] = 1;
        return address(b);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length
        }
    }
}
