package dev.portd.backup;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.portd.protocol.Json;
import dev.portd.protocol.Row;
import dev.portd.protocol.Values;
import dev.portd.store.StoreException;
import dev.portd.table.Event;
import dev.portd.table.Lease;
import dev.portd.table.PortTable;
import dev.portd.table.PortdException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backup format: one JSON document with every lease (all stored fields), every reservation and
 * the history. Leases and events are written as their stored rows ({@link Lease#storedRow()}), so
 * the store and the backup share one definition of the fields and one decoder.
 *
 * <pre>{"format":"portd-backup","version":1,"portd":"0.1.0","time":"2026-11-25T15:30:00Z",
 *  "last_port":20003,"leases":[{...}],"reservations":[{"port":22,"desc":"ssh"}],"history":[{...}]}</pre>
 */
public final class Snapshot {
    static final String FORMAT = "portd-backup";
    static final int VERSION = 1;

    private Snapshot() {}

    /** What a backup file holds, checked. */
    public record Content(long timeMillis, List<Lease> leases, Map<Integer, String> reservations, List<Event> history,
                          int lastPort) {
        public PortTable table() {
            return PortTable.load(leases, reservations, history, lastPort);
        }
    }

    /** Writes the document to {@code out} and flushes it; {@code out} stays open (the caller fsyncs it). */
    static void write(PortTable t, long nowMillis, String version, OutputStream out) throws IOException {
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            // One entry a line: readable, and diff-able between two backups.
            g.setPrettyPrinter(new DefaultPrettyPrinter().withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE));
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeNumberField("version", VERSION);
            g.writeStringField("portd", version);
            g.writeStringField("time", Values.time(nowMillis));
            g.writeNumberField("time_ms", nowMillis);
            g.writeNumberField("last_port", t.lastPort());
            g.writeArrayFieldStart("leases");
            for (Lease l : t.leases()) {
                g.writeRawValue(Json.object(Row.of(l.storedRow())));
            }
            g.writeEndArray();
            g.writeArrayFieldStart("reservations");
            for (Map.Entry<Integer, String> r : t.reservations().entrySet()) {
                g.writeRawValue(Json.object(Row.of("port", r.getKey()).put("desc", r.getValue())));
            }
            g.writeEndArray();
            g.writeArrayFieldStart("history");
            for (Event e : t.history()) {
                g.writeRawValue(Json.object(Row.of(e.storedRow())));
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    /**
     * Reads and checks a backup: it must be a regular file holding one document of this format, and
     * every lease and reservation must be valid as the protocol defines it. The message of the
     * {@link StoreException} names the file and the entry that is wrong.
     */
    public static Content read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new StoreException(file + " is not a regular file");
        }
        Map<String, Object> doc;
        try (InputStream in = Files.newInputStream(file); JsonParser p = Json.FACTORY.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new StoreException(file + " is not a portd backup (no JSON object)");
            }
            doc = readObject(p, 0);
            if (p.nextToken() != null) {
                throw new StoreException(file + " has data after its JSON document");
            }
        } catch (JsonProcessingException e) {
            throw new StoreException(file + " is not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr());
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage());
        }
        try {
            return check(doc);
        } catch (PortdException | IllegalArgumentException | ClassCastException | NullPointerException e) {
            throw new StoreException(file + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    private static Content check(Map<String, Object> doc) {
        if (!FORMAT.equals(doc.get("format"))) {
            throw new IllegalArgumentException("not a portd backup (format is not " + FORMAT + ")");
        }
        if (!String.valueOf(VERSION).equals(doc.get("version"))) {
            throw new IllegalArgumentException("backup version " + doc.get("version") + " is not supported");
        }
        long time = Values.parseTime(field(doc, "time"));
        List<Lease> leases = new ArrayList<>();
        Set<String> services = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        int n = 0;
        for (Map<String, String> f : objects(doc, "leases")) {
            n++;
            String service = f.get("service");
            String where = "lease " + n + (service == null ? "" : " (" + Values.clip(service) + ")") + ": ";
            try {
                Lease l = validLease(f);
                if (!services.add(l.service())) {
                    throw PortdException.badRequest("service " + l.service() + " has more than one lease");
                }
                if (!ports.add(l.port())) {
                    throw PortdException.badRequest("port " + l.port() + " is leased more than once");
                }
                leases.add(l);
            } catch (PortdException | IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(where + (e.getMessage() == null ? "a field is missing" : e.getMessage()));
            }
        }
        Map<Integer, String> reserved = new HashMap<>();
        for (Map<String, String> f : objects(doc, "reservations")) {
            int port = Values.port("reservation port", String.valueOf(f.get("port")));
            reserved.put(port, Values.desc(f.getOrDefault("desc", "")));
        }
        List<Event> history = new ArrayList<>();
        if (doc.containsKey("history")) {
            for (Map<String, String> f : objects(doc, "history")) {
                history.add(Event.fromStored(f));
            }
        }
        int lastPort = doc.containsKey("last_port") ? Values.integer("last_port", field(doc, "last_port"), 0, 65535) : 0;
        return new Content(time, leases, reserved, history, lastPort);
    }

    /** A lease whose every field is what the protocol allows. */
    private static Lease validLease(Map<String, String> f) {
        String service = Values.service(String.valueOf(f.get("service")));
        Values.port("port", String.valueOf(f.get("port")));
        Values.integer("uid", String.valueOf(f.get("uid")), 0, Integer.MAX_VALUE);
        Values.integer("pid", String.valueOf(f.get("pid")), 0, Integer.MAX_VALUE);
        for (String k : List.of("pidstart", "since", "expires", "ttl")) {
            if (Long.parseLong(String.valueOf(f.get(k))) < 0) {
                throw PortdException.badRequest(k + " is negative");
            }
        }
        if (f.get("desc") != null) {
            Values.desc(f.get("desc"));
        }
        return Lease.fromStored(service, f); // proto and state are parsed (and refused if unknown) here
    }

    private static String field(Map<String, Object> doc, String key) {
        Object v = doc.get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("field " + key + " is missing or not a value");
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> objects(Map<String, Object> doc, String key) {
        Object v = doc.get(key);
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("field " + key + " is missing or not a list");
        }
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || m.values().stream().anyMatch(x -> !(x instanceof String))) {
                throw new IllegalArgumentException("every entry of " + key + " must be an object of plain values");
            }
        }
        return (List<Map<String, String>>) v;
    }

    /** Scalars become their text; objects maps; arrays lists. Nesting is bounded: backups are flat. */
    private static Map<String, Object> readObject(JsonParser p, int depth) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            out.put(name, readValue(p, depth));
        }
        return out;
    }

    private static Object readValue(JsonParser p, int depth) throws IOException {
        if (depth > 4) {
            throw new IOException("JSON nested too deeply for a portd backup");
        }
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            return readObject(p, depth + 1);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Object> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(readValue(p, depth + 1));
            }
            return list;
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        return p.getText();
    }
}
