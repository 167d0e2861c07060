package dev.portd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portd.table.Transport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tables below were captured from this project's build host (Linux, x86_64) with a few
 * listeners open: python sockets on 127.0.0.1:23456, 0.0.0.0:20001, 127.1.2.3:29999, [::1]:23457,
 * [::]:20002, UDP 127.0.0.1:23458, 0.0.0.0:20003, [::1]:23459, [::]:20004, plus one accepted
 * connection, and a second capture of sockets owned by user nobody (uid 65534).
 */
class ProcNetParserTest {

    static final String TCP =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
        + "   0: 0302017F:752F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5955 1 0000000092e49068 100 0 0 10 0                      \n"
        + "   1: 0100007F:5BA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5953 1 00000000f1f37f36 100 0 0 10 0                      \n"
        + "   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 240 1 00000000996477e2 100 0 0 10 0                       \n"
        + "   3: 00000000:4E21 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5954 1 000000003883a32a 100 0 0 10 0                      \n"
        + "   4: 0100007F:8E48 0100007F:5BA0 01 00000000:00000000 00:00000000 00000000     0        0 5962 2 00000000f3cff20a 20 0 0 10 -1                      \n"
        + "   5: 0100007F:5BA0 0100007F:8E48 01 00000000:00000000 00:00000000 00000000     0        0 5963 1 0000000002d73032 20 0 0 10 -1                      \n";

    static final String TCP6 =
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        + "   0: 00000000000000000000000001000000:5BA1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5956 1 000000004e44662a 100 0 0 10 0\n"
        + "   1: 00000000000000000000000000000000:4E22 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5957 1 00000000ceb5373d 100 0 0 10 0\n";

    static final String UDP =
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n"
        + " 1606: 0100007F:5BA2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5958 2 0000000042078e3b 0          \n"
        + "14535: 00000000:4E23 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5959 2 00000000f2c81bba 0          \n";

    static final String UDP6 =
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
        + " 1607: 00000000000000000000000001000000:5BA3 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5960 2 000000006907bf19 0\n"
        + "14536: 00000000000000000000000000000000:4E24 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5961 2 00000000463c4091 0\n";

    // Second capture: sockets of user nobody, a TIME_WAIT left by the first capture (short line,
    // inode 0), an IPv4-mapped IPv6 listener, and a connected UDP socket on an ephemeral port.
    static final String TCP_NOBODY =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
        + "   0: 0100007F:5DC2 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 6050 1 0000000092e49068 100 0 0 10 0                      \n"
        + "   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 240 1 00000000996477e2 100 0 0 10 0                       \n"
        + "   2: 0100007F:8E48 0100007F:5BA0 06 00000000:00000000 03:0000154C 00000000     0        0 0 3 0000000080388b3c                                      \n";

    static final String TCP6_NOBODY =
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        + "   0: 0000000000000000FFFF00000100007F:5DC1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 6049 1 00000000ceb5373d 100 0 0 10 0\n";

    static final String UDP_NOBODY =
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n"
        + "11923: 0100007F:83EF 0100007F:0009 01 00000000:00000000 00:00000000 00000000 65534        0 6052 2 00000000f2c81bba 0          \n";

    static final String UDP6_NOBODY =
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
        + " 2151: 0000000000000000FFFF00000100007F:5DC3 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000 65534        0 6051 2 00000000463c4091 0\n";

    static List<RawSocket> parse(Transport proto, boolean ipv6, String text, int expectMalformed) {
        List<RawSocket> out = new ArrayList<>();
        assertEquals(expectMalformed, ProcNetParser.parse(proto, ipv6, text, out::add), "malformed lines");
        return out;
    }

    static void assertSocket(RawSocket s, int port, int state, int uid, long inode) {
        assertEquals(port, s.port(), "port");
        assertEquals(state, s.state(), "state");
        assertEquals(uid, s.uid(), "uid");
        assertEquals(inode, s.inode(), "inode");
    }

