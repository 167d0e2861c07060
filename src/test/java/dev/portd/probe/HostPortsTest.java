package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.Policy;
import dev.portd.table.TableConfig;
import dev.portd.table.Transport;
import dev.portd.table.Txn;
import dev.portd.testing.Ports;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The automatic choice over the real host: a port held where no probe saw it is bound once per batch,
 * however many ALLOCs of the batch walk past it, and asked again by the next batch.
 */
class HostPortsTest {

    @Test
    void aHeldPortIsBoundOncePerBatchAndAskedAgainByTheNext() throws Exception {
        int lo = Ports.freeRunInDefaultRange(8);
        TableConfig config = new TableConfig(lo, lo + 7, Policy.LOWEST, 0, 1000, 100);
        AtomicInteger binds = new AtomicInteger();
        HostPorts host = new HostPorts();
        PortUse counting = new PortUse() { // the real binds, counted
            @Override
            public boolean inUse(int port, Transport proto) {
                return host.inUse(port, proto);
            }

            @Override
            public Owner owner(int port) {
                return host.owner(port);
            }

            @Override
            public boolean canBind(int port, Transport proto) {
                if (port == lo) {
                    binds.incrementAndGet();
                }
                return host.canBind(port, proto);
            }
        };
        Caller root = new Caller(0, 1, "test");
        PortTable table = PortTable.EMPTY;
        try (ServerSocketChannel held = ServerSocketChannel.open()) {
            held.bind(new InetSocketAddress("0.0.0.0", lo));
            Txn batch = new Txn(table, config, counting);
            for (int i = 0; i < 3; i++) {
                batch.begin(root, 1_700_000_000_000L);
                assertEquals(lo + 1 + i, batch.alloc(spec("a" + i, lo)));
            }
            assertEquals(1, binds.get(), "three choices in one batch, one bind of the held port");
            table = batch.table();
        }
        Txn next = new Txn(table, config, counting);
        next.begin(root, 1_700_000_000_000L);
        assertEquals(lo, next.alloc(spec("b", lo)), "closed now: the next batch asks the kernel again and gets it");
        assertEquals(2, binds.get());
    }

    private static AllocSpec spec(String service, int lo) {
        return new AllocSpec(service, 0, lo, lo + 7, Transport.TCP, 0, 0, 0, null, false);
    }
}
