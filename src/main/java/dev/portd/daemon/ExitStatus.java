package dev.portd.daemon;

import dev.portd.store.StoreException;

/**
 * How {@code java -jar portd.jar} ends. Failures a restart cannot fix have statuses of their own, which
 * portd.service lists in {@code RestartPreventExitStatus=}; 65 and 77 are sysexits.h's EX_DATAERR and
 * EX_NOPERM, which {@code systemctl status} names DATAERR and NOPERM.
 */
public enum ExitStatus {
    OK(0, false, "stopped cleanly (SIGTERM, SIGINT), or --restore done"),
    FAILURE(1, false, "any other failure (the socket, another portd, I/O): a restart may help"),
    USAGE(2, true, "a bad flag, config line or value, or JMX files that cannot be used"),
    DAMAGED(65, true, "the store is damaged; restoring a backup loses the changes made after it"),
    NO_PERMISSION(77, true, "the store or data directory is not readable and writable by this user, or it belongs to"
            + " another user (root running the daemon, anyone but its owner running --restore)");

    private final int code;
    private final boolean restartCannotFix;
    private final String meaning;

    ExitStatus(int code, boolean restartCannotFix, String meaning) {
        this.code = code;
        this.restartCannotFix = restartCannotFix;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    /** True if starting again without an operator's change fails again the same way. */
    public boolean restartCannotFix() {
        return restartCannotFix;
    }

    static ExitStatus of(StoreException e) {
        return switch (e.kind()) {
            case DAMAGED -> DAMAGED;
            case PERMISSION -> NO_PERMISSION;
            case OTHER -> FAILURE;
        };
    }

    /** The exit statuses for --help. */
    static String usage() {
        StringBuilder sb = new StringBuilder("\nExit status:\n");
        for (ExitStatus s : values()) {
            sb.append(String.format("  %-3d %s%n", s.code, s.meaning));
        }
        return sb.toString();
    }
}
