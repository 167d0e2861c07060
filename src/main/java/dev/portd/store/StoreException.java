package dev.portd.store;

import java.nio.file.Path;

/**
 * The store could not be opened, read or made durable. The message says which file, why, and the
 * safe next step; {@link #kind()} says whether anything is damaged.
 */
public final class StoreException extends RuntimeException {
    /** What went wrong, which decides what an operator should do (and the daemon's exit status). */
    public enum Kind {
        /** The file exists but its content is not a sound store: restore from a backup, do not retry. */
        DAMAGED,
        /** A file or directory this user cannot read or write: nothing is damaged; fix the permissions. */
        PERMISSION,
        /** Anything else (another process holds it, an I/O error): it may pass. */
        OTHER
    }

    private final Kind kind;
    private final Path damagedFile;

    public StoreException(String message) {
        this(message, null, Kind.OTHER, null);
    }

    public StoreException(String message, Throwable cause) {
        this(message, cause, Kind.OTHER, null);
    }

    private StoreException(String message, Throwable cause, Kind kind, Path damagedFile) {
        super(message, cause);
        this.kind = kind;
        this.damagedFile = damagedFile;
    }

    static StoreException damaged(Path file, String why, Throwable cause) {
        return new StoreException("the store " + file + " is damaged: " + why, cause, Kind.DAMAGED, file);
    }

    /** {@code what} (a sentence naming the exact path and what this user cannot do with it): nothing is damaged. */
    public static StoreException permission(String what) {
        return new StoreException(what, null, Kind.PERMISSION, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The damaged store file, or null when the failure was something else (permissions, a lock, I/O). */
    public Path damagedFile() {
        return damagedFile;
    }
}
