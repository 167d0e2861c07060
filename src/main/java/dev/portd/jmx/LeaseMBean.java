package dev.portd.jmx;

/** {@code dev.portd:type=Lease,service=<name>}: one lease, as its LIST line shows it. */
public interface LeaseMBean {
    String getService();

    int getPort();

    String getProto();

    /** leased, bound or conflict. */
    String getState();

    int getOwnerUid();

    /** The process the lease is bound to, 0 when none. */
    int getPid();

    /** ISO 8601 UTC, as LIST prints it. */
    String getSince();

    /** ISO 8601 UTC, or null when the lease has no ttl. */
    String getExpires();

    /** The description, or null. */
    String getDescription();

    /** ok, failing or unknown (not checked yet); null when the lease has no health check. */
    String getHealth();

    /** How long the last health check took, in milliseconds; -1 before the first or without a check. */
    long getHealthMillis();

    /** When the last health check ended, ISO 8601 UTC; null before the first or without a check. */
    String getLastChecked();
}
