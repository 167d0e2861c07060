package dev.portd.protocol;

import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import java.util.function.Consumer;

/** The handlers of the verbs that reply later, off the event loop: PROBE, WAIT, BACKUP, BACKUPS. */
final class DaemonVerbs {
    private DaemonVerbs() {}

    static final long WAIT_DEFAULT_MILLIS = 30_000;
    static final long WAIT_MAX_MILLIS = 300_000;

    static void probe(Call c, Consumer<Reply> done) {
        c.ctx().probe(done);
    }

    static void await(Call c, Consumer<Reply> done) {
        if (c.has("port") == (c.arg(0) != null)) {
            throw PortdException.badRequest("WAIT takes a service or port=N: " + c.verb().usage());
        }
        int port = c.has("port") ? c.portOption("port") : c.lease(Values.service(c.arg(0))).port();
        long timeout = c.has("timeout") ? c.positiveDuration("timeout") : WAIT_DEFAULT_MILLIS;
        if (timeout > WAIT_MAX_MILLIS) {
            throw PortdException.badRequest("timeout must be at most 300s");
        }
        Runnable cancel = c.ctx().await(port, timeout, done);
        if (c.session() != null) {
            c.session().onClose(cancel);
        }
    }

    static void backup(Call c, Consumer<Reply> done) {
        c.ctx().backups().write().whenComplete((b, e) -> done.accept(e == null
                ? Reply.ok(String.valueOf(b.get("file")), b)
                : Reply.error(ErrorCode.STORE, "backup failed: " + (e.getCause() == null ? e : e.getCause()))));
    }

    static void backups(Call c, Consumer<Reply> done) {
        c.ctx().backups().rows().whenComplete((rows, e) ->
                done.accept(e == null ? Reply.rows(rows) : Reply.error(ErrorCode.INTERNAL, "cannot list backups: " + e)));
    }
}
