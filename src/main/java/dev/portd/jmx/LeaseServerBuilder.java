package dev.portd.jmx;

import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;

/**
 * Makes this JVM's MBean servers {@link LeaseServer}s: the JDK's own server behind one that answers for
 * the lease beans. The JDK takes the builder from {@value #PROPERTY} when it makes a server, so
 * {@link Jmx} sets that before it first asks for the platform server; a JVM whose platform server was
 * made earlier (by {@code -Dcom.sun.management.jmxremote} on its command line) needs the property there.
 */
public final class LeaseServerBuilder extends MBeanServerBuilder {
    public static final String PROPERTY = "javax.management.builder.initial";

    @Override
    public MBeanServerDelegate newMBeanServerDelegate() {
        return new ListenedDelegate();
    }

    @Override
    public MBeanServer newMBeanServer(String defaultDomain, MBeanServer outer, MBeanServerDelegate delegate) {
        LeaseServer server = new LeaseServer(delegate);
        // The beans and queries of the JDK's server see this one as theirs, so they too find the lease beans.
        server.setMBeanServer(super.newMBeanServer(defaultDomain, outer != null ? outer : server, delegate));
        return server;
    }
}
