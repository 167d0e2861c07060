package dev.portd.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code python3 -m http.server} on a port, serving a directory that holds a file {@code healthz} and a
 * directory {@code sub}: {@code GET /healthz} answers 200, {@code GET /sub} 301 (to {@code /sub/}), a
 * path to nothing 404. Runs until closed.
 */
public final class HttpServer implements AutoCloseable {
    private final Process process;
    private final int port;

    private HttpServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Serves on {@code port} of 127.0.0.1; returns once it accepts there. */
    public static HttpServer start(Path dir, int port) throws Exception {
        return start(dir, port, "127.0.0.1");
    }

    /** Serves on {@code port} of {@code bind} only ({@code ::1}: IPv6 loopback); returns once it accepts there. */
    public static HttpServer start(Path dir, int port, String bind) throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("healthz"), "ok\n");
        Process p = new ProcessBuilder(Listener.PYTHON, "-m", "http.server", "--directory", dir.toString(),
                "--bind", bind, Integer.toString(port)).redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling("http.log").toFile()).start();
        HttpServer s = new HttpServer(p, port);
        try {
            Poll.until("http.server to accept on port " + port, () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("http.server on port " + port + " exited: "
                            + Files.readString(dir.resolveSibling("http.log")));
                }
                return accepts(bind, port);
            });
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    private static boolean accepts(String address, int port) {
        try (Socket so = new Socket()) {
            so.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** Stops the server; returns once it has exited, so nothing accepts on its port any more. */
    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
