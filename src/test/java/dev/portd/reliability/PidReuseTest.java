package dev.portd.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.probe.Occupancy;
import dev.portd.probe.Processes;
import dev.portd.store.Stores;
import dev.portd.table.AllocSpec;
import dev.portd.table.Caller;
import dev.portd.table.Lease;
import dev.portd.table.Observation;
import dev.portd.table.Policy;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import dev.portd.table.Transport;
import dev.portd.table.Txn;
import dev.portd.testing.LineClient;
import dev.portd.testing.TestDaemon;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A pid-bound lease records the process's start time: a pid that now belongs to another process (the
 * kernel recycled it) does not keep the lease alive. Crafted with a live process and a wrong start time.
 */
class PidReuseTest {
    static final TableConfig CONFIG = new TableConfig(20000, 29999, Policy.LOWEST, 0, 256, 1000);

    @Test
    void observationEndsALeaseWhosePidNowNamesAnotherProcess() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            int pid = (int) p.pid();
            long start = Processes.startTime(pid).orElseThrow();
            PortTable t = tableWith(new AllocSpec("same", 0, 20000, 29999, Transport.TCP, pid, start, 0, null, false),
                    new AllocSpec("reused", 0, 20000, 29999, Transport.TCP, pid, start - 1, 0, null, false));
            Observation o = Observation.of(t, Occupancy.EMPTY, CONFIG, System.currentTimeMillis());
            assertEquals(List.of("reused"), o.exited().stream().map(Lease::service).toList());
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStoredLeaseOnARecycledPidEndsWhenTheDaemonStarts() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try (TestDaemon d = TestDaemon.start()) {
            int pid = (int) p.pid();
            long start = Processes.startTime(pid).orElseThrow();
            d.stop();
            {
                Txn txn = new Txn(Stores.read(d.data()), CONFIG, PortUse.NONE);
                txn.begin(Caller.socket(0, 1), System.currentTimeMillis());
                txn.alloc(new AllocSpec("alive", 0, 20000, 29999, Transport.TCP, pid, start, 0, null, false));
                txn.begin(Caller.socket(0, 1), System.currentTimeMillis());
                txn.alloc(new AllocSpec("recycled", 0, 20000, 29999, Transport.TCP, pid, start + 12345, 0, null, false));
                Stores.replace(d.data(), txn.table());
            }
            d.startAgain(); // the first probe runs before the socket is served
            try (LineClient c = d.client()) {
                assertTrue(c.call("GET alive").ok(), "the process with the recorded start time keeps its lease");
                assertEquals("NOTFOUND", c.call("GET recycled").code(), "a recycled pid does not");
                List<String> history = c.call("HISTORY recycled").data();
                assertTrue(history.get(history.size() - 1).contains("event=exit"), history.toString());
            }
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            try (LineClient c = d.client()) {
                assertTrue(c.call("PROBE").ok());
                assertEquals("NOTFOUND", c.call("GET alive").code(), "and the real one ends when its process exits");
            }
        } finally {
            p.destroyForcibly();
        }
    }

    private static PortTable tableWith(AllocSpec... specs) {
        Txn txn = new Txn(PortTable.EMPTY, CONFIG, PortUse.NONE);
        for (AllocSpec a : specs) {
            txn.begin(Caller.socket(0, 1), System.currentTimeMillis());
            txn.alloc(a);
        }
        return txn.table();
    }
}
