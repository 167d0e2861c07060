package dev.portd.testing;

import dev.portd.probe.BindCheck;
import dev.portd.table.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Real ports for tests on a shared host: other processes (and other test runs) may hold any port,
 * so a test takes a run of ports that were all bindable a moment ago, at a random place, and asserts
 * only about its own ports.
 */
public final class Ports {
    private Ports() {}

    /** The first of {@code n} free consecutive ports in 10000-18999: clear of the default range and the ephemeral one. */
    public static int freeRun(int n) {
        return firstFreeRun(10_000, 19_000, n);
    }

    /** The first of {@code n} free consecutive ports in 21000-29999, inside the default managed range. */
    public static int freeRunInDefaultRange(int n) {
        return firstFreeRun(21_000, 30_000, n);
    }

    private static int firstFreeRun(int from, int to, int n) {
        for (int attempt = 0; attempt < 500; attempt++) {
            int lo = ThreadLocalRandom.current().nextInt(from, to - n);
            boolean free = true;
            for (int p = lo; p < lo + n && free; p++) {
                free = BindCheck.canBind(p, Transport.BOTH);
            }
            if (free) {
                return lo;
            }
        }
        throw new IllegalStateException("no run of " + n + " free ports found in " + from + "-" + (to - 1));
    }

    /** {@code LO-HI} for {@code n} ports from {@code lo}, as the --range flag takes it. */
    public static String range(int lo, int n) {
        return lo + "-" + (lo + n - 1);
    }

    public static boolean bindable(int port) {
        return BindCheck.canBind(port, Transport.TCP);
    }

    /** A listener in this JVM (so its pid is this process's) on the wildcard address, IPv4 and IPv6. */
    public static ServerSocketChannel listen(int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress(port), 16);
        return ch;
    }
}
