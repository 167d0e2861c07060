package dev.portd.probe;

import dev.portd.table.Holder;
import dev.portd.table.PortUse;
import dev.portd.table.Transport;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The table's view of the host's ports: the last published probe, and the kernel's word on a bind. Ports
 * that failed a bind are remembered until the next probe is published, so the automatic choice, which walks
 * the range from its start point on every request, does not trip over the same held port again and again
 * (each failed bind costs three syscalls and an exception, on the writer thread).
 */
public final class HostPorts implements PortUse {
    private volatile Occupancy occupancy = Occupancy.EMPTY;
    private final Set<Integer> unbindable = ConcurrentHashMap.newKeySet();

    /** Publishes a new probe; what failed a bind before it is asked again. */
    public void seen(Occupancy o) {
        occupancy = o;
        unbindable.clear();
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

    @Override
    public boolean mayChoose(int port, Transport proto) {
        if (inUse(port, proto) || unbindable.contains(key(port, proto))) {
            return false;
        }
        if (BindCheck.canBind(port, proto)) {
            return true;
        }
        unbindable.add(key(port, proto));
        return false;
    }

    private static int key(int port, Transport proto) {
        return port << 2 | proto.ordinal();
    }
}
