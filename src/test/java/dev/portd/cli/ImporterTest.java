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

/** portctl import: the three shapes it reads, everything else refused whole; against the real daemon. */
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

    Set<String> exported() {
        return Set.copyOf(portctl("export").lines());
    }

    /** Refused whole: exit 65, the message, nothing leased. */
    Result refused(Path f) {
        Set<String> before = exported();
        Result r = portctl("import", f.toString());
        assertEquals(65, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("portctl: import " + f + " refused"), r.err());
        assertTrue(r.err().contains(ImportFile.ACCEPTED), "names the accepted shapes: " + r.err());
        assertTrue(r.err().endsWith("nothing was imported\n"), r.err());
        assertEquals(before, exported(), "nothing was written");
        return r;
    }

    @Test
    void portsFile() throws IOException {
        Path f = file("ports", """
                # my services

                web:%d:Main web UI
                  db:%d:Database: primary
                cache:%d
                """.formatted(p1, p2, p3));
        assertEquals(new Result(0, "imported 3 of 3 entries from " + f + "\n", ""), portctl("import", f.toString()));
        assertEquals(Set.of("other:" + taken + ":", "web:" + p1 + ":Main web UI", "db:" + p2 + ":Database: primary",
                "cache:" + p3 + ":"), exported());
        assertEquals(new Result(0, "imported 3 of 3 entries from " + f + "\n", ""), portctl("import", f.toString()),
                "importing twice changes nothing");
    }

    @Test
    void jsonObjectEveryDescriptionKey() throws IOException {
        Path f = file("ports.json", """
                {"web": %d,
                 "db": {"port": %d, "description": "Database"},
                 "api": {"port": %d, "desc": "the API"},
                 "cache": {"purpose": "Redis", "port": %d}}
                """.formatted(p1, p2, p3, freePort()));
        Result r = portctl("import", f.toString());
        assertEquals(new Result(0, "imported 4 of 4 entries from " + f + "\n", ""), r);
        Set<String> got = exported();
        assertTrue(got.containsAll(Set.of("web:" + p1 + ":", "db:" + p2 + ":Database", "api:" + p3 + ":the API")), got.toString());
        assertTrue(got.stream().anyMatch(l -> l.startsWith("cache:") && l.endsWith(":Redis")), got.toString());
    }

    @Test
    void jsonArrayWithServiceOrName() throws IOException {
        Path f = file("ports.json", """
                [{"service": "web", "port": %d, "description": "Main web UI"},
                 {"name": "db", "port": %d},
                 {"port": %d, "name": "api", "purpose": "the API"}]
                """.formatted(p1, p2, p3));
        assertEquals(new Result(0, "imported 3 of 3 entries from " + f + "\n", ""), portctl("import", f.toString()));
        assertEquals(Set.of("other:" + taken + ":", "web:" + p1 + ":Main web UI", "db:" + p2 + ":", "api:" + p3 + ":the API"),
                exported());
    }

    @Test
    void exportJsonImportsBack() throws IOException {
        portctl("alloc", "web", "--port", Integer.toString(p1), "--desc", "say \"hi\": \\o/");
        Path f = file("export.json", portctl("export", "--format", "json").out());
        assertTrue(Files.readString(f).contains("\"other\":{\"port\":" + taken + "}"), "EXPORT's shape: " + Files.readString(f));
        Set<String> before = exported();
        portctl("release", "web");
        portctl("release", "other");
        assertEquals(new Result(0, "imported 2 of 2 entries from " + f + "\n", ""), portctl("import", f.toString()));
        assertEquals(before, exported());
        Path ports = file("export.ports", portctl("export").out());
        portctl("release", "web");
        portctl("release", "other");
        assertEquals(0, portctl("import", ports.toString()).code());
        assertEquals(before, exported(), "the ports format round-trips too");
    }

    @Test
    void aStateFileIsRefusedWhole() throws IOException {
        // What another registry keeps as its state: current_port looks like a service, the rest does not.
        Result r = refused(file("state.json", """
                {"current_port":3000,"used_ports":[3000],"free_ports":[8001],"port_usage":{"3000":3},"history":[]}"""));
        assertTrue(r.err().contains("it is a JSON object, but not one of the shapes import reads"), r.err());
        assertTrue(r.err().contains("\"used_ports\": an array, not a port"), r.err());
        assertTrue(r.err().contains("\"port_usage\": an object without \"port\""), r.err());
        assertTrue(r.err().contains("\"history\": an array"), r.err());
        assertEquals(1, portctl("get", "current_port").code());
    }

    @Test
    void assignmentsWithCountersAreRefusedWhole() throws IOException {
        Result r = refused(file("registry.json", """
                {"assignments":{"http-server":4000,"postgres":4001},"next_port":4002,"base_port":4000}"""));
        assertTrue(r.err().contains("\"assignments\": an object without \"port\""), r.err());
        for (String s : List.of("next_port", "base_port", "http-server", "postgres")) {
            assertEquals(1, portctl("get", s).code(), s + " was not leased");
        }
    }

    @Test
    void oneMalformedEntryImportsNothing() throws IOException {
        Result bad = refused(file("bad.ports", """
                web:%d:fine
                db:%d:fine too
                cache:70000:out of range
                """.formatted(p1, p2)));
        assertTrue(bad.err().contains("refused: 1 malformed entry in a text file"), bad.err());
        assertTrue(bad.err().contains("line 3: port 70000 is not from 1 to 65535"), bad.err());

        refused(file("name.json", "{\"web\": %d, \"bad name\": %d}".formatted(p1, p2)));
        refused(file("text-port.json", "[{\"service\": \"web\", \"port\": \"%d\"}]".formatted(p1)));
        refused(file("float.json", "{\"web\": %d.5}".formatted(p1)));
        refused(file("twice.json", "[{\"service\": \"web\", \"port\": %d}, {\"service\": \"web\", \"port\": %d}]".formatted(p1, p2)));
        refused(file("same-port.ports", "web:%d\napi:%d\n".formatted(p1, p1)));
        refused(file("dup-key.json", "{\"web\": %d, \"web\": %d}".formatted(p1, p2)));
        refused(file("control.json", "{\"web\": {\"port\": %d, \"desc\": \"a\\nb\"}}".formatted(p1)));
        refused(file("no-port.json", "{\"web\": {\"description\": \"x\"}}"));
        refused(file("extra.json", "{\"web\": {\"port\": %d, \"host\": \"example.org\"}}".formatted(p1)));
        refused(file("both.json", "[{\"service\": \"web\", \"name\": \"api\", \"port\": %d}]".formatted(p1)));
        refused(file("yaml.yml", "services:\n  web: %d\n".formatted(p1)));
        refused(file("scalar.json", "[%d]".formatted(p1)));
        Result broken = refused(file("broken.json", "{\"web\": "));
        assertTrue(broken.err().contains("not valid JSON"), broken.err());
        refused(file("two.json", "{\"web\": %d}\n{\"db\": %d}".formatted(p1, p2)));
        Result missing = portctl("import", dir.resolve("missing").toString());
        assertEquals(65, missing.code());
        assertTrue(missing.err().contains("no such file; nothing was imported"), missing.err());
    }

    @Test
    void dryRunPrintsTheLeasesAndSendsNothing() throws IOException {
        Path f = file("ports.json", "{\"web\": {\"port\": %d, \"description\": \"Main \\\"web\\\" UI\"}, \"db\": %d}".formatted(p1, p2));
        Set<String> before = exported();
        Result r = portctl("import", "--dry-run", f.toString());
        assertEquals(new Result(0, "ALLOC web port=" + p1 + " strict desc=\"Main \\\"web\\\" UI\"\nALLOC db port=" + p2
                + " strict\ndry run: 2 entries of " + f + " would be leased as above; nothing was sent\n", ""), r);
        assertEquals(before, exported());
        assertEquals(65, portctl("import", f.toString() + ".none", "--dry-run").code());
        assertEquals(64, portctl("import", "--bogus", f.toString()).code());
    }

    @Test
    void conflictsAtApplyTimeAreReportedPerEntry() throws IOException {
        Path f = file("ports", """
                web:%d:Main web UI
                clash:%d:wants a port someone holds
                db:%d
                """.formatted(p1, taken, p2));
        assertEquals(0, portctl("alloc", "db", "--port", Integer.toString(p3)).code());
        Result r = portctl("import", f.toString());
        assertEquals(1, r.code(), "not everything was imported");
        assertEquals("imported 1 of 3 entries from " + f + "; 2 failed\n", r.out());
        List<String> errors = r.err().lines().toList();
        assertEquals(2, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("portctl: import line 2 (clash:" + taken + "): ERR TAKEN "), errors.get(0));
        assertTrue(errors.get(1).startsWith("portctl: import line 3 (db:" + p2 + "): ERR CONFLICT "), errors.get(1));
        assertEquals(Set.of("other:" + taken + ":", "web:" + p1 + ":Main web UI", "db:" + p3 + ":"), exported());
    }

    @Test
    void anEmptyRegistryImportsNothingAndSucceeds() throws IOException {
        Path f = file("empty", "# nothing yet\n");
        assertEquals(new Result(0, "imported 0 of 0 entries from " + f + "\n", ""), portctl("import", f.toString()));
    }
}
