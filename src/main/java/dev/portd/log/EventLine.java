package dev.portd.log;

import dev.portd.table.Event;

/**
 * What the log says of a committed change, in the order every format writes it: logger
 * {@code portd.table}, message {@code <event> <service or port>}, then the fields an operator filters
 * on, {@code event service port prev uid pid cmd note}, each only when the event has it.
 */
final class EventLine {
    private EventLine() {}

    static final String LOGGER = "portd.table";

    /** Where the fields go: a format's writer, with what it writes into. */
    interface Fields<T> {
        void text(T out, String key, String value);

        void number(T out, String key, long value);
    }

    /** What follows the event's name in the message: the service, else the port, else null. */
    static String subject(Event e) {
        return e.service() != null ? e.service() : e.port() > 0 ? Integer.toString(e.port()) : null;
    }

    static <T> void fields(Event e, Fields<T> f, T out) {
        f.text(out, "event", e.kind().wire());
        if (e.service() != null) {
            f.text(out, "service", e.service());
        }
        if (e.port() > 0) {
            f.number(out, "port", e.port());
        }
        if (e.prev() > 0) {
            f.number(out, "prev", e.prev());
        }
        if (e.uid() >= 0) {
            f.number(out, "uid", e.uid());
        }
        if (e.pid() > 0) {
            f.number(out, "pid", e.pid());
        }
        if (e.cmd() != null) {
            f.text(out, "cmd", e.cmd());
        }
        if (e.note() != null) {
            f.text(out, "note", e.note());
        }
    }
}
