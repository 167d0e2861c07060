package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.Transport;
import dev.portd.testing.Ports;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Test;

/** A port that failed a real bind is passed over until the next probe; an explicit check always binds. */
class HostPortsTest {

    @Test
    void aPortThatFailedABindIsPassedOverUntilTheNextProbe() throws Exception {
        HostPorts ports = new HostPorts();
        int port = Ports.freeRunInDefaultRange(1);
        try (ServerSocketChannel held = ServerSocketChannel.open()) {
            held.bind(new InetSocketAddress("0.0.0.0", port));
            assertFalse(ports.mayChoose(port, Transport.TCP), "held, and no probe has seen it");
            assertFalse(ports.canBind(port, Transport.TCP));
        }
        assertTrue(ports.canBind(port, Transport.TCP), "an explicit check asks the kernel again");
        assertFalse(ports.mayChoose(port, Transport.TCP), "the automatic choice remembers the failure");
        assertTrue(ports.mayChoose(port, Transport.UDP), "a failure is remembered for its transport only");
        ports.seen(Occupancy.EMPTY);
        assertTrue(ports.mayChoose(port, Transport.TCP), "a new probe forgets it");
    }
}
