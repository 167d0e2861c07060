package dev.portd.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Stopping a command of {@code portctl run --restart-on-move}, and waiting for its new port to be free. */
final class ProcessTree {
    private ProcessTree() {}

    /**
     * TERM to the process and every process under it (as systemd stops a unit: a shell's children would
     * otherwise keep the old port), then KILL to whatever still runs after the grace period.
     */
    static void stop(Process p, long graceMillis) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(p.toHandle());
        p.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                break; // the grace period is over
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Waits, up to the grace period, until the port can be bound: after a swap, the other service's
     * process may still hold it while it is being restarted too.
     */
    static void awaitFree(int port, long graceMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        while (System.nanoTime() < deadline) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true); // as servers bind: a TIME_WAIT left by the old holder is no obstacle
                s.bind(new InetSocketAddress(port));
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
