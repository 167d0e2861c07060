package dev.portd.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal's segment files: {@code portd.journal.<16 hex digits>} in the data directory, numbered from 1,
 * each made whole (zero-filled, forced, renamed into place) before a record goes into it, so an append
 * overwrites blocks the file already owns and its {@code fdatasync} has no size or block map to update.
 */
final class Segments {
    private Segments() {}

    static final String PREFIX = "portd.journal.";
    /** Appends of records larger than a segment go into a segment of their own, grown past this size. */
    static final long BYTES = 1 << 20;
    private static final int ZEROS = 64 << 10;

    static String name(long number) {
        return PREFIX + String.format("%016x", number);
    }

    /** The segment files in {@code dir}, oldest first. */
    static List<Path> files(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : s) {
                if (number(p) >= 0) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    static long number(Path p) {
        String n = p.getFileName().toString().substring(PREFIX.length());
        return n.matches("[0-9a-f]{16}") ? Long.parseUnsignedLong(n, 16) : -1;
    }

    /**
     * Creates a segment whole: zero-filled under a temporary name, forced, renamed, directory forced. A
     * full disk fails here, before any record needs the space; the temporary file is removed.
     */
    static void prepare(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            zero(ch, 0, BYTES);
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Store.fsyncDirectory(file.getParent());
    }

    /** Writes zeros over {@code [from, to)} of {@code ch}. */
    static void zero(FileChannel ch, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(ZEROS);
        for (long at = from; at < to; ) {
            zeros.clear().limit((int) Math.min(ZEROS, to - at));
            at += ch.write(zeros, at);
        }
    }
}
