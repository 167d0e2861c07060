package dev.portd.cli;

import dev.portd.protocol.Row;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Follows one service's port for {@code portctl run}: a thread holds a {@code WATCH} connection and
 * passes the new port of every {@code event=resolve} of the service (a move or a swap) on. Each time it
 * (re)subscribes it also asks {@code GET}, so a move made before the watch began, or while portd was
 * away (a restart of the daemon), is not missed; while portd cannot be reached it tries again every
 * second and says so once.
 */
final class LeaseWatch implements AutoCloseable {
    private static final long RETRY_MILLIS = 1000;

    private final Path socket;
    private final String service;
    private final IntConsumer moved;
    private final PrintStream err;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Client client;

    private LeaseWatch(Path socket, String service, IntConsumer moved, PrintStream err) {
        this.socket = socket;
        this.service = service;
        this.moved = moved;
        this.err = err;
        this.thread = new Thread(this::loop, "portctl-watch");
        thread.setDaemon(true);
    }

    /** Starts watching; {@code moved} gets the service's port whenever it may have changed (on the watch thread). */
    static LeaseWatch start(Path socket, String service, IntConsumer moved, PrintStream err) {
        LeaseWatch w = new LeaseWatch(socket, service, moved, err);
        w.thread.start();
        return w;
    }

    private void loop() {
        String lost = null;
        while (!closed) {
            try (Client c = Client.connect(socket)) {
                client = c;
                if (closed) {
                    return;
                }
                Answer a = c.call("WATCH");
                if (!a.ok()) {
                    throw new Unreachable("WATCH answered " + a.status());
                }
                current();
                if (lost != null) {
                    err.println("portctl: watching the port of " + service + " again");
                    lost = null;
                }
                for (String l = c.readLine(); l != null && !Answer.isStatus(l); l = c.readLine()) {
                    Map<String, String> e = Row.parse(l); // a status line here is ERR BUSY: we were dropped
                    if ("resolve".equals(e.get("event")) && service.equals(e.get("service"))) {
                        moved.accept(Integer.parseInt(e.get("port")));
                    }
                }
                throw new Unreachable("portd at " + socket + " ended the watch");
            } catch (Unreachable | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (lost == null) {
                    lost = e.getMessage();
                    err.println("portctl: not watching the port of " + service + " (" + lost + "); trying again every second");
                }
            }
            try {
                Thread.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The service's port now, on a connection of its own (the watching one takes no other requests). */
    private void current() throws Unreachable {
        try (Client c = Client.connect(socket)) {
            StringBuilder get = new StringBuilder("GET ");
            CommandLine.word(get, service);
            Answer a = c.call(get.toString());
            if (a.ok()) {
                moved.accept(Integer.parseInt(a.result()));
            }
        } catch (Usage e) {
            throw new IllegalStateException(e); // the name was sent in the ALLOC already
        }
    }

    @Override
    public void close() {
        closed = true;
        Client c = client;
        if (c != null) {
            c.close(); // wakes the thread's blocking read
        }
        thread.interrupt();
    }
}
