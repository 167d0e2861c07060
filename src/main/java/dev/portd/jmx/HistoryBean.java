package dev.portd.jmx;

import dev.portd.protocol.Row;
import dev.portd.protocol.Rows;
import dev.portd.table.Event;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.openmbean.TabularData;

/** Sends one notification per history event; called on the JMX thread only, never the writer's. */
final class HistoryBean extends NotificationBroadcasterSupport implements HistoryMBean {
    static final int RECENT = 100;
    static final String TYPE_PREFIX = "portd.";

    /** One notification type per kind of event, portd.<event>. */
    private static final String[] TYPES = java.util.Arrays.stream(Event.Kind.values())
            .map(k -> TYPE_PREFIX + k.wire()).toArray(String[]::new);

    private final Managed portd;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

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

    /** Notifies each event: the HISTORY line as message, its keys as user data, its seq as sequence number. */
    void publish(List<Event> events) {
        for (Event e : events) {
            Notification n = new Notification(TYPE_PREFIX + e.kind().wire(), Names.HISTORY, e.seq(), e.time(), Rows.of(e).line());
            n.setUserData(OpenRows.EVENT.composite(row(e)));
            sendNotification(n);
            sent.incrementAndGet();
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
