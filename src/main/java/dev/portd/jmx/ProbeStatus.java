package dev.portd.jmx;

/**
 * What the Prober bean reads of the occupancy prober. Kept to these few figures so the bean does not
 * depend on how the prober is built; {@link #NONE} stands in while no prober runs.
 */
public interface ProbeStatus {
    /** Wall-clock time of the last probe, epoch millis; 0 before the first. */
    long lastProbeTime();

    /** How long the last probe took. */
    long lastProbeMillis();

    /** Sockets the last probe saw. */
    int socketsSeen();

    long intervalSeconds();

    /** Changes the probe period from the next tick on. */
    void intervalSeconds(long seconds);

    /** No prober in this daemon: nothing probed yet, and the interval cannot change. */
    static ProbeStatus none(long configuredIntervalSeconds) {
        return new ProbeStatus() {
            @Override
            public long lastProbeTime() {
                return 0;
            }

            @Override
            public long lastProbeMillis() {
                return 0;
            }

            @Override
            public int socketsSeen() {
                return 0;
            }

            @Override
            public long intervalSeconds() {
                return configuredIntervalSeconds;
            }

            @Override
            public void intervalSeconds(long seconds) {
                throw new IllegalStateException("the prober is not running in this portd");
            }
        };
    }
}
