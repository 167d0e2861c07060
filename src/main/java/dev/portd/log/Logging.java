package dev.portd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.portd.table.Event;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The daemon's logging, set up in code: there is no file to write. {@link DefaultConfigurator} gives a
 * plain text default when Logback loads; {@link #configure(String, String)} applies {@code log_format}
 * and {@code log_level} first thing at start-up; {@link #stop()} flushes the last lines at the end.
 *
 * <p>Records go through a {@link DroppingAsyncAppender}: a thread that logs never waits for stderr, and
 * a burst of lines is written at once.
 */
public final class Logging {
    private Logging() {}

    /** Records the async queue holds before it starts dropping: a burst of changes, not a backlog. */
    static final int QUEUE_SIZE = 8192;

    /** Libraries whose INFO is noise for an operator; they speak up at DEBUG and TRACE only. */
    private static final String[] QUIET = {"io.netty", "org.mapdb"};

    /** How records look and where they go; {@code out} null means stderr. */
    public record Setup(String format, Level level, boolean journal, boolean color, OutputStream out) {
        public Setup {
            if (!format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException("log format must be text or json, not " + format);
            }
        }
    }

    // Written under the class lock; read without it, so STATS on an event loop never waits on a reconfigure.
    private static volatile DroppingAsyncAppender async;
    private static volatile long droppedBefore;

    /** The setup for stderr, from the config values and what stderr is connected to. */
    public static Setup forStderr(String format, String level, Map<String, String> env) {
        boolean journal = Stderr.isJournal(env);
        return new Setup(format.toLowerCase(Locale.ROOT), Level.toLevel(level, Level.INFO), journal,
                !journal && Stderr.wantsColor(env), null);
    }

    /** Applies log_format and log_level to stderr. Call before anything else logs. */
    public static void configure(String format, String level) {
        configure(forStderr(format, level, System.getenv()));
    }

    /** Replaces whatever was configured: the async appender, its encoder, the levels. */
    public static synchronized void configure(Setup setup) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset(); // stops (and drains) the previous appender
        retire();
        DroppingAsyncAppender a = new DroppingAsyncAppender(QUEUE_SIZE, encoder(ctx, setup),
                setup.out() == null ? stderr() : setup.out());
        a.setContext(ctx);
        a.setName("async");
        a.start();
        install(ctx, setup.level(), a);
        async = a;
        ctx.start(); // again after a stop(): a stopped context would ignore the next stop()
    }

    /** The default before {@link #configure}: text on stderr at INFO, written synchronously. */
    static void configureDefault(LoggerContext ctx) {
        Setup setup = forStderr("text", "info", System.getenv());
        OutputStreamAppender<ILoggingEvent> sink = new OutputStreamAppender<>();
        sink.setOutputStream(stderr());
        sink.setContext(ctx);
        sink.setName("out");
        sink.setEncoder(encoder(ctx, setup));
        sink.start();
        install(ctx, Level.INFO, sink);
    }

    /**
     * Queues the lines of a commit's changes, stamped with the commit's time, for the logging thread;
     * nothing before {@link #configure} or after {@link #stop}, when no thread writes.
     */
    static void committed(long time, List<Event> events) {
        DroppingAsyncAppender a = async;
        if (a != null) {
            a.committed(time, events);
        }
    }

    /** stderr, which a stopping appender may close: that leaves it open for what the JVM still has to say. */
    private static OutputStream stderr() {
        PrintStream err = System.err;
        return new OutputStream() {
            @Override
            public void write(int b) {
                err.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                err.write(b, off, len);
            }

            @Override
            public void flush() {
                err.flush();
            }
        };
    }

    private static LineEncoder encoder(LoggerContext ctx, Setup setup) {
        LineEncoder encoder = setup.format().equals("json") ? new JsonLineEncoder()
                : new TextEncoder(setup.journal(), setup.color());
        encoder.setContext(ctx);
        encoder.start();
        return encoder;
    }

    private static void install(LoggerContext ctx, Level level, ch.qos.logback.core.Appender<ILoggingEvent> appender) {
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(appender);
        for (String name : QUIET) {
            ctx.getLogger(name).setLevel(level.isGreaterOrEqual(Level.INFO) ? Level.WARN : null);
        }
        // Netty warns at every start on a host with no hardware address (a container with only loopback);
        // it then picks random bytes for its channel ids, which is all portd needs of them.
        ctx.getLogger("io.netty.util.internal.MacAddressUtil").setLevel(level.isGreaterOrEqual(Level.INFO) ? Level.ERROR : null);
    }

    /** Records dropped because the queue was full (DEBUG and TRACE first), since the daemon started. */
    public static long dropped() {
        DroppingAsyncAppender a = async;
        return droppedBefore + (a == null ? 0 : a.dropped());
    }

    /** Writes what is queued and stops logging: the last call of a stopping daemon. */
    public static synchronized void stop() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAndStopAllAppenders(); // drains the queue
        ctx.stop();
        retire();
    }

    /** Keeps the count of a stopped appender. */
    private static void retire() {
        DroppingAsyncAppender old = async;
        if (old != null) {
            async = null;
            droppedBefore += old.dropped();
        }
    }
}
