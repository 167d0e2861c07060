package dev.portd.protocol;

import static dev.portd.protocol.Verb.ANY;
import static dev.portd.protocol.Verb.Kind.READ;
import static dev.portd.protocol.Verb.Kind.SESSION;
import static dev.portd.protocol.Verb.Kind.WRITE;

import dev.portd.probe.Processes;
import dev.portd.store.Writer;
import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortSet;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.PortdException;
import dev.portd.table.TableConfig;
import dev.portd.table.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * The verb table: every verb of the protocol, in one place. Each row says how many arguments the
 * verb takes, which keys and flags it knows, whether it changes the table, its help, and what it
 * does. HELP is generated from here, and nothing reaches a handler that this table did not allow.
 */
public final class Verbs {
    private Verbs() {}

    private static final Map<String, Verb> TABLE = new LinkedHashMap<>();

    static {
        // ---- the connection ----
        read("PING", 0, 0, keys(), flags(), "PING", "liveness", "", c -> Reply.ok("result", "PONG"));
        read("VERSION", 0, 0, keys(), flags(), "VERSION", "the daemon's version and protocol", "",
                c -> Reply.ok("portd " + c.ctx().version() + " protocol=1",
                        Row.of("name", "portd").put("version", c.ctx().version()).put("protocol", 1)));
        read("HELP", 0, 1, keys(), flags(), "HELP [VERB]", "usage, one verb a line, or the whole text of one verb",
                "", Verbs::help);
        session("QUIT", 0, 0, keys(), flags(), "QUIT", "close the connection", "",
                (c, done) -> done.accept(Reply.ok("result", "bye").thenClose()));

        // ---- leases ----
        write("ALLOC", 1, 1, keys("port", "range", "proto", "pid", "ttl", "desc", "check", "check_interval"), flags("strict"),
                "ALLOC <service> [port=N] [range=LO-HI] [proto=tcp|udp|both] [pid=N] [ttl=D] [desc=\"...\"]"
                        + " [check=tcp|http:PATH] [check_interval=D] [strict]",
                "lease a port for the service",
                """
                If the service already holds a lease, the reply is that port (and a ttl is renewed).
                port=N asks for N; if N is taken the daemon picks another, unless strict (then ERR TAKEN).
                range=LO-HI limits the automatic choice (inside the managed range); proto= what the port is
                checked for (default tcp); pid=N ends the lease when that process exits; ttl=D ends it
                unless renewed in time; desc= a description. Ports below 1024 only for root.
                check=tcp (connect) or check=http:PATH (GET, 2xx or 3xx is healthy) checks the service on its
                port every check_interval (default 10s, at least 1s); on a held lease it replaces the check.
                See HEALTH.""",
                Verbs::alloc);
        read("GET", 1, 1, keys(), flags(), "GET <service>", "the service's port", "", c -> {
            Lease l = lease(c, Values.service(c.arg(0)));
            return Reply.ok("port", l.port());
        });
        write("RELEASE", 0, 1, keys("port"), flags(), "RELEASE <service> | RELEASE port=N", "end a lease",
                "RELEASE <service> answers the port freed; RELEASE port=N answers the service whose lease ended.",
                Verbs::release);
        write("RENEW", 1, 1, keys("ttl"), flags(), "RENEW <service> [ttl=D]", "push a ttl lease's expiry forward",
                "Without ttl= the lease's own ttl is used again.", c -> {
                    String s = Values.service(c.arg(0));
                    long ttl = positiveDuration(c, "ttl");
                    return t -> Reply.ok("port", t.renew(s, ttl));
                });
        read("CHECK", 1, 1, keys("proto"), flags(), "CHECK <port> [proto=P]",
                "free, leased, reserved or inuse (with pid= and cmd= when known)", "", Verbs::check);
        read("LIST", 0, 1, keys(), flags(), "LIST [GLOB]", "one line per lease, ordered by port",
                "Keys: port service proto state uid pid since expires desc health health_ms. health and health_ms"
                        + " only for leases with a check. GLOB filters names: * and ?.",
                Verbs::list);
        read("FREE", 0, 0, keys("range"), flags(), "FREE [range=LO-HI]",
                "free ports of the managed range, as compact runs",
                "Lines are LO-HI or P; the status is the number of free ports.", Verbs::free);
        write("RESERVE", 1, 1, keys("desc"), flags(), "RESERVE <P or LO-HI> [desc=\"...\"]",
                "keep ports out of automatic choice (root or the daemon's user)", "The reply counts newly reserved ports.",
                c -> {
                    int[] r = Values.range("port", c.arg(0));
                    String desc = c.has("desc") ? Values.desc(c.option("desc")) : null;
                    return t -> Reply.ok("count", t.reserve(r[0], r[1], desc));
                });
        write("UNRESERVE", 1, 1, keys(), flags(), "UNRESERVE <P or LO-HI>", "undo RESERVE (root or the daemon's user)",
                "The reply counts ports no longer reserved.", c -> {
                    int[] r = Values.range("port", c.arg(0));
                    return t -> Reply.ok("count", t.unreserve(r[0], r[1]));
                });
        read("HISTORY", 0, 1, keys("port", "limit"), flags(), "HISTORY [service | port=N] [limit=N]",
                "changes, oldest first (default limit 50)",
                "Keys: time event service port prev uid pid note.", Verbs::history);
        read("ENV", 0, ANY, keys("format"), flags(), "ENV [service...] [format=dotenv|shell|compose|systemd]",
                "ports as environment variables",
                "The name is the service upper-cased, every character outside A-Z0-9 turned into _, plus _PORT.",
                Verbs::env);
        read("EXPORT", 0, 0, keys("format"), flags(), "EXPORT [format=ports|json]",
                "the table as service:port:description lines, or one JSON document", "", Verbs::export);
        read("CONFLICTS", 0, 0, keys(), flags(), "CONFLICTS", "ports held by the wrong party, one line each",
                """
                Keys: port kind service pid uid cmd since. kind is squatter (a leased port held by another
                user's or another process's socket) or unmanaged (a port of the range in use without a lease).""",
                c -> {
                    List<Row> rows = new ArrayList<>();
                    for (dev.portd.table.Conflict x : c.ctx().table().conflicts().values()) {
                        rows.add(Rows.of(x));
                    }
                    return Reply.rows(rows);
                });
        write("RESOLVE", 1, 1, keys("port", "swap"), flags(), "RESOLVE <service> [port=N] [swap=OTHER]",
                "move a lease: to a new free port, to port N, or swap ports with OTHER",
                "Owner-checked like RELEASE; with swap= the caller must be allowed to change both leases.", c -> {
                    String s = Values.service(c.arg(0));
                    int port = c.portOption("port");
                    String swap = c.has("swap") ? Values.service(c.option("swap")) : null;
                    if (port != 0 && swap != null) {
                        throw PortdException.badRequest("RESOLVE takes port= or swap=, not both");
                    }
                    return t -> Reply.ok("port", t.resolve(s, port, swap));
                });
        async("PROBE", 0, 0, keys(), flags(), "PROBE", "probe port occupancy now",
                "Replies OK sockets=<n> conflicts=<n> millis=<n> once what it found is in the table.",
                (c, done) -> c.ctx().probe(done));
        async("WAIT", 0, 1, keys("port", "timeout"), flags(), "WAIT <service | port=N> [timeout=D]",
                "wait until something listens on the port (default 30s, at most 300s)",
                "Replies OK bound [pid=N], or ERR TIMEOUT. Closing the connection cancels the wait.", Verbs::await);
        session("WATCH", 0, 0, keys(), flags(), "WATCH", "stream events as they happen (HISTORY keys)",
                "While watching, only UNWATCH, PING and QUIT are accepted.", (c, done) -> {
                    if (c.session() == null || !c.session().watch()) {
                        throw new PortdException(ErrorCode.CONFLICT, "already watching");
                    }
                    done.accept(Reply.ok("result", "watching"));
                });
        session("UNWATCH", 0, 0, keys(), flags(), "UNWATCH", "stop streaming events; replies the number sent", "",
                (c, done) -> {
                    long n = c.session() == null ? -1 : c.session().unwatch();
                    if (n < 0) {
                        throw new PortdException(ErrorCode.CONFLICT, "not watching");
                    }
                    done.accept(Reply.ok("sent", n));
                });
        read("HEALTH", 0, 1, keys(), flags(), HealthVerb.USAGE, HealthVerb.SUMMARY, HealthVerb.DETAILS,
                HealthVerb::health);
        read("STATS", 0, 0, keys(), flags(), "STATS", "the daemon's figures, key=value lines", "",
                c -> Reply.pairs(c.ctx().stats()));

        // ---- backups (written on their own thread; the reply comes when the file is durable) ----
        async("BACKUP", 0, 0, keys(), flags(), "BACKUP", "write a JSON snapshot of the table now (root or the daemon's user)",
                "The reply names the file in <data>/backups/; the oldest beyond backup_keep are deleted.", Verbs::backup);
        async("BACKUPS", 0, 0, keys(), flags(), "BACKUPS", "the snapshots, newest first",
                "Keys: file time bytes.", (c, done) -> c.ctx().backups().listAsync().whenComplete((list, e) -> {
                    List<Row> rows = new ArrayList<>();
                    if (e == null) {
                        list.forEach(b -> rows.add(b.row()));
                    }
                    done.accept(e == null ? Reply.rows(rows) : Reply.error(ErrorCode.INTERNAL, "cannot list backups: " + e));
                }));
    }

