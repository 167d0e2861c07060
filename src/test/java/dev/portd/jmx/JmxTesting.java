package dev.portd.jmx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portd.testing.LineClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** What the JMX tests share: a free loopback port, the credential files, a JMX client, JSON replies. */
final class JmxTesting {
    private JmxTesting() {}

    static final String ADMIN_PASSWORD = "pw-of-admin-7f3a";
    static final String VIEWER_PASSWORD = "pw-of-viewer-91c2";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The managed range of the daemons these tests start: narrow and off the usual start, because other
     * suites on the host bind ports of the default range and the prober rightly reports them.
     */
    static final String RANGE = "27300-27399";

    /** A listener on some free port of {@link #RANGE}: an unmanaged port for the prober to find. */
    static ServerSocket listenerInRange() throws IOException {
        for (int p = 27399; p >= 27300; p--) {
            try {
                return new ServerSocket(p);
            } catch (IOException taken) {
                // someone else's: try the next
            }
        }
        throw new IOException("no free port in " + RANGE);
    }

    static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A password file with the given mode (admin and viewer) and its access file; returns the password file. */
    static Path credentials(Path dir, String mode) throws IOException {
        Path pw = dir.resolve("jmx.password");
        Files.writeString(pw, "admin " + ADMIN_PASSWORD + "\nviewer " + VIEWER_PASSWORD + "\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString(mode));
        Files.writeString(dir.resolve("jmx.access"), "admin readwrite\nviewer readonly\n");
        return pw;
    }

    /** The flags that open the loopback connector with the files of {@link #credentials}. */
    static String[] jmxFlags(Path dir, int port) {
        return new String[] {"--jmx-port", Integer.toString(port), "--jmx-password-file", dir.resolve("jmx.password").toString(),
            "--jmx-access-file", dir.resolve("jmx.access").toString()};
    }

    static JMXServiceURL url(int port) throws IOException {
        return new JMXServiceURL("service:jmx:rmi://127.0.0.1:" + port + "/jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
    }

    static JMXConnector connect(int port, String user, String password) throws IOException {
        return JMXConnectorFactory.connect(url(port), Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    /** Sends {@code JSON <request>} and parses the one-line reply. */
    static JsonNode json(LineClient c, String request) throws IOException {
        c.send("JSON " + request);
        return JSON.readTree(c.readLine());
    }

    /** Waits (up to 10 s) for something that happens off the request path, e.g. on the JMX thread. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
