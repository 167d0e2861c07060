package dev.portd.store;

import dev.portd.protocol.Row;
import dev.portd.table.PortTable;
import java.io.IOException;
import java.nio.file.Path;

/** Opening, reading and rewriting a stopped daemon's store from tests, as the daemon would. */
public final class Stores {
    private Stores() {}

    public static final int HISTORY_MAX = 10_000;

    /** Opens the store in {@code dir} with the daemon's defaults; segments are prepared on the caller's thread. */
    public static Store open(Path dir) {
        return Store.open(dir, HISTORY_MAX, Row::parse, Runnable::run);
    }

    /** The table the store in {@code dir} holds (file plus journal). */
    public static PortTable read(Path dir) {
        try (Store s = open(dir)) {
            return s.table();
        }
    }

    /** Replaces the table in {@code dir} (daemon stopped) by a checkpoint of {@code t} past the journal. */
    public static void replace(Path dir, PortTable t) throws IOException {
        long seq;
        try (Store s = open(dir)) {
            seq = s.seq();
        }
        Store.write(dir, t, seq);
    }
}
