package dev.portd.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A plain protocol client over the real Unix socket (JDK), as a script or portctl would talk. */
final class Client implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private Client(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    static Client connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new Client(ch);
    }

    /** Sends one request; returns its reply, data lines then the status line (one line for JSON). */
    List<String> call(String request) throws IOException {
        out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        boolean json = request.regionMatches(true, 0, "JSON ", 0, 5);
        List<String> lines = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
            if (json || line.matches("^(OK|ERR)( .*|$)")) {
                return lines;
            }
        }
        throw new IOException("connection closed after " + lines);
    }

    /** The status line of one request. */
    String status(String request) throws IOException {
        List<String> reply = call(request);
        return reply.get(reply.size() - 1);
    }

    /** One request on a fresh connection. */
    static String once(Path socket, String request) throws IOException {
        try (Client c = connect(socket)) {
            return c.status(request);
        }
    }

    /** True when something answers PING on the socket. */
    static boolean answers(Path socket) {
        try {
            return once(socket, "PING").equals("OK PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
