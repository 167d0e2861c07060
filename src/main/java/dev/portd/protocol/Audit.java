package dev.portd.protocol;

import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The audit trail: a request refused for want of rights ({@code DENIED}) or quota ({@code QUOTA}) is
 * logged at WARN with who asked (uid, pid, command), what they asked for and why it was refused.
 * Everything else a client sends stays out of the log: no line per request.
 */
final class Audit {
    private Audit() {}

    private static final Logger log = LoggerFactory.getLogger("portd.audit");

    /** {@code done}, logging the reply first when it is a refusal. */
    static Consumer<Reply> watch(Request req, Caller caller, Consumer<Reply> done) {
        return reply -> {
            if (reply.error() == ErrorCode.DENIED || reply.error() == ErrorCode.QUOTA) {
                refused(req, caller, reply);
            }
            done.accept(reply);
        };
    }

    private static void refused(Request req, Caller caller, Reply reply) {
        String target = req.words().isEmpty() ? null : Values.clip(req.words().get(0));
        String port = req.options().get("port");
        LoggingEventBuilder b = log.atWarn()
                .setMessage("refused " + req.verb() + (target == null ? "" : " " + target))
                .addKeyValue("verb", req.verb());
        if (target != null) {
            b = b.addKeyValue("target", target);
        }
        if (port != null) {
            b = b.addKeyValue("port", port.matches("[0-9]{1,5}") ? (Object) Integer.valueOf(port) : Values.clip(port));
        }
        b = b.addKeyValue("uid", caller.uid());
        if (caller.pid() > 0) {
            b = b.addKeyValue("pid", caller.pid());
        }
        if (caller.cmd() != null) {
            b = b.addKeyValue("cmd", caller.cmd());
        }
        b.addKeyValue("via", caller.via())
                .addKeyValue("error", reply.error().name())
                .addKeyValue("reason", reply.status())
                .log();
    }
}
