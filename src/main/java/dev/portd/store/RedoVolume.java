package dev.portd.store;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.mapdb.DBException;
import org.mapdb.DataInput2;
import org.mapdb.volume.FileChannelVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;

/**
 * The main store file, made crash-safe. MapDB 3.1's transactional store commits by writing its
 * write-ahead log, then overwriting the main file in place, then deleting the log; but it never
 * replays that log on open (and the log lacks the index updates anyway). A process killed during
 * the in-place writes leaves a torn file that no longer opens. So this volume holds every write to
 * the main file in memory until MapDB asks for a sync, and then:
 *
 * <ol>
 *   <li>rewrites the current bytes of every region about to change, which allocates any sparse
 *       block now, so a full disk fails here, before anything changed;
 *   <li>writes all the changes to {@code portd.db.redo} with a CRC and forces it;
 *   <li>applies them in place and forces the main file;
 *   <li>empties the redo file.
 * </ol>
 *
 * A start finds a complete redo file only if the last sync stopped between 2 and 4, and applies it
 * again (the changes are absolute bytes, so applying twice is harmless). An incomplete one is from
 * a sync that stopped before 2 finished: the main file was not touched, and it is discarded.
 */
final class RedoVolume extends Volume {
    public static final String SUFFIX = ".redo";
    private static final long MAGIC = 0x706f7274_64524431L; // "portdRD1"

    record Write(long offset, byte[] bytes) {}

    private final Volume file;
    private final FileChannel redo;
    private final List<Write> pending = new ArrayList<>();

    /**
     * The redo file stays open, like the main file: under jsvc the store is opened as root before
     * privileges are dropped, and a file opened anew at each sync might then no longer be writable.
     */
    private RedoVolume(Volume file, FileChannel redo) {
        this.file = file;
        this.redo = redo;
    }

    /** Makes the main file's volume journaled; MapDB's own log files stay plain. */
    static VolumeFactory factory(Path mainFile) {
        String main = mainFile.toString();
        return new VolumeFactory() {
            @Override
            public Volume makeVolume(String name, boolean readOnly, long fileLockWait, int sliceShift, long initSize,
                                     boolean fixedSize) {
                Volume v = FileChannelVol.FACTORY.makeVolume(name, readOnly, fileLockWait, sliceShift, initSize, fixedSize);
                if (!main.equals(name) || readOnly) {
                    return v;
                }
                Path redo = Path.of(name + SUFFIX);
                try {
                    recover(v, redo); // after the volume locked the file: never under a live daemon's feet
                    createDurably(redo);
                    return new RedoVolume(v, FileChannel.open(redo, StandardOpenOption.WRITE));
                } catch (IOException e) {
                    v.close();
                    throw new DBException.VolumeIOError(e);
                } catch (RuntimeException e) {
                    v.close();
                    throw e;
                }
            }

            @Override
            public boolean exists(String name) {
                return FileChannelVol.FACTORY.exists(name);
            }

            @Override
            public boolean handlesReadonly() {
                return FileChannelVol.FACTORY.handlesReadonly();
            }
        };
    }

    /** Applies a complete redo file left by a sync that was cut short; returns the bytes applied. */
    static long recover(Volume v, Path redo) {
        if (!Files.exists(redo)) {
            return 0;
        }
        try {
            List<Write> writes = read(Files.readAllBytes(redo));
            long bytes = 0;
            if (writes != null) {
                long end = 0;
                for (Write w : writes) {
                    end = Math.max(end, w.offset + w.bytes.length);
                }
                v.ensureAvailable(end);
                for (Write w : writes) {
                    v.putData(w.offset, w.bytes, 0, w.bytes.length);
                    bytes += w.bytes.length;
                }
                v.sync();
            }
            try (FileChannel ch = FileChannel.open(redo, StandardOpenOption.WRITE)) {
                ch.truncate(0);
                ch.force(true);
            }
            return bytes;
        } catch (IOException e) {
            throw new DBException.VolumeIOError(e);
        }
    }

    /**
     * The redo file is made once and then only truncated and rewritten, so its directory entry is durable
     * before any sync relies on it (forcing a file does not make its name durable).
     */
    private static void createDurably(Path redo) {
        if (Files.exists(redo)) {
            return;
        }
        try {
            Files.createFile(redo);
            try (FileChannel d = FileChannel.open(redo.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new DBException.VolumeIOError(e);
        }
    }

    /** The writes of a complete redo file, or null if it is empty, torn or not one. */
    static List<Write> read(byte[] b) {
        if (b.length < 16) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(b);
        if (in.getLong() != MAGIC) {
            return null;
        }
        int count = in.getInt();
        List<Write> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (in.remaining() < 12) {
                return null;
            }
            long offset = in.getLong();
            int len = in.getInt();
            if (offset < 0 || len < 0 || in.remaining() < len) {
                return null;
            }
            byte[] bytes = new byte[len];
            in.get(bytes);
            out.add(new Write(offset, bytes));
        }
        if (in.remaining() < 4) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, in.position());
        return in.getInt() == (int) crc.getValue() ? out : null;
    }

