package dev.portd.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to portd with the JDK's own Unix domain socket channel: no Netty, no logging, so a
 * short-lived client starts in a few tens of milliseconds. Requests may be pipelined: send several,
 * then read their answers in order.
 */
final class Client implements AutoCloseable {
    private final Path socket;
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    private Client(Path socket, SocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    static Client connect(Path socket) throws Unreachable {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new Client(socket, ch);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new Unreachable("cannot reach portd at " + socket + ": " + e.getMessage());
        }
    }

    Path socket() {
        return socket;
    }

    /** Writes request lines (each gets its LF) in one go. */
    void send(List<String> requests) throws Unreachable {
        StringBuilder sb = new StringBuilder(requests.size() * 48);
        for (String r : requests) {
            sb.append(r).append('\n');
        }
        ByteBuffer out = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            throw new Unreachable("lost portd at " + socket + ": " + e.getMessage());
        }
    }

    /** Reads one answer: data lines up to the status line, or one line for a JSON request. */
    Answer receive(boolean json) throws Unreachable {
        List<String> data = new ArrayList<>();
        while (true) {
            String l = readLine();
            if (l == null) {
                throw new Unreachable("portd at " + socket + " closed the connection before answering");
            }
            if (json) {
                return new Answer(List.of(), l, true);
            }
            if (Answer.isStatus(l)) {
                return new Answer(data, l, false);
            }
            data.add(l);
        }
    }

    Answer call(String request) throws Unreachable {
        send(List.of(request));
        return receive(request.regionMatches(true, 0, "JSON ", 0, 5));
    }

    /** The next line without its LF (and CR), or null at end of stream. */
    String readLine() throws Unreachable {
        line.reset();
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, n, StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            in.clear();
            int n;
            try {
                n = channel.read(in);
            } catch (IOException e) {
                throw new Unreachable("lost portd at " + socket + ": " + e.getMessage());
            } finally {
                in.flip();
            }
            if (n < 0) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing left to tell the daemon
            }
        }
    }
}
