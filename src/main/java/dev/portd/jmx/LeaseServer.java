package dev.portd.jmx;

import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.IntrospectionException;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import javax.management.QueryEval;
import javax.management.QueryExp;
import javax.management.ReflectionException;
import javax.management.RuntimeOperationsException;

/**
 * The MBean server portd's beans live on. Every bean is registered as usual except the lease beans
 * ({@code dev.portd:type=Lease,service=<name>}): those are views of the published table, answered here
 * from it, so a lease's bean exists exactly while the lease does and nothing follows the writer to keep
 * them in step. A registered bean per lease kept ~500 bytes a lease (its ObjectName, whose canonical
 * name the JDK interns, the server's entries, the wrappers) and cost the collector more than the lease
 * itself while leases were made (see README, Performance).
 *
 * <p>JConsole's tree follows the delegate's registration notices; {@link #leasesChanged} sends those for
 * leases that began or ended, and only while someone listens to the delegate.
 */
final class LeaseServer extends ForwardingServer {
    private static final String BEAN_CLASS = LeaseBean.class.getName();

    private final MBeanServerDelegate delegate;
    /** The daemon whose leases are shown; null while none is. */
    private volatile Managed portd;

    LeaseServer(MBeanServerDelegate delegate) {
        this.delegate = delegate;
    }

    /** Shows the leases of {@code p}; false if another daemon's are shown here already. */
    synchronized boolean show(Managed p) {
        if (portd != null) {
            return false;
        }
        portd = p;
        announce(p.table(), MBeanServerNotification.REGISTRATION_NOTIFICATION);
        return true;
    }

    /** Stops showing the leases of {@code p}. */
    synchronized void hide(Managed p) {
        if (portd == p) {
            portd = null;
            announce(p.table(), MBeanServerNotification.UNREGISTRATION_NOTIFICATION);
        }
    }

    /** Tells the delegate's listeners of the leases that began or ended between two tables, for these events. */
    void leasesChanged(PortTable before, PortTable after, List<Event> events) {
        if (!listened() || portd == null) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (Event e : events) {
            String s = e.service();
            if (s != null && seen.add(s)) {
                boolean was = before != null && before.lease(s) != null;
                boolean is = after.lease(s) != null;
                if (was != is) {
                    send(is ? MBeanServerNotification.REGISTRATION_NOTIFICATION
                            : MBeanServerNotification.UNREGISTRATION_NOTIFICATION, Names.lease(s));
                }
            }
        }
    }

    private void announce(PortTable table, String type) {
        if (listened()) {
            for (Lease l : table.leases()) {
                send(type, Names.lease(l.service()));
            }
        }
    }

    private boolean listened() {
        return !(delegate instanceof ListenedDelegate d) || d.listened();
    }

    private void send(String type, ObjectName name) {
        delegate.sendNotification(new MBeanServerNotification(type, MBeanServerDelegate.DELEGATE_NAME, 0, name));
    }

    /** The lease a name is the bean of, if it is one of a lease in the table shown. */
    private Lease lease(ObjectName name) {
        Managed p = portd;
        if (p == null || name == null || name.isPattern() || !Names.DOMAIN.equals(name.getDomain())
                || !"Lease".equals(name.getKeyProperty("type")) || name.getKeyPropertyList().size() != 2) {
            return null;
        }
        String value = name.getKeyProperty("service");
        if (value == null) {
            return null;
        }
        String service = value.startsWith("\"") ? ObjectName.unquote(value) : value;
        return Names.value(service).equals(value) ? p.table().lease(service) : null; // only the name Names.lease gives
    }

    private DynamicMBean bean(ObjectName name) {
        Lease l = lease(name);
        Managed p = portd;
        return l == null || p == null ? null : Beans.wrapShared(new LeaseBean(p, l), LeaseMBean.class);
    }

    @Override
    public boolean isRegistered(ObjectName name) {
        return lease(name) != null || super.isRegistered(name);
    }

    @Override
    public Integer getMBeanCount() {
        Managed p = portd;
        return super.getMBeanCount() + (p == null ? 0 : p.table().leaseCount());
    }

    @Override
    public Set<ObjectName> queryNames(ObjectName pattern, QueryExp query) {
        return query(super.queryNames(pattern, query), pattern, query, n -> n);
    }

    @Override
    public Set<ObjectInstance> queryMBeans(ObjectName pattern, QueryExp query) {
        return query(super.queryMBeans(pattern, query), pattern, query, n -> new ObjectInstance(n, BEAN_CLASS));
    }

    /** The registered beans found, and the lease beans the pattern and query select, as {@code as} makes them. */
    private <T> Set<T> query(Set<T> found, ObjectName pattern, QueryExp query, Function<ObjectName, T> as) {
        Managed p = portd;
        if (p == null || (pattern != null && !pattern.isDomainPattern() && !Names.DOMAIN.equals(pattern.getDomain()))) {
            return found;
        }
        Set<T> all = new HashSet<>(found);
        MBeanServer before = QueryEval.getMBeanServer();
        if (query != null) {
            query.setMBeanServer(this); // a query's attributes are read through this server, as the JDK's do
        }
        try {
            if (pattern != null && !pattern.isPattern()) {
                if (lease(pattern) != null && selects(query, pattern)) {
                    all.add(as.apply(pattern));
                }
                return all;
            }
            for (Lease l : p.table().leases()) {
                ObjectName n = Names.lease(l.service());
                if ((pattern == null || pattern.apply(n)) && selects(query, n)) {
                    all.add(as.apply(n));
                }
            }
            return all;
        } finally {
            if (query != null) {
                query.setMBeanServer(before);
            }
        }
    }

