package dev.portd.daemon;

import dev.portd.probe.Occupancy;

/**
 * How the monitor's results are put to whoever asked, as the writer's answers are: probe scheduling,
 * waiters and expiry decide when and what, never the wording, so the protocol's replies are made in one
 * place at the edge ({@link MonitorReplies}).
 */
interface Outcomes<R> {
    /** A probe's findings, as the answer of the change that commits them. */
    R probed(Occupancy seen, int conflicts);

    /** Reading /proc failed; the last probe stays in use. */
    R probeFailed(String why);

    /** Ttl leases ended; nobody waits for this answer, but a change must give one. */
    R expired(int count);

    /** Something listens on a waited port; {@code pid} is -1 when the daemon cannot see who. */
    R bound(int pid);

    /** Nothing listened on the waited port before the timeout. */
    R timedOut(int port);

    /** The monitor stopped before it could answer. */
    R stopping();
}
