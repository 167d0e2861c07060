package dev.portd.protocol;

import static dev.portd.protocol.Verb.ANY;
import static dev.portd.protocol.Verb.Trait.ADMIN;
import static dev.portd.protocol.Verb.Trait.WHILE_WATCHING;

import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The verb table: every verb of the protocol, in one place, and the one dispatch that runs a request
 * through it. A row names the verb's arity, keys, flags, traits, help and handler; HELP, portctl's
 * options and the JMX operations' descriptions are read from here, and nothing reaches a handler that
 * its row did not allow. Adding a verb is one row here and one handler method.
 */
public final class Verbs {
    private Verbs() {}

    private static final Map<String, Verb> TABLE = new LinkedHashMap<>();

    static {
        // ---- the connection ----
        add(Verb.named("PING").is(WHILE_WATCHING).summary("liveness").read(ConnectionVerbs::ping));
        add(Verb.named("VERSION").summary("the daemon's version and protocol").read(ConnectionVerbs::version));
        add(Verb.named("HELP").args(0, 1).usage("HELP [VERB]")
                .summary("usage, one verb a line, or the whole text of one verb").read(ConnectionVerbs::help));
        add(Verb.named("QUIT").is(WHILE_WATCHING).summary("close the connection").session(ConnectionVerbs::quit));

        // ---- leases ----
        add(Verb.named("ALLOC").args(1, 1).keys("port", "range", "proto", "pid", "ttl", "desc", "check", "check_interval")
                .flags("strict")
                .usage("ALLOC <service> [port=N] [range=LO-HI] [proto=tcp|udp|both] [pid=N] [ttl=D] [desc=\"...\"]"
                        + " [check=tcp|http:PATH] [check_interval=D] [strict]")
                .summary("lease a port for the service")
                .help("""
                        If the service already holds a lease, the reply is that port (and a ttl is renewed).
                        port=N asks for N; if N is taken the daemon picks another, unless strict (then ERR TAKEN).
                        range=LO-HI limits the automatic choice (inside the managed range); proto= what the port is
                        checked for (default tcp); pid=N ends the lease when that process exits; ttl=D ends it
                        unless renewed in time; desc= a description. Ports below 1024 only for root.
                        check=tcp (connect) or check=http:PATH (GET, 2xx or 3xx is healthy) checks the service on its
                        port every check_interval (default 10s, at least 1s); on a held lease it replaces the check.
                        See HEALTH.""")
                .change(LeaseVerbs::alloc));
        add(Verb.named("GET").args(1, 1).usage("GET <service>").summary("the service's port").read(LeaseVerbs::get));
        add(Verb.named("RELEASE").args(0, 1).keys("port", "glob")
                .usage("RELEASE <service> | RELEASE port=N | RELEASE glob=PATTERN").summary("end a lease")
                .help("""
                        RELEASE <service> answers the port freed; RELEASE port=N answers the service whose lease ended.
                        RELEASE glob=PATTERN (* and ?) ends every matching lease the caller may change, in one
                        durable batch, and answers how many; other users' leases are left alone and not counted.""")
                .change(LeaseVerbs::release));
        add(Verb.named("RENEW").args(1, 1).keys("ttl").usage("RENEW <service> [ttl=D]")
                .summary("push a ttl lease's expiry forward").help("Without ttl= the lease's own ttl is used again.")
                .change(LeaseVerbs::renew));
        add(Verb.named("CHECK").args(1, 1).keys("proto").usage("CHECK <port> [proto=P]")
                .summary("free, leased, reserved or inuse (with pid= and cmd= when known)").read(TableVerbs::check));
        add(Verb.named("LIST").args(0, 1).usage("LIST [GLOB]").summary("one line per lease, ordered by port")
                .columns("port", "service", "proto", "state", "uid", "pid", "since", "expires", "desc", "health", "health_ms")
                .help("health and health_ms only for leases with a check. GLOB filters names: * and ?.").read(TableVerbs::list));
        add(Verb.named("FREE").keys("range").usage("FREE [range=LO-HI]")
                .summary("free ports of the managed range, as compact runs")
                .help("Lines are LO-HI or P; the status is the number of free ports.").read(TableVerbs::free));
        add(Verb.named("RESERVE").args(1, 1).keys("desc").is(ADMIN).usage("RESERVE <P or LO-HI> [desc=\"...\"]")
                .summary("keep ports out of automatic choice (root or the daemon's user)")
                .help("The reply counts newly reserved ports.").change(LeaseVerbs::reserve));
        add(Verb.named("UNRESERVE").args(1, 1).is(ADMIN).usage("UNRESERVE <P or LO-HI>")
                .summary("undo RESERVE (root or the daemon's user)")
                .help("The reply counts ports no longer reserved.").change(LeaseVerbs::unreserve));
        add(Verb.named("HISTORY").args(0, 1).keys("port", "limit").usage("HISTORY [service | port=N] [limit=N]")
                .summary("changes, oldest first (default limit 50)")
                .columns("time", "event", "service", "port", "prev", "uid", "pid", "note").read(TableVerbs::history));
        add(Verb.named("USAGE").keys("port", "range").usage("USAGE [port=N | range=LO-HI]")
                .summary(UsageReport.SUMMARY).columns(UsageReport.COLUMNS).help(UsageReport.DETAILS)
                .read(UsageReport::usage));
        add(Verb.named("ENV").args(0, ANY).keys("format").usage("ENV [service...] [format=dotenv|shell|compose|systemd]")
                .summary("ports as environment variables")
                .help("The name is the service upper-cased, every character outside A-Z0-9 turned into _, plus _PORT.")
                .read(TableVerbs::env));
        add(Verb.named("EXPORT").keys("format").usage("EXPORT [format=ports|json]")
                .summary("the table as service:port:description lines, or one JSON document").read(TableVerbs::export));
        add(Verb.named("CONFLICTS").summary("ports held by the wrong party, one line each")
                .columns("port", "kind", "service", "pid", "uid", "cmd", "since")
                .help("""
                        kind is squatter (a leased port held by another user's or another process's socket)
                        or unmanaged (a port of the range in use without a lease).""")
                .read(TableVerbs::conflicts));
        add(Verb.named("RESOLVE").args(1, 1).keys("port", "swap").usage("RESOLVE <service> [port=N] [swap=OTHER]")
                .summary("move a lease: to a new free port, to port N, or swap ports with OTHER")
                .help("Owner-checked like RELEASE; with swap= the caller must be allowed to change both leases.")
                .change(LeaseVerbs::resolve));
        add(Verb.named("PROBE").summary("probe port occupancy now")
                .help("Replies OK sockets=<n> conflicts=<n> millis=<n> once what it found is in the table.")
                .later(DaemonVerbs::probe));
        add(Verb.named("WAIT").args(0, 1).keys("port", "timeout").usage("WAIT <service | port=N> [timeout=D]")
                .summary("wait until something listens on the port (default 30s, at most 300s)")
                .help("Replies OK bound [pid=N], or ERR TIMEOUT. Closing the connection cancels the wait.")
                .later(DaemonVerbs::await));
        add(Verb.named("WATCH").summary("stream events as they happen (HISTORY keys)")
                .help("While watching, only UNWATCH, PING and QUIT are accepted.").session(ConnectionVerbs::watch));
        add(Verb.named("UNWATCH").is(WHILE_WATCHING).summary("stop streaming events; replies the number sent")
                .session(ConnectionVerbs::unwatch));
        add(Verb.named("HEALTH").args(0, 1).usage(HealthVerb.USAGE).summary(HealthVerb.SUMMARY)
                .help(HealthVerb.DETAILS).read(HealthVerb::health));
        add(Verb.named("STATS").summary("the daemon's figures, key=value lines").read(ConnectionVerbs::stats));

        // ---- backups (written on their own thread; the reply comes when the file is durable) ----
        // BACKUP is ADMIN like RESERVE: it writes in the daemon's directory, and each one pushes the oldest
        // kept snapshot out, so anyone could otherwise flush the hourly ones away.
        add(Verb.named("BACKUP").is(ADMIN).summary("write a JSON snapshot of the table now (root or the daemon's user)")
                .help("The reply names the file in <data>/backups/; the oldest beyond backup_keep are deleted.")
                .later(DaemonVerbs::backup));
        add(Verb.named("BACKUPS").summary("the snapshots, newest first").columns("file", "time", "bytes")
                .later(DaemonVerbs::backups));
    }

