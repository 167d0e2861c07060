package dev.portd.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire names of event and conflict kinds are stored (journal, portd.db, backups) and shown (HISTORY,
 * WATCH, CONFLICTS, JMX notification types), so renaming an enum constant must not change them unnoticed.
 */
class KindsTest {

    @Test
    void eventNamesAreThoseStoresAndClientsKnow() {
        assertEquals(List.of("alloc", "release", "renew", "expire", "exit", "bound", "conflict", "resolve", "reserve",
                "unreserve", "restore", "check", "healthy", "unhealthy"),
                Arrays.stream(Event.Kind.values()).map(Event.Kind::wire).toList());
        for (Event.Kind k : Event.Kind.values()) {
            assertEquals(k, Event.Kind.parse(k.wire()));
        }
    }

    @Test
    void anUnknownEventNameIsRefusedNotGuessed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Event.Kind.parse("ALLOC"));
        assertEquals("unknown event 'ALLOC'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Event.Kind.parse(null));
    }

    @Test
    void storedRowsKeepTheWireName() {
        Event e = new Event(7, 1000, Event.Kind.UNRESERVE, null, 20100, 0, 0, 1, "20100-20109");
        assertEquals("unreserve", e.storedRow().asMap().get("event"));
        Map<String, String> fields = new HashMap<>();
        e.storedRow().asMap().forEach((k, v) -> fields.put(k, v == null ? null : String.valueOf(v)));
        assertEquals(e, Event.fromStored(fields));
    }

    @Test
    void conflictKindsAreSquatterAndUnmanaged() {
        assertEquals(List.of("squatter", "unmanaged"), Arrays.stream(Conflict.Kind.values()).map(Conflict.Kind::wire).toList());
        Conflict c = new Conflict(20000, Conflict.Kind.UNMANAGED, null, 812, 1000, "nc", 0);
        assertEquals("unmanaged: held by pid 812 (nc) uid 1000", c.describe());
    }

    @Test
    void aLeaseCoversTheSocketsOfItsTransports() {
        assertTrue(Transport.TCP.covers(Transport.TCP));
        assertFalse(Transport.TCP.covers(Transport.UDP));
        assertFalse(Transport.UDP.covers(Transport.TCP));
        assertTrue(Transport.BOTH.covers(Transport.TCP));
        assertTrue(Transport.BOTH.covers(Transport.UDP));
        assertThrows(IllegalArgumentException.class, () -> new Holder(Transport.BOTH, false, 80, 0, 1, 1, null),
                "a socket is TCP or UDP");
    }
}
