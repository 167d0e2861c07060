package dev.portd.jmx;

import dev.portd.protocol.Row;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * Protocol rows (a LIST line, a HISTORY line, a CONFLICTS line) as open data: one CompositeData per row,
 * with the protocol's keys as item names, so a generic JMX client shows exactly what the socket prints.
 * A key the row leaves out (no pid, no expiry) is a null item.
 */
final class OpenRows {
    private final CompositeType rowType;
    private final TabularType tableType;
    private final String[] names;

    private OpenRows(String name, String description, String[] index, Object... items) {
        names = new String[items.length / 2];
        OpenType<?>[] types = new OpenType<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = (String) items[2 * i];
            types[i] = (OpenType<?>) items[2 * i + 1];
        }
        try {
            rowType = new CompositeType(name, description, names, names, types);
            tableType = new TabularType(name + "s", description + ", one row each", rowType, index);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }

    /** LIST keys, one row per lease. */
    static final OpenRows LEASE = new OpenRows("lease", "a lease: the keys of LIST", new String[] {"service"},
            "port", SimpleType.INTEGER, "service", SimpleType.STRING, "proto", SimpleType.STRING,
            "state", SimpleType.STRING, "uid", SimpleType.INTEGER, "pid", SimpleType.INTEGER,
            "since", SimpleType.STRING, "expires", SimpleType.STRING, "desc", SimpleType.STRING,
            "health", SimpleType.STRING, "health_ms", SimpleType.LONG);

    /** HISTORY keys plus the event's sequence number, which tells events of the same second apart. */
    static final OpenRows EVENT = new OpenRows("event", "a history event: the keys of HISTORY", new String[] {"seq"},
            "seq", SimpleType.LONG, "time", SimpleType.STRING, "event", SimpleType.STRING,
            "service", SimpleType.STRING, "port", SimpleType.INTEGER, "prev", SimpleType.INTEGER,
            "uid", SimpleType.INTEGER, "pid", SimpleType.INTEGER, "note", SimpleType.STRING);

    /** CONFLICTS keys. */
    static final OpenRows CONFLICT = new OpenRows("conflict", "a conflict: the keys of CONFLICTS", new String[] {"port"},
            "port", SimpleType.INTEGER, "kind", SimpleType.STRING, "service", SimpleType.STRING,
            "pid", SimpleType.INTEGER, "uid", SimpleType.INTEGER, "cmd", SimpleType.STRING, "since", SimpleType.STRING);

    CompositeType rowType() {
        return rowType;
    }

    CompositeData composite(Row r) {
        Object[] values = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            values[i] = convert(r.get(names[i]), rowType.getType(names[i]));
        }
        try {
            return new CompositeDataSupport(rowType, names, values);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rows in the order given; a row whose index repeats an earlier one is left out. */
    TabularData table(Iterable<Row> rows) {
        TabularDataSupport t = new TabularDataSupport(tableType);
        for (Row r : rows) {
            CompositeData c = composite(r);
            if (!t.containsKey(t.calculateIndex(c))) {
                t.put(c);
            }
        }
        return t;
    }

    private static Object convert(Object v, OpenType<?> type) {
        if (v == null) {
            return null;
        }
        if (type == SimpleType.STRING) {
            return String.valueOf(v);
        }
        try {
            long n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v));
            return type == SimpleType.LONG ? (Object) n : (Object) (int) n;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
