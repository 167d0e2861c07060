package dev.portd.daemon;

import dev.portd.server.PortdServer;
import dev.portd.store.StoreException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar portd.jar}: runs the daemon in the foreground until SIGTERM or SIGINT. Exit codes:
 * 0 after a clean stop, 2 for a bad flag or config, 1 when it cannot start (store, socket).
 */
public final class Main {
    private Main() {}

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(Config.usage());
            return;
        }
        if (Arrays.asList(args).contains("--version")) {
            System.out.println("portd " + Portd.VERSION);
            return;
        }
        Config config;
        try {
            config = Config.load(args, System.getenv());
        } catch (ConfigException e) {
            System.err.println("portd: " + e.getMessage());
            System.exit(2);
            return;
        }
        Portd portd = new Portd(config);
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            portd.init();
            portd.start();
        } catch (PortdServer.AlreadyRunningException | StoreException e) {
            log.error(e.getMessage());
            portd.stop("cannot start");
            System.exit(1);
        } catch (Exception e) {
            log.error("cannot start: {}", e.getMessage(), e);
            portd.stop("cannot start");
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            portd.stop("signal"); // SIGTERM (systemctl stop), SIGINT (Ctrl-C) or SIGHUP: nothing else exits the JVM here
            stopped.countDown();
        }, "portd-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
