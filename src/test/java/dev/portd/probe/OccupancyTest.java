package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.Holder;
import dev.portd.table.Transport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class OccupancyTest {

    static Holder tcp(int port, long inode) {
        return new Holder(Transport.TCP, false, port, 1000, inode, 42, "server");
    }

    static Holder udp6(int port, long inode) {
        return new Holder(Transport.UDP, true, port, 0, inode, -1, null);
    }

    @Test
    void emptySnapshot() {
        Occupancy e = Occupancy.EMPTY;
        assertEquals(0, e.socketCount());
        assertEquals(0, e.portCount());
        assertEquals(0, e.ports().length);
        assertFalse(e.occupied(20000));
        assertTrue(e.holders(20000).isEmpty());
    }

    @Test
    void lookupByPortAndProto() {
        Holder a = tcp(20001, 1);
        Holder b = udp6(20001, 2);
        Holder c = tcp(29999, 3);
        Holder d = new Holder(Transport.TCP, true, 29999, 1000, 4, 42, "server"); // v4 and v6 listeners
        Occupancy o = Occupancy.of(123L, 7L, 2, List.of(c, b, d, a));

        assertEquals(123L, o.timeMillis());
        assertEquals(7L, o.durationMillis());
        assertEquals(2, o.malformedLines());
        assertEquals(4, o.socketCount());
        assertEquals(2, o.portCount());

        assertEquals(List.of(a, b), o.holders(20001), "TCP before UDP within a port");
        assertEquals(List.of(c, d), o.holders(29999), "IPv4 before IPv6");
        assertTrue(o.occupied(20001, Transport.TCP));
        assertTrue(o.occupied(20001, Transport.UDP));
        assertTrue(o.occupied(29999, Transport.TCP));
        assertFalse(o.occupied(29999, Transport.UDP));
        assertFalse(o.occupied(20002));
        assertFalse(o.occupied(20002, Transport.TCP));
        assertTrue(o.holders(20002).isEmpty());
        assertArrayEquals(new int[] {20001, 29999}, o.ports());
        assertEquals(List.of(a, b, c, d), o.holders());
    }

    @Test
    void outOfRangePortsAreNeverOccupied() {
        Occupancy o = Occupancy.of(0, 0, 0, List.of(tcp(1, 1), tcp(65535, 2)));
        for (int port : new int[] {0, -1, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertFalse(o.occupied(port));
            assertFalse(o.occupied(port, Transport.TCP));
            assertTrue(o.holders(port).isEmpty());
        }
        assertTrue(o.occupied(1));
        assertTrue(o.occupied(65535));
        assertThrows(IllegalArgumentException.class, () -> Occupancy.of(0, 0, 0, List.of(tcp(0, 1))));
        assertThrows(IllegalArgumentException.class, () -> Occupancy.of(0, 0, 0, List.of(tcp(65536, 1))));
    }

    @Test
    void snapshotIsImmutable() {
        List<Holder> input = new ArrayList<>(List.of(tcp(20001, 1)));
        Occupancy o = Occupancy.of(0, 0, 0, input);
        input.add(tcp(20002, 2));
        assertFalse(o.occupied(20002), "later changes to the input do not leak in");
        assertThrows(UnsupportedOperationException.class, () -> o.holders(20001).add(tcp(20001, 3)));
        assertThrows(UnsupportedOperationException.class, () -> o.holders().clear());
        o.ports()[0] = 1;
        assertArrayEquals(new int[] {20001}, o.ports());
    }

    @Test
    void portsInRange() {
        Occupancy o = Occupancy.of(0, 0, 0, List.of(tcp(19999, 1), tcp(20000, 2), tcp(25000, 3),
                udp6(25000, 4), tcp(29999, 5), tcp(30000, 6)));
        assertArrayEquals(new int[] {20000, 25000, 29999}, o.ports(20000, 29999));
        assertArrayEquals(new int[] {25000}, o.ports(20001, 29998));
        assertArrayEquals(new int[] {}, o.ports(25001, 29998));
        assertArrayEquals(new int[] {}, o.ports(29999, 20000));
        assertArrayEquals(new int[] {19999, 20000, 25000, 29999, 30000}, o.ports(0, 65535));
        assertArrayEquals(new int[] {19999, 20000, 25000, 29999, 30000}, o.ports(Integer.MIN_VALUE, Integer.MAX_VALUE));
    }

    @Test
    void manyPortsAgainstAReferenceMap() {
        // Dense runs and random scatter: exercises collisions in the open-addressing index.
        Random rnd = new Random(7);
        List<Holder> all = new ArrayList<>();
        TreeMap<Integer, Integer> counts = new TreeMap<>();
        long inode = 1;
        for (int port = 40000; port < 50000; port++) {
            all.add(tcp(port, inode++));
            counts.merge(port, 1, Integer::sum);
        }
        for (int i = 0; i < 5000; i++) {
            int port = 1 + rnd.nextInt(65535);
            all.add(rnd.nextBoolean() ? tcp(port, inode++) : udp6(port, inode++));
            counts.merge(port, 1, Integer::sum);
        }
        Collections.shuffle(all, rnd);
        Occupancy o = Occupancy.of(0, 0, 0, all);
        assertEquals(all.size(), o.socketCount());
        assertEquals(counts.size(), o.portCount());
        assertArrayEquals(counts.keySet().stream().mapToInt(Integer::intValue).toArray(), o.ports());
        for (int port = 0; port <= 65536; port++) {
            int expected = counts.getOrDefault(port, 0);
            assertEquals(expected, o.holders(port).size(), "port " + port);
            assertEquals(expected > 0, o.occupied(port), "port " + port);
            for (Holder h : o.holders(port)) {
                assertEquals(port, h.port());
            }
        }
    }
}
