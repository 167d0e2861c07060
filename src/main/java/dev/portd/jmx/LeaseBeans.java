package dev.portd.jmx;

import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
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

    private final Managed portd;
    private final MBeanServer server;
    private final Map<String, ObjectName> registered = new HashMap<>();
    /** When the safety-net comparison of the whole table may run again. */
    private long nextFullSync = System.nanoTime();

    LeaseBeans(Managed portd, MBeanServer server) {
        this.portd = portd;
        this.server = server;
    }

    /**
     * Brings the beans in step after commits that recorded {@code events}. Every lease that begins or ends
     * does so with an event naming its service, so only those are looked at; a whole-table comparison
     * (which walks every lease) runs when the counts disagree once the JMX thread has caught up with the
     * writer ({@code caughtUp}: no later commit waits, so the table holds no lease whose event is still
     * queued), and otherwise now and then as a safety net: at most once a second, and no more than 1% of
     * this thread's time (a walk of 25,000 leases takes tens of milliseconds). Walking the table after
     * every commit cost more CPU than the writer itself under a stream of changes; so did comparing
     * counts while behind, which made every delivery look like a drop.
     */
    void sync(PortTable table, List<Event> events, boolean caughtUp) {
        for (Event e : events) {
            String service = e.service();
            if (service == null) {
                continue;
            }
            Lease l = table.lease(service);
            ObjectName name = registered.get(service);
            if (l == null && name != null) {
                unregister(name);
                registered.remove(service);
            } else if (l != null && name == null) {
                register(l);
            }
        }
        if ((caughtUp && registered.size() != table.leaseCount()) || System.nanoTime() - nextFullSync >= 0) {
            sync(table);
        }
    }

    /**
     * Compares every lease of the table with the beans. Walks the table in order and asks the bean map, which
     * is cheaper than looking each bean's service up in the table (a persistent hash map); that lookup runs
     * only when some beans were not met on the walk.
     */
    void sync(PortTable table) {
        long start = System.nanoTime();
        int before = registered.size();
        int met = 0;
        for (Lease l : table.leases()) {
            if (registered.containsKey(l.service())) {
                met++;
            } else {
                register(l);
            }
        }
        if (met < before) {
            for (Iterator<Map.Entry<String, ObjectName>> it = registered.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, ObjectName> e = it.next();
                if (table.lease(e.getKey()) == null) {
                    unregister(e.getValue());
                    it.remove();
                }
            }
        }
        long end = System.nanoTime();
        nextFullSync = end + Math.max(1_000_000_000L, 100 * (end - start));
    }

    private void register(Lease l) {
        ObjectName name = Names.lease(l.service());
        try {
            server.registerMBean(Beans.wrapShared(new LeaseBean(portd, l), LeaseMBean.class), name);
            registered.put(l.service(), name);
        } catch (JMException e) {
            log.warn("cannot register {}: {}", name, e.toString());
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
