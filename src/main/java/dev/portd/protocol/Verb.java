package dev.portd.protocol;

import dev.portd.table.PortdException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One row of the verb table: its name, how many arguments it takes, which keys and flags it knows,
 * whether it changes the table, its help text, and its handler.
 */
public record Verb(String name, int minArgs, int maxArgs, Set<String> keys, Set<String> flags, Kind kind,
                   String usage, String summary, String details, Handler handler) {

    /** How the connection schedules a verb. */
    public enum Kind {
        /** Answered from the committed table on the event loop, after this connection's earlier changes. */
        READ,
        /** Queued to the store writer; answered after the commit. */
        WRITE,
        /** Acts on the connection itself (QUIT, WATCH, WAIT). */
        SESSION
    }

    @FunctionalInterface
    public interface Handler {
        /** Produces exactly one reply through {@code done}, now or later. */
        void handle(Call call, Consumer<Reply> done);
    }

    public static final int ANY = Integer.MAX_VALUE;

    /** Splits bare words into arguments and flags and checks arity and keys; BADREQ otherwise. */
    public Call bind(Request req, dev.portd.table.Caller caller, Context ctx, Session session) {
        List<String> args = new java.util.ArrayList<>(req.words().size());
        Set<String> given = new java.util.HashSet<>(2);
        for (String w : req.words()) {
            String lower = w.toLowerCase(Locale.ROOT);
            if (flags.contains(lower)) {
                given.add(lower);
            } else {
                args.add(w);
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
        for (String key : req.options().keySet()) {
            if (!keys.contains(key)) {
                throw PortdException.badRequest("unknown key '" + Values.clip(key) + "' for " + name + ": " + usage);
            }
        }
        return new Call(this, req, args, given, caller, ctx, session);
    }
}
