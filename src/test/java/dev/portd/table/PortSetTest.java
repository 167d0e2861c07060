package dev.portd.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PortSet against java.util.BitSet under random operations. Every message carries the seed. */
class PortSetTest {

    /** Fixed seeds keep failures reproducible; one fresh seed per run keeps looking. */
    static final long[] SEEDS = {1, 42, 20000, 0xC0FFEE, System.nanoTime()};

    @Test
    void randomOperationsMatchBitSet() {
        for (long seed : SEEDS) {
            run(seed);
        }
    }

    private static void run(long seed) {
        Random rnd = new Random(seed);
        PortSet set = PortSet.EMPTY;
        BitSet ref = new BitSet(65536);
        List<PortSet> versions = new ArrayList<>();
        List<BitSet> refs = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            int port = port(rnd);
            String at = "seed " + seed + " step " + step + " port " + port;
            if (rnd.nextInt(3) > 0) {
                set = set.with(port);
                ref.set(port);
            } else {
                set = set.without(port);
                ref.clear(port);
            }
            assertEquals(ref.cardinality(), set.size(), at + ": size");
            assertEquals(ref.get(port), set.contains(port), at + ": contains");
            int a = port(rnd);
            int b = port(rnd);
            int from = Math.min(a, b);
            int to = Math.max(a, b);
            int expect = ref.nextClearBit(from);
            assertEquals(expect <= to ? expect : -1, set.nextClear(from, to), at + ": nextClear(" + from + ", " + to + ")");
            assertEquals(ref.get(from, to + 1).cardinality(), set.countIn(from, to), at + ": countIn(" + from + ", " + to + ")");
            if (step % 1000 == 0) {
                versions.add(set);
                refs.add((BitSet) ref.clone());
            }
        }
        // Immutability: every version kept still holds exactly what it held.
        for (int v = 0; v < versions.size(); v++) {
            for (int p = 0; p < 65536; p++) {
                if (versions.get(v).contains(p) != refs.get(v).get(p)) {
                    throw new AssertionError("seed " + seed + ": version " + v + " changed at port " + p);
                }
            }
        }
    }

    /** Clustered around word and chunk edges and the ends, where off-by-ones live. */
    private static int port(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(65536);
            case 1 -> Math.floorMod(rnd.nextInt(1024) * 64 + rnd.nextInt(3) - 1, 65536);
            case 2 -> rnd.nextBoolean() ? rnd.nextInt(130) : 65535 - rnd.nextInt(130);
            default -> 20000 + rnd.nextInt(200);
        };
    }

    @Test
    void fullSetHasNoClearPortAndEdgesWork() {
        PortSet s = PortSet.EMPTY;
        for (int p = 0; p < 65536; p++) {
            s = s.with(p);
        }
        assertEquals(65536, s.size());
        assertEquals(-1, s.nextClear(0, 65535));
        assertEquals(65536, s.countIn(0, 65535));
        s = s.without(65535).without(0);
        assertEquals(0, s.nextClear(0, 65535));
        assertEquals(65535, s.nextClear(1, 65535));
        assertEquals(-1, s.nextClear(1, 65534));
        assertEquals(65534, s.countIn(0, 65535));
    }

    @Test
    void noOpChangesReturnTheSameSet() {
        PortSet s = PortSet.EMPTY.with(7);
        assertSame(s, s.with(7));
        assertSame(PortSet.EMPTY, PortSet.EMPTY.without(7));
        assertEquals(-1, s.nextClear(9, 8));
        assertEquals(0, s.countIn(9, 8));
    }
}
