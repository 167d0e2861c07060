package dev.portd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.testing.ChildDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** portd.conf and flags: what is read, what wins, and what stops the start (naming file, line and key). */
@Timeout(120)
class ConfigTest {
    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        Path f = dir.resolve("portd.conf");
        Files.write(f, List.of(lines));
        return f;
    }

    private Config load(Map<String, String> env, String... args) throws ConfigException {
        return Config.load(args, env);
    }

    private Config load(String... args) throws ConfigException {
        return load(Map.of(), args);
    }

    @Test
    void readsKeysCommentsQuotesAndBlankLines() throws Exception {
        Path f = file(
                "# portd settings",
                "",
                "range = 30000-30999",
                "  policy=STABLE   ",
                "data = \"/tmp/with space/portd\"",
                "socket = /tmp/x#y.sock   # a trailing comment; the # inside the path is kept",
                "History_Max = 50",
                "backup_interval = 0",
                "\t# indented comment");
        Config c = load("--config", f.toString());
        assertEquals(f, c.file());
        assertEquals(30000, c.settings().rangeLo());
        assertEquals(30999, c.settings().rangeHi());
        assertEquals(dev.portd.table.Policy.STABLE, c.settings().policy());
        assertEquals(Path.of("/tmp/with space/portd"), c.settings().data());
        assertEquals(Path.of("/tmp/x#y.sock"), c.settings().socket());
        assertEquals(50, c.settings().historyMax());
        assertEquals(0, c.settings().backupIntervalMillis());
        assertEquals(24, c.settings().backupKeep(), "untouched keys keep their defaults");
        assertEquals("rw-rw-rw-", c.settings().socketPermissions());
    }

    @Test
    void flagsOverrideTheFileAndBothSpellingsWork() throws Exception {
        Path f = file("range = 30000-30999", "policy = random", "socket_mode = 0600", "max_connections = 10");
        Config c = load("--config", f.toString(), "--range", "40000-40099", "--socket-mode=0660", "--max_connections", "20");
        assertEquals(40000, c.settings().rangeLo(), "flag beats file");
        assertEquals("rw-rw----", c.settings().socketPermissions());
        assertEquals(20, c.settings().maxConnections());
        assertEquals(dev.portd.table.Policy.RANDOM, c.settings().policy(), "file beats default");
    }

    @Test
    void portdSocketSitsBetweenTheFileAndTheFlag() throws Exception {
        Path f = file("socket = /tmp/from-file.sock");
        Map<String, String> env = Map.of("PORTD_SOCKET", "/tmp/from-env.sock");
        assertEquals(Path.of("/tmp/from-env.sock"), load(env, "--config", f.toString()).settings().socket());
        assertEquals(Path.of("/tmp/flag.sock"), load(env, "--config", f.toString(), "--socket", "/tmp/flag.sock").settings().socket());
        assertEquals(Path.of("/tmp/from-file.sock"), load(Map.of(), "--config", f.toString()).settings().socket());
    }

    @Test
    void portserverSocketIsOffByDefaultAndTakesAPathOrAnAbstractName() throws Exception {
        assertEquals("", load().settings().portserverSocket());
        assertEquals("@unittest-portserver", load("--portserver-socket", "@unittest-portserver").settings().portserverSocket());
        assertEquals("/run/portd/portserver.sock", load("--portserver-socket", "/run/portd/portserver.sock").settings().portserverSocket());
        ConfigException bare = assertThrows(ConfigException.class, () -> load("--portserver-socket", "@"));
        assertEquals("flag --portserver-socket: an abstract address needs a name after the @", bare.getMessage());
        ConfigException tooLong = assertThrows(ConfigException.class, () -> load("--portserver-socket", "/" + "x".repeat(107)));
        assertTrue(tooLong.getMessage().contains("107 bytes"), tooLong.getMessage());
    }

    @Test
    void unknownKeyNamesFileLineAndKey() throws Exception {
        Path f = file("range = 30000-30999", "# ok so far", "rnage = 1-2");
        ConfigException e = assertThrows(ConfigException.class, () -> load("--config", f.toString()));
        assertTrue(e.getMessage().startsWith(f + " line 3: key rnage is unknown"), e.getMessage());
        assertTrue(e.getMessage().contains("range"), "lists the known keys: " + e.getMessage());
    }

    @Test
    void badValueNamesFileLineKeyAndWhy() throws Exception {
        Path f = file("range = 5-1");
        ConfigException e = assertThrows(ConfigException.class, () -> load("--config", f.toString()));
        assertEquals(f + " line 1: key range: range 5-1 is empty (LO must not exceed HI)", e.getMessage());

        for (String[] bad : new String[][] {
                {"policy = fastest", "key policy"}, {"idle_timeout = 0", "key idle_timeout"},
                {"socket_mode = 999", "key socket_mode"}, {"backup_keep = 0", "key backup_keep"},
                {"backup_interval = 1w", "key backup_interval"}, {"log_level = loud", "key log_level"},
                {"jmx_port = 70000", "key jmx_port"}, {"metrics_port = -1", "key metrics_port"}, {"data =", "key data"}, {"socket = \"\"", "key socket"}}) {
            Path g = file("# line 1", bad[0]);
            ConfigException x = assertThrows(ConfigException.class, () -> load("--config", g.toString()), bad[0]);
            assertTrue(x.getMessage().startsWith(g + " line 2: " + bad[1] + ":"), x.getMessage());
        }
    }

    @Test
    void malformedLinesDuplicatesAndConfigKeyAreRefused() throws Exception {
        Path f = file("range 30000-30999");
        assertEquals(f + " line 1: expected key = value, got 'range 30000-30999'",
                assertThrows(ConfigException.class, () -> load("--config", f.toString())).getMessage());
        Path g = file("range = 30000-30999", "policy = lowest", "range = 31000-31999");
        assertEquals(g + " line 3: key range is already set on line 1",
                assertThrows(ConfigException.class, () -> load("--config", g.toString())).getMessage());
        Path h = file("config = /etc/other.conf");
        assertEquals(h + " line 1: key config is only a flag",
                assertThrows(ConfigException.class, () -> load("--config", h.toString())).getMessage());
    }

    @Test
    void notUtf8IsRefused() throws Exception {
        Path f = dir.resolve("latin1.conf");
        Files.write(f, new byte[] {'p', 'o', 'l', 'i', 'c', 'y', '=', (byte) 0xe9, '\n'});
        assertEquals("config file " + f + " is not valid UTF-8",
                assertThrows(ConfigException.class, () -> load("--config", f.toString())).getMessage());
    }

    @Test
    void missingConfigFileIsRefused() {
        Path missing = dir.resolve("nope.conf");
        assertEquals("config file " + missing + " does not exist",
                assertThrows(ConfigException.class, () -> load("--config", missing.toString())).getMessage());
        assertEquals("config file " + dir + " is not a regular file",
                assertThrows(ConfigException.class, () -> load("--config", dir.toString())).getMessage());
    }

    @Test
    void badFlagsAreRefused() {
        assertEquals("flag --range: range 5-1 is empty (LO must not exceed HI)",
                assertThrows(ConfigException.class, () -> load("--range", "5-1")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> load("--colour", "red")).getMessage()
                .startsWith("flag --colour is unknown"));
        assertEquals("flag --policy needs a value", assertThrows(ConfigException.class, () -> load("--policy")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> load("range=1-2")).getMessage()
                .startsWith("unexpected argument 'range=1-2'"));
    }

    @Test
    void statsShowTheValuesInForce() throws Exception {
        Path f = file("policy = sequential", "history_max = 77");
        Config c = load("--config", f.toString(), "--history-max", "88", "--socket", "/tmp/s.sock", "--data", "/tmp/d");
        dev.portd.protocol.Row stats = new dev.portd.protocol.Row();
        c.addTo(stats, Map.of());
        assertEquals(f.toString(), stats.get("config.file"));
        assertEquals("sequential", stats.get("config.policy"));
        assertEquals("88", stats.get("config.history_max"));
        assertEquals("/tmp/s.sock", stats.get("config.socket"));
    }

    /** The real process: a bad flag or a bad file stops it with exit code 2 and one line naming the problem. */
    @Test
    void daemonProcessExitsNonZeroWithTheMessage() throws Exception {
        Children.Result r = Children.run(Children.mainCommand("--socket", dir.resolve("s.sock").toString(),
                "--data", dir.resolve("data").toString(), "--range", "5-1"));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals("flag --range: range 5-1 is empty (LO must not exceed HI)", ChildDaemon.failure(r.err()), r.err());
        assertFalse(Files.exists(dir.resolve("data")), "nothing was created");
        assertFalse(Files.exists(dir.resolve("s.sock")));

        Path f = file("socket = " + dir.resolve("s.sock"), "data = " + dir.resolve("data"), "policy = fastest");
        r = Children.run(Children.mainCommand("--config", f.toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals(f + " line 3: key policy: policy must be lowest, sequential, random or stable, not 'fastest'",
                ChildDaemon.failure(r.err()), r.err());
    }
}
