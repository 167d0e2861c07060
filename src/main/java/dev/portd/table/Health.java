package dev.portd.table;

/**
 * What the health checks last found for a lease. Kept in memory only: after a start every lease's
 * health is {@link State#UNKNOWN} until it is checked again.
 *
 * @param millis    how long the last check took, -1 before the first
 * @param checked   when the last check ended (epoch millis), 0 before the first
 * @param since     since when the health has been what it is (epoch millis)
 * @param note      what the last check found ({@code connection refused}, {@code 404}), null before the first
 */
public record Health(State state, long millis, long checked, long since, String note) {
    public enum State {
        OK, FAILING, UNKNOWN;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Not checked yet, since {@code since}. */
    public static Health unknown(long since) {
        return new Health(State.UNKNOWN, -1, 0, since, null);
    }

    /** The health of leases with a check, as the checks last found it. Safe to read from any thread. */
    @FunctionalInterface
    public interface Results {
        /** The health of {@code lease} as it now is (its port, its check), unknown if not checked as such yet. */
        Health of(Lease lease);

        /** No checks run: every lease is unknown since it began. */
        Results NONE = l -> unknown(l.since());
    }
}