    /**
     * Runs one request through the table: finds the verb, checks the request against it, and hands it
     * to its handler. Exactly one reply reaches {@code done}: the handler's, or the error that stopped it.
     * The socket and JMX both come in here, so both get the same checks.
     */
    public static void run(Request req, Caller caller, Context ctx, Session session, Consumer<Reply> reply) {
        Consumer<Reply> done = Audit.watch(req, caller, reply);
        Verb verb = TABLE.get(req.verb());
        if (verb == null) {
            done.accept(Reply.error(ErrorCode.UNKNOWN, "no verb " + Values.clip(req.verb()) + "; HELP lists them"));
            return;
        }
        try {
            verb.handler().handle(verb.bind(req, caller, ctx, session), done);
        } catch (PortdException e) {
            done.accept(Reply.error(e));
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(Verbs.class).error("{} failed", req.verb(), e);
            done.accept(Reply.error(ErrorCode.INTERNAL, req.verb() + " failed: " + e));
        }
    }

    /** The verb named, or null. */
    public static Verb get(String name) {
        return TABLE.get(name);
    }

    public static java.util.Collection<Verb> all() {
        return Collections.unmodifiableCollection(TABLE.values());
    }

    // ---- table construction ----

    @FunctionalInterface
    interface ReadFn {
        Reply apply(Call c);
    }

