package dev.portd.protocol;

import dev.portd.probe.Processes;
import dev.portd.store.Writer;
import dev.portd.table.AllocSpec;
import dev.portd.table.PortdException;
import dev.portd.table.Transport;

/**
 * The handlers of the verbs that change leases and reservations. Each checks its request on the event
 * loop and returns the change the writer makes; a refusal from the table comes back as its ERR.
 */
final class LeaseVerbs {
    private LeaseVerbs() {}

    static Writer.Change<Reply> alloc(Call c) {
        String service = Values.service(c.arg(0));
        int port = c.portOption("port");
        int[] range = c.rangeOption();
        Transport proto = c.has("proto") ? Transport.parse(c.option("proto")) : Transport.TCP;
        int pid = 0;
        long pidStart = 0;
        if (c.has("pid")) {
            pid = Values.integer("pid", c.option("pid"), 1, Integer.MAX_VALUE);
            pidStart = Processes.startTime(pid).orElseThrow(() -> PortdException.badRequest("no process " + c.option("pid")));
        }
        long ttl = c.positiveDuration("ttl");
        String desc = c.has("desc") ? Values.desc(c.option("desc")) : null;
        AllocSpec spec = new AllocSpec(service, port, range[0], range[1], proto, pid, pidStart, ttl, desc, c.flag("strict"),
                HealthVerb.checkOption(c));
        return t -> Reply.ok("port", t.alloc(spec));
    }

    static Reply get(Call c) {
        return Reply.ok("port", c.lease(Values.service(c.arg(0))).port());
    }

    static Writer.Change<Reply> release(Call c) {
        int given = (c.arg(0) != null ? 1 : 0) + (c.has("port") ? 1 : 0) + (c.has("glob") ? 1 : 0);
        if (given != 1) {
            throw PortdException.badRequest("RELEASE takes one of a service, port=N or glob=PATTERN: " + c.verb().usage());
        }
        if (c.has("glob")) {
            String glob = Glob.pattern("glob", c.option("glob"));
            return t -> Reply.ok("released", t.releaseMatching(name -> Glob.matches(glob, name), "glob " + glob));
        }
        if (c.has("port")) {
            int port = c.portOption("port");
            return t -> Reply.ok("service", t.releasePort(port));
        }
        String s = Values.service(c.arg(0));
        return t -> Reply.ok("port", t.release(s));
    }

    static Writer.Change<Reply> renew(Call c) {
        String s = Values.service(c.arg(0));
        long ttl = c.positiveDuration("ttl");
        return t -> Reply.ok("port", t.renew(s, ttl));
    }

    static Writer.Change<Reply> reserve(Call c) {
        int[] r = Values.range("port", c.arg(0));
        String desc = c.has("desc") ? Values.desc(c.option("desc")) : null;
        return t -> Reply.ok("count", t.reserve(r[0], r[1], desc));
    }

    static Writer.Change<Reply> unreserve(Call c) {
        int[] r = Values.range("port", c.arg(0));
        return t -> Reply.ok("count", t.unreserve(r[0], r[1]));
    }

    static Writer.Change<Reply> resolve(Call c) {
        String s = Values.service(c.arg(0));
        int port = c.portOption("port");
        String swap = c.has("swap") ? Values.service(c.option("swap")) : null;
        if (port != 0 && swap != null) {
            throw PortdException.badRequest("RESOLVE takes port= or swap=, not both");
        }
        return t -> Reply.ok("port", t.resolve(s, port, swap));
    }
}
