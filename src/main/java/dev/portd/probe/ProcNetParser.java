package dev.portd.probe;

import dev.portd.table.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Parses the text of {@code /proc/net/tcp}, {@code tcp6}, {@code udp} and {@code udp6}.
 *
 * <p>It runs every few seconds over tables that can hold tens of thousands of lines, so it works
 * on raw bytes: no String per line, no regex, no split. Only sockets that occupy a port are
 * emitted (TCP in LISTEN, UDP bound to a non-zero port); those are the only lines that allocate.
 *
 * <p>Line layout (net/ipv4/tcp_ipv4.c, net/ipv4/udp.c, and the v6 twins):
 * <pre>
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm-&gt;when retrnsmt   uid  timeout inode ...
 *    0: 0100007F:5BA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5953 ...
 * </pre>
 * A line that does not fit is skipped and counted, never fatal: a table can change under us, and
 * a future kernel may append columns (those are ignored).
 */
public final class ProcNetParser {

    /** Larger than any line the kernel writes (~170 bytes for v6) by a wide margin. */
    static final int DEFAULT_BUFFER = 64 * 1024;

    /**
     * The kernel prints each 32-bit address word with %08X of its in-memory value, so on a
     * little-endian host the hex reads byte-reversed relative to network order.
     */
    private static final boolean SWAP = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    // Token positions on a line; the first token is the "sl" slot number.
    private static final int LOCAL = 1;
    private static final int STATE = 3;
    private static final int UID = 7;
    private static final int INODE = 9;

    // parseLine outcomes
    private static final int OK = 0;
    private static final int IGNORED = 1; // blank line or header
    private static final int MALFORMED = 2;

    private ProcNetParser() {}

    /**
     * Reads a whole table from {@code in} and emits the sockets that occupy a port.
     *
     * @return the number of malformed lines skipped
     * @throws IOException only if reading {@code in} fails; lines already emitted stay emitted
     */
    public static int parse(Transport proto, boolean ipv6, InputStream in, Consumer<? super RawSocket> out)
            throws IOException {
        return parse(proto, ipv6, in, out, DEFAULT_BUFFER);
    }

    /** Same as the stream variant, for text already in memory (captured tables, tests). */
    public static int parse(Transport proto, boolean ipv6, CharSequence text, Consumer<? super RawSocket> out) {
        byte[] b = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        return parseBytes(proto, ipv6, b, 0, b.length, out);
    }

    /** Stream variant with an explicit buffer size, so tests can force lines across buffer refills. */
    static int parse(Transport proto, boolean ipv6, InputStream in, Consumer<? super RawSocket> out, int bufferSize)
            throws IOException {
        byte[] buf = new byte[bufferSize];
        int len = 0;
        int malformed = 0;
        boolean overlong = false; // inside a line longer than the buffer; already counted
        int n;
        while ((n = in.read(buf, len, buf.length - len)) >= 0) {
            len += n;
            int start = 0;
            for (int i = 0; i < len; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                if (overlong) {
                    overlong = false;
                } else if (parseLine(proto, ipv6, buf, start, i, out) == MALFORMED) {
                    malformed++;
                }
                start = i + 1;
            }
            if (start == 0 && len == buf.length) {
                // No newline in a full buffer: drop the line rather than grow without bound.
                if (!overlong) {
                    malformed++;
                    overlong = true;
                }
                len = 0;
            } else {
                System.arraycopy(buf, start, buf, 0, len - start);
                len -= start;
            }
        }
        if (len > 0 && !overlong && parseLine(proto, ipv6, buf, 0, len, out) == MALFORMED) {
            malformed++; // last line without a trailing newline
        }
        return malformed;
    }

