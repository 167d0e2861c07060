package dev.portd.store;

import java.nio.file.Path;

/** The store could not be opened, read or made durable. The message says which file and why. */
public final class StoreException extends RuntimeException {
    private final Path damagedFile;

    public StoreException(String message) {
        this(message, null, null);
    }

    public StoreException(String message, Throwable cause) {
        this(message, cause, null);
    }

    private StoreException(String message, Throwable cause, Path damagedFile) {
        super(message, cause);
        this.damagedFile = damagedFile;
    }

    /** The file exists but its content is not a sound store: restore from a backup, do not retry. */
    static StoreException damaged(Path file, String why, Throwable cause) {
        return new StoreException("the store " + file + " is damaged: " + why, cause, file);
    }

    /** The damaged store file, or null when the failure was something else (permissions, a lock, I/O). */
    public Path damagedFile() {
        return damagedFile;
    }
}