    @FunctionalInterface
    interface WriteFn {
        /** Validates on the event loop; the returned change runs on the writer. */
        Writer.Change<Reply> prepare(Call c);
    }

    private static void read(String name, int min, int max, Set<String> keys, Set<String> flags, String usage,
                             String summary, String details, ReadFn fn) {
        add(new Verb(name, min, max, keys, flags, READ, usage, summary, details, (c, done) -> done.accept(fn.apply(c))));
    }

    private static void write(String name, int min, int max, Set<String> keys, Set<String> flags, String usage,
                              String summary, String details, WriteFn fn) {
        add(new Verb(name, min, max, keys, flags, WRITE, usage, summary, details,
                (c, done) -> c.ctx().submit(c.caller(), fn.prepare(c), done)));
    }

    /** A read that replies later (PROBE, WAIT): it still waits for the connection's earlier changes. */
    private static void async(String name, int min, int max, Set<String> keys, Set<String> flags, String usage,
                              String summary, String details, Verb.Handler h) {
        add(new Verb(name, min, max, keys, flags, READ, usage, summary, details, h));
    }

    static void session(String name, int min, int max, Set<String> keys, Set<String> flags, String usage,
                        String summary, String details, Verb.Handler h) {
        add(new Verb(name, min, max, keys, flags, SESSION, usage, summary, details, h));
    }

