package dev.portd.probe;

import dev.portd.table.Holder;
import dev.portd.table.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads which ports are in use on the host, and by whom, from the kernel's own tables.
 *
 * <p>One probe: parse {@code /proc/net/{tcp,tcp6,udp,udp6}} for sockets that occupy a port, then
 * find their owners by reading the {@code socket:[inode]} links under {@code /proc/<pid>/fd}, the
 * same way {@code ss -p} and {@code lsof} do. The fd scan is skipped when there is nothing to look
 * for and stops as soon as every socket has an owner. Cost follows the number of sockets and fds
 * on the host; the port range the daemon manages plays no part.
 *
 * <p>Holds no mutable state, so concurrent probes are safe, although the daemon runs one prober
 * thread. The tables are read line by line while the kernel keeps changing them, so a snapshot
 * may miss or double-see a socket that opened or closed during the read; the next probe fixes it.
 */
public final class Prober {

    public static final Path DEFAULT_PROC_ROOT = Path.of("/proc");

    private static final String SOCKET_PREFIX = "socket:[";

    private enum Table {
        TCP(Transport.TCP, false, "net/tcp"),
        TCP6(Transport.TCP, true, "net/tcp6"),
        UDP(Transport.UDP, false, "net/udp"),
        UDP6(Transport.UDP, true, "net/udp6");

        final Transport proto;
        final boolean ipv6;
        final String path;

        Table(Transport proto, boolean ipv6, String path) {
            this.proto = proto;
            this.ipv6 = ipv6;
            this.path = path;
        }
    }

    private final Path procRoot;

    public Prober() {
        this(DEFAULT_PROC_ROOT);
    }

    /** {@code procRoot} is {@code /proc} except in tests that point it at captured tables. */
    public Prober(Path procRoot) {
        this.procRoot = procRoot;
    }

    /**
     * Takes one snapshot.
     *
     * @throws UncheckedIOException if a socket table exists but cannot be read: a partial view
     *     would report busy ports as free, so the caller should keep its previous snapshot. A table
     *     that does not exist (IPv6 disabled) is simply empty.
     */
    public Occupancy probe() {
        long wall = System.currentTimeMillis();
        long start = System.nanoTime();

        List<RawSocket> sockets = new ArrayList<>();
        int malformed = 0;
        for (Table t : Table.values()) {
            malformed += readTable(t, sockets);
        }

        InodeIndex owners = new InodeIndex(sockets.size());
        for (RawSocket s : sockets) {
            owners.want(s.inode());
        }
        if (owners.unresolved() > 0) {
            scanFds(owners);
        }

        List<Holder> holders = new ArrayList<>(sockets.size());
        Map<Integer, String> commands = new HashMap<>();
        for (RawSocket s : sockets) {
            int pid = owners.owner(s.inode());
            String cmd = pid > 0 ? commands.computeIfAbsent(pid, p -> Processes.command(procRoot, p)) : null;
            holders.add(new Holder(s.proto(), s.ipv6(), s.port(), s.uid(), s.inode(), pid, cmd));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return Occupancy.of(wall, millis, malformed, holders);
    }

    private int readTable(Table t, List<RawSocket> into) {
        Path file = procRoot.resolve(t.path);
        try (InputStream in = Files.newInputStream(file)) {
            return ProcNetParser.parse(t.proto, t.ipv6, in, into::add);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Walks /proc/[pid]/fd in ascending pid order, so a socket shared by several processes is
     * credited to the lowest pid (usually the one that opened it). Processes that exit mid-scan or
     * whose fd directory we may not read (other users when not root) are skipped quietly.
     */
    private void scanFds(InodeIndex owners) {
        int[] pids = listPids();
        for (int pid : pids) {
            Path fdDir = procRoot.resolve(Integer.toString(pid)).resolve("fd");
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
                for (Path fd : fds) {
                    long inode = socketInode(fd);
                    if (inode > 0) {
                        owners.offer(inode, pid);
                        if (owners.unresolved() == 0) {
                            return;
                        }
                    }
                }
            } catch (IOException | DirectoryIteratorException | SecurityException e) {
                // gone or not ours to read: the socket keeps pid -1 unless another process holds it
            }
        }
    }

    /** Inode of an fd link like {@code socket:[12345]}, or -1 for anything else or a closed fd. */
    private static long socketInode(Path fd) {
        String target;
        try {
            target = Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return -1;
        }
        int end = target.length() - 1;
        if (end <= SOCKET_PREFIX.length() || target.charAt(end) != ']' || !target.startsWith(SOCKET_PREFIX)) {
            return -1;
        }
        long v = 0;
        for (int i = SOCKET_PREFIX.length(); i < end; i++) {
            int d = target.charAt(i) - '0';
            if (d < 0 || d > 9 || i - SOCKET_PREFIX.length() >= 18) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** Numeric entries of procRoot, ascending. */
    private int[] listPids() {
        int[] pids = new int[512];
        int n = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(procRoot)) {
            for (Path p : dir) {
                int pid = parsePid(p.getFileName().toString());
                if (pid > 0) {
                    if (n == pids.length) {
                        pids = Arrays.copyOf(pids, n * 2);
                    }
                    pids[n++] = pid;
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // keep what we listed: owners not found stay unknown, which callers already handle
        }
        pids = Arrays.copyOf(pids, n);
        Arrays.sort(pids);
        return pids;
    }

    private static int parsePid(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < name.length(); i++) {
            int d = name.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /**
     * Diagnostic: {@code Prober [probes=5] [procRoot=/proc]}. Prints the socket count and the
     * per-probe time, best and median, measured inside one JVM so that JVM start-up and the first
     * (interpreted) probes do not hide what the daemon pays on each tick.
     */
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path root = args.length > 1 ? Path.of(args[1]) : DEFAULT_PROC_ROOT;
        if (n < 1) {
            throw new IllegalArgumentException("probes must be >= 1");
        }
        Prober prober = new Prober(root);
        double[] ms = new double[n];
        Occupancy last = Occupancy.EMPTY;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            last = prober.probe();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double first = ms[0];
        Arrays.sort(ms);
        double median = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
        long unowned = last.holders().stream().filter(h -> !h.ownerKnown()).count();
        System.out.printf(Locale.ROOT, "sockets=%d malformed=%d millis=%.2f/%.2f (best/median of %d; first %.2f) unowned=%d%n",
                last.socketCount(), last.malformedLines(), ms[0], median, n, first, unowned);
    }
}
