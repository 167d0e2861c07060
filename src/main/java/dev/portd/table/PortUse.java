package dev.portd.table;

/**
 * What the host is doing with its ports: what the prober last saw, and whether a port can be bound right
 * now. The table consults it so that it never hands out a port some process already holds; it reads
 * nothing of the host itself.
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

    /** Whether the port can be bound for {@code proto} now, asked of the kernel. */
    boolean canBind(int port, Transport proto);

    /** Nothing in use, every port bindable: for tables built outside a daemon. */
    PortUse NONE = new PortUse() {
        @Override
        public boolean inUse(int port, Transport proto) {
            return false;
        }

        @Override
        public Owner owner(int port) {
            return null;
        }

        @Override
        public boolean canBind(int port, Transport proto) {
            return true;
        }
    };
}
