package dev.portd.jmx;

import dev.portd.daemon.Portd;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Request;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import java.security.AccessController;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;

/**
 * Runs JMX operations as requests through the verb table, exactly as the socket does: same checks,
 * same writer, same history entry. The caller is the daemon's uid, and the history notes
 * {@code jmx:<user>} (the authenticated JMX user; plain {@code jmx} for a local attach).
 * An {@code ERR} reply becomes an exception from the JDK, carrying the protocol's status line, so any
 * JMX client shows the message without portd's classes.
 */
final class Operator {
    private static final Set<ErrorCode> BAD_ARGUMENT = Set.of(ErrorCode.BADREQ, ErrorCode.UNKNOWN, ErrorCode.NOTFOUND);

    private final Portd portd;

    Operator(Portd portd) {
        this.portd = portd;
    }

    /** The reply to {@code VERB args...}, whatever it is. Runs on the JMX caller's thread, never an event loop. */
    Reply run(String verb, List<String> args, Map<String, String> options) {
        Caller caller = new Caller(portd.tableConfig().daemonUid(), 0, via());
        try {
            return portd.execute(Request.of(verb, args, options), caller).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(verb + " was interrupted");
        } catch (TimeoutException e) {
            throw new IllegalStateException(verb + " got no reply within 30 s");
        } catch (ExecutionException e) {
            throw new IllegalStateException(verb + " failed: " + e.getCause());
        }
    }

    /** The status of an OK reply (the text after OK); an ERR reply is thrown. */
    String ok(String verb, String... args) {
        return check(run(verb, List.of(args), Map.of())).status();
    }

    /** Turns ERR into IllegalArgumentException (the request was wrong) or IllegalStateException (the table said no). */
    static Reply check(Reply r) {
        if (r.ok()) {
            return r;
        }
        if (BAD_ARGUMENT.contains(r.error())) {
            throw new IllegalArgumentException(r.statusLine());
        }
        throw new IllegalStateException(r.statusLine());
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
