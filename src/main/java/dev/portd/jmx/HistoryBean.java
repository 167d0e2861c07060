package dev.portd.jmx;

import dev.portd.protocol.Row;
import dev.portd.protocol.Rows;
import dev.portd.table.Event;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.openmbean.TabularData;

/**
 * Sends one notification per history event; called on the JMX thread only, never the writer's. A
 * notification (its CompositeData, its formatted times) is built only while a listener is registered:
 * most of the time nobody listens, and building them cost this thread about 2 µs per change. A JMX
 * connector counts as a listener from its first client until it closes (it buffers for its clients).
 */
final class HistoryBean extends NotificationBroadcasterSupport implements HistoryMBean {
    static final int RECENT = 100;
    static final String TYPE_PREFIX = "portd.";

    /** One notification type per kind of event, portd.<event>. */
    private static final String[] TYPES = java.util.Arrays.stream(Event.Kind.values())
            .map(k -> TYPE_PREFIX + k.wire()).toArray(String[]::new);

    private final Managed portd;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong built = new AtomicLong();
    /** The registrations of each listener, as the broadcaster holds them; guarded by itself. */
    private final Map<NotificationListener, Integer> registrations = new IdentityHashMap<>();
    private volatile int listeners;

    HistoryBean(Managed portd) {
        this.portd = portd;
    }

    @Override
    public long getEventCount() {
        return portd.table().nextSeq() - 1;
    }

    @Override
    public TabularData getRecentEvents() {
        ArrayDeque<Row> last = new ArrayDeque<>(RECENT);
        for (Event e : portd.table().history()) {
            if (last.size() == RECENT) {
                last.removeFirst();
            }
            last.addLast(row(e));
        }
        return OpenRows.EVENT.table(last);
    }

    @Override
    public long getNotificationsSent() {
        return sent.get();
    }

    @Override
    public long getNotificationsDropped() {
        return dropped.get();
    }

    void dropped(int events) {
        dropped.addAndGet(events);
    }

    /**
     * Notifies each event: the HISTORY line as message, its keys as user data, its seq as sequence number.
     * Counted as sent whether or not anyone listens.
     */
    void publish(List<Event> events) {
        if (listeners > 0) {
            for (Event e : events) {
                Notification n = new Notification(TYPE_PREFIX + e.kind().wire(), Names.HISTORY, e.seq(), e.time(), Rows.of(e).line());
                n.setUserData(OpenRows.EVENT.composite(row(e)));
                sendNotification(n);
                built.incrementAndGet();
            }
        }
        sent.addAndGet(events.size());
    }

    /** Notifications built since start: none while nobody listens. */
    long built() {
        return built.get();
    }

    // The three ways to add or remove a listener, counted after the broadcaster accepted them (the
    // MBean server and the JMX connectors reach the bean through these, wrapped by StandardEmitterMBean).

    @Override
    public void addNotificationListener(NotificationListener listener, NotificationFilter filter, Object handback) {
        synchronized (registrations) {
            super.addNotificationListener(listener, filter, handback);
            registrations.merge(listener, 1, Integer::sum);
            listeners++;
        }
    }

    /** Removes every registration of the listener, however many there are. */
    @Override
    public void removeNotificationListener(NotificationListener listener) throws ListenerNotFoundException {
        synchronized (registrations) {
            super.removeNotificationListener(listener);
            listeners -= registrations.remove(listener);
        }
    }

    /** Removes one registration: the one with this filter and handback. */
    @Override
    public void removeNotificationListener(NotificationListener listener, NotificationFilter filter, Object handback)
            throws ListenerNotFoundException {
        synchronized (registrations) {
            super.removeNotificationListener(listener, filter, handback);
            registrations.computeIfPresent(listener, (l, n) -> n == 1 ? null : n - 1);
            listeners--;
        }
    }

    private static Row row(Event e) {
        return Rows.of(e).put("seq", e.seq());
    }

    @Override
    public MBeanNotificationInfo[] getNotificationInfo() {
        return new MBeanNotificationInfo[] {new MBeanNotificationInfo(TYPES, Notification.class.getName(),
                "one per history event, type portd.<event>; user data: CompositeData with the HISTORY keys")};
    }
}