    private static void add(Verb v) {
        TABLE.put(v.name(), v);
    }

    private static Set<String> keys(String... k) {
        return Set.of(k);
    }

    private static Set<String> flags(String... f) {
        return Set.of(f);
    }

    // ---- handlers ----

    private static Reply help(Call c) {
        List<Row> rows = new ArrayList<>();
        if (c.arg(0) == null) {
            for (Verb v : TABLE.values()) {
                rows.add(Row.text(v.usage() + "  -- " + v.summary()).put("verb", v.name()).put("usage", v.usage())
                        .put("summary", v.summary()));
            }
            return Reply.rows(rows);
        }
        Verb v = TABLE.get(c.arg(0).toUpperCase(Locale.ROOT));
        if (v == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no verb " + Values.clip(c.arg(0)));
        }
        rows.add(Row.text(v.usage()).put("text", v.usage()));
        rows.add(Row.text("  " + v.summary()).put("text", v.summary()));
        for (String line : v.details().split("\n")) {
            if (!line.isBlank()) {
                rows.add(Row.text("  " + line.strip()).put("text", line.strip()));
            }
        }
        return Reply.rows(rows);
    }

    /**
     * BACKUP is for root and the daemon's uid, like RESERVE: it writes in the daemon's directory, and
     * each one pushes the oldest kept snapshot out, so anyone could otherwise flush the hourly ones away.
     */
    private static void backup(Call c, Consumer<Reply> done) {
        if (!c.ctx().tableConfig().privileged(c.caller().uid())) {
            throw new PortdException(ErrorCode.DENIED, "BACKUP is for root and the daemon's user");
        }
        c.ctx().backups().backup().whenComplete((b, e) -> done.accept(e == null
                ? Reply.ok(b.file().toString(), b.row())
                : Reply.error(ErrorCode.STORE, "backup failed: " + (e.getCause() == null ? e : e.getCause()))));
    }

    private static Writer.Change<Reply> alloc(Call c) {
        String service = Values.service(c.arg(0));
        int port = c.portOption("port");
        int[] range = rangeOption(c);
        int lo = range[0];
        int hi = range[1];
        Transport proto = c.has("proto") ? Transport.parse(c.option("proto")) : Transport.TCP;
        int pid = 0;
        long pidStart = 0;
        if (c.has("pid")) {
            pid = Values.integer("pid", c.option("pid"), 1, Integer.MAX_VALUE);
            pidStart = Processes.startTime(pid).orElseThrow(() -> PortdException.badRequest("no process " + c.option("pid")));
        }
        long ttl = positiveDuration(c, "ttl");
        String desc = c.has("desc") ? Values.desc(c.option("desc")) : null;
        AllocSpec spec = new AllocSpec(service, port, lo, hi, proto, pid, pidStart, ttl, desc, c.flag("strict"),
                HealthVerb.checkOption(c));
        return t -> Reply.ok("port", t.alloc(spec));
    }

    static final long WAIT_DEFAULT_MILLIS = 30_000;
    static final long WAIT_MAX_MILLIS = 300_000;

    private static void await(Call c, Consumer<Reply> done) {
        int port;
        if (c.has("port") == (c.arg(0) != null)) {
            throw PortdException.badRequest("WAIT takes a service or port=N: " + c.verb().usage());
        }
        port = c.has("port") ? c.portOption("port") : lease(c, Values.service(c.arg(0))).port();
        long timeout = c.has("timeout") ? positiveDuration(c, "timeout") : WAIT_DEFAULT_MILLIS;
        if (timeout > WAIT_MAX_MILLIS) {
            throw PortdException.badRequest("timeout must be at most 300s");
        }
        Runnable cancel = c.ctx().await(port, timeout, done);
        if (c.session() != null) {
            c.session().onClose(cancel);
        }
    }

