package dev.portd.protocol;

import dev.portd.probe.Processes;
import dev.portd.table.Caller;
import dev.portd.table.ErrorCode;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Google portpicker's portserver protocol as one more way into ALLOC: a request names a process id,
 * and becomes {@code ALLOC portpicker.<pid>.<n> proto=both pid=<pid>} for the connecting uid, run
 * through the verb table like any other request (owner, quota, policy, bind check, audit, commit).
 * The portserver protocol has no error replies, so the outcome says why a request got no port.
 */
public final class Portserver {
    /** Longest request accepted, newline included: what portserver itself accepts. */
    public static final int MAX_BYTES = 20;
    public static final String SERVICE_PREFIX = "portpicker.";

    /** How a request ended; every failure is counted under its own name (STATS, metrics). */
    public enum Outcome {
        SERVED, NOT_A_NUMBER, TOO_LONG, BAD_PID, NO_PROCESS, OTHER_USER, QUOTA, EXHAUSTED,
        /** Over max_connections, or the writer's queue was full. */
        BUSY,
        /** The client sent nothing within idle_timeout. */
        IDLE,
        /** Anything else: the store could not commit, a bug. */
        FAILED;

        /** The name in STATS and metrics. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Context ctx;
    /** Numbers the daemon's portserver leases; a name still in the table (from before a restart) is skipped. */
    private final AtomicLong counter = new AtomicLong();

    public Portserver(Context ctx) {
        this.ctx = ctx;
    }

    /**
     * Answers one request; {@code done} gets the outcome and the reply ALLOC gave (or the refusal made
     * before it), now or from the writer thread after the commit. Runs on an event loop: the checks read
     * /proc/pid/status (not for root) and /proc/pid/stat, as ALLOC pid= does.
     */
    public void request(byte[] body, int length, Caller caller, BiConsumer<Outcome, Reply> done) {
        if (length > MAX_BYTES) {
            done.accept(Outcome.TOO_LONG, Reply.error(ErrorCode.BADREQ, "more than " + MAX_BYTES + " bytes"));
            return;
        }
        long pid = parsePid(body, length);
        if (pid < 0) {
            done.accept(Outcome.NOT_A_NUMBER, Reply.error(ErrorCode.BADREQ, "not a process id"));
            return;
        }
        if (pid <= 1) {
            // 0 is nobody, and 1 is init: a client that sent its parent's pid after being orphaned.
            done.accept(Outcome.BAD_PID, Reply.error(ErrorCode.BADREQ, "pid " + pid + " is not a client"));
            return;
        }
        if (pid > Integer.MAX_VALUE) {
            done.accept(Outcome.NO_PROCESS, noProcess(pid));
            return;
        }
        Request alloc = Request.parse("ALLOC " + serviceFor(pid) + " proto=both pid=" + pid);
        if (caller.uid() != 0) {
            // Root may name any process; anyone else only their own. (For root, a pid that is gone is found by
            // ALLOC's own read of its start time: one read of /proc fewer on the way.)
            int owner = Processes.uid((int) pid);
            if (owner < 0) {
                done.accept(Outcome.NO_PROCESS, noProcess(pid));
                return;
            }
            if (owner != caller.uid()) {
                // A lease lives as long as the process it names: another user's long-lived process would keep
                // the caller's ports past the caller's own life. Refused, and audited like any DENIED.
                Audit.watch(alloc, caller, r -> done.accept(Outcome.OTHER_USER, r)).accept(Reply.error(ErrorCode.DENIED,
                        "pid " + pid + " belongs to uid " + owner + "; a portserver request may name only the caller's processes"));
                return;
            }
        }
        Verbs.run(alloc, caller, ctx, null, reply -> done.accept(outcome(reply), reply));
    }

    private static Reply noProcess(long pid) {
        return Reply.error(ErrorCode.BADREQ, "no process " + pid);
    }

    /** A name no lease holds: the counter is this run's alone, and names left from earlier runs are skipped. */
    private String serviceFor(long pid) {
        String name;
        do {
            name = SERVICE_PREFIX + pid + "." + counter.incrementAndGet();
        } while (ctx.table().lease(name) != null);
        return name;
    }

    /**
     * Decimal digits with an optional trailing newline, as portpicker sends; -1 for anything else. A number
     * past any pid comes back as {@code Integer.MAX_VALUE + 1}: no such process.
     */
    static long parsePid(byte[] body, int length) {
        int end = length > 0 && body[length - 1] == '\n' ? length - 1 : length;
        if (end == 0) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < end; i++) {
            if (body[i] < '0' || body[i] > '9') {
                return -1;
            }
            v = Math.min(v * 10 + (body[i] - '0'), Integer.MAX_VALUE + 1L);
        }
        return v;
    }

    private static Outcome outcome(Reply reply) {
        if (reply.ok()) {
            return Outcome.SERVED;
        }
        return switch (reply.error()) {
            case QUOTA -> Outcome.QUOTA;
            case EXHAUSTED -> Outcome.EXHAUSTED;
            case BUSY -> Outcome.BUSY;
            case BADREQ -> Outcome.NO_PROCESS; // the process exited between the two reads of /proc
            default -> Outcome.FAILED;
        };
    }
}
