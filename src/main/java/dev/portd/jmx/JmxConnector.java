package dev.portd.jmx;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

/**
 * The {@code jmx_port} connector: RMI registry and RMI server on the one port, bound to 127.0.0.1 only,
 * so a single {@code ssh -L N:127.0.0.1:N} reaches it. Every connection authenticates against
 * {@code jmx_password_file}; {@code jmx_access_file} says who may only read and who may also write.
 */
final class JmxConnector implements Closeable {

    private final JmxSettings settings;
    private final Registry registry;
    private final JMXConnectorServer server;

    private JmxConnector(JmxSettings settings, Registry registry, JMXConnectorServer server) {
        this.settings = settings;
        this.registry = registry;
        this.server = server;
    }

    /**
     * The settings, checked (a connector is never opened without a private password file), or null when
     * {@code jmx_port} is 0 (off). Throws IllegalStateException with a message for the operator when a file
     * is missing, or when the password file is open to group or others.
     */
    static JmxSettings check(JmxSettings settings) {
        if (settings.port() == 0) {
            return null;
        }
        Path password = file(settings.passwordFile(), "jmx_password_file", "lines 'user password'");
        Path access = file(settings.accessFile(), "jmx_access_file", "lines 'user readonly' or 'user readwrite'");
        int mode;
        try {
            mode = (Integer) Files.getAttribute(password, "unix:mode");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read the mode of jmx_password_file " + password + ": " + e.getMessage());
        }
        if ((mode & 0077) != 0) {
            String what = (mode & 0044) != 0 ? "readable" : "accessible";
            throw new IllegalStateException(String.format("jmx_password_file %s is %s by group or others (mode %04o);"
                    + " it must be readable by its owner only: chmod 600 %s", password, what, mode & 07777, password));
        }
        return settings;
    }

    private static Path file(Path p, String key, String format) {
        if (p == null) {
            throw new IllegalStateException("jmx_port is set but " + key + " is not: the JMX port is opened only with"
                    + " a password file and an access file (" + key + ": " + format + ")");
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || !Files.isReadable(p)) {
            throw new IllegalStateException(key + " " + p + " is not a readable regular file");
        }
        return p;
    }

    static JmxConnector open(JmxSettings s, MBeanServer mbeans) throws IOException {
        // The server's stub tells clients where to connect: make it the loopback address we listen on, not
        // whatever the host name resolves to. Read once by RMI, so it must be set before the first export.
        if (System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", "127.0.0.1");
        }
        RMIServerSocketFactory loopback = new LoopbackSockets();
        Registry registry;
        try {
            registry = LocateRegistry.createRegistry(s.port(), null, loopback);
        } catch (IOException e) {
            throw new IOException("cannot open the JMX port 127.0.0.1:" + s.port() + ": " + e.getMessage(), e);
        }
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, loopback);
        env.put("jmx.remote.x.password.file", s.passwordFile().toString());
        env.put("jmx.remote.x.access.file", s.accessFile().toString());
        // Credentials are a String[]: refuse to deserialize anything else before authentication.
        env.put(RMIConnectorServer.CREDENTIALS_FILTER_PATTERN, "java.lang.String;!*");
        JMXConnectorServer server = new RMIConnectorServer(s.url(), env, mbeans);
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            unexport(registry);
            throw new IOException("cannot start the JMX connector on 127.0.0.1:" + s.port() + ": " + e.getMessage(), e);
        }
        return new JmxConnector(s, registry, server);
    }

    JMXServiceURL url() {
        return settings.url();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            // clients already gone; the registry below is still unexported
        }
        unexport(registry);
    }

    private static void unexport(Registry r) {
        try {
            UnicastRemoteObject.unexportObject(r, true);
        } catch (NoSuchObjectException e) {
            // not exported
        }
    }

    /** Listens on 127.0.0.1 only. Equal instances let RMI share the one port between registry and server. */
    private static final class LoopbackSockets implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LoopbackSockets;
        }

        @Override
        public int hashCode() {
            return LoopbackSockets.class.hashCode();
        }
    }
}
