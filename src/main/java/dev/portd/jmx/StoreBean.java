package dev.portd.jmx;

import dev.portd.daemon.Portd;
import dev.portd.protocol.Reply;
import dev.portd.protocol.Row;
import dev.portd.protocol.Values;
import dev.portd.store.Store;
import java.util.List;
import java.util.Map;

final class StoreBean implements StoreMBean {
    private final Portd portd;
    private final Operator operator;

    StoreBean(Portd portd, Operator operator) {
        this.portd = portd;
        this.operator = operator;
    }

    @Override
    public String getPath() {
        Store s = portd.store();
        return s == null ? "closed" : s.file().toString();
    }

    @Override
    public long getFileBytes() {
        Store s = portd.store();
        return s == null ? -1 : s.fileBytes();
    }

    @Override
    public long getCommits() {
        return portd.writer().commits();
    }

    @Override
    public long getLastCommitMillis() {
        return portd.writer().lastCommitMillis();
    }

    @Override
    public String getLastCommitTime() {
        long t = portd.writer().lastCommitMillis();
        return t == 0 ? "never" : Values.time(t);
    }

    @Override
    public long getJournalBytes() {
        Store s = portd.store();
        return s == null ? -1 : s.journalBytes();
    }

    @Override
    public String getLastCheckpointTime() {
        long t = portd.checkpoints().lastMillis();
        return t == 0 ? "never" : Values.time(t);
    }

    @Override
    public long getRecordsSinceCheckpoint() {
        return portd.checkpoints().recordsSince();
    }

    @Override
    public String getLastBackup() {
        Reply r = Operator.check(operator.run("BACKUPS", List.of(), Map.of()));
        String newest = "never";
        for (Row row : r.rows()) {
            Object t = row.get("time");
            if (t != null && (newest.equals("never") || t.toString().compareTo(newest) > 0)) {
                newest = t.toString(); // ISO 8601 UTC sorts as text
            }
        }
        return newest;
    }

    @Override
    public String backupNow() {
        return operator.ok("BACKUP");
    }
}
