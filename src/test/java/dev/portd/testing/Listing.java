package dev.portd.testing;

import dev.portd.protocol.Row;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The daemon's table as a client sees it: {@code LIST} parsed, and checked for the one rule no reply
 * may break: a port is leased at most once.
 */
public final class Listing {
    private Listing() {}

    /** service -> port, from LIST on this connection; fails if two leases share a port. */
    public static Map<String, Integer> ports(LineClient c) throws IOException {
        LineClient.Reply r = c.call("LIST");
        if (!r.ok()) {
            throw new AssertionError("LIST failed: " + r.status());
        }
        Map<String, Integer> byService = new LinkedHashMap<>();
        Map<Integer, String> byPort = new LinkedHashMap<>();
        for (String line : r.data()) {
            Map<String, String> f = fields(line);
            String service = f.get("service");
            int port = Integer.parseInt(f.get("port"));
            String other = byPort.put(port, service);
            if (other != null) {
                throw new AssertionError("port " + port + " is leased twice: " + other + " and " + service);
            }
            if (byService.put(service, port) != null) {
                throw new AssertionError("service " + service + " is listed twice");
            }
        }
        if (Integer.parseInt(r.value()) != r.data().size()) {
            throw new AssertionError("LIST says " + r.status() + " but sent " + r.data().size() + " lines");
        }
        return byService;
    }

    /** {@code key=value} tokens of a data line (the protocol's own quoting). */
    public static Map<String, String> fields(String line) {
        return Row.parse(line);
    }
}
