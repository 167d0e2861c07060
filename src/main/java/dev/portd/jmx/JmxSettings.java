package dev.portd.jmx;

import java.nio.file.Path;
import javax.management.remote.JMXServiceURL;

/**
 * The {@code jmx_*} settings: the loopback connector's port (0 = off) and the password and access files
 * it authenticates against (null when not set).
 */
public record JmxSettings(int port, Path passwordFile, Path accessFile) {
    JMXServiceURL url() {
        try {
            return new JMXServiceURL("service:jmx:rmi://127.0.0.1:" + port + "/jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }
}
