package dev.portd.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's table as a client sees it: {@code LIST} parsed with a tokenizer of its own (not the
 * daemon's), checked for the one rule no reply may break: a port is leased at most once.
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

    /** {@code key=value} tokens of a data line; values may be double-quoted with \" and \\ escapes. */
    public static Map<String, String> fields(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = line.substring(i, eq);
            StringBuilder v = new StringBuilder();
            i = eq + 1;
            if (i < n && line.charAt(i) == '"') {
                for (i++; i < n && line.charAt(i) != '"'; i++) {
                    char ch = line.charAt(i);
                    v.append(ch == '\\' && i + 1 < n ? line.charAt(++i) : ch);
                }
                i++;
            } else {
                while (i < n && line.charAt(i) != ' ') {
                    v.append(line.charAt(i++));
                }
            }
            out.put(key, v.toString());
        }
        return out;
    }

    /** The data lines' services in order, for messages. */
    public static List<String> services(LineClient.Reply list) {
        List<String> out = new ArrayList<>();
        for (String l : list.data()) {
            out.add(fields(l).get("service"));
        }
        return out;
    }
}
