package dev.portd.probe;

import dev.portd.table.Holder;
import dev.portd.table.PortUse;
import dev.portd.table.Transport;
import java.util.List;

/** The table's view of the host's ports: the last published probe, and the kernel's word on a bind. */
public final class HostPorts implements PortUse {
    private volatile Occupancy occupancy = Occupancy.EMPTY;

    /** Publishes a new probe. */
    public void seen(Occupancy o) {
        occupancy = o;
    }

    public Occupancy occupancy() {
        return occupancy;
    }

    @Override
    public boolean inUse(int port, Transport proto) {
        return occupancy.occupied(port, proto);
    }

    @Override
    public Owner owner(int port) {
        List<Holder> hs = occupancy.holders(port);
        if (hs.isEmpty()) {
            return null;
        }
        Holder h = hs.get(0);
        return new Owner(h.pid(), h.uid(), h.cmd());
    }

    @Override
    public boolean canBind(int port, Transport proto) {
        return BindCheck.canBind(port, proto);
    }
}