    private static int parseBytes(
            Transport proto, boolean ipv6, byte[] b, int from, int to, Consumer<? super RawSocket> out) {
        int malformed = 0;
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || b[i] == '\n') {
                if (parseLine(proto, ipv6, b, start, i, out) == MALFORMED) {
                    malformed++;
                }
                start = i + 1;
            }
        }
        return malformed;
    }

    /** True for the sockets that take a port: TCP listeners and UDP sockets bound to a port. */
    public static boolean occupiesPort(Transport proto, int state, int port) {
        return port != 0 && (proto == Transport.UDP || state == RawSocket.TCP_LISTEN);
    }

    /**
     * Decodes one line regardless of state (an ESTABLISHED line decodes too), or returns null if it
     * is blank, the header, or malformed. For tests and diagnostics; the hot path is {@link #parse}.
     */
    static RawSocket decodeLine(Transport proto, boolean ipv6, CharSequence line) {
        byte[] b = line.toString().getBytes(StandardCharsets.ISO_8859_1);
        RawSocket[] got = new RawSocket[1];
        decode(proto, ipv6, b, 0, b.length, false, s -> got[0] = s);
        return got[0];
    }

    private static int parseLine(
            Transport proto, boolean ipv6, byte[] b, int from, int to, Consumer<? super RawSocket> out) {
        return decode(proto, ipv6, b, from, to, true, out);
    }

    /**
     * Tokenizes by hand: finds the start/end of tokens 0..9 and decodes only the ones we need.
     * {@code filter} drops sockets that do not occupy a port before anything is allocated.
     */
    private static int decode(
            Transport proto, boolean ipv6, byte[] b, int from, int to, boolean filter, Consumer<? super RawSocket> out) {
        if (to > from && b[to - 1] == '\r') {
            to--;
        }
        int p = skipSpaces(b, from, to);
        if (p == to) {
            return IGNORED;
        }
        // Token 0: "<digits>:" for data lines, "sl" for the header.
        int e = tokenEnd(b, p, to);
        if (e - p == 2 && b[p] == 's' && b[p + 1] == 'l') {
            return IGNORED;
        }
        if (e - p < 2 || b[e - 1] != ':' || parseDec(b, p, e - 1) < 0) {
            return MALFORMED;
        }
        int addrHex = ipv6 ? 32 : 8;
        long hi = 0;
        long lo = 0;
        int port = -1;
        int state = -1;
        int uid = -1;
        long inode = -1;
        for (int token = 1; token <= INODE; token++) {
            p = skipSpaces(b, e, to);
            if (p == to) {
                return MALFORMED; // truncated
            }
            e = tokenEnd(b, p, to);
            switch (token) {
                case LOCAL:
                    if (e - p != addrHex + 5 || b[p + addrHex] != ':') {
                        return MALFORMED;
                    }
                    port = (int) parseHex(b, p + addrHex + 1, e);
                    if (port < 0) {
                        return MALFORMED;
                    }
                    if (ipv6) {
                        long w0 = word(b, p);
                        long w1 = word(b, p + 8);
                        long w2 = word(b, p + 16);
                        long w3 = word(b, p + 24);
                        if ((w0 | w1 | w2 | w3) < 0) {
                            return MALFORMED;
                        }
                        hi = (w0 << 32) | w1;
                        lo = (w2 << 32) | w3;
                    } else {
                        lo = word(b, p);
                        if (lo < 0) {
                            return MALFORMED;
                        }
                    }
                    break;
                case STATE:
                    if (e - p != 2) {
                        return MALFORMED;
                    }
                    state = (int) parseHex(b, p, e);
                    if (state < 0) {
                        return MALFORMED;
                    }
                    break;
                case UID:
                    long u = parseDec(b, p, e);
                    if (u < 0 || u > 0xFFFF_FFFFL) {
                        return MALFORMED;
                    }
                    uid = (int) u; // uids above 2^31 wrap negative; the kernel never hands those out in practice
                    break;
                case INODE:
                    inode = parseDec(b, p, e);
                    if (inode < 0) {
                        return MALFORMED;
                    }
                    break;
                default:
                    break; // remote address, queues, timers: not needed
            }
        }
        if (filter && !occupiesPort(proto, state, port)) {
            return OK;
        }
        out.accept(new RawSocket(proto, ipv6, hi, lo, port, state, uid, inode));
        return OK;
    }

    /** One 8-hex-digit address word, converted to network order; -1 if not hex. */
    private static long word(byte[] b, int p) {
        long v = parseHex(b, p, p + 8);
        if (v < 0) {
            return -1;
        }
        return (SWAP ? Integer.reverseBytes((int) v) : (int) v) & 0xFFFF_FFFFL;
    }

    private static int skipSpaces(byte[] b, int p, int to) {
        while (p < to && (b[p] == ' ' || b[p] == '\t')) {
            p++;
        }
        return p;
    }

    private static int tokenEnd(byte[] b, int p, int to) {
        while (p < to && b[p] != ' ' && b[p] != '\t') {
            p++;
        }
        return p;
    }

    /** Hex digits in [from, to), at most 15 of them; -1 if empty or not hex. */
    private static long parseHex(byte[] b, int from, int to) {
        if (from >= to || to - from > 15) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int c = b[i];
            int d;
            if (c >= '0' && c <= '9') {
                d = c - '0';
            } else if (c >= 'A' && c <= 'F') {
                d = c - 'A' + 10;
            } else if (c >= 'a' && c <= 'f') {
                d = c - 'a' + 10;
            } else {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** Decimal digits in [from, to), at most 18 of them; -1 if empty or not decimal. */
    private static long parseDec(byte[] b, int from, int to) {
        if (from >= to || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int c = b[i] - '0';
            if (c < 0 || c > 9) {
                return -1;
            }
            v = v * 10 + c;
        }
        return v;
    }
}
