package dev.portd.table;

/**
 * The free ports of a range: neither leased nor reserved in the table, nor seen in use on the host. The one
 * definition behind STATS {@code free}, FREE, JMX {@code FreeCount} and {@code portd_free_ports}; a free port
 * may still fail a bind (the automatic choice asks the kernel, {@link PortUse#mayChoose}), but counting asks
 * nothing of the kernel, so it stays cheap enough for a scrape.
 */
public final class FreePorts {
    private FreePorts() {}

    /** Receives each run of consecutive free ports, lowest first. */
    @FunctionalInterface
    public interface Runs {
        void run(int lo, int hi);
    }

    /** How many ports of the managed range are free. */
    public static int count(PortTable t, PortUse use, TableConfig config) {
        return runs(t, use, config.lo(), config.hi(), null);
    }

    /** Hands the runs of free ports of [lo, hi] to {@code out} (may be null) and returns how many ports are free. */
    public static int runs(PortTable t, PortUse use, int lo, int hi, Runs out) {
        PortSet taken = t.taken();
        int count = 0;
        int runLo = -1;
        int runHi = -1;
        for (int p = taken.nextClear(lo, hi); p >= 0; p = p < hi ? taken.nextClear(p + 1, hi) : -1) {
            if (use.inUse(p, Transport.TCP)) {
                continue;
            }
            count++;
            if (runLo >= 0 && p == runHi + 1) {
                runHi = p;
                continue;
            }
            if (runLo >= 0 && out != null) {
                out.run(runLo, runHi);
            }
            runLo = p;
            runHi = p;
        }
        if (runLo >= 0 && out != null) {
            out.run(runLo, runHi);
        }
        return count;
    }
}
