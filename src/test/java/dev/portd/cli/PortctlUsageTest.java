package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code portctl usage}: USAGE's lines as aligned columns, in the order of the verb's "Keys:" help. */
@Timeout(120)
class PortctlUsageTest extends LiveDaemon {

    @Test
    void usagePrintsATableOfThePortsUsed() throws IOException {
        int port = freePort();
        assertEquals(0, portctl("alloc", "web", "--port", Integer.toString(port), "--strict").code());
        assertEquals(0, portctl("release", "web").code());
        Result r = portctl("usage", "--port", Integer.toString(port));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertEquals(List.of("PORT", "ALLOCS", "LEASED_S", "LAST_SERVICE", "LAST"), List.of(lines.get(0).split("\\s+")));
        List<String> cells = List.of(lines.get(1).split("\\s+"));
        assertEquals(List.of(Integer.toString(port), "1", "web"), List.of(cells.get(0), cells.get(1), cells.get(3)));
        assertTrue(cells.get(2).matches("\\d+"), lines.get(1));
        assertTrue(cells.get(4).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), lines.get(1));

        Result both = portctl("usage", "--port", Integer.toString(port), "--range", port + "-" + port);
        assertEquals(1, both.code());
        assertTrue(both.err().contains("ERR BADREQ USAGE takes port=N or range=LO-HI, not both"), both.err());
    }
}