    static byte[] encode(List<Write> writes) {
        int size = 8 + 4 + 4;
        for (Write w : writes) {
            size += 12 + w.bytes.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putLong(MAGIC).putInt(writes.size());
        for (Write w : writes) {
            out.putLong(w.offset).putInt(w.bytes.length).put(w.bytes);
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    @Override
    public void sync() {
        if (pending.isEmpty()) {
            file.sync();
            return;
        }
        try {
            for (Write w : pending) { // 1: allocate now what the writes will need
                byte[] current = new byte[w.bytes.length];
                file.getData(w.offset, current, 0, current.length);
                file.putData(w.offset, current, 0, current.length);
            }
            redo.truncate(0); // 2
            ByteBuffer b = ByteBuffer.wrap(encode(pending));
            for (long at = 0; b.hasRemaining(); ) {
                at += redo.write(b, at);
            }
            redo.force(true);
            for (Write w : pending) { // 3
                file.putData(w.offset, w.bytes, 0, w.bytes.length);
            }
            file.sync();
            redo.truncate(0); // 4: no force needed, applying this again would change nothing
        } catch (IOException e) {
            throw new DBException.VolumeIOError(e);
        } finally {
            pending.clear();
        }
    }

    // ---- writes are held until sync ----

    private void hold(long offset, byte[] bytes) {
        pending.add(new Write(offset, bytes));
    }

    @Override
    public void putLong(long offset, long value) {
        hold(offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    @Override
    public void putInt(long offset, int value) {
        hold(offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    @Override
    public void putByte(long offset, byte value) {
        hold(offset, new byte[] {value});
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        byte[] copy = new byte[srcSize];
        System.arraycopy(src, srcPos, copy, 0, srcSize);
        hold(offset, copy);
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        byte[] copy = new byte[buf.remaining()];
        buf.get(copy);
        hold(offset, copy);
    }

    @Override
    public void clear(long startOffset, long endOffset) {
        hold(startOffset, new byte[Math.toIntExact(endOffset - startOffset)]);
    }

    // ---- reads see held writes (MapDB does not read the main file mid-commit, but must not be wrong if it does) ----

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        file.getData(offset, bytes, bytesPos, size);
        for (Write w : pending) {
            long from = Math.max(offset, w.offset);
            long to = Math.min(offset + size, w.offset + w.bytes.length);
            if (from < to) {
                System.arraycopy(w.bytes, (int) (from - w.offset), bytes, bytesPos + (int) (from - offset), (int) (to - from));
            }
        }
    }

    private byte[] bytes(long offset, int size) {
        byte[] b = new byte[size];
        getData(offset, b, 0, size);
        return b;
    }

    @Override
    public long getLong(long offset) {
        return pending.isEmpty() ? file.getLong(offset) : ByteBuffer.wrap(bytes(offset, 8)).getLong();
    }

    @Override
    public int getInt(long offset) {
        return pending.isEmpty() ? file.getInt(offset) : ByteBuffer.wrap(bytes(offset, 4)).getInt();
    }

    @Override
    public byte getByte(long offset) {
        return pending.isEmpty() ? file.getByte(offset) : bytes(offset, 1)[0];
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        return pending.isEmpty() ? file.getDataInput(offset, size) : new DataInput2.ByteArray(bytes(offset, size));
    }

    // ---- the rest is the file's ----

    @Override
    public void ensureAvailable(long offset) {
        file.ensureAvailable(offset);
    }

    @Override
    public void truncate(long size) {
        file.truncate(size);
    }

    @Override
    public void close() {
        pending.clear(); // uncommitted: dropping it is what a crash would do
        closed.set(true);
        try {
            redo.close();
        } catch (IOException e) {
            // closing only
        }
        file.close();
    }

    @Override
    public int sliceSize() {
        return file.sliceSize();
    }

    @Override
    public boolean isSliced() {
        return file.isSliced();
    }

    @Override
    public long length() {
        return file.length();
    }

    @Override
    public boolean isReadOnly() {
        return file.isReadOnly();
    }

    @Override
    public File getFile() {
        return file.getFile();
    }

    @Override
    public boolean getFileLocked() {
        return file.getFileLocked();
    }
}
