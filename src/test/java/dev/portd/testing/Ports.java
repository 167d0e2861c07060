package dev.portd.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Real ports for tests on a shared host: other processes (and other test runs) use the default
 * range too, so a test takes a window that is free right now, at a random place in 21000-29999,
 * and asserts only about its own ports.
 */
public final class Ports {
    private Ports() {}

    /** The first port of {@code n} consecutive ports that can all be bound right now (TCP, IPv4 and IPv6). */
    public static int freeWindow(int n) {
        for (int attempt = 0; attempt < 500; attempt++) {
            int lo = ThreadLocalRandom.current().nextInt(21000, 30000 - n);
            boolean free = true;
            for (int p = lo; p < lo + n && free; p++) {
                free = bindable(p);
            }
            if (free) {
                return lo;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free ports in 21000-29999");
    }

    /** {@code --range LO-HI} for a free window of {@code n} ports starting at {@code lo}. */
    public static String range(int lo, int n) {
        return lo + "-" + (lo + n - 1);
    }

    public static boolean bindable(int port) {
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            ch.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A listener in this JVM (so its pid is this process's) on the wildcard address, IPv4 and IPv6. */
    public static ServerSocketChannel listen(int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress(port), 16);
        return ch;
    }
}
