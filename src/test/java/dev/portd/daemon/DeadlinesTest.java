package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portd.table.Lease;
import dev.portd.table.LeaseState;
import dev.portd.table.PortTable;
import dev.portd.table.Transport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ttl expiry across wall-clock jumps, with both clocks in the test's hands: the deadline is fixed on
 * the monotonic clock when a lease (or a renewed expiry) is first seen, so stepping the wall clock an
 * hour either way changes nothing.
 */
class DeadlinesTest {
    static final long W0 = 1_764_000_000_000L; // some wall-clock moment
    static final long S = 1_000_000_000L;      // one second in nanos
    static final long HOUR_MS = 3_600_000L;

    static PortTable table(Lease... leases) {
        return PortTable.load(List.of(leases), Map.of(), List.of(), 0);
    }

    static Lease ttl(String service, int port, long expires) {
        return new Lease(service, port, Transport.TCP, 0, 0, 0, W0, expires, 10_000, null, LeaseState.LEASED);
    }

    @Test
    void aWallClockStepForwardDoesNotEndALeaseEarly() {
        Deadlines d = new Deadlines();
        PortTable t = table(ttl("a", 20000, W0 + 10_000));
        assertEquals(List.of(), d.due(t, 0, W0));
        assertEquals(List.of(), d.due(t, 1 * S, W0 + 1_000 + HOUR_MS), "an hour ahead on the wall: not due");
        assertEquals(List.of(), d.due(t, 9 * S, W0 + 9_000 + HOUR_MS));
        assertEquals(List.copyOf(t.leases()), d.due(t, 10 * S, W0 + 10_000 + HOUR_MS), "due after its 10 s");
    }

    @Test
    void aWallClockStepBackDoesNotKeepALeaseLate() {
        Deadlines d = new Deadlines();
        PortTable t = table(ttl("a", 20000, W0 + 10_000));
        assertEquals(List.of(), d.due(t, 0, W0));
        assertEquals(List.of(), d.due(t, 5 * S, W0 + 5_000 - HOUR_MS));
        assertEquals(List.copyOf(t.leases()), d.due(t, 10 * S, W0 + 10_000 - HOUR_MS), "an hour behind: due all the same");
    }

    @Test
    void aRenewedExpiryGetsANewDeadlineFromWhenItIsSeen() {
        Deadlines d = new Deadlines();
        assertEquals(List.of(), d.due(table(ttl("a", 20000, W0 + 10_000)), 0, W0));
        // The clock jumped an hour ahead, then the lease was renewed for 10 s (expires = wall now + 10 s).
        PortTable renewed = table(ttl("a", 20000, W0 + HOUR_MS + 8_000 + 10_000));
        assertEquals(List.of(), d.due(renewed, 8 * S, W0 + HOUR_MS + 8_000));
        assertEquals(List.of(), d.due(renewed, 17 * S, W0 + HOUR_MS + 17_000));
        assertEquals(1, d.due(renewed, 18 * S, W0 + HOUR_MS + 18_000).size());
    }

    @Test
    void leasesWithoutTtlAndReleasedLeasesAreForgotten() {
        Deadlines d = new Deadlines();
        Lease forever = new Lease("b", 20001, Transport.TCP, 0, 0, 0, W0, 0, 0, null, LeaseState.LEASED);
        assertEquals(List.of(), d.due(table(forever, ttl("a", 20000, W0 + 1_000)), 0, W0));
        assertEquals(List.of(), d.due(table(forever), 2 * S, W0 + 2_000), "a released lease is not due");
        // Re-made with the same name later: a deadline of its own, not the old one.
        PortTable again = table(forever, ttl("a", 20000, W0 + 5_000 + 1_000));
        assertEquals(List.of(), d.due(again, 5 * S, W0 + 5_000));
        assertEquals(1, d.due(again, 6 * S, W0 + 6_000).size());
    }
}
