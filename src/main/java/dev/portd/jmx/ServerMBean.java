package dev.portd.jmx;

/** {@code dev.portd:type=Server}: the Unix socket server. */
public interface ServerMBean {
    String getSocketPath();

    int getConnections();

    int getMaxConnections();

    /** Requests answered since start, on the socket and the portserver endpoint (STATS requests). */
    long getRequests();

    /** Seconds since start (STATS uptime_s). */
    long getUptime();

    String getVersion();

    /** Where portpicker's clients connect (a path, {@code @name}, "fd N" from systemd), or "off" (STATS portserver). */
    String getPortserverAddress();

    /** Portserver requests answered with a port since start (STATS portserver_served). */
    long getPortserverServed();

    /** Portserver requests that got no port since start, whatever the reason (the sum of the other portserver_ keys). */
    long getPortserverRefused();
}