    private static boolean selects(QueryExp query, ObjectName name) {
        try {
            return query == null || query.apply(name);
        } catch (Exception e) {
            return false; // as the JDK's server does: a query that fails on a bean does not select it
        }
    }

    @Override
    public ObjectInstance getObjectInstance(ObjectName name) throws InstanceNotFoundException {
        return lease(name) != null ? new ObjectInstance(name, BEAN_CLASS) : super.getObjectInstance(name);
    }

    @Override
    public MBeanInfo getMBeanInfo(ObjectName name)
            throws InstanceNotFoundException, IntrospectionException, ReflectionException {
        DynamicMBean b = bean(name);
        return b != null ? b.getMBeanInfo() : super.getMBeanInfo(name);
    }

    @Override
    public boolean isInstanceOf(ObjectName name, String className) throws InstanceNotFoundException {
        if (lease(name) == null) {
            return super.isInstanceOf(name, className);
        }
        try {
            return Class.forName(className, false, LeaseBean.class.getClassLoader()).isAssignableFrom(LeaseBean.class);
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public ClassLoader getClassLoaderFor(ObjectName name) throws InstanceNotFoundException {
        return lease(name) != null ? LeaseBean.class.getClassLoader() : super.getClassLoaderFor(name);
    }

    @Override
    public Object getAttribute(ObjectName name, String attribute)
            throws MBeanException, AttributeNotFoundException, InstanceNotFoundException, ReflectionException {
        DynamicMBean b = bean(name);
        return b != null ? b.getAttribute(attribute) : super.getAttribute(name, attribute);
    }

    @Override
    public AttributeList getAttributes(ObjectName name, String[] attributes)
            throws InstanceNotFoundException, ReflectionException {
        DynamicMBean b = bean(name);
        return b != null ? b.getAttributes(attributes) : super.getAttributes(name, attributes);
    }

    @Override
    public void setAttribute(ObjectName name, Attribute attribute) throws InstanceNotFoundException,
            AttributeNotFoundException, InvalidAttributeValueException, MBeanException, ReflectionException {
        DynamicMBean b = bean(name);
        if (b != null) {
            b.setAttribute(attribute); // every attribute is read-only: refused by the bean
        } else {
            super.setAttribute(name, attribute);
        }
    }

    @Override
    public AttributeList setAttributes(ObjectName name, AttributeList attributes)
            throws InstanceNotFoundException, ReflectionException {
        DynamicMBean b = bean(name);
        return b != null ? b.setAttributes(attributes) : super.setAttributes(name, attributes);
    }

    @Override
    public Object invoke(ObjectName name, String operation, Object[] params, String[] signature)
            throws InstanceNotFoundException, MBeanException, ReflectionException {
        DynamicMBean b = bean(name);
        return b != null ? b.invoke(operation, params, signature) : super.invoke(name, operation, params, signature);
    }

    @Override
    public void unregisterMBean(ObjectName name) throws InstanceNotFoundException, MBeanRegistrationException {
        Lease l = lease(name);
        if (l != null) {
            String why = name + " goes when its lease ends: release the lease (RELEASE " + l.service() + ")";
            throw new RuntimeOperationsException(new IllegalArgumentException(why), why);
        }
        super.unregisterMBean(name);
    }

    // A bean registered or created under a lease's name would hide behind the view, and show once the lease ended.
    @Override
    public ObjectInstance registerMBean(Object object, ObjectName name)
            throws InstanceAlreadyExistsException, MBeanRegistrationException, NotCompliantMBeanException {
        taken(name);
        return super.registerMBean(object, name);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name) throws ReflectionException,
            InstanceAlreadyExistsException, MBeanRegistrationException, MBeanException, NotCompliantMBeanException {
        taken(name);
        return super.createMBean(className, name);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, ObjectName loaderName)
            throws ReflectionException, InstanceAlreadyExistsException, MBeanRegistrationException, MBeanException,
            NotCompliantMBeanException, InstanceNotFoundException {
        taken(name);
        return super.createMBean(className, name, loaderName);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, Object[] params, String[] signature)
            throws ReflectionException, InstanceAlreadyExistsException, MBeanRegistrationException, MBeanException,
            NotCompliantMBeanException {
        taken(name);
        return super.createMBean(className, name, params, signature);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, ObjectName loaderName, Object[] params,
                                      String[] signature) throws ReflectionException, InstanceAlreadyExistsException,
            MBeanRegistrationException, MBeanException, NotCompliantMBeanException, InstanceNotFoundException {
        taken(name);
        return super.createMBean(className, name, loaderName, params, signature);
    }

    private void taken(ObjectName name) throws InstanceAlreadyExistsException {
        if (lease(name) != null) {
            throw new InstanceAlreadyExistsException(name + " is the bean of a lease");
        }
    }
}
