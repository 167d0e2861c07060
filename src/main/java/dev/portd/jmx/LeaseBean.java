package dev.portd.jmx;

import dev.portd.protocol.Values;
import dev.portd.table.Health;
import dev.portd.table.Lease;

/**
 * Reads its lease from the last published table, so it always says what LIST says (a RESOLVE that moves
 * the port, a state the prober sets). Between the lease's end and the bean's unregistration it keeps
 * the last values it saw.
 */
final class LeaseBean implements LeaseMBean {
    private final Managed portd;
    private final String service;
    private volatile Lease last;

    LeaseBean(Managed portd, Lease lease) {
        this.portd = portd;
        this.service = lease.service();
        this.last = lease;
    }

    private Lease lease() {
        Lease l = portd.table().lease(service);
        if (l != null) {
            last = l;
            return l;
        }
        return last;
    }

    @Override
    public String getService() {
        return service;
    }

    @Override
    public int getPort() {
        return lease().port();
    }

    @Override
    public String getProto() {
        return lease().proto().wire();
    }

    @Override
    public String getState() {
        return lease().state().wire();
    }

    @Override
    public int getOwnerUid() {
        return lease().uid();
    }

    @Override
    public int getPid() {
        return Math.max(0, lease().pid());
    }

    @Override
    public String getSince() {
        return Values.time(lease().since());
    }

    @Override
    public String getExpires() {
        long e = lease().expires();
        return e > 0 ? Values.time(e) : null;
    }

    @Override
    public String getDescription() {
        return lease().desc();
    }

    /** What the checks last found, null without a check. */
    private Health health() {
        Lease l = lease();
        return l.check() == null ? null : portd.health().of(l);
    }

    @Override
    public String getHealth() {
        Health h = health();
        return h == null ? null : h.state().wire();
    }

    @Override
    public long getHealthMillis() {
        Health h = health();
        return h == null ? -1 : h.millis();
    }

    @Override
    public String getLastChecked() {
        Health h = health();
        return h == null || h.checked() == 0 ? null : Values.time(h.checked());
    }
}
