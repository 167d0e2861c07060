package dev.portd.table;

import java.util.Locale;

/** What the prober last saw on a lease's port. */
public enum LeaseState {
    /** Held; nothing seen listening yet. */
    LEASED,
    /** A socket on the port is owned by the lease's owner. */
    BOUND,
    /** Someone else holds the port. */
    CONFLICT;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
