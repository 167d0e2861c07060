package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portd.table.Caller;
import dev.portd.table.Event;
import dev.portd.table.Policy;
import dev.portd.table.PortTable;
import dev.portd.table.PortUse;
import dev.portd.table.TableConfig;
import dev.portd.table.Txn;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History is a ring: every change appends an event and, past history_max, drops the oldest. MapDB's
 * B-tree keeps the nodes that deletes empty, so asking it for its first key after a long run walks
 * every one of them: each commit got slower than the last, without end (the writer needed seconds a
 * batch after some 20,000 changes). Trimming must stay proportional to what it trims.
 */
class StoreChurnTest {
    static final TableConfig CONFIG = new TableConfig(20000, 29999, Policy.LOWEST, 0, 256, 100);
    static final Caller ROOT = Caller.socket(0, 1);

    @TempDir
    Path dir;

    @Test
    void historyChurnStaysLinearAndKeepsTheNewestEvents() throws Exception {
        int batches = 200;
        int perBatch = 100;
        PortTable table;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Store store = Stores.open(dir)) {
            table = store.table();
            long seq = store.seq();
            for (int b = 0; b < batches; b++) {
                Txn txn = new Txn(table, CONFIG, PortUse.NONE);
                for (int i = 0; i < perBatch; i++) {
                    txn.begin(ROOT, System.currentTimeMillis());
                    int port = 20000 + i;
                    if (b % 2 == 0) {
                        txn.reserve(port, port, null);
                    } else {
                        txn.unreserve(port, port);
                    }
                }
                store.append(++seq, txn);
                table = txn.table();
                if (b % 50 == 49) {
                    store.checkpoint(table, seq);
                }
                // A liveness bound, not a benchmark: linear trimming needs a few seconds here, the
                // quadratic walk over a minute.
                assertTrue(System.nanoTime() < deadline, "20,000 history events took over 30 s; stuck at batch " + b);
            }
        }
        try (Store store = Store.open(dir, CONFIG.historyMax(), line -> null, Runnable::run)) {
            List<Event> history = List.copyOf(store.table().history());
            assertEquals(CONFIG.historyMax(), history.size());
            assertEquals(table.nextSeq() - 1, history.get(history.size() - 1).seq());
            assertEquals(table.nextSeq() - CONFIG.historyMax(), history.get(0).seq());
        }
    }
}
