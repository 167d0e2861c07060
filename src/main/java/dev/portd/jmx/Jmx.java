package dev.portd.jmx;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * portd over JMX (JMX.md): registers the beans and the Dropwizard metrics on the platform MBean server
 * (so a local JConsole attaches with nothing configured), opens the loopback connector when
 * {@code jmx_port} is set, and unregisters everything on close.
 *
 * <p>The lease beans are views of the published table that the server answers for itself
 * ({@link LeaseServer}), so they need nothing from the writer. The writer tells us of each commit on its
 * own thread; we only hand the notifications to one JMX thread with a bounded queue, and drop (and count)
 * them when it is full, so JMX never slows the writer and a slow listener costs notifications, not requests.
 */
public final class Jmx implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Jmx.class);

    static final int QUEUE = 10_000;
    /**
     * JMX keeps the server's newest notifications for remote clients (local attach too) to fetch; the JDK's
     * default of 1000 is shared with the registration notice of every lease bean while a client listens, so
     * a burst of leases pushed History events out before a client fetched them. Sized like our queue, unless set by the operator.
     */
    private static final String NOTIFICATION_BUFFER = "jmx.remote.x.notification.buffer.size";

    private final Managed portd;
    private final JmxSettings settings;
    private final MBeanServer server;
    private final ThreadPoolExecutor thread;
    private final List<ObjectName> registered = new ArrayList<>();
    private final HistoryBean history;
    /** Where the lease beans are shown; null if the server cannot show them. */
    private final LeaseServer leases;
    private PortTable delivered; // the table of the last commit delivered, JMX thread only
    private JmxReporter reporter;
    private JmxConnector connector;
    private volatile boolean closed;

    private Jmx(Managed portd, JmxSettings settings, MBeanServer server, int queue) {
        this.portd = portd;
        this.settings = settings;
        this.server = server;
        this.history = new HistoryBean(portd);
        this.leases = server instanceof LeaseServer s ? s : null;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "portd-jmx");
            t.setDaemon(true);
            return t;
        });
    }

    /** Checks the JMX settings before anything serves; throws with a message for the operator. */
    public static void check(JmxSettings settings) {
        JmxConnector.check(settings);
    }

    /**
     * Registers everything for a started daemon. The platform server holds one portd's names; a second
     * daemon in the same JVM (tests) gets a server of its own rather than failing or taking over the names.
     */
    public static Jmx start(Managed portd, JmxSettings settings) throws IOException {
        if (System.getProperty(NOTIFICATION_BUFFER) == null) {
            System.setProperty(NOTIFICATION_BUFFER, Integer.toString(QUEUE));
        }
        if (System.getProperty(LeaseServerBuilder.PROPERTY) == null) {
            System.setProperty(LeaseServerBuilder.PROPERTY, LeaseServerBuilder.class.getName());
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        if (server.isRegistered(Names.PORT_TABLE)) {
            log.warn("another portd in this JVM holds the JMX names; this one registers on a server of its own");
            server = MBeanServerFactory.newMBeanServer();
        }
        return start(portd, settings, server, QUEUE);
    }

    /** On a given server, with a given queue of commits waiting for the JMX thread; without a connector. */
    static Jmx start(Managed portd, MBeanServer server, int queue) throws IOException {
        return start(portd, new JmxSettings(0, null, null), server, queue);
    }

    private static Jmx start(Managed portd, JmxSettings settings, MBeanServer server, int queue) throws IOException {
        Jmx jmx = new Jmx(portd, settings, server, queue);
        try {
            jmx.open();
        } catch (IOException | RuntimeException e) {
            jmx.close();
            throw e;
        }
        return jmx;
    }

    private void open() throws IOException {
        MetricRegistry metrics = portd.metrics();
        metrics.gauge("leases", () -> () -> portd.table().leaseCount());
        metrics.gauge("free", () -> portd::freePorts);
        metrics.gauge("reserved", () -> () -> portd.table().reservations().size());

        Operator operator = new Operator(portd);
        register(Names.PORT_TABLE, Beans.wrap(new PortTableBean(portd, operator), PortTableMBean.class));
        register(Names.HISTORY, Beans.wrap(history, HistoryMBean.class));
        register(Names.PROBER, Beans.wrap(new ProberBean(portd, operator), ProberMBean.class));
        register(Names.STORE, Beans.wrap(new StoreBean(portd, operator), StoreMBean.class));
        register(Names.SERVER, Beans.wrap(new ServerBean(portd), ServerMBean.class));
        reporter = JmxReporter.forRegistry(metrics).inDomain(Names.METRICS_DOMAIN).registerWith(server).build();
        reporter.start();

        if (leases == null) {
            log.warn("no lease beans: this JVM's MBean server was made before portd could make it (by"
                    + " -Dcom.sun.management.jmxremote?); add -D{}={} to the JVM options to have them",
                    LeaseServerBuilder.PROPERTY, LeaseServerBuilder.class.getName());
        } else if (!leases.show(portd)) {
            throw new IllegalStateException("another portd shows its leases on this MBean server");
        }
        delivered = portd.table();
        portd.addCommitListener(this::committed);

        JmxSettings remote = JmxConnector.check(settings);
        if (remote != null) {
            connector = JmxConnector.open(remote, server);
            log.atInfo().setMessage("JMX connector on 127.0.0.1:" + remote.port())
                    .addKeyValue("url", connector.url())
                    .addKeyValue("password_file", remote.passwordFile()) // the name only, never the content
                    .addKeyValue("access_file", remote.accessFile())
                    .log();
        }
    }

    private void register(ObjectName name, DynamicMBean bean) {
        try {
            server.registerMBean(bean, name);
            registered.add(name);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + name + ": " + e, e);
        }
    }

    /** On the writer thread: hand over, never wait. */
    private void committed(PortTable table, List<Event> events) {
        if (closed) {
            return;
        }
        try {
            thread.execute(() -> deliver(table, events));
        } catch (RejectedExecutionException full) {
            history.dropped(events.size()); // the lease beans are views: only their registration notices are lost
        }
    }

    private void deliver(PortTable table, List<Event> events) {
        if (leases != null) {
            leases.leasesChanged(delivered, table, events);
        }
        delivered = table;
        history.publish(events);
    }

    /** The History bean, for tests in this package. */
    HistoryBean history() {
        return history;
    }

    /** The server the beans are on (the platform server, unless another portd of this JVM holds it). */
    public MBeanServer server() {
        return server;
    }

    /** Closes the connector, delivers what is queued, and unregisters every bean. */
    @Override
    public void close() {
        closed = true;
        if (connector != null) {
            connector.close();
            connector = null;
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
                thread.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reporter != null) {
            reporter.stop();
            reporter = null;
        }
        if (leases != null) {
            leases.hide(portd);
        }
        for (ObjectName n : registered) {
            try {
                server.unregisterMBean(n);
            } catch (JMException e) {
                log.debug("{} was already gone: {}", n, e.toString());
            }
        }
        registered.clear();
    }
}
