package dev.portd.protocol;

import dev.portd.table.Lease;
import dev.portd.table.PortdException;
import java.util.ArrayList;
import java.util.List;

/** How EXPORT writes the table: {@code ~/.ports} registry lines, or one JSON document. */
enum ExportFormat {
    /** {@code service:port:description}, one lease a line. */
    PORTS {
        @Override
        List<Row> rows(Iterable<Lease> leases) {
            List<Row> rows = new ArrayList<>();
            for (Lease l : leases) {
                rows.add(Row.text(l.service() + ":" + l.port() + ":" + (l.desc() == null ? "" : l.desc()))
                        .put("service", l.service()).put("port", l.port()).put("description", l.desc()));
            }
            return rows;
        }
    },
    /** {@code {"web":{"port":20001,"description":"..."}}}, what portctl import reads back. */
    JSON {
        @Override
        List<Row> rows(Iterable<Lease> leases) {
            Row doc = new Row();
            for (Lease l : leases) {
                doc.put(l.service(), Row.of("port", l.port()).put("description", l.desc()));
            }
            return List.of(Row.text(Json.object(doc)).put("document", doc));
        }
    };

    abstract List<Row> rows(Iterable<Lease> leases);

    /** {@code format=}'s value, case-insensitive; BADREQ naming the formats otherwise. */
    static ExportFormat parse(String format) {
        for (ExportFormat f : values()) {
            if (f.name().equalsIgnoreCase(format)) {
                return f;
            }
        }
        throw PortdException.badRequest("format must be ports or json, not '" + Values.clip(format) + "'");
    }
}
