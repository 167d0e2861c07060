package dev.portd.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The socket files the daemon makes itself (not systemd's): made safely, removed at stop. */
final class SocketFiles {
    private static final Logger log = LoggerFactory.getLogger(PortdServer.class);

    private SocketFiles() {}

    /**
     * A socket file left by a dead daemon is replaced; a live daemon is not disturbed. Anything that is
     * not a socket (a symlink, a regular file) is left alone and refused: the daemon never removes or
     * follows what it did not create.
     */
    static void prepare(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != me && owner != 0) {
            // e.g. /tmp/portd-UID made by someone else first: they could swap the socket under us.
            throw new IOException("socket directory " + dir + " belongs to uid " + owner + ", not to this user");
        }
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0002) != 0 && (mode & 01000) == 0) {
            // Anyone could replace the socket file with a symlink between bind and chmod (which follows it).
            throw new IOException("socket directory " + dir + " is writable by others without the sticky bit");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isSymbolicLink(path) || !isSocket(path)) {
            throw new IOException(path + " exists and is not a socket; not touching it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new PortdServer.AlreadyRunningException("another portd is already serving " + path);
        } catch (PortdServer.AlreadyRunningException e) {
            throw e;
        } catch (IOException dead) {
            log.info("replacing stale socket {}", path);
            Files.delete(path);
        }
    }

    private static boolean isSocket(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000;
    }

    static void delete(Path socket) {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socket, e.getMessage());
        }
    }
}
