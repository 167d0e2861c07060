package dev.portd.store;

import java.nio.file.Path;

/**
 * The store could not be opened, read or made durable. The message says which file and why. The
 * factories below are the one place where those messages are worded.
 */
public final class StoreException extends RuntimeException {
    private final Path damagedFile;
    private final boolean journal;

    public StoreException(String message) {
        this(message, null, null, false);
    }

    public StoreException(String message, Throwable cause) {
        this(message, cause, null, false);
    }

    private StoreException(String message, Throwable cause, Path damagedFile, boolean journal) {
        super(message, cause);
        this.damagedFile = damagedFile;
        this.journal = journal;
    }

    /** The file exists but its content is not a sound store: restore from a backup, do not retry. */
    static StoreException damaged(Path file, String why, Throwable cause) {
        return new StoreException("the store " + file + " is damaged: " + why, cause, file, false);
    }

    /**
     * A journal record before the last one is bad (or one is missing). The records after it were
     * acknowledged, so neither cutting the journal there nor restoring a backup is a safe next step.
     * {@code offset} is -1 when the record is known only by its number.
     */
    static StoreException journalDamaged(Path file, long offset, String why) {
        return new StoreException("the journal " + file + (offset >= 0 ? " is damaged at offset " + offset : " is damaged")
                + ": " + why + ". portd did not start and changed nothing: changes acknowledged after that point are"
                + " still in the journal, so keep the data directory as it is (copy it aside) and do not delete"
                + " journal files", null, file, true);
    }

    /** The store exists but cannot be opened: permissions, a read-only or full file system, I/O. */
    static StoreException cannotOpen(Path file, String why, Throwable cause) {
        return new StoreException("cannot open the store " + file + ": " + why, cause, null, false);
    }

    /** The data directory does not exist and cannot be made. */
    static StoreException cannotCreate(Path dir, Throwable cause) {
        return new StoreException("cannot create the data directory " + dir + ": " + Store.describe(cause), cause, null,
                false);
    }

    /** Another process (another daemon) holds the store. */
    static StoreException inUse(Path file) {
        return new StoreException("the store " + file + " is in use by another process (another portd?)", null, null,
                false);
    }

    /** The damaged store file or journal segment, or null when the failure was something else (permissions, a lock, I/O). */
    public Path damagedFile() {
        return damagedFile;
    }

    /**
     * True when the damage is in the journal: a backup lacks the acknowledged changes after it, so a
     * restore must not be advised as the fix.
     */
    public boolean inJournal() {
        return journal;
    }
}
