package dev.portd.table;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** FreePorts against the definition spelled out port by port: not leased, not reserved, not seen in use. */
class FreePortsTest {

    /** Ports seen in use on the host, as a probe would report them (TCP only counts for freeness). */
    private record Seen(Set<Integer> tcp, Set<Integer> udp) implements PortUse {
        @Override
        public boolean inUse(int port, Transport proto) {
            return proto.tcp() && tcp.contains(port) || proto.udp() && udp.contains(port);
        }

        @Override
        public Owner owner(int port) {
            return null;
        }

        @Override
        public boolean canBind(int port, Transport proto) {
            return !inUse(port, proto);
        }
    }

    @Test
    void runsAndCountMatchAPortByPortWalk() {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            int lo = 1 + rnd.nextInt(65000);
            int hi = Math.min(65535, lo + rnd.nextInt(round % 10 == 0 ? 520 : 130));
            List<Lease> leases = new ArrayList<>();
            Map<Integer, String> reserved = new HashMap<>();
            Set<Integer> tcp = new TreeSet<>();
            Set<Integer> udp = new TreeSet<>();
            for (int p = Math.max(1, lo - 3); p <= Math.min(65535, hi + 3); p++) {
                switch (rnd.nextInt(6)) {
                    case 0 -> leases.add(new Lease("s" + p, p, Transport.TCP, 1000, 0, 0, 0, 0, 0, null,
                            LeaseState.LEASED, null));
                    case 1 -> reserved.put(p, "");
                    case 2 -> tcp.add(p);
                    case 3 -> udp.add(p); // a UDP socket does not make a port unfree: FREE counts TCP
                    default -> { }
                }
            }
            PortTable t = PortTable.load(leases, reserved, List.of(), 0);
            Seen use = new Seen(tcp, udp);

            List<String> want = new ArrayList<>();
            int wantCount = 0;
            int runLo = -1;
            for (int p = lo; p <= hi + 1; p++) {
                boolean free = p <= hi && t.leaseOn(p) == null && !t.isReserved(p) && !tcp.contains(p);
                if (free) {
                    wantCount++;
                    runLo = runLo < 0 ? p : runLo;
                } else if (runLo >= 0) {
                    want.add(runLo + "-" + (p - 1));
                    runLo = -1;
                }
            }
            List<String> got = new ArrayList<>();
            int count = FreePorts.runs(t, use, lo, hi, (a, b) -> got.add(a + "-" + b));
            String at = "round " + round + " " + lo + "-" + hi;
            assertEquals(want, got, at);
            assertEquals(wantCount, count, at);
            assertEquals(wantCount, FreePorts.runs(t, use, lo, hi, null), at);
        }
    }

    @Test
    void theCountCoversTheManagedRange() {
        PortTable t = PortTable.load(List.of(new Lease("web", 20001, Transport.TCP, 0, 0, 0, 0, 0, 0, null,
                LeaseState.LEASED, null)), Map.of(20003, "db"), List.of(), 0);
        TableConfig cfg = new TableConfig(20000, 20009, Policy.LOWEST, 0, 10, 100);
        assertEquals(7, FreePorts.count(t, new Seen(Set.of(20005), Set.of(20006)), cfg));
        assertEquals(8, FreePorts.count(t, PortUse.NONE, cfg));
    }

    @Test
    void anEmptyOrInvertedRangeHasNoFreePorts() {
        assertEquals(0, FreePorts.runs(PortTable.EMPTY, PortUse.NONE, 10, 9, (a, b) -> { throw new AssertionError(); }));
        assertEquals(1, FreePorts.runs(PortTable.EMPTY, PortUse.NONE, 65535, 65535, null));
    }
}