    /** {@code range=LO-HI}, which must lie inside the managed range; the managed range when absent. */
    private static int[] rangeOption(Call c) {
        TableConfig cfg = c.ctx().tableConfig();
        if (!c.has("range")) {
            return new int[] {cfg.lo(), cfg.hi()};
        }
        int[] r = Values.range("range", c.option("range"));
        if (r[0] < cfg.lo() || r[1] > cfg.hi()) {
            throw PortdException.badRequest("range " + c.option("range") + " is not inside the managed range "
                    + cfg.lo() + "-" + cfg.hi());
        }
        return r;
    }

    private static long positiveDuration(Call c, String key) {
        long ms = c.durationOption(key);
        if (c.has(key) && ms <= 0) {
            throw PortdException.badRequest(key + " must be more than 0");
        }
        return ms;
    }

    private static Writer.Change<Reply> release(Call c) {
        if (c.has("port") == (c.arg(0) != null)) {
            throw PortdException.badRequest("RELEASE takes a service or port=N: " + c.verb().usage());
        }
        if (c.has("port")) {
            int port = c.portOption("port");
            return t -> Reply.ok("service", t.releasePort(port));
        }
        String s = Values.service(c.arg(0));
        return t -> Reply.ok("port", t.release(s));
    }

    private static Lease lease(Call c, String service) {
        Lease l = c.ctx().table().lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        return l;
    }

    private static Reply check(Call c) {
        int port = Values.port("port", c.arg(0));
        Transport proto = c.has("proto") ? Transport.parse(c.option("proto")) : Transport.TCP;
        PortTable t = c.ctx().table();
        Lease l = t.leaseOn(port);
        if (l != null) {
            return Reply.ok("leased service=" + l.service(), Row.of("state", "leased").put("service", l.service())
                    .put("proto", l.proto().wire()).put("uid", l.uid()));
        }
        if (t.isReserved(port)) {
            String d = t.reservation(port);
            Row r = Row.of("state", "reserved").put("desc", d.isEmpty() ? null : d);
            return Reply.ok(d.isEmpty() ? "reserved" : "reserved " + r.line().substring("state=reserved ".length()), r);
        }
        PortUse use = c.ctx().portUse();
        if (use.inUse(port, proto) || !dev.portd.table.BindCheck.canBind(port, proto)) {
            PortUse.Owner o = use.owner(port);
            Row r = Row.of("state", "inuse");
            if (o != null && o.pid() > 0) {
                r.put("pid", o.pid()).put("cmd", o.cmd());
            }
            String extra = r.line().substring("state=inuse".length());
            return Reply.ok("inuse" + extra, r);
        }
        return Reply.ok("free", Row.of("state", "free"));
    }

    private static Reply list(Call c) {
        String glob = c.arg(0);
        List<Row> rows = new ArrayList<>();
        for (Lease l : c.ctx().table().leases()) {
            if (glob == null || globMatches(glob, l.service())) {
                rows.add(Rows.of(l, c.ctx().health()));
            }
        }
        return Reply.rows(rows);
    }

