package dev.portd.daemon;

import dev.portd.backup.Snapshot;
import dev.portd.store.Store;
import dev.portd.store.StoreException;
import dev.portd.table.Event;
import dev.portd.table.PortTable;
import dev.portd.protocol.Row;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code portd --restore FILE}: rebuilds the store from a backup while the daemon is stopped. The
 * backup is checked whole before anything is touched; the store it replaces (damaged or not) is moved
 * aside as {@code portd.db.damaged-<time>} with its journal, never deleted or overwritten.
 */
final class Restore {
    private Restore() {}

    /** A restore that did not happen; the message says why, and nothing was changed. */
    static final class RefusedException extends Exception {
        private final ExitStatus status;

        RefusedException(String message) {
            this(message, ExitStatus.FAILURE);
        }

        RefusedException(String message, ExitStatus status) {
            super(message, null, false, false);
            this.status = status;
        }

        ExitStatus status() {
            return status;
        }
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** Restores {@code backup} into the data directory of {@code config}; returns what was done. */
    static String run(Config config, Path backup) throws RefusedException {
        Settings settings = config.settings();
        Path data = settings.data();
        checkUser(data, settings.socket(), backup);
        if (!readable(backup)) {
            throw new RefusedException("cannot restore: " + backup + " is not readable by user " + DataDir.user()
                    + "; make it readable by that user (or copy it where that user can read it) and run the restore again",
                    ExitStatus.NO_PERMISSION);
        }
        Snapshot.Content content;
        try {
            content = Snapshot.read(backup);
        } catch (StoreException e) {
            throw new RefusedException("cannot restore: " + e.getMessage());
        }
        if (answers(settings.socket())) {
            throw new RefusedException("portd is running (" + settings.socket() + " answers); stop it before restoring"
                    + " (under systemd: systemctl stop portd.socket portd.service, or the next connection starts it again)");
        }
        try {
            DataDir.check(data);
        } catch (StoreException e) {
            throw new RefusedException("cannot restore: " + e.getMessage(), ExitStatus.of(e));
        }
        long now = System.currentTimeMillis();
        PortTable base = content.table();
        List<Event> history = new ArrayList<>(content.history());
        history.add(new Event(base.nextSeq(), now, Event.Kind.RESTORE, null, 0, 0, Paths.uid(), (int) ProcessHandle.current().pid(),
                "from " + backup.getFileName() + " (" + content.leases().size() + " leases)"));
        PortTable table = PortTable.load(content.leases(), content.reservations(), history, content.lastPort());
        List<Path> moved;
        try {
            Files.createDirectories(data);
            try (Closeable lock = Store.lockForTool(data)) {
                if (lock == null) {
                    throw new RefusedException("the store " + data.resolve(Store.FILE)
                            + " is in use by another process (a running portd?)");
                }
                moved = moveAside(data, STAMP.format(Instant.ofEpochMilli(now)));
                Store.write(data, table, 0);
            }
        } catch (IOException e) {
            throw new RefusedException("cannot restore: " + e.getMessage());
        }
        // Read back and check, as the daemon will at start.
        try (Store store = Store.open(data, settings.historyMax(), Row::parse, Runnable::run)) {
            store.table();
        } catch (StoreException e) {
            throw new RefusedException("restore into " + data + " failed: " + e.getMessage());
        }
        return "restored " + content.leases().size() + " leases and " + content.reservations().size()
                + " reservations from " + backup + " (taken " + dev.portd.protocol.Values.time(content.timeMillis())
                + ") into " + data.resolve(Store.FILE)
                + (moved.isEmpty() ? "" : "; the previous store was moved aside to " + moved.get(0));
    }

    /**
     * Refuses to write the store as anyone but the data directory's owner: the daemon runs as that user,
     * and files this command created as another (root) would stop it from opening its store. Refusing
     * rather than chown-ing keeps root from writing into a directory another user controls.
     */
    private static void checkUser(Path data, Path socket, Path backup) throws RefusedException {
        int owner = Files.isDirectory(data) ? DataDir.owner(data) : Paths.uid();
        if (owner >= 0 && owner != Paths.uid()) {
            throw new RefusedException("--restore must run as the owner of " + data + ", " + DataDir.ownerName(data)
                    + " (the user the daemon runs as), not as " + DataDir.user() + ": the store files it writes would belong to "
                    + DataDir.user() + " and the daemon could not open them. Nothing was changed. Run: "
                    + command(data, socket, backup), ExitStatus.NO_PERMISSION);
        }
    }

    /**
     * The command that restores {@code backup} into {@code data}, run as the data directory's owner
     * ({@code runuser -u OWNER --} unless that is root), with every path absolute.
     */
    static String command(Path data, Path socket, Path backup) {
        int owner = DataDir.owner(data);
        String as = owner > 0 ? "runuser -u " + DataDir.ownerName(data) + " -- " : "";
        return as + "java -jar " + quote(jar()) + " --restore " + quote(backup.toAbsolutePath().toString())
                + " --data " + quote(data.toAbsolutePath().toString()) + " --socket " + quote(socket.toAbsolutePath().toString());
    }

    /** The jar this code runs from, or portd.jar (run from classes, as in tests). */
    static String jar() {
        try {
            Path p = Path.of(Restore.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.toString().endsWith(".jar") ? p.toString() : "portd.jar";
        } catch (Exception | Error e) {
            return "portd.jar";
        }
    }

    /** {@code s} as one shell word. */
    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** False only if this user may not read {@code file} or reach it (a missing file is Snapshot's to report). */
    private static boolean readable(Path file) {
        try {
            Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            return Files.isReadable(file);
        } catch (java.nio.file.AccessDeniedException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** True if a daemon accepts connections on the socket. */
    static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Renames portd.db and its journal (and a 0.1.0 store's files) to NAME.damaged-STAMP. */
    private static List<Path> moveAside(Path data, String stamp) throws IOException, RefusedException {
        List<Path> files = Store.files(data);
        List<Path> moved = new ArrayList<>();
        for (Path f : files) {
            Path aside = f.resolveSibling(f.getFileName() + ".damaged-" + stamp);
            if (Files.exists(aside)) {
                throw new RefusedException(aside + " already exists; not overwriting it");
            }
            Files.move(f, aside);
            moved.add(aside);
        }
        return moved;
    }
}
