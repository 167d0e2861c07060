package dev.portd.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain protocol client over the JDK's own Unix socket channel: what a script or another
 * language's client would do, with no portd code in the path.
 */
public final class LineClient implements Closeable {
    private final SocketChannel ch;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    public LineClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        in.flip();
    }

    /** One reply: its data lines and its status line. */
    public record Reply(List<String> data, String status) {
        public boolean ok() {
            return status.equals("OK") || status.startsWith("OK ");
        }

        /** The text after {@code OK }. */
        public String value() {
            if (!ok()) {
                throw new AssertionError("expected OK, got: " + status);
            }
            return status.length() > 3 ? status.substring(3) : "";
        }

        /** The data lines as {@code key=value} maps, in order. */
        public List<Map<String, String>> rows() {
            List<Map<String, String>> out = new ArrayList<>(data.size());
            for (String l : data) {
                out.add(fields(l));
            }
            return out;
        }

        /** The error code of an {@code ERR} status. */
        public String code() {
            if (!status.startsWith("ERR ")) {
                throw new AssertionError("expected ERR, got: " + status);
            }
            String rest = status.substring(4);
            int sp = rest.indexOf(' ');
            return sp < 0 ? rest : rest.substring(0, sp);
        }
    }

    /**
     * The {@code key=value} tokens of a data line; a value may be double-quoted with {@code \"} and
     * {@code \\} escapes (written here independently of the daemon's own parser).
     */
    public static Map<String, String> fields(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int eq = line.indexOf('=', i);
            if (i >= n || eq < 0) {
                break;
            }
            String key = line.substring(i, eq);
            StringBuilder v = new StringBuilder();
            i = eq + 1;
            if (i < n && line.charAt(i) == '"') {
                for (i++; i < n && line.charAt(i) != '"'; i++) {
                    if (line.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    v.append(line.charAt(i));
                }
                i++;
            } else {
                for (; i < n && line.charAt(i) != ' '; i++) {
                    v.append(line.charAt(i));
                }
            }
            out.put(key, v.toString());
        }
        return out;
    }

    /** Sends raw bytes as they are (no LF added). */
    public LineClient sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        return this;
    }

    /** Sends one request line (LF added). */
    public LineClient send(String request) throws IOException {
        return sendRaw((request + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a request and reads its reply; a {@code JSON} request's reply is its one line, kept as the status. */
    public Reply call(String request) throws IOException {
        send(request);
        if (request.regionMatches(true, 0, "JSON ", 0, 5)) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed before the JSON reply");
            }
            return new Reply(List.of(), line);
        }
        return reply();
    }

    /** Sends every request in one write, then reads their replies: pipelining. */
    public List<Reply> pipeline(List<String> requests) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String r : requests) {
            sb.append(r).append('\n');
        }
        sendRaw(sb.toString().getBytes(StandardCharsets.UTF_8));
        List<Reply> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            out.add(reply());
        }
        return out;
    }

    /** Whether a line is a status line: {@code ^(OK|ERR)( |$)}. No data line may be one. */
    public static boolean isStatus(String l) {
        return l.equals("OK") || l.startsWith("OK ") || l.equals("ERR") || l.startsWith("ERR ");
    }

    /** Splits lines read some other way (a client run as another user) into replies. */
    public static List<Reply> split(List<String> lines) {
        List<Reply> out = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (String l : lines) {
            if (isStatus(l)) {
                out.add(new Reply(List.copyOf(data), l));
                data.clear();
            } else {
                data.add(l);
            }
        }
        if (!data.isEmpty()) {
            throw new AssertionError("lines after the last status line: " + data);
        }
        return out;
    }

    /** Reads lines up to and including the next status line. */
    public Reply reply() throws IOException {
        List<String> data = new ArrayList<>();
        while (true) {
            String l = readLine();
            if (l == null) {
                throw new IOException("connection closed before a status line; data so far: " + data);
            }
            if (isStatus(l)) {
                return new Reply(data, l);
            }
            data.add(l);
        }
    }

    /** The next line, or null at end of stream. */
    public String readLine() throws IOException {
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    return s;
                }
                line.write(b);
            }
            in.clear();
            int n = ch.read(in);
            in.flip();
            if (n < 0) {
                return null;
            }
        }
    }

    /**
     * True once the daemon has closed the connection (reads to the end). A daemon that closes with
     * bytes of ours still unread (the rest of a line it cut off, requests after a QUIT) makes the
     * kernel report ECONNRESET to our next read, after everything it sent, instead of end of stream:
     * closed all the same.
     */
    public boolean closedByPeer() throws IOException {
        try {
            return readLine() == null;
        } catch (SocketException e) {
            if (line.size() == 0 && "Connection reset".equals(e.getMessage())) {
                return true;
            }
            throw e;
        }
    }

    public void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