    static void assumeLittleEndian() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "captured address hex is host byte order; these lines come from a little-endian host");
    }

    @Test
    void tcpKeepsOnlyListenersInTableOrder() {
        List<RawSocket> s = parse(Transport.TCP, false, TCP, 0);
        assertEquals(4, s.size(), "two ESTABLISHED lines must be dropped");
        assertSocket(s.get(0), 29999, 0x0A, 0, 5955);
        assertSocket(s.get(1), 23456, 0x0A, 0, 5953);
        assertSocket(s.get(2), 2024, 0x0A, 0, 240);
        assertSocket(s.get(3), 20001, 0x0A, 0, 5954);
        for (RawSocket r : s) {
            assertEquals(Transport.TCP, r.proto());
            assertEquals(false, r.ipv6());
        }
    }

    @Test
    void ipv4AddressesDecodeToNetworkOrder() throws Exception {
        assumeLittleEndian();
        List<RawSocket> s = parse(Transport.TCP, false, TCP, 0);
        assertEquals(InetAddress.getByName("127.1.2.3"), s.get(0).address());
        assertEquals(0x7F010203L, s.get(0).addressLow());
        assertEquals(InetAddress.getByName("127.0.0.1"), s.get(1).address());
        assertEquals(InetAddress.getByName("0.0.0.0"), s.get(3).address());
    }

    @Test
    void tcp6ListenersAndAddresses() throws Exception {
        List<RawSocket> s = parse(Transport.TCP, true, TCP6, 0);
        assertEquals(2, s.size());
        assertSocket(s.get(0), 23457, 0x0A, 0, 5956);
        assertSocket(s.get(1), 20002, 0x0A, 0, 5957);
        assertTrue(s.get(0).ipv6());
        assumeLittleEndian();
        assertEquals(InetAddress.getByName("::1"), s.get(0).address());
        assertEquals(0L, s.get(0).addressHigh());
        assertEquals(1L, s.get(0).addressLow());
        assertEquals(InetAddress.getByName("::"), s.get(1).address());
    }

    @Test
    void ipv4MappedIpv6Address() throws Exception {
        List<RawSocket> s = parse(Transport.TCP, true, TCP6_NOBODY, 0);
        assertEquals(1, s.size());
        assertSocket(s.get(0), 24001, 0x0A, 65534, 6049);
        assumeLittleEndian();
        assertEquals(0L, s.get(0).addressHigh());
        assertEquals(0x0000_FFFF_7F00_0001L, s.get(0).addressLow());
        assertEquals("127.0.0.1", s.get(0).address().getHostAddress()); // ::ffff:127.0.0.1
    }

    @Test
    void fullIpv6AddressUsesAllFourWords() throws Exception {
        assumeLittleEndian();
        // 2001:db8:85a3::8a2e:370:7334 as the kernel prints it on a little-endian host: words
        // 20010db8 85a30000 00008a2e 03707334, each byte-reversed.
        String line = "   0: B80D01200000A3852E8A000034737003:1F90 00000000000000000000000000000000:0000"
                + " 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0000000000000000 100 0 0 10 0";
        RawSocket s = ProcNetParser.decodeLine(Transport.TCP, true, line);
        assertNotNull(s);
        assertEquals(InetAddress.getByName("2001:db8:85a3::8a2e:370:7334"), s.address());
        assertEquals(0x20010db8_85a30000L, s.addressHigh());
        assertEquals(0x00008a2e_03707334L, s.addressLow());
        assertSocket(s, 8080, 0x0A, 1000, 777);
    }

    @Test
    void udpKeepsEveryBoundSocketWhateverTheState() {
        List<RawSocket> v4 = parse(Transport.UDP, false, UDP, 0);
        assertEquals(2, v4.size());
        assertSocket(v4.get(0), 23458, 0x07, 0, 5958);
        assertSocket(v4.get(1), 20003, 0x07, 0, 5959);

        List<RawSocket> v6 = parse(Transport.UDP, true, UDP6, 0);
        assertEquals(2, v6.size());
        assertSocket(v6.get(0), 23459, 0x07, 0, 5960);
        assertSocket(v6.get(1), 20004, 0x07, 0, 5961);

        // A connected UDP socket (st 01, TCP_ESTABLISHED reused) still holds its local port.
        List<RawSocket> connected = parse(Transport.UDP, false, UDP_NOBODY, 0);
        assertEquals(1, connected.size());
        assertSocket(connected.get(0), 0x83EF, 0x01, 65534, 6052);

        List<RawSocket> mapped = parse(Transport.UDP, true, UDP6_NOBODY, 0);
        assertSocket(mapped.get(0), 24003, 0x07, 65534, 6051);
    }

    @Test
    void udpWithPortZeroIsNotAnOccupant() {
        String line = "  100: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 9999 2 0000000000000000 0\n";
        assertEquals(0, parse(Transport.UDP, false, line, 0).size());
        assertEquals(0, ProcNetParser.decodeLine(Transport.UDP, false, line).port()); // it does decode
    }

    @Test
    void nonListeningTcpLinesStillDecode() {
        // Filtering is the parse loop's job; the line itself is fine.
        String established = TCP.split("\n")[5]; // the client side of the accepted connection
        RawSocket s = ProcNetParser.decodeLine(Transport.TCP, false, established);
        assertSocket(s, 0x8E48, 0x01, 0, 5962);

        String timeWait = TCP_NOBODY.split("\n")[3]; // shorter line, inode 0
        RawSocket tw = ProcNetParser.decodeLine(Transport.TCP, false, timeWait);
        assertSocket(tw, 0x8E48, 0x06, 0, 0);

        List<RawSocket> kept = parse(Transport.TCP, false, TCP_NOBODY, 0);
        assertEquals(2, kept.size());
        assertSocket(kept.get(0), 24002, 0x0A, 65534, 6050);
    }

    @Test
    void headerAndBlankLinesAreNeitherSocketsNorMalformed() {
        assertEquals(0, parse(Transport.TCP, false, TCP.split("\n")[0], 0).size());
        assertEquals(0, parse(Transport.TCP, true, TCP6.split("\n")[0] + "\n\n   \n", 0).size());
        assertNull(ProcNetParser.decodeLine(Transport.TCP, false, TCP.split("\n")[0]));
    }

    @Test
    void emptyInput() throws IOException {
        assertEquals(0, parse(Transport.TCP, false, "", 0).size());
        List<RawSocket> out = new ArrayList<>();
        assertEquals(0, ProcNetParser.parse(Transport.UDP, true, InputStream.nullInputStream(), out::add));
        assertTrue(out.isEmpty());
    }

    @Test
    void truncatedLinesAreSkippedAndCounted() {
        String full = TCP.split("\n")[1];
        String text = TCP.split("\n")[0] + "\n"
                + full.substring(0, full.indexOf("     0        0 5955")) + "\n" // no uid, inode
                + full.substring(0, full.indexOf(" 5955")) + "\n" // no inode
                + full.substring(0, 18) + "\n" // cut inside the local address
                + "   7:\n"
                + TCP.split("\n")[2] + "\n"; // a good line after the bad ones
        List<RawSocket> s = parse(Transport.TCP, false, text, 4);
        assertEquals(1, s.size());
        assertSocket(s.get(0), 23456, 0x0A, 0, 5953);
    }

    @Test
    void garbageIsSkippedAndCounted() {
        String good = TCP.split("\n")[1];
        String text = good.replace("0302017F:752F", "0302017G:752F") + "\n" // bad hex in address
                + good.replace(":752F", ":75ZF") + "\n" // bad hex in port
                + good.replace(" 0A ", " 0X ") + "\n" // bad state
                + good.replace(" 5955 ", " 59x5 ") + "\n" // bad inode
                + good.replace("     0        0 5955", "    -1        0 5955") + "\n" // negative uid
                + good.replace("   0: ", "   x: ") + "\n" // bad slot
                + good.replace("0302017F:752F", "302017F:752F") + "\n" // 7-digit address
                + "\u0000\u00ff\u00fe binary junk\n"
                + good + "\n";
        List<RawSocket> s = parse(Transport.TCP, false, text, 8);
        assertEquals(1, s.size());
        assertSocket(s.get(0), 29999, 0x0A, 0, 5955);
    }

    @Test
    void tableFlagMustMatchAddressWidth() {
        // An IPv6 line read as an IPv4 table (or the reverse) is malformed, not misdecoded.
        assertEquals(0, parse(Transport.TCP, false, TCP6, 2).size());
        assertEquals(0, parse(Transport.TCP, true, TCP, 6).size());
    }

    @Test
    void lastLineWithoutNewlineAndCrlf() {
        String noNewline = TCP.split("\n")[1];
        assertEquals(1, parse(Transport.TCP, false, noNewline, 0).size());
        String crlf = TCP.replace("\n", "\r\n");
        assertEquals(4, parse(Transport.TCP, false, crlf, 0).size());
    }

    @Test
    void streamRefillsSplitLinesAnywhere() throws IOException {
        // Many lines through a buffer barely larger than one line: every line crosses a refill.
        StringBuilder big = new StringBuilder(TCP6.split("\n")[0]).append('\n');
        String template = TCP6.split("\n")[1];
        int n = 3000;
        for (int i = 0; i < n; i++) {
            big.append(template.replace(":5BA1 ", String.format(":%04X ", 1 + i))
                    .replace(" 5956 ", " " + (100000 + i) + " ")).append('\n');
        }
        byte[] bytes = big.toString().getBytes(StandardCharsets.US_ASCII);
        // Each generated line is template + 2 chars (longer inode) + '\n': the tightest buffer fits exactly one.
        for (int buffer : new int[] {template.length() + 3, 257, 4096, ProcNetParser.DEFAULT_BUFFER}) {
            List<RawSocket> out = new ArrayList<>();
            int malformed = ProcNetParser.parse(Transport.TCP, true, new ByteArrayInputStream(bytes), out::add, buffer);
            assertEquals(0, malformed, "buffer " + buffer);
            assertEquals(n, out.size(), "buffer " + buffer);
            for (int i = 0; i < n; i++) {
                assertSocket(out.get(i), 1 + i, 0x0A, 0, 100000 + i);
            }
        }
    }

    @Test
    void streamReadsInDribbles() throws IOException {
        // /proc files may return short reads; feed one byte at a time.
        byte[] bytes = (TCP + TCP.split("\n")[1]).getBytes(StandardCharsets.US_ASCII);
        InputStream dribble = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        List<RawSocket> out = new ArrayList<>();
        assertEquals(0, ProcNetParser.parse(Transport.TCP, false, dribble, out::add, 300));
        assertEquals(5, out.size());
        assertSocket(out.get(4), 29999, 0x0A, 0, 5955);
    }

    @Test
    void overlongLineIsOneMalformedLine() throws IOException {
        String text = TCP.split("\n")[1] + " " + "x".repeat(1000) + "\n" + TCP.split("\n")[2] + "\n";
        List<RawSocket> out = new ArrayList<>();
        int malformed = ProcNetParser.parse(Transport.TCP, false,
                new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)), out::add, 256);
        assertEquals(1, malformed);
        assertEquals(1, out.size());
        assertSocket(out.get(0), 23456, 0x0A, 0, 5953);
    }

    @Test
    void occupiesPort() {
        assertTrue(ProcNetParser.occupiesPort(Transport.TCP, 0x0A, 80));
        assertEquals(false, ProcNetParser.occupiesPort(Transport.TCP, 0x01, 80));
        assertEquals(false, ProcNetParser.occupiesPort(Transport.TCP, 0x06, 80));
        assertTrue(ProcNetParser.occupiesPort(Transport.UDP, 0x01, 80));
        assertTrue(ProcNetParser.occupiesPort(Transport.UDP, 0x07, 80));
        assertEquals(false, ProcNetParser.occupiesPort(Transport.UDP, 0x07, 0));
    }
}
