package dev.portd.protocol;

import dev.portd.table.ErrorCode;
import dev.portd.table.PortdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/** The handlers of the verbs about the connection and the daemon itself: PING ... STATS. */
final class ConnectionVerbs {
    private ConnectionVerbs() {}

    static Reply ping(Call c) {
        return Reply.ok("result", "PONG");
    }

    static Reply version(Call c) {
        return Reply.ok("portd " + c.ctx().version() + " protocol=1",
                Row.of("name", "portd").put("version", c.ctx().version()).put("protocol", 1));
    }

    static Reply stats(Call c) {
        return Reply.pairs(c.ctx().stats());
    }

    /** Every verb's usage and summary, one a line; or, with a verb, its whole text from the table. */
    static Reply help(Call c) {
        List<Row> rows = new ArrayList<>();
        if (c.arg(0) == null) {
            for (Verb v : Verbs.all()) {
                rows.add(Row.text(v.usage() + "  -- " + v.summary()).put("verb", v.name()).put("usage", v.usage())
                        .put("summary", v.summary()));
            }
            return Reply.rows(rows);
        }
        Verb v = Verbs.get(c.arg(0).toUpperCase(Locale.ROOT));
        if (v == null) {
            throw new PortdException(ErrorCode.NOTFOUND, "no verb " + Values.clip(c.arg(0)));
        }
        List<String> lines = new ArrayList<>();
        lines.add(v.usage());
        lines.add(v.summary());
        if (!v.columns().isEmpty()) {
            lines.add("Keys: " + String.join(" ", v.columns()) + ".");
        }
        lines.addAll(List.of(v.details().split("\n")));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty()) {
                rows.add(Row.text(i == 0 ? line : "  " + line).put("text", line));
            }
        }
        return Reply.rows(rows);
    }

    static void quit(Call c, Consumer<Reply> done) {
        done.accept(Reply.ok("result", "bye").thenClose());
    }

    static void watch(Call c, Consumer<Reply> done) {
        if (!c.session().watch()) {
            throw new PortdException(ErrorCode.CONFLICT, "already watching");
        }
        done.accept(Reply.ok("result", "watching"));
    }

    static void unwatch(Call c, Consumer<Reply> done) {
        long n = c.session().unwatch();
        if (n < 0) {
            throw new PortdException(ErrorCode.CONFLICT, "not watching");
        }
        done.accept(Reply.ok("sent", n));
    }
}
