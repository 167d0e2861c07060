package dev.portd.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Where each policy starts its search (the walk itself is the allocator's, tested over the socket). */
class PolicyTest {

    @Test
    void lowestStartsAtTheBottom() {
        assertEquals(20000, Policy.LOWEST.start(20000, 29999, "web", 25000));
    }

    @Test
    void sequentialStartsAfterTheLastPortAndWraps() {
        assertEquals(20000, Policy.SEQUENTIAL.start(20000, 20009, "web", 0), "nothing handed out yet");
        assertEquals(20005, Policy.SEQUENTIAL.start(20000, 20009, "web", 20004));
        assertEquals(20000, Policy.SEQUENTIAL.start(20000, 20009, "web", 20009), "after the top: wrap");
        assertEquals(20000, Policy.SEQUENTIAL.start(20000, 20009, "web", 30000), "last port outside the range");
        assertEquals(20000, Policy.SEQUENTIAL.start(20000, 20000, "web", 20000), "one-port range");
    }

    @Test
    void randomStaysInsideAndCoversTheRange() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int p = Policy.RANDOM.start(20000, 20009, "web", 0);
            assertTrue(p >= 20000 && p <= 20009, "start " + p);
            seen.add(p);
        }
        assertEquals(10, seen.size(), "2000 draws cover 10 ports");
    }

    @Test
    void stableIsCrc32OfTheNameModuloTheRange() {
        CRC32 crc = new CRC32();
        crc.update("my-api.v2".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(20000 + crc.getValue() % 10000, Policy.STABLE.start(20000, 29999, "my-api.v2", 0));
        assertEquals(Policy.STABLE.start(20000, 29999, "web", 0), Policy.STABLE.start(20000, 29999, "web", 21234));
        for (String name : new String[] {"a", "web", "db", "x".repeat(64)}) {
            int p = Policy.STABLE.start(1, 65535, name, 0);
            assertTrue(p >= 1 && p <= 65535, name + " -> " + p);
        }
    }

    @Test
    void parseIsCaseInsensitiveAndNamesTheChoices() {
        assertEquals(Policy.STABLE, Policy.parse("Stable"));
        assertEquals("sequential", Policy.SEQUENTIAL.wire());
        PortdException e = assertThrows(PortdException.class, () -> Policy.parse("fastest"));
        assertEquals(ErrorCode.BADREQ, e.code());
        assertTrue(e.getMessage().contains("lowest, sequential, random or stable"), e.getMessage());
    }
}
