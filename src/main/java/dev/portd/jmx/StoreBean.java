package dev.portd.jmx;

import dev.portd.protocol.Values;

final class StoreBean implements StoreMBean {
    private final Managed portd;
    private final Operator operator;

    StoreBean(Managed portd, Operator operator) {
        this.portd = portd;
        this.operator = operator;
    }

    @Override
    public String getPath() {
        Managed.StoreFigures s = portd.store();
        return s.file() == null ? "closed" : s.file().toString();
    }

    @Override
    public long getFileBytes() {
        return portd.store().fileBytes();
    }

    @Override
    public long getCommits() {
        return portd.store().commits();
    }

    @Override
    public long getLastCommitMillis() {
        return portd.store().lastCommitMillis();
    }

    @Override
    public String getLastCommitTime() {
        return time(portd.store().lastCommitMillis());
    }

    @Override
    public long getJournalBytes() {
        return portd.store().journalBytes();
    }

    @Override
    public String getLastCheckpointTime() {
        return time(portd.store().lastCheckpointMillis());
    }

    @Override
    public long getRecordsSinceCheckpoint() {
        return portd.store().recordsSinceCheckpoint();
    }

    @Override
    public String getLastBackup() {
        return time(portd.newestBackupMillis());
    }

    @Override
    public String backupNow() {
        return operator.backupNow();
    }

    private static String time(long millis) {
        return millis == 0 ? "never" : Values.time(millis);
    }
}
