package dev.portd.daemon;

import dev.portd.probe.Occupancy;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Row;
import dev.portd.table.ErrorCode;

/** The monitor's results as PROBE and WAIT reply (PROTOCOL.md). */
enum MonitorReplies implements Outcomes<Reply> {
    INSTANCE;

    @Override
    public Reply probed(Occupancy seen, int conflicts) {
        return Reply.ok("sockets=" + seen.socketCount() + " conflicts=" + conflicts + " millis=" + seen.durationMillis(),
                Row.of("sockets", seen.socketCount()).put("conflicts", conflicts).put("millis", seen.durationMillis()));
    }

    @Override
    public Reply probeFailed(String why) {
        return Reply.error(ErrorCode.INTERNAL, "probe failed: " + why);
    }

    @Override
    public Reply expired(int count) {
        return Reply.ok("count", count);
    }

    @Override
    public Reply bound(int pid) {
        Row r = Row.of("state", "bound").put("pid", pid > 0 ? pid : null);
        return Reply.ok(pid > 0 ? "bound pid=" + pid : "bound", r);
    }

    @Override
    public Reply timedOut(int port) {
        return Reply.error(ErrorCode.TIMEOUT, "nothing listened on port " + port + " in time");
    }

    @Override
    public Reply stopping() {
        return Reply.error(ErrorCode.BUSY, "portd is shutting down");
    }
}
