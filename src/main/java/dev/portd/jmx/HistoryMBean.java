package dev.portd.jmx;

import javax.management.openmbean.TabularData;

/**
 * {@code dev.portd:type=History}: the history, and a notification per event as it happens (type
 * {@code portd.<event>}, user data a CompositeData with the HISTORY keys).
 */
public interface HistoryMBean {
    /** Events recorded since the store was created (the newest event's sequence number). */
    long getEventCount();

    /** The newest 100 events, oldest first, with the HISTORY keys and seq. */
    TabularData getRecentEvents();

    /** Notifications sent since start (one per event, counted whether or not anyone listened). */
    long getNotificationsSent();

    /** Events not notified because the notification queue was full (the daemon never waits for JMX). */
    long getNotificationsDropped();
}
