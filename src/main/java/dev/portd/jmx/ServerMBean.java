package dev.portd.jmx;

/** {@code dev.portd:type=Server}: the Unix socket server. */
public interface ServerMBean {
    String getSocketPath();

    int getConnections();

    int getMaxConnections();

    /** Requests received on the socket since start (STATS requests). */
    long getRequests();

    /** Seconds since start (STATS uptime_s). */
    long getUptime();

    String getVersion();
}
