package dev.portd.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the journal's segments at start-up and tells a torn last record from damage.
 *
 * <p>A crash during an append can only tear the last record written: nothing was written after it,
 * and it was never acknowledged. So a record that fails its CRC (or is cut short) is cut off silently
 * when no good record follows it anywhere. Anything else is damage: a bad record with good ones after
 * it, a bad record in a segment that is not the last one written, a sequence number that does not
 * follow its predecessor, or missing records after the checkpoint. Damage refuses the start; records
 * after it were acknowledged and cutting them would lose them. Damage confined to records the MapDB
 * file already holds (the next good record is at most one past its checkpoint) is skipped with a
 * warning: nothing there is needed.
 */
final class JournalReader {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Journal.class);

    private JournalReader() {}

    record Record(long seq, byte[] payload) {}

    /**
     * @param records   the good records after the checkpoint, in order
     * @param lastSeqs  per segment read, its last record's sequence number (0: none)
     * @param appendTo  the index of the segment to append to: the last one holding data (0 if none does)
     * @param end       where the next record goes in that segment
     * @param cutBytes  bytes of a torn record to zero from {@code end} on (0 when none)
     * @param lastSeq   the last good record's sequence number anywhere, 0 if none
     */
    record Result(List<Record> records, long[] lastSeqs, int appendTo, long end, long cutBytes, long lastSeq) {}

    static Result read(List<Path> files, long checkpointSeq) throws IOException {
        List<byte[]> contents = new ArrayList<>();
        int lastData = -1;
        for (int i = 0; i < files.size(); i++) {
            byte[] b = Files.readAllBytes(files.get(i));
            contents.add(b);
            if (nonZeroFrom(b, 0) >= 0) {
                lastData = i;
            }
        }
        List<Record> records = new ArrayList<>();
        long[] lastSeqs = new long[Math.max(lastData + 1, files.isEmpty() ? 0 : 1)];
        long prev = 0;
        long end = 0;
        long cut = 0;
        for (int i = 0; i <= lastData; i++) {
            byte[] b = contents.get(i);
            Path file = files.get(i);
            ByteBuffer in = ByteBuffer.wrap(b);
            int pos = 0;
            while (true) {
                String bad = null;
                while (pos + Journal.HEADER <= b.length) {
                    int len = in.getInt(pos);
                    long seq = in.getLong(pos + 8);
                    if (len == 0 && in.getInt(pos + 4) == 0 && seq == 0) {
                        break; // the zeros after the last record
                    }
                    bad = check(b, pos, len);
                    if (bad != null) {
                        break;
                    }
                    if (prev == 0 ? seq > checkpointSeq + 1 || seq < 1
                            : seq != prev + 1 && seq > checkpointSeq + 1) {
                        throw StoreException.journalDamaged(file, pos, prev == 0
                                ? "its first record is number " + seq + " but the store holds up to " + checkpointSeq
                                : "record " + seq + " follows record " + prev);
                    }
                    if (seq > checkpointSeq) {
                        byte[] payload = new byte[len];
                        System.arraycopy(b, pos + Journal.HEADER, payload, 0, len);
                        records.add(new Record(seq, payload));
                    }
                    prev = seq;
                    lastSeqs[i] = seq;
                    pos += Journal.HEADER + len;
                }
                if (nonZeroFrom(b, pos) < 0) {
                    break; // a clean end: only zeros (or nothing) after the last good record
                }
                if (bad == null) {
                    bad = pos + Journal.HEADER > b.length ? "the record is cut short" : "a record was erased";
                }
                // What follows the bad bytes decides: nothing good (a torn last record), records the store
                // file already holds (harmless), or records it needs (damage).
                int good = goodRecordAfter(b, pos + 1, prev);
                long following = good >= 0 ? in.getLong(good + 8) : firstGoodSeq(contents, i + 1, lastData, prev);
                if (following < 0 && i == lastData) {
                    cut = b.length - pos;
                    break;
                }
                if (following < 0 || following > checkpointSeq + 1) {
                    throw StoreException.journalDamaged(file, pos, bad + (following < 0
                            ? ", and later segments hold no good record" : good >= 0
                            ? ", and a good record follows at offset " + good : ", and later segments hold records"));
                }
                log.warn("the journal {} is damaged at offset {} ({}), but only where {} already holds the records:"
                        + " skipped", file, pos, bad, Store.FILE);
                if (good < 0) {
                    pos = b.length;
                    break;
                }
                pos = good;
            }
            if (i == lastData) {
                end = pos;
            }
        }
        return new Result(records, lastSeqs, Math.max(lastData, 0), end, cut, prev);
    }

    /** The number of the first good record in segments {@code from..to}, or -1. */
    private static long firstGoodSeq(List<byte[]> contents, int from, int to, long prev) {
        for (int j = from; j <= to; j++) {
            byte[] b = contents.get(j);
            int at = b.length >= Journal.HEADER && check(b, 0, ByteBuffer.wrap(b).getInt(0)) == null ? 0
                    : goodRecordAfter(b, 0, prev);
            if (at >= 0) {
                return ByteBuffer.wrap(b).getLong(at + 8);
            }
        }
        return -1;
    }

    /** Why the record at {@code pos} is not a good one, or null if it is. */
    private static String check(byte[] b, int pos, int len) {
        if (len < 0 || len > b.length - pos - Journal.HEADER) {
            return "the record is cut short or its length is wrong";
        }
        return crc(b, pos, len) == ByteBuffer.wrap(b).getInt(pos + 4) ? null : "its CRC does not match";
    }

    /** The CRC32C of the record at {@code pos}: its length, sequence number and payload. */
    static int crc(byte[] b, int pos, int len) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b, pos, 4);
        c.update(b, pos + 8, 8 + len);
        return (int) c.getValue();
    }

    /**
     * The offset of a good record after {@code from} whose number could follow {@code prev}, or -1. Only
     * run when bytes follow the last good record; a plausible header is checked before its CRC is.
     */
    private static int goodRecordAfter(byte[] b, int from, long prev) {
        ByteBuffer in = ByteBuffer.wrap(b);
        for (int pos = from; pos + Journal.HEADER <= b.length; pos++) {
            int len = in.getInt(pos);
            long seq = in.getLong(pos + 8);
            if (len > 0 && len <= b.length - pos - Journal.HEADER && seq > prev && seq - prev < (1L << 32)
                    && check(b, pos, len) == null) {
                return pos;
            }
        }
        return -1;
    }

    private static int nonZeroFrom(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] != 0) {
                return i;
            }
        }
        return -1;
    }
}
