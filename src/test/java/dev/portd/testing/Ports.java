package dev.portd.testing;

import dev.portd.table.BindCheck;
import dev.portd.table.Transport;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for tests that assert which port the daemon picks. Other processes on the host may hold any
 * port, so such tests run the daemon on a run of ports that were all bindable a moment ago, at a
 * random place clear of the default managed range and of Linux's ephemeral range.
 */
public final class Ports {
    private Ports() {}

    /** The first port of {@code n} consecutive ports, each bindable for TCP and UDP on IPv4 and IPv6. */
    public static int freeRun(int n) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int lo = 10_000 + rnd.nextInt(9_000);
            if (allFree(lo, lo + n - 1)) {
                return lo;
            }
        }
        throw new IllegalStateException("no run of " + n + " free ports found in 10000-19999");
    }

    /** A daemon flag pair managing {@code n} free ports: {@code --range LO-HI}. */
    public static String range(int lo, int n) {
        return lo + "-" + (lo + n - 1);
    }

    private static boolean allFree(int lo, int hi) {
        for (int p = lo; p <= hi; p++) {
            if (!BindCheck.canBind(p, Transport.BOTH)) {
                return false;
            }
        }
        return true;
    }
}
