package dev.portd.table;

/**
 * The rules the table enforces, fixed for the daemon's lifetime.
 *
 * @param lo, hi          the managed range: automatic choice stays inside it
 * @param daemonUid       the uid the daemon runs as; it and root are privileged
 * @param maxLeasesPerUid quota for unprivileged uids
 * @param historyMax      how many history events are kept
 */
public record TableConfig(int lo, int hi, Policy policy, int daemonUid, int maxLeasesPerUid, int historyMax) {

    public boolean privileged(int uid) {
        return uid == 0 || uid == daemonUid;
    }

    public int rangeSize() {
        return hi - lo + 1;
    }
}
