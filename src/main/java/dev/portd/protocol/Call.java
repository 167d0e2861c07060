package dev.portd.protocol;

import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import dev.portd.table.Lease;
import dev.portd.table.PortdException;
import dev.portd.table.TableConfig;
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

    /** {@code key=D}, which must be more than 0 when given; 0 when absent. */
    public long positiveDuration(String key) {
        long ms = durationOption(key);
        if (has(key) && ms <= 0) {
            throw PortdException.badRequest(key + " must be more than 0");
        }
        return ms;
    }

    /** {@code range=LO-HI}, which must lie inside the managed range; the managed range when absent. */
    public int[] rangeOption() {
        TableConfig cfg = ctx.tableConfig();
        if (!has("range")) {
            return new int[] {cfg.lo(), cfg.hi()};
        }
        int[] r = Values.range("range", option("range"));
        if (r[0] < cfg.lo() || r[1] > cfg.hi()) {
            throw PortdException.badRequest("range " + option("range") + " is not inside the managed range "
                    + cfg.lo() + "-" + cfg.hi());
        }
        return r;
    }

    /** The committed lease of {@code service}; NOTFOUND when there is none. */
    public Lease lease(String service) {
        Lease l = ctx.table().lease(service);
        if (l == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no lease for " + service);
        }
        return l;
    }
}
