package dev.portd.daemon;

import dev.portd.protocol.Values;
import dev.portd.server.PortdServer;
import dev.portd.backup.Backups;
import dev.portd.store.StoreException;
import dev.portd.systemd.SystemdNotify;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.daemon.Daemon;
import org.apache.commons.daemon.DaemonContext;
import org.apache.commons.daemon.DaemonInitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one lifecycle of the daemon, driven by jsvc (Apache Commons Daemon) and by {@link Main} alike:
 * {@link #init} parses the arguments, opens the store and binds the socket (under jsvc, while still
 * privileged), {@link #start} serves and tells systemd it is ready, {@link #stop} tells systemd it is
 * stopping and stops, {@link #destroy} lets go of the rest.
 *
 * <pre>jsvc -cp portd.jar -pidfile /run/portd/jsvc.pid dev.portd.daemon.PortdDaemon --socket ... --data ...
 * jsvc -cp portd.jar -pidfile /run/portd/jsvc.pid -stop dev.portd.daemon.PortdDaemon</pre>
 */
public final class PortdDaemon implements Daemon {
    private static final Logger log = LoggerFactory.getLogger(PortdDaemon.class);
    /** Why the daemon did not start: logger "portd", so a line reads "ERROR portd: ...". */
    private static final Logger failures = LoggerFactory.getLogger("portd");

    private final Map<String, String> env;
    private final boolean foreground;
    private Portd portd;
    private SystemdNotify notify;
    private long initNanos;

    /** jsvc's constructor: jsvc prints a failed init's message itself. */
    public PortdDaemon() {
        this(System.getenv(), false);
    }

    PortdDaemon(Map<String, String> env) {
        this(env, false);
    }

    /**
     * @param foreground {@code java -jar}: log why a start failed, at ERROR (under systemd that line, with
     *                   its priority, is all the journal gets), and refuse to run as root over a data
     *                   directory another user owns. Not under jsvc, which opens the store as root by design.
     */
    /**
     * Netty tracks one buffer in 128 for leak reports unless told otherwise, and each tracked buffer costs
     * a stack trace on the event loop. The tests run with it (they exercise every buffer the handlers
     * touch); the service does not, unless {@code -Dio.netty.leakDetection.level} asks for it.
     */
    private static void leakDetectionOffUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }

    PortdDaemon(Map<String, String> env, boolean foreground) {
        this.env = env;
        this.foreground = foreground;
    }

    @Override
    public void init(DaemonContext context) throws DaemonInitException {
        try {
            init(context.getArguments());
        } catch (ConfigException e) {
            throw new DaemonInitException("portd: " + e.getMessage()); // jsvc prints the message, no stack trace
        }
    }

    /**
     * Parses the arguments, opens the store and binds the socket. A {@link ConfigException} is a bad
     * flag or config line; a {@link DaemonInitException} is any other reason not to start; both carry
     * one line for people. Nothing is left open when either is thrown.
     */
    public void init(String[] args) throws ConfigException, DaemonInitException {
        initNanos = System.nanoTime();
        leakDetectionOffUnlessAsked();
        Config config;
        try {
            config = Config.load(args, env);
        } catch (ConfigException e) {
            logFailure(e.getMessage());
            throw e;
        }
        if (foreground) {
            try {
                DataDir.checkRootStaysOut(config.settings().data(), args);
            } catch (StoreException e) {
                throw failed(e.getMessage(), ExitStatus.of(e));
            }
        }
        notify = SystemdNotify.fromEnv(env, ProcessHandle.current().pid());
        portd = new Portd(config);
        try {
            portd.init();
        } catch (StoreException e) {
            throw failed(e.getMessage() + restoreHint(e, config), ExitStatus.of(e));
        } catch (ConfigException e) {
            logFailure(e.getMessage());
            release();
            throw e;
        } catch (PortdServer.AlreadyRunningException e) {
            throw failed(e.getMessage(), ExitStatus.FAILURE);
        } catch (Exception e) {
            log.debug("init failed", e);
            throw failed("cannot start: " + e.getMessage(), ExitStatus.FAILURE);
        }
    }

    /** A start that failed: one line for people, and the status {@link Main} exits with. */
    static final class StartFailure extends DaemonInitException {
        private final ExitStatus status;

        StartFailure(String message, ExitStatus status) {
            super(message);
            this.status = status;
        }

        ExitStatus status() {
            return status;
        }
    }

    /** Logs why the start failed (before {@link #release} stops the log), lets go of everything, and says why. */
    private StartFailure failed(String why, ExitStatus status) {
        logFailure(why);
        release();
        return new StartFailure("portd: " + why, status);
    }

    private void logFailure(String why) {
        if (foreground) {
            failures.error(why);
        }
    }

    /**
     * For a damaged store only: the newest backup, what restoring it loses, and the command that does it
     * (as the data directory's owner). For a damaged journal only the newest backup, and what restoring it
     * would lose: the journal holds changes acknowledged after it. Nothing else advises a restore.
     */
    private String restoreHint(StoreException e, Config config) {
        if (e.kind() != StoreException.Kind.DAMAGED) {
            return "";
        }
        Settings settings = config.settings();
        Path backups = settings.data().resolve("backups");
        if (e.inJournal()) {
            return Backups.newest(backups)
                    .map(b -> StoreException.journalBackupNote(b.file(), Values.time(b.timeMillis())))
                    .orElse(StoreException.noBackupAdvice(backups));
        }
        // INVOCATION_ID: started by systemd, where a connection to portd.socket would start portd again.
        String stop = env.containsKey("INVOCATION_ID") ? "stop portd (systemctl stop portd.socket portd.service)" : "stop portd";
        return Backups.newest(backups)
                .map(b -> StoreException.restoreAdvice(b.file(), Values.time(b.timeMillis()), stop,
                        Restore.command(settings.data(), settings.socket(), b.file())))
                .orElse(StoreException.noBackupAdvice(backups));
    }

    @Override
    public void start() throws Exception {
        try {
            portd.start();
        } catch (Exception e) {
            log.debug("start failed", e);
            throw failed("cannot start: " + e.getMessage(), ExitStatus.FAILURE);
        }
        notify.ready("serving " + portd.config().settings().socket());
        log.atInfo().setMessage("portd ready")
                .addKeyValue("ready_ms", (System.nanoTime() - initNanos) / 1_000_000)
                .addKeyValue("systemd", notify.enabled() ? "notified" : "no")
                .log();
    }

    /** jsvc's stop (it got SIGTERM, e.g. from {@code jsvc -stop}). */
    @Override
    public void stop() {
        stop("jsvc stop");
    }

    /** Tells systemd, then stops; {@code why} goes into the last log line. */
    public void stop(String why) {
        if (notify != null) {
            notify.stopping();
        }
        release(why);
    }

    @Override
    public void destroy() {
        release("destroy");
    }

    private void release() {
        release("cannot start");
    }

    /** Stops and closes whatever is open; safe to call more than once. */
    private synchronized void release(String why) {
        if (portd != null) {
            portd.stop(why);
            portd = null;
        }
        if (notify != null) {
            notify.close();
        }
    }

    /** The running daemon, for tests and tools in this process; null before init and after stop. */
    Portd portd() {
        return portd;
    }
}