    /**
     * Shell-style: * any run, ? one character, everything else literal. Only the last * is ever
     * backtracked to, so a glob costs at most its length times the name's; a regex built from a glob
     * like *a*a*a*a*a*a*aZ backtracks exponentially and would hold an event loop for hours.
     */
    static boolean globMatches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = n;
            } else if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (star >= 0) {
                g = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    private static Reply free(Call c) {
        int[] range = rangeOption(c);
        int lo = range[0];
        int hi = range[1];
        PortSet taken = c.ctx().table().taken();
        PortUse use = c.ctx().portUse();
        List<Row> rows = new ArrayList<>();
        int count = 0;
        int runStart = -1;
        for (int p = lo; p <= hi + 1; p++) {
            boolean free = p <= hi && !taken.contains(p) && !use.inUse(p, Transport.TCP);
            if (free) {
                count++;
                if (runStart < 0) {
                    runStart = p;
                }
            } else if (runStart >= 0) {
                int end = p - 1;
                rows.add(Row.text(runStart == end ? Integer.toString(end) : runStart + "-" + end)
                        .put("lo", runStart).put("hi", end));
                runStart = -1;
            }
        }
        return Reply.rows(rows, "free", count);
    }

    private static Reply history(Call c) {
        String service = c.arg(0) == null ? null : Values.service(c.arg(0));
        int port = c.portOption("port");
        if (service != null && port != 0) {
            throw PortdException.badRequest("HISTORY takes a service or port=N, not both");
        }
        int limit = c.has("limit") ? Values.integer("limit", c.option("limit"), 1, 1_000_000) : 50;
        ArrayDeque<Row> last = new ArrayDeque<>(Math.min(limit, 1024));
        for (Event e : c.ctx().table().history()) {
            boolean match = service != null ? service.equals(e.service()) : port == 0 || e.port() == port || e.prev() == port;
            if (match) {
                if (last.size() == limit) {
                    last.removeFirst();
                }
                last.addLast(Rows.of(e));
            }
        }
        return Reply.rows(new ArrayList<>(last));
    }

    private static List<Lease> named(Call c) {
        List<Lease> out = new ArrayList<>();
        if (c.args().isEmpty()) {
            out.addAll(c.ctx().table().leases());
        } else {
            for (String s : c.args()) {
                out.add(lease(c, Values.service(s)));
            }
        }
        return out;
    }

    /** WEB_PORT for web, MY_API_PORT for my-api. */
    public static String envName(String service) {
        StringBuilder sb = new StringBuilder(service.length() + 5);
        for (int i = 0; i < service.length(); i++) {
            char ch = Character.toUpperCase(service.charAt(i));
            sb.append(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ? ch : '_');
        }
        return sb.append("_PORT").toString();
    }

    private static final Map<String, Function<String, String>> ENV_FORMATS = Map.of(
            "dotenv", nv -> nv,
            "shell", nv -> "export " + nv,
            "compose", nv -> nv.replaceFirst("=(.*)", ": \"$1\""),
            "systemd", nv -> "Environment=" + nv);

    private static Reply env(Call c) {
        String format = c.has("format") ? c.option("format").toLowerCase(Locale.ROOT) : "dotenv";
        Function<String, String> f = ENV_FORMATS.get(format);
        if (f == null) {
            throw PortdException.badRequest("format must be dotenv, shell, compose or systemd, not '"
                    + Values.clip(c.option("format")) + "'");
        }
        List<Row> rows = new ArrayList<>();
        for (Lease l : named(c)) {
            String name = envName(l.service());
            rows.add(Row.text(f.apply(name + "=" + l.port())).put("name", name).put("service", l.service())
                    .put("port", l.port()));
        }
        return Reply.rows(rows);
    }

    private static Reply export(Call c) {
        String format = c.has("format") ? c.option("format").toLowerCase(Locale.ROOT) : "ports";
        List<Row> rows = new ArrayList<>();
        switch (format) {
            case "ports" -> {
                for (Lease l : c.ctx().table().leases()) {
                    rows.add(Row.text(l.service() + ":" + l.port() + ":" + (l.desc() == null ? "" : l.desc()))
                            .put("service", l.service()).put("port", l.port()).put("description", l.desc()));
                }
            }
            case "json" -> {
                Row doc = new Row();
                for (Lease l : c.ctx().table().leases()) {
                    doc.put(l.service(), Row.of("port", l.port()).put("description", l.desc()));
                }
                rows.add(Row.text(Json.object(doc)).put("document", doc));
            }
            default -> throw PortdException.badRequest("format must be ports or json, not '"
                    + Values.clip(c.option("format")) + "'");
        }
        return Reply.rows(rows);
    }
}
