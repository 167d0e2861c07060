package dev.portd.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sd_notify(3) for {@code Type=notify} units: {@code READY=1} once portd serves, {@code STOPPING=1}
 * when it stops, and {@code WATCHDOG=1} every {@code WATCHDOG_USEC}/2 when systemd asks for it.
 * Messages are datagrams to {@code $NOTIFY_SOCKET} (a path, or {@code @name} in the abstract
 * namespace). The JDK has no Unix datagram socket, so this uses Netty's native one (the epoll
 * transport's library, already loaded for the server). Without {@code NOTIFY_SOCKET} every method does
 * nothing, and a failed send is logged, never thrown: systemd's bookkeeping must not stop the daemon.
 */
public final class SystemdNotify implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);

    private final byte[] address; // null: not under systemd (or no usable socket)
    private final String addressText;
    private final long watchdogMicros;
    private Socket socket;
    private ScheduledExecutorService watchdog;
    private boolean warned;

    private SystemdNotify(byte[] address, String addressText, long watchdogMicros) {
        this.address = address;
        this.addressText = addressText;
        this.watchdogMicros = watchdogMicros;
    }

    /** Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID as sd_notify(3) and sd_watchdog_enabled(3) do. */
    public static SystemdNotify fromEnv(Map<String, String> env, long pid) {
        String path = env.get("NOTIFY_SOCKET");
        if (path == null || path.isEmpty()) {
            return new SystemdNotify(null, null, 0);
        }
        byte[] address;
        if (path.startsWith("@")) {
            byte[] name = path.substring(1).getBytes(StandardCharsets.UTF_8);
            address = new byte[name.length + 1]; // a leading NUL byte names the abstract namespace
            System.arraycopy(name, 0, address, 1, name.length);
        } else if (path.startsWith("/")) {
            address = path.getBytes(StandardCharsets.UTF_8);
        } else {
            log.warn("ignoring NOTIFY_SOCKET={}: neither an absolute path nor @abstract", path);
            return new SystemdNotify(null, null, 0);
        }
        if (!Epoll.isAvailable()) {
            log.warn("NOTIFY_SOCKET is set but the native transport is unavailable ({}); not notifying systemd",
                    Epoll.unavailabilityCause().toString());
            return new SystemdNotify(null, null, 0);
        }
        return new SystemdNotify(address, path, watchdogMicros(env, pid));
    }

    /** WATCHDOG_USEC when it is meant for this process (WATCHDOG_PID absent or ours), else 0. */
    static long watchdogMicros(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String wpid = env.get("WATCHDOG_PID");
        if (usec == null || usec.isEmpty() || wpid != null && !wpid.isEmpty() && !wpid.equals(Long.toString(pid))) {
            return 0;
        }
        try {
            long v = Long.parseLong(usec);
            return Math.max(v, 0);
        } catch (NumberFormatException e) {
            log.warn("ignoring WATCHDOG_USEC={}: not a number", usec);
            return 0;
        }
    }

    public boolean enabled() {
        return address != null;
    }

    public long watchdogMicros() {
        return address == null ? 0 : watchdogMicros;
    }

    /** READY=1 (with a STATUS= line), then watchdog pings if systemd asked for them. */
    public synchronized void ready(String status) {
        if (address == null) {
            return;
        }
        send("READY=1\nSTATUS=" + status);
        if (watchdogMicros > 0 && watchdog == null) {
            long every = Math.max(watchdogMicros / 2, 1);
            watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "portd-watchdog");
                t.setDaemon(true);
                return t;
            });
            watchdog.scheduleAtFixedRate(() -> send("WATCHDOG=1"), every, every, TimeUnit.MICROSECONDS);
            log.info("systemd watchdog: pinging every {} ms", every / 1000);
        }
    }

    /** STOPPING=1; the watchdog stops too (systemd does not expect pings while a unit stops). */
    public synchronized void stopping() {
        if (address == null) {
            return;
        }
        stopWatchdog();
        send("STOPPING=1");
    }

    private void stopWatchdog() {
        if (watchdog != null) {
            watchdog.shutdownNow();
            watchdog = null;
        }
    }

    /** Sends one message; true if the datagram went out. */
    public synchronized boolean send(String message) {
        if (address == null) {
            return false;
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        try {
            if (socket == null) {
                socket = Socket.newSocketDomainDgram();
            }
            int sent = socket.sendToDomainSocket(buf, 0, bytes.length, address);
            if (sent != bytes.length) {
                throw new IOException("sent " + sent + " of " + bytes.length + " bytes");
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true; // once: a vanished systemd must not flood the log every watchdog tick
                log.warn("cannot notify systemd at {}: {}", addressText, e.toString());
            }
            return false;
        }
    }

    @Override
    public synchronized void close() {
        stopWatchdog();
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing the notify socket: {}", e.toString());
            }
            socket = null;
        }
    }
}
