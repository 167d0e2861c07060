package dev.portd.metrics;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code metrics_port}: {@code http://127.0.0.1:<port>/metrics} in the Prometheus text format, served by
 * the Prometheus client's HTTP server on threads of its own (one worker, {@code portd-metrics}, and the
 * JDK server's dispatcher), never a Netty event loop or the writer. A scrape reads the registry the way
 * JMX does.
 */
public final class MetricsServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    /** Scrapes waiting for the worker; Prometheus sends one at a time, more are refused, not queued without end. */
    private static final int QUEUE = 8;

    private final HTTPServer http;

    private MetricsServer(HTTPServer http) {
        this.http = http;
    }

    /**
     * Binds 127.0.0.1:{@code port} and serves. Settings are fixed here: {@code PrometheusProperties.get()}
     * would also read system properties and a file named by {@code PROMETHEUS_CONFIG}, one of which can
     * move the port.
     */
    public static MetricsServer start(int port, MetricRegistry metrics, String version) throws IOException {
        PrometheusProperties properties = PrometheusProperties.builder().build();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new Exposition(metrics));
        Info.builder(properties).name("portd_build_info").help("The running portd: version.")
                .labelNames("version").register(registry).setLabelValues(version);
        ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "portd-metrics");
                    t.setDaemon(true);
                    return t;
                });
        HTTPServer http;
        try {
            http = HTTPServer.builder(properties)
                    .inetAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))
                    .port(port)
                    .registry(registry)
                    .executorService(worker)
                    .buildAndStart();
        } catch (IOException e) {
            worker.shutdownNow();
            throw new IOException("metrics_port " + port + " on 127.0.0.1: " + e.getMessage(), e);
        }
        String url = "http://127.0.0.1:" + http.getPort() + "/metrics";
        log.atInfo().setMessage("Prometheus metrics on " + url).addKeyValue("url", url).log();
        return new MetricsServer(http);
    }

    public int port() {
        return http.getPort();
    }

    /** Stops listening at once; a scrape being written is cut off. */
    @Override
    public void close() {
        http.close();
    }
}
