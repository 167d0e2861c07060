package dev.portd.jmx;

import dev.portd.protocol.Values;
import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.Lease;
import dev.portd.table.PortdException;
import dev.portd.table.TableConfig;
import dev.portd.table.Transport;
import java.security.AccessController;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;

/**
 * The JMX operations, run on the domain as the verbs run them: the same service-name check, the same
 * table transaction through the writer, the same history entry. The caller is the daemon's uid, and the
 * history notes {@code jmx:<user>} (the authenticated JMX user; plain {@code jmx} for a local attach).
 * A refusal becomes an exception from the JDK carrying the protocol's words for it ({@code ERR CODE
 * message}), so any JMX client shows the message without portd's classes. Runs on the JMX caller's
 * thread, never an event loop.
 */
final class Operator {
    private static final Set<ErrorCode> BAD_ARGUMENT = Set.of(ErrorCode.BADREQ, ErrorCode.UNKNOWN, ErrorCode.NOTFOUND);

    private final Managed daemon;

    Operator(Managed daemon) {
        this.daemon = daemon;
    }

    /** ALLOC: the port leased, or already held, anywhere in the managed range. */
    int allocate(String service) {
        TableConfig c = daemon.tableConfig();
        AllocSpec spec = new AllocSpec(service(service), 0, c.lo(), c.hi(), Transport.TCP, 0, 0, 0, null, false);
        return await("allocate", daemon.change(caller(), txn -> txn.alloc(spec)));
    }

    /** RELEASE: the port freed. */
    int release(String service) {
        String s = service(service);
        return await("release", daemon.change(caller(), txn -> txn.release(s)));
    }

    /** GET: the service's port, or -1 when it holds none. */
    int lookup(String service) {
        Lease l = daemon.table().lease(service(service));
        return l == null ? -1 : l.port();
    }

    /** PROBE: what it found, as the PROBE verb words it. */
    String probeNow() {
        Managed.Probed p = await("probeNow", daemon.prober().probeNow());
        return "sockets=" + p.sockets() + " conflicts=" + p.conflicts() + " millis=" + p.millis();
    }

    /** BACKUP: the file written. */
    String backupNow() {
        return await("backupNow", daemon.backupNow()).toString();
    }

    /** A valid service name; a generic client may send null, which is refused like an empty name. */
    private static String service(String s) {
        try {
            return Values.service(s == null ? "" : s);
        } catch (PortdException e) {
            throw refusal(e);
        }
    }

    private Caller caller() {
        return new Caller(daemon.tableConfig().daemonUid(), 0, via());
    }

    private static <T> T await(String op, CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(op + " was interrupted");
        } catch (TimeoutException e) {
            throw new IllegalStateException(op + " got no answer within 30 s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PortdException p) {
                throw refusal(p);
            }
            throw new IllegalStateException(op + " failed: " + e.getCause());
        }
    }

    /** IllegalArgumentException when the request was wrong, IllegalStateException when the table said no. */
    static RuntimeException refusal(PortdException e) {
        String message = "ERR " + e.code().name() + " " + e.getMessage();
        return BAD_ARGUMENT.contains(e.code()) ? new IllegalArgumentException(message) : new IllegalStateException(message);
    }

    /** jmx:USER for an authenticated connection, jmx for a local attach (no subject). */
    @SuppressWarnings({"removal", "deprecation"}) // Subject.current() is JDK 18+; this is the JDK 17 way
    static String via() {
        try {
            Subject s = Subject.getSubject(AccessController.getContext());
            if (s != null) {
                for (JMXPrincipal p : s.getPrincipals(JMXPrincipal.class)) {
                    return "jmx:" + p.getName();
                }
            }
        } catch (RuntimeException e) {
            // a JDK that no longer supports it: the channel alone still says where the change came from
        }
        return "jmx";
    }
}
