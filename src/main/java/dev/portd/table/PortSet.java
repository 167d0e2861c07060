package dev.portd.table;

/**
 * An immutable set of ports 0-65535 as a two-level bitmap. Adding or removing a port copies one
 * 1024-bit chunk and the 64-entry index, so a change is cheap, every version can be published to
 * readers as is, and finding the next clear port skips 64 ports per word instead of probing each.
 */
public final class PortSet {
    private static final int CHUNK_BITS = 1024;
    private static final int WORDS = CHUNK_BITS / 64;
    private static final int CHUNKS = 65536 / CHUNK_BITS;
    private static final long[] EMPTY_CHUNK = new long[WORDS];

    public static final PortSet EMPTY = new PortSet(emptyChunks(), 0);

    private final long[][] chunks;
    private final int size;

    private PortSet(long[][] chunks, int size) {
        this.chunks = chunks;
        this.size = size;
    }

    private static long[][] emptyChunks() {
        long[][] c = new long[CHUNKS][];
        java.util.Arrays.fill(c, EMPTY_CHUNK);
        return c;
    }

    public boolean contains(int port) {
        return (chunks[port >>> 10][(port >>> 6) & (WORDS - 1)] & (1L << port)) != 0;
    }

    public int size() {
        return size;
    }

    public PortSet with(int port) {
        return contains(port) ? this : flip(port, size + 1);
    }

    public PortSet without(int port) {
        return contains(port) ? flip(port, size - 1) : this;
    }

    private PortSet flip(int port, int newSize) {
        long[][] c = chunks.clone();
        long[] chunk = c[port >>> 10].clone();
        chunk[(port >>> 6) & (WORDS - 1)] ^= 1L << port;
        c[port >>> 10] = chunk;
        return new PortSet(c, newSize);
    }

    /** The lowest port in [from, to] not in the set, or -1. */
    public int nextClear(int from, int to) {
        int p = from;
        while (p <= to) {
            long word = ~chunks[p >>> 10][(p >>> 6) & (WORDS - 1)] & (-1L << p);
            if (word != 0) {
                int found = (p & ~63) + Long.numberOfTrailingZeros(word);
                return found <= to ? found : -1;
            }
            p = (p & ~63) + 64;
        }
        return -1;
    }

    /** How many ports of [lo, hi] are in the set. */
    public int countIn(int lo, int hi) {
        int n = 0;
        int p = lo;
        while (p <= hi) {
            long word = chunks[p >>> 10][(p >>> 6) & (WORDS - 1)] & (-1L << p);
            int wordEnd = (p & ~63) + 63;
            if (wordEnd > hi) {
                word &= -1L >>> (63 - (hi & 63));
            }
            n += Long.bitCount(word);
            p = (p & ~63) + 64;
        }
        return n;
    }
}
