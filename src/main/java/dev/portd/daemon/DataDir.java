package dev.portd.daemon;

import dev.portd.store.Store;
import dev.portd.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

/**
 * The data directory as the user portd runs as needs it, checked before the store is opened: a store
 * library that cannot create or write a file says "damaged" or "parent folder is not writable", and
 * an operator who believed it restored a backup and lost what came after it. Here a permission
 * problem is reported as one, with the exact path and the way out.
 */
final class DataDir {
    private DataDir() {}

    /**
     * Throws a {@link StoreException.Kind#PERMISSION} unless this user can create or use {@code data}
     * (list and write it) and read and write every store file and the backups directory in it.
     */
    static void check(Path data) {
        String opening = "cannot open the store " + data.resolve(Store.FILE);
        if (!Files.exists(data)) {
            Path parent = data.toAbsolutePath().getParent();
            while (parent != null && !Files.exists(parent)) {
                parent = parent.getParent();
            }
            if (parent != null) {
                require("cannot create the data directory " + data, parent, data, false);
            }
            return;
        }
        require(opening, data, data, false);
        List<Path> files = new ArrayList<>();
        try {
            files.addAll(Store.files(data));
        } catch (IOException e) {
            throw new StoreException(opening + ": cannot list " + data + ": " + e.getMessage(), e);
        }
        Path backups = data.resolve("backups");
        if (Files.isDirectory(backups)) {
            files.add(backups);
        }
        for (Path f : files) {
            require(opening, f, data, !Files.isDirectory(f));
        }
    }

    /**
     * Root running the daemon by hand over another user's data directory (the package's, portd's)
     * would leave files there that belong to root, and the service could not open its store again.
     */
    static void checkRootStaysOut(Path data, String[] args) {
        int owner = owner(data);
        if (Paths.uid() == 0 && owner > 0) {
            StringBuilder cmd = new StringBuilder("runuser -u " + ownerName(data) + " -- java -jar " + Restore.quote(Restore.jar()));
            for (String a : args) {
                cmd.append(' ').append(Restore.quote(a));
            }
            throw StoreException.permission("portd runs as root, but its data directory " + data + " belongs to " + ownerName(data)
                    + ": files it made there would belong to root, and the daemon, run as " + ownerName(data)
                    + ", could not open them. Nothing was changed. Run it as " + ownerName(data)
                    + " (as the packaged service does): " + cmd);
        }
    }

    /** {@code path} must be writable (a directory: and searchable; a file: and readable). */
    private static void require(String doing, Path path, Path data, boolean file) {
        if (!file && !Files.isDirectory(path)) {
            throw new StoreException(doing + ": " + path + " is not a directory");
        }
        boolean ok = file ? Files.isReadable(path) && Files.isWritable(path)
                : Files.isWritable(path) && Files.isExecutable(path);
        if (ok) {
            return;
        }
        if (readOnlyFileSystem(path)) {
            throw StoreException.readOnly(doing, path);
        }
        String needed = file ? "readable and writable" : "writable";
        if (Paths.uid() == 0 || owner(path) == Paths.uid()) { // neither root nor the owner is held back by the mode
            throw StoreException.blocked(doing, path, needed, user(), ownerAndMode(path));
        }
        throw StoreException.notAccessible(doing, path, needed, user(), Paths.uid(), ownerAndMode(path), data);
    }

    /**
     * True if writing {@code p} fails with EROFS. Asking the file store is not enough: a read-only bind
     * mount (systemd's ReadOnlyPaths=) shares its device with the writable mount it came from. Only
     * called once access(2) said no, so the probe file is never made where portd could write anyway.
     */
    private static boolean readOnlyFileSystem(Path p) {
        try {
            if (Files.isDirectory(p)) {
                Files.delete(Files.createTempFile(p, ".portd-write-check", null));
            } else {
                FileChannel.open(p, StandardOpenOption.WRITE).close();
            }
            return false;
        } catch (FileSystemException e) {
            return "Read-only file system".equals(e.getReason());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The name of the user this process runs as. */
    static String user() {
        return System.getProperty("user.name", "uid " + Paths.uid());
    }

    /** The uid that owns {@code p}, or -1. */
    static int owner(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The name of the user that owns {@code p}, or its uid. */
    static String ownerName(Path p) {
        try {
            return Files.getOwner(p).getName();
        } catch (IOException | RuntimeException e) {
            return "uid " + owner(p);
        }
    }

    /** "root, mode 0755". */
    static String ownerAndMode(Path p) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            int mode = 0;
            for (PosixFilePermission bit : a.permissions()) {
                mode |= 0400 >> bit.ordinal(); // OWNER_READ is 0400, then down to OTHERS_EXECUTE (0001)
            }
            return a.owner().getName() + ", mode " + String.format("%04o", mode);
        } catch (IOException | RuntimeException e) {
            return "an owner it cannot read";
        }
    }
}
