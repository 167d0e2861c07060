package dev.portd.probe;

import dev.portd.table.Transport;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One decoded line of {@code /proc/net/{tcp,tcp6,udp,udp6}}, before owners are known.
 *
 * <p>The local address is kept as two longs (big-endian, network order) rather than an
 * {@link InetAddress} so that decoding a line allocates nothing but this record. For IPv4 the
 * address is in the low 32 bits of {@code addressLow} and {@code addressHigh} is 0.
 */
public record RawSocket(
        Transport proto, boolean ipv6, long addressHigh, long addressLow, int port, int state, int uid, long inode) {

    /** {@code TCP_LISTEN} in include/net/tcp_states.h. */
    public static final int TCP_LISTEN = 0x0A;

    /** The local address; an IPv4-mapped IPv6 address comes back as an {@code Inet4Address}. */
    public InetAddress address() {
        byte[] b = new byte[ipv6 ? 16 : 4];
        if (ipv6) {
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (addressHigh >>> (56 - 8 * i));
                b[8 + i] = (byte) (addressLow >>> (56 - 8 * i));
            }
        } else {
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) (addressLow >>> (24 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for a bad array length
        }
    }
}
