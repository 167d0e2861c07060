package dev.portd.server;

import dev.portd.protocol.Context;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty server on the Unix socket: epoll on Linux (which gives the peer's uid and pid), NIO
 * domain sockets elsewhere. Per connection: idle timeout, line framing capped at 4096 bytes, and a
 * {@link Connection}. With a portserver address, a second socket on the same event loops answers
 * portpicker's clients ({@link PortserverConnection}).
 */
public final class PortdServer {
    private static final Logger log = LoggerFactory.getLogger(PortdServer.class);

    /**
     * Settings of the listening socket.
     *
     * @param inheritedFd a listening socket passed by systemd (socket activation) to serve instead of
     *                    binding {@code socket}, or -1
     * @param portserver  the portserver address: a path, {@code @name} (Linux's abstract namespace), or
     *                    empty for none
     * @param portserverFd a portserver socket passed by systemd, served instead of binding {@code portserver},
     *                    or -1
     */
    public record Options(Path socket, Set<PosixFilePermission> mode, int threads, long idleTimeoutMillis,
                          int inheritedFd, String portserver, int portserverFd) {
        public Options(Path socket, Set<PosixFilePermission> mode, int threads, long idleTimeoutMillis) {
            this(socket, mode, threads, idleTimeoutMillis, -1, "", -1);
        }

        /** True when the portserver endpoint is on: configured, or passed by systemd. */
        public boolean servesPortserver() {
            return portserverFd >= 0 || !portserver.isEmpty();
        }
    }

    private final Options options;
    private final Context context;
    private final ServerStats stats;
    private final Watchers watchers = new Watchers();
    private final boolean epoll = Epoll.isAvailable();
    private EventLoopGroup group;
    private Channel server;
    private Channel portserverServer;
    private volatile boolean ownsSocketFile;
    private volatile boolean ownsPortserverFile;
    private volatile String portserverAddress = "off";

    public PortdServer(Options options, Context context, ServerStats stats) {
        this.options = options;
        this.context = context;
        this.stats = stats;
    }

    /** The transport in use, for STATS and the start-up line. */
    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** The WATCH connections: register with the writer to feed them. */
    public Watchers watchers() {
        return watchers;
    }

    public Path socket() {
        return options.socket();
    }

    /** Where portpicker's clients connect: a path or {@code @name} (also when systemd passed the socket), or "off". */
    public String portserverAddress() {
        return portserverAddress;
    }

    /** Binds the socket (replacing a stale one), or takes the inherited one, and starts serving. */
    public void start() throws IOException, InterruptedException {
        if (server == null) {
            bind();
        }
        server.config().setAutoRead(true); // accept: connections made since bind() are served now
        if (portserverServer != null) {
            portserverServer.config().setAutoRead(true);
        }
    }

    /**
     * Opens the listening socket without accepting yet: under jsvc this runs before privileges are
     * dropped, and clients that connect before {@link #start()} wait in the backlog.
     */
    public void bind() throws IOException, InterruptedException {
        Path path = options.socket();
        int fd = options.inheritedFd();
        if (fd >= 0 && !epoll) {
            throw new IOException("an inherited socket (socket activation) needs the epoll transport");
        }
        if (fd < 0) {
            SocketFiles.prepare(path);
        }
        if (options.servesPortserver() && !epoll) {
            // NIO gives neither peer credentials (whose request is it?) nor abstract addresses.
            throw new IOException("portserver_socket needs the epoll transport (Linux), which is not available here");
        }
        group = new MultiThreadIoEventLoopGroup(options.threads(),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            server = listen(bootstrap(this::pipeline), path.toString(), fd);
            if (fd < 0) {
                ownsSocketFile = true;
                Files.setPosixFilePermissions(path, options.mode());
                log.debug("listening on {} ({})", path, transport());
            }
            if (options.servesPortserver()) {
                bindPortserver();
            }
        } catch (IOException e) {
            stopAccepting();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            group = null; // shutdown() after a failed bind has nothing left to drain
            if (ownsSocketFile) {
                ownsSocketFile = false;
                SocketFiles.delete(path);
            }
            throw e;
        }
    }

    /**
     * One connection of the line protocol: socket -> limit -> idle and slow-line timeouts -> requests (or
     * rejections), one per line -> replies in request order; outbound, replies and event lines are rendered
     * into one buffer per flush.
     */
    private void pipeline(Channel ch) {
        ch.pipeline()
                .addLast(new ConnectionLimit(stats))
                .addLast(new IdleStateHandler(options.idleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast(new LineDeadline(options.idleTimeoutMillis()))
                .addLast(new RequestDecoder())
                .addLast(new ReplyEncoder())
                .addLast(new Connection(context, stats, watchers));
    }

    /** The portserver socket: the same loops, connection limit and idle timeout as the main one. */
    private void bindPortserver() throws IOException {
        String address = options.portserver();
        int fd = options.portserverFd();
        boolean abstractName = address.startsWith("@");
        if (fd < 0 && !abstractName) {
            SocketFiles.prepare(Path.of(address));
        }
        dev.portd.protocol.Portserver portserver = new dev.portd.protocol.Portserver(context);
        // An abstract address is a sun_path starting with a NUL byte; epoll binds the name's exact length,
        // with no trailing NUL, which is how portpicker's clients connect to it.
        portserverServer = listen(bootstrap(ch -> ch.pipeline()
                .addLast(new IdleStateHandler(options.idleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast(new PortserverConnection(portserver, stats))),
                abstractName ? "\0" + address.substring(1) : address, fd);
        if (fd < 0 && !abstractName) {
            ownsPortserverFile = true;
            Files.setPosixFilePermissions(Path.of(address), options.mode());
        }
        portserverAddress = fd < 0 ? address : boundAddress(fd);
        log.info("answering portpicker's clients on {}", portserverAddress);
    }

    /** The address systemd bound the socket to, as portpicker writes it ({@code @name} for abstract). */
    private static String boundAddress(int fd) {
        DomainSocketAddress a = new io.netty.channel.unix.Socket(fd).localDomainSocketAddress();
        if (a == null) {
            return "fd" + fd;
        }
        return a.path().startsWith("\0") ? "@" + a.path().substring(1) : a.path();
    }

    private ServerBootstrap bootstrap(java.util.function.Consumer<Channel> pipeline) {
        return new ServerBootstrap()
                .group(group)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        pipeline.accept(ch);
                    }
                });
    }

    /** Binds {@code address}, or serves the listening socket systemd passed as {@code fd} (when not -1). */
    private Channel listen(ServerBootstrap b, String address, int fd) throws IOException {
        try {
            if (fd >= 0) {
                // Already bound and listening; systemd owns the file, so it is neither chmod-ed nor removed.
                // The fd may be blocking: the epoll transport accepts one connection per readiness event,
                // so accept() never waits.
                Channel ch = b.channelFactory(() -> new EpollServerDomainSocketChannel(fd, true)).register().sync().channel();
                log.info("serving socket fd {} passed by systemd (the socket file stays systemd's)", fd);
                return ch;
            }
            Class<? extends ServerChannel> channel = epoll ? EpollServerDomainSocketChannel.class
                    : NioServerDomainSocketChannel.class;
            SocketAddress a = epoll ? new DomainSocketAddress(address) : UnixDomainSocketAddress.of(address);
            return b.channel(channel).bind(a).sync().channel();
        } catch (Exception e) {
            String where = fd >= 0 ? "inherited fd " + fd : address.replace("\0", "@");
            throw new IOException("cannot listen on " + where + ": " + e.getMessage(), e);
        }
    }


    /** Thrown when a live daemon already serves the socket. */
    public static final class AlreadyRunningException extends IOException {
        AlreadyRunningException(String message) {
            super(message);
        }
    }

    /** Stops accepting connections; established ones keep being served until {@link #shutdown()}. */
    public void stopAccepting() {
        for (Channel ch : new Channel[] {server, portserverServer}) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }

    /** Lets the event loops write what is queued, closes every connection, and removes the socket file. */
    public void shutdown() {
        if (group != null) {
            // Replies handed to a loop before now (the writer's last batch, WAITs answered BUSY) are written
            // first: a loop that starts shutting down closes its channels before it runs queued tasks.
            for (io.netty.util.concurrent.EventExecutor loop : group) {
                loop.submit(() -> { }).awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ownsSocketFile) {
            SocketFiles.delete(options.socket());
        }
        if (ownsPortserverFile) {
            SocketFiles.delete(Path.of(options.portserver()));
        }
    }
}
