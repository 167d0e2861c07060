package dev.portd.table;

/**
 * What the host is doing with its ports, as the prober last saw it. The table consults it so that
 * it never hands out a port some process already holds.
 */
public interface PortUse {
    /** A process seen holding a port; pid -1 and cmd null when it is not visible to the daemon. */
    record Owner(int pid, int uid, String cmd) {
        /** For messages: {@code pid 812 (postgres)}. */
        @Override
        public String toString() {
            return pid < 0 ? "uid " + uid : "pid " + pid + (cmd == null ? "" : " (" + cmd + ")");
        }
    }

    /** Whether a socket of {@code proto} was seen on the port. */
    boolean inUse(int port, Transport proto);

    /** Who holds the port, or null when nobody was seen. */
    Owner owner(int port);

    PortUse NONE = new PortUse() {
        @Override
        public boolean inUse(int port, Transport proto) {
            return false;
        }

        @Override
        public Owner owner(int port) {
            return null;
        }
    };
}
