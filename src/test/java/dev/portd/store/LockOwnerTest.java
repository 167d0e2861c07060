package dev.portd.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.testing.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jsvc opens the store as root, then runs as the daemon's user; a later start by systemd runs as that
 * user from the beginning and must still be able to take the lock root's open created.
 */
class LockOwnerTest {
    @TempDir
    Path dir;

    @Test
    void aLockFileRootCreatesBelongsToTheDataDirectorysOwner() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create files for another user");
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.setAttribute(data, "unix:uid", Users.NOBODY_UID);
        Stores.read(data);
        assertEquals(Users.NOBODY_UID, Files.getAttribute(data.resolve(Store.LOCK), "unix:uid"));
    }
}
