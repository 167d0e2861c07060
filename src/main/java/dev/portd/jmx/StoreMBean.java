package dev.portd.jmx;

/** {@code dev.portd:type=Store}: the MapDB file, the journal in front of it, and its commits. */
public interface StoreMBean {
    String getPath();

    long getFileBytes();

    /** Commits since start (STATS commits; the store.commit timer's count). */
    long getCommits();

    /** When the last commit was made, epoch millis; 0 when none since start. */
    long getLastCommitMillis();

    /** The same instant as ISO 8601 UTC, or "never" (STATS last_commit). */
    String getLastCommitTime();

    /** Bytes of journal segments on disk (STATS journal_bytes). */
    long getJournalBytes();

    /** When the last checkpoint brought the MapDB file up to date, ISO 8601 UTC, or "never" this run (STATS last_checkpoint). */
    String getLastCheckpointTime();

    /** Journal records committed since the last checkpoint: what a start now would replay (STATS records_since_checkpoint). */
    long getRecordsSinceCheckpoint();

    /** Time of the newest snapshot (BACKUPS), or "never". */
    String getLastBackup();

    /** BACKUP: writes a snapshot now and returns its file. */
    String backupNow();
}
