package dev.portd.jmx;

final class ServerBean implements ServerMBean {
    private final Managed portd;

    ServerBean(Managed portd) {
        this.portd = portd;
    }

    @Override
    public String getSocketPath() {
        return portd.server().socket().toString();
    }

    @Override
    public int getConnections() {
        return portd.server().connections();
    }

    @Override
    public int getMaxConnections() {
        return portd.server().maxConnections();
    }

    @Override
    public long getRequests() {
        return portd.server().requests();
    }

    @Override
    public long getUptime() {
        return portd.uptimeSeconds();
    }

    @Override
    public String getVersion() {
        return portd.version();
    }

    @Override
    public String getPortserverAddress() {
        return portd.server().portserverAddress();
    }

    @Override
    public long getPortserverServed() {
        return portd.server().portserverServed();
    }

    @Override
    public long getPortserverRefused() {
        return portd.server().portserverRefused();
    }
}
