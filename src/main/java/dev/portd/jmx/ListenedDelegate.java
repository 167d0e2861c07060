package dev.portd.jmx;

import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanServerDelegate;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;

/**
 * The delegate of a {@link LeaseServer}, which knows whether anyone listens to it (JConsole's tree, a
 * remote client's notification buffer): the registration notices of lease beans, an ObjectName each, are
 * built only then.
 */
final class ListenedDelegate extends MBeanServerDelegate {
    private record Listening(NotificationListener listener, NotificationFilter filter, Object handback) {}

    private final List<Listening> listening = new ArrayList<>();
    private volatile boolean listened;

    boolean listened() {
        return listened;
    }

    @Override
    public synchronized void addNotificationListener(NotificationListener listener, NotificationFilter filter,
                                                     Object handback) {
        super.addNotificationListener(listener, filter, handback);
        listening.add(new Listening(listener, filter, handback));
        listened = true;
    }

    @Override
    public synchronized void removeNotificationListener(NotificationListener listener)
            throws ListenerNotFoundException {
        super.removeNotificationListener(listener);
        listening.removeIf(l -> l.listener() == listener);
        listened = !listening.isEmpty();
    }

    @Override
    public synchronized void removeNotificationListener(NotificationListener listener, NotificationFilter filter,
                                                        Object handback) throws ListenerNotFoundException {
        super.removeNotificationListener(listener, filter, handback);
        listening.removeIf(l -> l.listener() == listener && l.filter() == filter
                && l.handback() == handback);
        listened = !listening.isEmpty();
    }
}