    /**
     * Runs one request through the table: finds the verb, checks the request against its row (arity and
     * keys, then its traits: ADMIN, CONNECTION), and hands it to its handler. Exactly one reply reaches
     * {@code reply}: the handler's, or the error that stopped it. The socket and JMX both come in here, so
     * both get the same checks.
     */
    public static void run(Request req, Caller caller, Context ctx, Session session, Consumer<Reply> reply) {
        Verb verb = req.command();
        // Only changes, admin verbs and deferred ones can be refused for rights or quota: the others' replies
        // go straight through, without a wrapper a request.
        Consumer<Reply> done = verb != null && !verb.is(Verb.Trait.WRITE) && !verb.is(ADMIN) && !verb.is(Verb.Trait.DEFERRED)
                ? reply : Audit.watch(req, caller, reply);
        if (verb == null) {
            done.accept(Reply.error(ErrorCode.UNKNOWN, "no verb " + Values.clip(req.verb()) + "; HELP lists them"));
            return;
        }
        try {
            Call call = verb.bind(req, caller, ctx, session);
            if (verb.is(ADMIN) && !ctx.tableConfig().privileged(caller.uid())) {
                PortdException denied = new PortdException(ErrorCode.DENIED, verb.name() + " is for root and the daemon's user");
                if (verb.is(Verb.Trait.WRITE)) {
                    // Refused by the writer, so in order with this connection's earlier changes and their audit lines.
                    ctx.submit(caller, t -> {
                        throw denied;
                    }, done);
                    return;
                }
                throw denied;
            }
            if (verb.is(Verb.Trait.CONNECTION) && session == null) {
                throw PortdException.badRequest(verb.name() + " acts on a connection; there is none here");
            }
            verb.handler().handle(call, done);
        } catch (PortdException e) {
            done.accept(Reply.error(e));
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(Verbs.class).error("{} failed", req.verb(), e);
            done.accept(Reply.error(ErrorCode.INTERNAL, req.verb() + " failed: " + e));
        }
    }

    /** The verb named (upper case), or null. */
    public static Verb get(String name) {
        return TABLE.get(name);
    }

    public static Collection<Verb> all() {
        return Collections.unmodifiableCollection(TABLE.values());
    }

    /** Whether the request changes the table (the connection starts those without waiting for earlier replies). */
    public static boolean writes(Request req) {
        return req.command() != null && req.command().is(Verb.Trait.WRITE);
    }

    /** Whether the request is accepted while the connection streams WATCH events. */
    public static boolean whileWatching(Request req) {
        return req.command() != null && req.command().is(WHILE_WATCHING);
    }

    private static void add(Verb v) {
        TABLE.put(v.name(), v);
    }
}
