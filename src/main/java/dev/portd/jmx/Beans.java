package dev.portd.jmx;

import dev.portd.protocol.Verbs;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.StandardEmitterMBean;
import javax.management.StandardMBean;

/**
 * Wraps a bean for registration. Standard MBeans rather than MXBeans: the MXBean mapping would turn a
 * TabularData attribute into a description of the TabularData interface, while every type used here
 * (primitives, String, TabularData) is already an open type. The wrapper also gives operations and their
 * parameter a readable name and description in JConsole instead of p0.
 */
final class Beans {
    private Beans() {}

    /** Each operation runs a verb; its description is the verb's summary from the table, then what it returns. */
    private record Operation(String verb, String args, String returns) {
        String describe() {
            return verb + args + ": " + Verbs.get(verb).summary() + "; returns " + returns;
        }
    }

    private static final Map<String, Operation> OPERATIONS = Map.of(
            "allocate", new Operation("ALLOC", " <service>", "the port leased, or already held"),
            "release", new Operation("RELEASE", " <service>", "the port freed"),
            "lookup", new Operation("GET", " <service>", "its port, or -1 when it holds none"),
            "probeNow", new Operation("PROBE", "", "what it found"),
            "backupNow", new Operation("BACKUP", "", "the file written"));

    private static String describe(MBeanOperationInfo op) {
        Operation o = OPERATIONS.get(op.getName());
        return o == null ? op.getDescription() : o.describe();
    }

    static <T> DynamicMBean wrap(T impl, Class<T> iface) {
        if (impl instanceof NotificationEmitter emitter) {
            return new StandardEmitterMBean(impl, iface, false, emitter) {
                @Override
                protected String getDescription(MBeanOperationInfo op) {
                    return describe(op);
                }

                @Override
                protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo p, int seq) {
                    return parameter(p, super.getParameterName(op, p, seq));
                }
            };
        }
        return new StandardMBean(impl, iface, false) {
            @Override
            protected String getDescription(MBeanOperationInfo op) {
                return describe(op);
            }

            @Override
            protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo p, int seq) {
                return parameter(p, super.getParameterName(op, p, seq));
            }
        };
    }

    /**
     * Wraps a bean of which many instances are made (a lease bean for each call on it): they share one
     * {@link MBeanInfo}, built by the first, instead of each building its own. Only for beans without
     * operations, whose info does not depend on the instance.
     */
    static <T> DynamicMBean wrapShared(T impl, Class<T> iface) {
        return new StandardMBean(impl, iface, false) {
            @Override
            public MBeanInfo getMBeanInfo() {
                MBeanInfo info = SHARED.get(iface);
                return info != null ? info : SHARED.computeIfAbsent(iface, k -> super.getMBeanInfo());
            }
        };
    }

    private static final Map<Class<?>, MBeanInfo> SHARED = new ConcurrentHashMap<>();

    /** Every operation that takes a String takes a service name. */
    private static String parameter(MBeanParameterInfo p, String otherwise) {
        return String.class.getName().equals(p.getType()) ? "service" : otherwise;
    }
}
