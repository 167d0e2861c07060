package dev.portd.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.daemon.Config;
import dev.portd.daemon.Portd;
import dev.portd.testing.ChildDaemon;
import dev.portd.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The loopback connector is opened only with private credentials; otherwise portd does not start. */
class JmxStartupTest {
    private Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = TestDaemon.newDir();
    }

    @AfterEach
    void clean() throws Exception {
        TestDaemon.deleteTree(dir);
    }

    @Test
    void aPasswordFileOthersCanReadStopsTheStartBeforeServing() throws Exception {
        Path pw = JmxTesting.credentials(dir, "rw-r--r--");
        Path socket = dir.resolve("portd.sock");
        List<String> args = new ArrayList<>(List.of("--socket", socket.toString(), "--data", dir.resolve("data").toString()));
        args.addAll(List.of(JmxTesting.jmxFlags(dir, JmxTesting.freeLoopbackPort())));
        try (ChildDaemon d = ChildDaemon.launch(socket, dir.resolve("out.log"), Map.of(), args.toArray(String[]::new))) {
            assertEquals(2, d.waitFor(30), "a setting that cannot work, as a bad config line: " + d.output());
            String out = d.output();
            assertTrue(out.contains("jmx_password_file " + pw + " is readable by group or others (mode 0644)"), out);
            assertTrue(out.contains("chmod 600"), out);
            assertFalse(out.contains(JmxTesting.ADMIN_PASSWORD), "never print the secret");
            assertFalse(Files.exists(socket), "nothing was served");
            assertFalse(Files.exists(dir.resolve("data")), "nothing was opened");
        }
    }

    @Test
    void theConnectorNeedsBothFilesAndPrivatePasswords() throws Exception {
        JmxTesting.credentials(dir, "rw--w----");
        assertEquals("jmx_password_file " + dir.resolve("jmx.password") + " is accessible by group or others (mode 0620);"
                + " it must be readable by its owner only: chmod 600 " + dir.resolve("jmx.password"), refusal(
                JmxTesting.jmxFlags(dir, 9999)));
        Files.setPosixFilePermissions(dir.resolve("jmx.password"), java.nio.file.attribute.PosixFilePermissions.fromString("r--------"));
        assertTrue(refusal("--jmx-port", "9999", "--jmx-access-file", dir.resolve("jmx.access").toString())
                .startsWith("jmx_port is set but jmx_password_file is not"));
        assertTrue(refusal("--jmx-port", "9999", "--jmx-password-file", dir.resolve("jmx.password").toString())
                .startsWith("jmx_port is set but jmx_access_file is not"));
        assertEquals("jmx_access_file " + dir.resolve("nope") + " is not a readable regular file", refusal("--jmx-port", "9999",
                "--jmx-password-file", dir.resolve("jmx.password").toString(), "--jmx-access-file", dir.resolve("nope").toString()));
    }

    @Test
    void aTakenPortIsNamedAndLeavesNothingRegistered() throws Exception {
        JmxTesting.credentials(dir, "rw-------");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<String> args = new ArrayList<>(List.of("--socket", dir.resolve("s.sock").toString(),
                    "--data", dir.resolve("data").toString()));
            args.addAll(List.of(JmxTesting.jmxFlags(dir, taken.getLocalPort())));
            Portd p = new Portd(Config.load(args.toArray(String[]::new), Map.of()));
            p.init();
            Exception e = assertThrows(java.io.IOException.class, p::start);
            assertTrue(e.getMessage().startsWith("cannot open the JMX port 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            p.stop();
        }
        assertEquals(java.util.Set.of(), java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .queryNames(new javax.management.ObjectName("dev.portd*:*"), null));
    }

    /** The message init() refuses with, for these JMX flags. */
    private String refusal(String... jmxArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--socket", dir.resolve("s.sock").toString(), "--data", dir.resolve("data").toString()));
        args.addAll(List.of(jmxArgs));
        Portd p = new Portd(Config.load(args.toArray(String[]::new), Map.of()));
        return assertThrows(dev.portd.daemon.ConfigException.class, p::init).getMessage();
    }
}
