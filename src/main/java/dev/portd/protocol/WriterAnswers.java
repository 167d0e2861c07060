package dev.portd.protocol;

import dev.portd.store.Writer;
import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The writer's own answers, as the protocol words them: a refusal's error, ERR STORE, ERR BUSY. */
public final class WriterAnswers implements Writer.Answers<Reply> {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);

    public static final WriterAnswers INSTANCE = new WriterAnswers();

    private WriterAnswers() {}

    @Override
    public Reply refused(RuntimeException e) {
        if (e instanceof PortdException p) {
            return Reply.error(p);
        }
        log.error("change failed", e);
        return Reply.error(ErrorCode.INTERNAL, "change failed: " + e);
    }

    @Override
    public Reply notDurable(String why) {
        return Reply.error(ErrorCode.STORE, why);
    }

    @Override
    public Reply busy(String why) {
        return Reply.error(ErrorCode.BUSY, why);
    }

    @Override
    public boolean ok(Reply r) {
        return r.ok();
    }
}
