package dev.portd.jmx;

import dev.portd.daemon.Portd;
import dev.portd.protocol.Portserver;

final class ServerBean implements ServerMBean {
    private final Portd portd;

    ServerBean(Portd portd) {
        this.portd = portd;
    }

    @Override
    public String getSocketPath() {
        return portd.config().socket().toString();
    }

    @Override
    public int getConnections() {
        return portd.serverStats().connections();
    }

    @Override
    public int getMaxConnections() {
        return portd.serverStats().maxConnections();
    }

    @Override
    public long getRequests() {
        return portd.serverStats().requests();
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
        return portd.portserverAddress();
    }

    @Override
    public long getPortserverServed() {
        return portd.serverStats().portserverCount(Portserver.Outcome.SERVED);
    }

    @Override
    public long getPortserverRefused() {
        long n = 0;
        for (Portserver.Outcome o : Portserver.Outcome.values()) {
            n += o == Portserver.Outcome.SERVED ? 0 : portd.serverStats().portserverCount(o);
        }
        return n;
    }
}
