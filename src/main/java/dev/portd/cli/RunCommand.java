package dev.portd.cli;

import dev.portd.protocol.EnvFormat;
import dev.portd.protocol.Row;
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
 */
final class RunCommand {
    private final CommandLine c;
    private final Path socket;
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean console;

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
        try {
            return runChild(service, port);
        } finally {
            if (ours) {
                release(service);
            }
        }
    }

    private int runChild(String service, int port) {
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
        SignalRelay relay = console ? SignalRelay.install() : null;
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            err.println("portctl: cannot run " + c.tail.get(0) + ": " + e.getMessage());
            return e.getMessage() != null && e.getMessage().contains("error=2,") ? 127 : 126;
        }
        Thread[] copiers = {};
        if (relay != null) {
            relay.attach(child);
        } else {
            copiers = new Thread[] {copy(child.getInputStream(), out), copy(child.getErrorStream(), err)};
        }
        int status = waitFor(child);
        for (Thread t : copiers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return status;
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
