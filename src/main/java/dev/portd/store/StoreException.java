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

    /**
     * {@code path} (the data directory, a store file, or where a new data directory would go) is not
     * {@code needed} ("writable", "readable and writable") by {@code user} (uid {@code uid}), who runs
     * portd; {@code owner} is who it belongs to and its mode ("root, mode 0755").
     */
    public static StoreException notAccessible(String doing, Path path, String needed, String user, int uid, String owner,
                                               Path dataDir) {
        return permission(doing + ": " + path + " is not " + needed + " by user " + user + " (uid " + uid + "), who runs portd;"
                + " it belongs to " + owner + ". Nothing is damaged: give " + dataDir + " and its files to " + user
                + " (chown -R " + user + ": " + dataDir + ") or run portd as their owner, then try again");
    }

    /** As {@link #notAccessible}, but the owner and mode allow it: an attribute (chattr +i) or an ACL stands in the way. */
    public static StoreException blocked(String doing, Path path, String needed, String user, String owner) {
        return permission(doing + ": " + path + " is not " + needed + " by user " + user + " although it belongs to " + owner
                + " (an immutable attribute, see lsattr -d " + path + ", or an ACL?). Nothing is damaged: make it "
                + needed + ", then try again");
    }

    /** {@code path} is on a file system mounted read-only: nothing is damaged. */
    public static StoreException readOnly(String doing, Path path) {
        return permission(doing + ": " + path + " is on a read-only file system. Nothing is damaged: make it writable"
                + " (remount it read-write; under systemd a unit may write only its StateDirectory= and ReadWritePaths=)"
                + " or choose another data directory, then try again");
    }

    /**
     * The advice after "the store ... is damaged": restore the newest backup with {@code command}, losing
     * what changed after it was taken; {@code stop} says how to stop portd first.
     */
    public static String restoreAdvice(Path backup, String taken, String stop, String command) {
        return "; the newest backup is " + backup + " (taken " + taken + "): restoring it loses every change made after "
                + taken + ". To restore, " + stop + ", then run: " + command
                + " (the damaged files are kept, renamed *.damaged-<time>)";
    }

    /** The advice after "the store ... is damaged" when there is no backup to restore from. */
    public static String noBackupAdvice(Path backups) {
        return "; there is no backup in " + backups + " to restore from; the damaged files are left as they are";
    }

    public Kind kind() {
        return kind;
    }

    /** The damaged store file, or null when the failure was something else (permissions, a lock, I/O). */
    public Path damagedFile() {
        return damagedFile;
    }
}
