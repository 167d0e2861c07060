package dev.portd.jmx;

import dev.portd.daemon.Portd;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bean per lease, kept in step with the published table by comparing the services it holds with the
 * beans registered. Comparing tables rather than reading events covers every way a lease can end or
 * begin (release, expiry, exit, resolve, restore, and whatever comes next). Used on the JMX thread only.
 */
final class LeaseBeans {
    private static final Logger log = LoggerFactory.getLogger(LeaseBeans.class);

    private final Portd portd;
    private final MBeanServer server;
    private final Map<String, ObjectName> registered = new HashMap<>();

    LeaseBeans(Portd portd, MBeanServer server) {
        this.portd = portd;
        this.server = server;
    }

    void sync(PortTable table) {
        for (Iterator<Map.Entry<String, ObjectName>> it = registered.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ObjectName> e = it.next();
            if (table.lease(e.getKey()) == null) {
                unregister(e.getValue());
                it.remove();
            }
        }
        if (registered.size() == table.leaseCount()) {
            return;
        }
        for (Lease l : table.leases()) {
            if (!registered.containsKey(l.service())) {
                ObjectName name = Names.lease(l.service());
                try {
                    server.registerMBean(Beans.wrap(new LeaseBean(portd, l), LeaseMBean.class), name);
                    registered.put(l.service(), name);
                } catch (JMException e) {
                    log.warn("cannot register {}: {}", name, e.toString());
                }
            }
        }
    }

    void clear() {
        registered.values().forEach(this::unregister);
        registered.clear();
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            log.debug("{} was already gone: {}", name, e.toString());
        }
    }
}
