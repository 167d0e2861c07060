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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>The writer tells us of each commit on its own thread; we only hand the work to one JMX thread with a
 * bounded queue, and drop (and count) notifications when it is full, so JMX never slows the writer and a
 * slow listener costs notifications, not requests. Lease beans are synced from the newest table each time,
 * so a dropped batch never leaves them wrong for longer than the next commit.
 */
public final class Jmx implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Jmx.class);

    static final int QUEUE = 10_000;
    /**
     * JMX keeps the server's newest notifications for remote clients (local attach too) to fetch; the JDK's
     * default of 1000 is shared with the registration notice of every lease bean, so a burst of leases
     * pushed History events out before a client fetched them. Sized like our queue, unless set by the operator.
     */
    private static final String NOTIFICATION_BUFFER = "jmx.remote.x.notification.buffer.size";

    private final Managed portd;
    private final JmxSettings settings;
    private final MBeanServer server;
    private final ThreadPoolExecutor thread;
    private final AtomicReference<PortTable> newest = new AtomicReference<>();
    private final List<ObjectName> registered = new ArrayList<>();
    private final HistoryBean history;
    private final LeaseBeans leases;
    private PortTable synced; // the newest table handed over, JMX thread only
    /** Set when a commit was dropped: the next delivery compares every lease with the beans. */
    private final AtomicBoolean dropped = new AtomicBoolean();
    private JmxReporter reporter;
    private JmxConnector connector;
    private volatile boolean closed;

    private Jmx(Managed portd, JmxSettings settings, MBeanServer server, int queue) {
        this.portd = portd;
        this.settings = settings;
        this.server = server;
        this.history = new HistoryBean(portd);
        this.leases = new LeaseBeans(portd, server);
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

        portd.addCommitListener(this::committed);
        thread.execute(() -> leases.sync(portd.table()));

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
        newest.set(table);
        try {
            thread.execute(() -> deliver(events));
        } catch (RejectedExecutionException full) {
            dropped.set(true);
            history.dropped(events.size()); // the lease beans still follow: a queued task syncs the newest table
        }
    }

    private void deliver(List<Event> events) {
        PortTable t = newest.getAndSet(null);
        if (t != null) {
            synced = t;
        }
        if (synced != null) {
            // Before the notifications, so a listener told of an alloc finds the lease's bean.
            if (dropped.getAndSet(false)) {
                leases.sync(synced);
            } else {
                leases.sync(synced, events, thread.getQueue().isEmpty());
            }
        }
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
        leases.clear(); // the JMX thread has stopped: this thread may use it now
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
