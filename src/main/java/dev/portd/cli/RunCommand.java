package dev.portd.cli;

import dev.portd.protocol.EnvFormat;
import dev.portd.protocol.Row;
import dev.portd.protocol.Values;
import dev.portd.table.PortdException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code portctl run SERVICE [alloc options] -- CMD ARG...}: leases a port, runs CMD with {@code PORT}
 * and {@code SERVICE_PORT} set, forwards SIGTERM/SIGINT/SIGHUP to it, releases the lease when CMD
 * exits and exits with CMD's status (128+N when a signal N killed it).
 *
 * <p>CMD must know its port before it binds, so the lease comes first, bound with {@code pid=} to
 * portctl's own JVM (the launcher execs java, so that is the pid the caller sees). portctl lives as
 * long as CMD plus the release, so the binding is as tight as CMD's own would be, and if portctl is
 * killed with SIGKILL the daemon still ends the lease when it sees the pid gone. A lease the service
 * already held before (a standing lease, someone else's run) is used as it is and left in place.
 *
 * <p>The lease may move while CMD runs ({@code RESOLVE}, a swap): {@link LeaseWatch} follows it. With
 * {@code --restart-on-move} CMD is stopped ({@link ProcessTree#stop}) and started again with the new
 * {@code PORT}; without, portctl warns on stderr and leaves CMD as it is.
 */
final class RunCommand {
    static final String RESTART_ON_MOVE = "restart_on_move";
    static final String GRACE = "grace";

    private final CommandLine c;
    private final Path socket;
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean console;

    private boolean restartOnMove;
    private long graceMillis = 10_000;
    private final Object lock = new Object();
    /** The running CMD and the port it was given; movedTo, when not 0, is where the lease went since. */
    private Process child;
    private int childPort;
    private int movedTo;
    private int warnedPort;

    RunCommand(CommandLine c, Path socket, Map<String, String> env, PrintStream out, PrintStream err, boolean console) {
        this.c = c;
        this.socket = socket;
        this.env = env;
        this.out = out;
        this.err = err;
        this.console = console;
    }

    int run() throws Usage, Unreachable {
        if (c.words.size() != 1) {
            throw new Usage("run takes one service: portctl run SERVICE [--port N ...] -- CMD ARG...");
        }
        if (c.tail.isEmpty()) {
            throw new Usage("run needs a command: portctl run SERVICE [--port N ...] -- CMD ARG...");
        }
        if (c.json) {
            throw new Usage("run has no --json");
        }
        restartOnMove = c.options.containsKey(RESTART_ON_MOVE);
        c.options.remove(RESTART_ON_MOVE);
        if (c.options.containsKey(GRACE)) {
            if (!restartOnMove) {
                throw new Usage("--grace goes with --restart-on-move");
            }
            try {
                graceMillis = Values.durationMillis("--grace", c.options.remove(GRACE));
            } catch (PortdException e) {
                throw new Usage(e.getMessage());
            }
        }
        String service = c.words.get(0);
        String self = Long.toString(ProcessHandle.current().pid());
        c.options.put("pid", self);
        int port;
        boolean ours;
        try (Client client = Client.connect(socket)) {
            StringBuilder list = new StringBuilder("LIST ");
            CommandLine.word(list, service);
            client.send(List.of(c.request("ALLOC"), list.toString()));
            Answer alloc = client.receive(false);
            Answer leases = client.receive(false);
            if (!alloc.ok()) {
                err.println("portctl: " + alloc.status());
                return Portctl.ERR;
            }
            port = Integer.parseInt(alloc.result());
            ours = leases.data().stream().map(Row::parse)
                    .anyMatch(r -> service.equals(r.get("service")) && self.equals(r.get("pid")));
        }
        childPort = port;
        try (LeaseWatch watch = LeaseWatch.start(socket, service, p -> moved(service, p), err)) {
            return supervise(service, port);
        } finally {
            if (ours) {
                release(service);
            }
        }
    }

    /** Runs CMD, and again on the new port each time a move stopped it; CMD's last status. */
    private int supervise(String service, int leased) {
        SignalRelay relay = console ? SignalRelay.install() : null;
        int port = leased;
        while (true) {
            Process p;
            synchronized (lock) {
                if (movedTo != 0) {
                    port = movedTo; // the newest port, should it have moved again while CMD was stopping
                    movedTo = 0;
                }
                try {
                    p = start(service, port);
                } catch (IOException e) {
                    err.println("portctl: cannot run " + c.tail.get(0) + ": " + e.getMessage());
                    return e.getMessage() != null && e.getMessage().contains("error=2,") ? 127 : 126;
                }
                child = p;
                childPort = port;
            }
            Thread[] copiers = {};
            if (relay != null) {
                relay.attach(p);
            } else {
                copiers = new Thread[] {copy(p.getInputStream(), out), copy(p.getErrorStream(), err)};
            }
            int status = waitFor(p);
            for (Thread t : copiers) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int next;
            synchronized (lock) {
                child = null;
                next = movedTo;
            }
            if (next == 0 || relay != null && relay.stopAsked()) {
                return status; // CMD ended by itself or as portctl was asked to stop: so does portctl
            }
            ProcessTree.awaitFree(next, graceMillis);
            if (relay != null && relay.stopAsked()) {
                return status;
            }
            err.println("portctl: starting " + c.tail.get(0) + " again with PORT=" + next);
        }
    }

    private Process start(String service, int port) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(c.tail);
        pb.environment().putAll(env);
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().put(EnvFormat.name(service), Integer.toString(port));
        if (console) {
            out.flush();
            pb.inheritIO();
        } else {
            pb.redirectInput(new File("/dev/null"));
        }
        return pb.start();
    }

    /** On the watch thread: the service's port is now {@code port}; restart CMD there, or warn that it was not. */
    private void moved(String service, int port) {
        Process p;
        int from;
        synchronized (lock) {
            from = childPort;
            if (port == (movedTo != 0 ? movedTo : childPort)) {
                return; // no news
            }
            if (child == null) {
                movedTo = port; // CMD has not started yet, or is between runs: it starts on the new port
                return;
            }
            if (!restartOnMove) {
                if (port != warnedPort) {
                    warnedPort = port;
                    err.println("portctl: warning: " + service + " moved from port " + from + " to " + port + "; "
                            + c.tail.get(0) + " keeps running with PORT=" + from
                            + " (restart it, or run it with portctl run --restart-on-move)");
                }
                return;
            }
            movedTo = port;
            p = child;
        }
        if (p != null) {
            err.println("portctl: " + service + " moved from port " + from + " to " + port + ": stopping "
                    + c.tail.get(0) + " (TERM, then KILL after " + Values.durationText(graceMillis) + ")");
            ProcessTree.stop(p, graceMillis);
        }
    }

    /** Waits for the child whatever happens to this thread; its exit value is 128+N after signal N. */
    private static int waitFor(Process child) {
        boolean interrupted = false;
        while (true) {
            try {
                int status = child.waitFor();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return status;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private void release(String service) {
        try (Client client = Client.connect(socket)) {
            StringBuilder req = new StringBuilder("RELEASE ");
            CommandLine.word(req, service);
            Answer a = client.call(req.toString());
            if (!a.ok() && !a.status().startsWith("ERR NOTFOUND")) {
                err.println("portctl: releasing " + service + ": " + a.status());
            }
        } catch (Unreachable | Usage e) {
            err.println("portctl: " + e.getMessage() + "; the lease ends when portd sees pid "
                    + ProcessHandle.current().pid() + " gone");
        }
    }

    private static Thread copy(InputStream from, OutputStream to) {
        Thread t = new Thread(() -> {
            try (from) {
                from.transferTo(to);
                to.flush();
            } catch (IOException ignored) {
                // the child's end closed
            }
        }, "portctl-copy");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
