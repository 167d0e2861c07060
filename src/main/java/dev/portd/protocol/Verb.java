package dev.portd.protocol;

import dev.portd.store.Writer;
import dev.portd.table.Caller;
import dev.portd.table.PortdException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One row of the verb table, in Redis's manner: its name, arity, the keys and bare-word flags it
 * knows, its traits (which the dispatch in {@link Verbs#run} enforces), its help, and its handler.
 * Built with {@link #named}: {@code Verb.named("GET").args(1, 1).usage(...).summary(...).read(...)}.
 */
public final class Verb {

    /** What the dispatch and the connection need to know about a verb, besides its arguments. */
    public enum Trait {
        /** Changes the table: queued to the store writer, answered after the commit (set by {@link Builder#change}). */
        WRITE,
        /** Replies later, off the event loop (PROBE, WAIT, BACKUP; set by {@link Builder#later}). */
        DEFERRED,
        /** For root and the daemon's own uid only. */
        ADMIN,
        /** Accepted on a connection that is streaming WATCH events. */
        WHILE_WATCHING,
        /** Acts on the connection itself (QUIT, WATCH, UNWATCH): refused where there is none (JMX). */
        CONNECTION
    }

    @FunctionalInterface
    public interface Handler {
        /** Produces exactly one reply through {@code done}, now or later. */
        void handle(Call call, Consumer<Reply> done);
    }

    /** A read answered at once from the committed table. */
    @FunctionalInterface
    public interface ReadFn {
        Reply apply(Call c);
    }

    /** A change: validates on the event loop; the returned change runs on the writer. */
    @FunctionalInterface
    public interface ChangeFn {
        Writer.Change<Reply> prepare(Call c);
    }

    public static final int ANY = Integer.MAX_VALUE;

    private final String name;
    private final int minArgs;
    private final int maxArgs;
    private final Set<String> keys;
    private final Set<String> flags;
    /** The traits as bits (1 << ordinal): asked several times per request, so a mask, not a set. */
    private final int traits;
    private final String usage;
    private final String summary;
    private final List<String> columns;
    private final String details;
    private final Handler handler;

    private Verb(Builder b, Handler handler) {
        this.name = b.name;
        this.minArgs = b.minArgs;
        this.maxArgs = b.maxArgs;
        this.keys = Set.of(b.keys);
        this.flags = Set.of(b.flags);
        int mask = 0;
        for (Trait t : b.traits) {
            mask |= 1 << t.ordinal();
        }
        this.traits = mask;
        this.usage = b.usage == null ? b.name : b.usage;
        this.summary = b.summary;
        this.columns = List.of(b.columns);
        this.details = b.details;
        this.handler = handler;
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public int minArgs() {
        return minArgs;
    }

    public int maxArgs() {
        return maxArgs;
    }

    /** The keys it knows ({@code port} of {@code port=N}). */
    public Set<String> keys() {
        return keys;
    }

    /** The bare-word flags it knows ({@code strict}). */
    public Set<String> flags() {
        return flags;
    }

    public boolean is(Trait t) {
        return (traits & 1 << t.ordinal()) != 0;
    }

    /** One line: the verb, its arguments, keys and flags. */
    public String usage() {
        return usage;
    }

    /** What it does, in a few words (HELP, portctl --help, JMX). */
    public String summary() {
        return summary;
    }

    /** The keys of its data lines, in the order a table shows them; empty when it has none. */
    public List<String> columns() {
        return columns;
    }

    /** The rest of its help text, lines separated by LF; may be empty. */
    public String details() {
        return details;
    }

    public Handler handler() {
        return handler;
    }

    /** Splits bare words into arguments and flags and checks arity and keys; BADREQ otherwise. */
    public Call bind(Request req, Caller caller, Context ctx, Session session) {
        List<String> args = req.words();
        Set<String> given = Set.of();
        if (!flags.isEmpty() && !args.isEmpty()) { // most requests: no flag to pick out, nothing to copy
            args = new ArrayList<>(req.words().size());
            given = new HashSet<>(2);
            for (String w : req.words()) {
                String lower = w.toLowerCase(Locale.ROOT);
                if (flags.contains(lower)) {
                    given.add(lower);
                } else {
                    args.add(w);
                }
            }
        }
        if (args.size() < minArgs) {
            throw PortdException.badRequest(name + " needs " + (minArgs == 1 ? "an argument" : minArgs + " arguments")
                    + ": " + usage);
        }
        if (args.size() > maxArgs) {
            String extra = args.get(maxArgs);
            throw PortdException.badRequest(maxArgs == 0 && flags.isEmpty()
                    ? name + " takes no arguments ('" + Values.clip(extra) + "')"
                    : "unexpected '" + Values.clip(extra) + "': " + usage);
        }
        if (!req.options().isEmpty()) { // most requests have no key=value: no iterator for them
            for (String key : req.options().keySet()) {
                if (!keys.contains(key)) {
                    throw PortdException.badRequest("unknown key '" + Values.clip(key) + "' for " + name + ": " + usage);
                }
            }
        }
        return new Call(this, req, args, given, caller, ctx, session);
    }

    /** Named fields for one row; ends with the handler: {@link #read}, {@link #change} or {@link #later}. */
    public static final class Builder {
        private final String name;
        private int minArgs;
        private int maxArgs;
        private String[] keys = {};
        private String[] flags = {};
        private final Set<Trait> traits = EnumSet.noneOf(Trait.class);
        private String usage;
        private String summary = "";
        private String[] columns = {};
        private String details = "";

        private Builder(String name) {
            this.name = name;
        }

        /** How many arguments (bare words that are not flags): at least {@code min}, at most {@code max} ({@link #ANY}). */
        public Builder args(int min, int max) {
            this.minArgs = min;
            this.maxArgs = max;
            return this;
        }

        public Builder keys(String... k) {
            this.keys = k;
            return this;
        }

        public Builder flags(String... f) {
            this.flags = f;
            return this;
        }

        public Builder is(Trait... t) {
            traits.addAll(List.of(t));
            return this;
        }

        public Builder usage(String u) {
            this.usage = u;
            return this;
        }

        public Builder summary(String s) {
            this.summary = s;
            return this;
        }

        /** The keys of the data lines; HELP shows them as "Keys: ...", portctl as table columns. */
        public Builder columns(String... c) {
            this.columns = c;
            return this;
        }

        public Builder help(String text) {
            this.details = text;
            return this;
        }

        /** Answered at once from the committed table, after this connection's earlier requests. */
        public Verb read(ReadFn fn) {
            return new Verb(this, (c, done) -> done.accept(fn.apply(c)));
        }

        /** A change of the table, made durable by the writer before it is answered. */
        public Verb change(ChangeFn fn) {
            traits.add(Trait.WRITE);
            return new Verb(this, (c, done) -> c.ctx().submit(c.caller(), fn.prepare(c), done));
        }

        /** Replies later through {@code done}; still waits, like a read, for the connection's earlier changes. */
        public Verb later(Handler h) {
            traits.add(Trait.DEFERRED);
            return new Verb(this, h);
        }

        /** Acts on the connection, replying through {@code done}. */
        public Verb session(Handler h) {
            traits.add(Trait.CONNECTION);
            return new Verb(this, h);
        }
    }
}
