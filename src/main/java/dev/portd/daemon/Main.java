package dev.portd.daemon;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar portd.jar}: runs the daemon in the foreground until SIGTERM or SIGINT, through the
 * same {@link PortdDaemon} lifecycle jsvc uses. {@code --restore FILE} rebuilds the store from a
 * backup instead. Exit statuses: {@link ExitStatus}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        List<String> list = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--restore=")) { // the one flag not handled by Config: take both spellings here too
                list.add("--restore");
                list.add(a.substring("--restore=".length()));
            } else {
                list.add(a);
            }
        }
        args = list.toArray(new String[0]);
        if (list.contains("--help") || list.contains("-h")) {
            System.out.print(Config.usage() + ExitStatus.usage());
            return;
        }
        if (list.contains("--version")) {
            System.out.println("portd " + Portd.VERSION);
            return;
        }
        int restore = list.indexOf("--restore");
        if (restore >= 0) {
            System.exit(restore(args, restore));
        }
        PortdDaemon daemon = new PortdDaemon(System.getenv(), true);
        CountDownLatch startDone = new CountDownLatch(1);
        AtomicBoolean running = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        // Registered before start(): the socket accepts while start() finishes, and a SIGTERM right after a
        // client was served must still be a clean stop (it used to exit 143 with no stop at all).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                startDone.await();
            } catch (InterruptedException e) {
                return;
            }
            if (!running.get()) {
                return; // the start failed: its message and exit code stand
            }
            daemon.stop("signal"); // SIGTERM (systemctl stop), SIGINT (Ctrl-C) or SIGHUP: nothing else exits the JVM here
            daemon.destroy();
            stopped.countDown();
            // Everything is committed, closed and logged: exit 0 rather than the JVM's 143 for SIGTERM, so
            // service managers see the clean stop as one.
            Runtime.getRuntime().halt(0);
        }, "portd-shutdown"));
        ExitStatus failed = null;
        try {
            daemon.init(args);
            daemon.start();
            running.set(true);
        } catch (ConfigException e) { // the daemon logged why, at ERROR
            failed = ExitStatus.USAGE;
        } catch (PortdDaemon.StartFailure e) {
            failed = e.status();
        } catch (Exception e) {
            failed = ExitStatus.FAILURE;
        } finally {
            startDone.countDown();
        }
        if (failed != null) {
            System.exit(failed.code());
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code --restore FILE [--data DIR] [--socket S] [--config F]}: the other flags name the daemon to restore. */
    private static int restore(String[] args, int at) {
        if (at + 1 >= args.length) {
            System.err.println("portd: --restore needs a backup file");
            return ExitStatus.USAGE.code();
        }
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        String file = rest.remove(at + 1);
        rest.remove(at);
        Config config;
        try {
            config = Config.load(rest.toArray(new String[0]), System.getenv());
        } catch (ConfigException e) {
            System.err.println("portd: " + e.getMessage());
            return ExitStatus.USAGE.code();
        }
        try {
            System.out.println("portd: " + Restore.run(config, java.nio.file.Path.of(file)));
            return ExitStatus.OK.code();
        } catch (Restore.RefusedException e) {
            System.err.println("portd: " + e.getMessage());
            return e.status().code();
        }
    }
}
