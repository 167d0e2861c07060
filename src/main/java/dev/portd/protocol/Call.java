package dev.portd.protocol;

import dev.portd.table.Caller;
import java.util.List;
import java.util.Set;

/**
 * One request checked against its verb: the arguments and flags are told apart and every key is
 * known to the verb, so handlers only read values.
 */
public record Call(Verb verb, Request request, List<String> args, Set<String> flags, Caller caller,
                   Context ctx, Session session) {

    public String arg(int i) {
        return i < args.size() ? args.get(i) : null;
    }

    public String option(String key) {
        return request.options().get(key);
    }

    public boolean has(String key) {
        return request.options().containsKey(key);
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public int portOption(String key) {
        String v = option(key);
        return v == null ? 0 : Values.port(key, v);
    }

    public long durationOption(String key) {
        String v = option(key);
        return v == null ? 0 : Values.durationMillis(key, v);
    }
}
