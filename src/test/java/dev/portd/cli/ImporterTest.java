package dev.portd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** portctl import of ~/.ports files and JSON, against the real daemon. */
@Timeout(120)
class ImporterTest extends LiveDaemon {
    int taken;
    int p1;
    int p2;
    int p3;

    @BeforeEach
    void ports() throws IOException {
        taken = freePort();
        p1 = freePort();
        p2 = freePort();
        p3 = freePort();
        assertEquals(0, portctl("alloc", "other", "--port", Integer.toString(taken)).code());
    }

    Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void portsFileWithOneConflict() throws IOException {
        Path f = file("ports", """
                # my services
                web:%d:Main web UI

                db:%d:Database: primary
                clash:%d:wants a port someone holds
                cache:%d
                """.formatted(p1, p2, taken, p3));
        Result r = portctl("import", f.toString());
        assertEquals(1, r.code());
        assertEquals("imported 3 of 4 entries from " + f + "; 1 failed\n", r.out());
        List<String> errors = r.err().lines().toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("portctl: import line 5 (clash:" + taken + "): ERR TAKEN "), errors.get(0));

        assertEquals(Set.of("other:" + taken + ":", "web:" + p1 + ":Main web UI", "db:" + p2 + ":Database: primary",
                "cache:" + p3 + ":"), Set.copyOf(portctl("export").lines()));
        assertEquals(1, portctl("get", "clash").code(), "the conflicting entry leased nothing");

        Result again = portctl("import", f.toString());
        assertEquals("imported 3 of 4 entries from " + f + "; 1 failed\n", again.out(), "importing twice changes nothing");
    }

    @Test
    void jsonBothShapesWithOneConflict() throws IOException {
        Path f = file("ports.json", """
                {"web": %d,
                 "db": {"port": %d, "description": "Database", "owner": "ops"},
                 "clash": {"port": %d}}
                """.formatted(p1, p2, taken));
        Result r = portctl("import", f.toString());
        assertEquals(1, r.code());
        assertEquals("imported 2 of 3 entries from " + f + "; 1 failed\n", r.out());
        assertTrue(r.err().startsWith("portctl: import key \"clash\" (clash:" + taken + "): ERR TAKEN "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(Set.of("other:" + taken + ":", "web:" + p1 + ":", "db:" + p2 + ":Database"),
                Set.copyOf(portctl("export").lines()));
    }

    @Test
    void exportJsonImportsBack() throws IOException {
        portctl("alloc", "web", "--port", Integer.toString(p1), "--desc", "say \"hi\"");
        Path f = file("export.json", portctl("export", "--format", "json").out());
        List<String> before = portctl("export").lines();
        portctl("release", "web");
        portctl("release", "other");
        Result r = portctl("import", f.toString());
        assertEquals(new Result(0, "imported 2 of 2 entries from " + f + "\n", ""), r);
        assertEquals(before, portctl("export").lines());
    }

    @Test
    void badEntriesAreReportedNotDropped() throws IOException {
        Path f = file("bad.json", "{\"ok\": %d, \"noport\": {\"description\": \"x\"}, \"text\": \"8080\", \"bad name\": %d}"
                .formatted(p1, p2));
        Result r = portctl("import", f.toString());
        assertEquals(1, r.code());
        assertEquals("imported 1 of 4 entries from " + f + "; 3 failed\n", r.out());
        assertEquals(3, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("\"bad name\"") && r.err().contains("ERR BADREQ"), r.err());

        Result broken = portctl("import", file("broken.json", "{\"web\": ").toString());
        assertEquals(1, broken.code());
        assertTrue(broken.err().contains("not valid JSON"), broken.err());
        assertEquals(1, portctl("import", dir.resolve("missing").toString()).code());
    }
}
