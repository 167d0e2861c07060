package dev.portd.probe;

/**
 * Socket inode -> owning pid, for the inodes one probe is looking for. Open addressing over
 * primitive arrays: the fd scan looks up every socket fd on the host, so no boxing per lookup.
 */
final class InodeIndex {

    private final long[] keys; // 0 = empty slot; the kernel never gives a socket inode 0
    private final int[] pids; // -1 until an owner is found
    private final int mask;
    private int size;
    private int unresolved;

    InodeIndex(int expected) {
        int cap = Integer.highestOneBit(Math.max(8, expected) * 2) << 1; // load factor <= 0.5
        keys = new long[cap];
        pids = new int[cap];
        mask = cap - 1;
    }

    /** Adds a wanted inode; 0 and duplicates are ignored. */
    void want(long inode) {
        if (inode == 0) {
            return;
        }
        int s = slot(inode);
        if (keys[s] == inode) {
            return;
        }
        if (size * 2 >= keys.length) {
            throw new IllegalStateException("sized for fewer inodes: " + size); // would fill the table
        }
        keys[s] = inode;
        pids[s] = -1;
        size++;
        unresolved++;
    }

    /** Records the owner if the inode is wanted and not yet owned (first, i.e. lowest, pid wins). */
    void offer(long inode, int pid) {
        int s = slot(inode);
        if (keys[s] == inode && inode != 0 && pids[s] < 0) {
            pids[s] = pid;
            unresolved--;
        }
    }

    /** Owner pid or -1. */
    int owner(long inode) {
        int s = slot(inode);
        return keys[s] == inode && inode != 0 ? pids[s] : -1;
    }

    int size() {
        return size;
    }

    /** Wanted inodes still without an owner; the fd scan stops at zero. */
    int unresolved() {
        return unresolved;
    }

    /** Slot holding {@code inode}, or the empty slot where it would go. */
    private int slot(long inode) {
        long h = inode * 0x9E3779B97F4A7C15L;
        int s = (int) (h ^ (h >>> 32)) & mask;
        while (keys[s] != 0 && keys[s] != inode) {
            s = (s + 1) & mask;
        }
        return s;
    }
}
