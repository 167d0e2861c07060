package dev.portd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;

/**
 * Passes SIGTERM, SIGHUP and SIGINT on to the child of {@code portctl run}, which portctl then waits
 * for (so it can release the lease and exit with the child's status) instead of dying itself.
 *
 * <p>The handlers go in before the child starts: a signal that arrives in between is held and passed
 * on as soon as the child exists, rather than killing portctl and orphaning the child. When portctl
 * runs in the foreground of a terminal, Ctrl-C already reaches the child (it is in the same
 * foreground process group), so SIGINT is then not sent a second time; it is only ignored. A shell
 * launcher could not do this better: it would have to wait for a child and trap signals at once,
 * and the JVM would still be a separate process to keep alive. {@code sun.misc.Signal} is in the
 * JDK's jdk.unsupported module, on every JDK 17 for Linux.
 */
final class SignalRelay {
    private Process child;
    private final List<String> held = new ArrayList<>(2);
    /** TERM or INT arrived: portctl run must not start its command again after a move. */
    private volatile boolean stopAsked;

    private SignalRelay() {}

    /** Takes over the three signals now; call {@link #attach} once the child runs. */
    static SignalRelay install() {
        SignalRelay relay = new SignalRelay();
        boolean terminalSendsInt = inTerminalForeground();
        for (String name : new String[] {"TERM", "HUP", "INT"}) {
            boolean forward = !(name.equals("INT") && terminalSendsInt);
            try {
                Signal.handle(new Signal(name), s -> relay.signal(name, forward));
            } catch (IllegalArgumentException e) {
                // the JVM does not take this signal (e.g. SIGHUP under nohup): the child inherits that too
            }
        }
        return relay;
    }

    /** The child to pass signals to; signals held until now go to it at once. */
    void attach(Process p) {
        List<String> pending;
        synchronized (this) {
            child = p;
            pending = List.copyOf(held);
            held.clear();
        }
        pending.forEach(s -> send(p, s));
    }

    private void signal(String name, boolean forward) {
        if (!name.equals("HUP")) {
            stopAsked = true;
        }
        if (!forward) {
            return;
        }
        Process p;
        synchronized (this) {
            p = child;
            if (p == null || !p.isAlive()) { // none yet, or between two runs: the next one gets it
                held.add(name);
                return;
            }
        }
        send(p, name);
    }

    boolean stopAsked() {
        return stopAsked;
    }

    private static void send(Process child, String signal) {
        if (!child.isAlive()) {
            return;
        }
        if (signal.equals("TERM")) {
            child.destroy(); // SIGTERM, without starting a process
            return;
        }
        try {
            new ProcessBuilder("/bin/sh", "-c", "kill -s " + signal + " " + child.pid()).inheritIO().start().waitFor();
        } catch (IOException e) {
            System.err.println("portctl: cannot pass SIG" + signal + " on: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether this process's group is its terminal's foreground group (/proc/self/stat: pgrp, tty_nr, tpgid). */
    static boolean inTerminalForeground() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] state, f[1] ppid, f[2] pgrp, f[3] session, f[4] tty_nr, f[5] tpgid
            return !f[4].equals("0") && f[2].equals(f[5]);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
