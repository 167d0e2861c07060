package dev.portd.cli;

import dev.portd.testing.TestDaemon;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon ({@link TestDaemon}), and portctl run in-process against it; {@code dir} is for the test's files. */
abstract class LiveDaemon {
    @TempDir
    Path dir;
    TestDaemon daemon;
    Path socket;

    record Result(int code, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    @BeforeEach
    void startDaemon() throws Exception {
        daemon = TestDaemon.start();
        socket = daemon.socket();
    }

    @AfterEach
    void stopDaemon() throws IOException {
        daemon.close();
    }

    Result portctl(String... args) {
        return portctl(Map.of("PORTD_SOCKET", socket.toString()), args);
    }

    static Result portctl(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Portctl(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false).run(args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A port nothing listens on right now, outside the managed range. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
