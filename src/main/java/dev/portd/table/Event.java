package dev.portd.table;

/**
 * One entry of the history: every change to the table, with who made it.
 *
 * @param prev the port before the change (resolve), 0 when none
 * @param cmd  the requester's command name, for the log; not stored, so null on events read back
 */
public record Event(long seq, long time, String event, String service, int port, int prev,
                    int uid, int pid, String note, String cmd) {

    public Event(long seq, long time, String event, String service, int port, int prev, int uid, int pid, String note) {
        this(seq, time, event, service, port, prev, uid, pid, note, null);
    }

    /** The stored form keeps milliseconds and the sequence number. */
    public Fields storedRow() {
        return Fields.of("seq", seq).put("time", time).put("event", event).put("service", service)
                .put("port", port).put("prev", prev).put("uid", uid).put("pid", pid).put("note", note);
    }

    /** An event from the fields of its {@link #storedRow()}. */
    public static Event fromStored(java.util.Map<String, String> f) {
        return new Event(Long.parseLong(f.get("seq")), Long.parseLong(f.get("time")), f.get("event"), f.get("service"),
                Integer.parseInt(f.get("port")), Integer.parseInt(f.get("prev")), Integer.parseInt(f.get("uid")),
                Integer.parseInt(f.get("pid")), f.get("note"));
    }
}
