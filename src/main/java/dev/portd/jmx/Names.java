package dev.portd.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** The ObjectNames of JMX.md, in one place. */
public final class Names {
    private Names() {}

    public static final String DOMAIN = "dev.portd";
    /** Where the Dropwizard JmxReporter puts the metrics. */
    public static final String METRICS_DOMAIN = "dev.portd.metrics";

    public static final ObjectName PORT_TABLE = name(DOMAIN + ":type=PortTable");
    public static final ObjectName HISTORY = name(DOMAIN + ":type=History");
    public static final ObjectName PROBER = name(DOMAIN + ":type=Prober");
    public static final ObjectName STORE = name(DOMAIN + ":type=Store");
    public static final ObjectName SERVER = name(DOMAIN + ":type=Server");
    /** Pattern matching every lease bean. */
    public static final ObjectName LEASES = name(DOMAIN + ":type=Lease,*");

    /**
     * {@code dev.portd:type=Lease,service=<name>}. Valid service names ({@code [A-Za-z0-9._-]}) never need
     * quoting, so the value is written as is and a client can type it; anything else would be quoted.
     */
    public static ObjectName lease(String service) {
        return name(DOMAIN + ":type=Lease,service=" + value(service));
    }

    static String value(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (",=:\"*?\n\\".indexOf(v.charAt(i)) >= 0) {
                return ObjectName.quote(v);
            }
        }
        return v.isEmpty() ? ObjectName.quote(v) : v;
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
