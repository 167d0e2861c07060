package dev.portd.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.portd.protocol.Json;
import dev.portd.protocol.Values;
import dev.portd.table.PortdException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a file for {@code portctl import} as exactly one of three shapes, or refuses it whole:
 * a {@code ~/.ports} file, a JSON object mapping services to ports (what {@code EXPORT format=json}
 * writes), a JSON array of {@code {service|name, port, description}} objects. Every entry is checked
 * here, before anything is sent: a registry's own bookkeeping ({@code "next_port": 4002}) must never
 * become a lease because it happens to look like one next to things that do not.
 */
final class ImportFile {
    static final String ACCEPTED = """
            accepted shapes:
              a ~/.ports file: name:port:description lines, # comments
              a JSON object mapping each service to a port or to {"port": N, "description": "..."}
                ("desc" or "purpose" also name the description), as portctl export --format json writes it
              a JSON array of {"service": "...", "port": N, "description": "..."} objects ("name" also works)""";
    private static final List<String> DESCRIPTION = List.of("description", "desc", "purpose");
    private static final int SHOWN = 10;

    /** One entry, checked: a valid service name, a port 1-65535, a description the protocol takes. */
    record Entry(String where, String service, int port, String desc) {}

    /** The file is refused whole: {@code found} names its shape, {@code problems} what is wrong in it. */
    static final class Refused extends Exception {
        Refused(String found, List<String> problems) {
            super(text(found, problems));
        }

        private static String text(String found, List<String> problems) {
            StringBuilder sb = new StringBuilder(found);
            problems.stream().limit(SHOWN).forEach(p -> sb.append("\n  ").append(p));
            if (problems.size() > SHOWN) {
                sb.append("\n  ... and ").append(problems.size() - SHOWN).append(" more");
            }
            return sb.append('\n').append(ACCEPTED).toString();
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    /** Problems that mean "not this shape at all" rather than "a bad entry of it". */
    private final List<String> foreign = new ArrayList<>();

    private ImportFile() {}

    static List<Entry> read(String text) throws Refused {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        String head = t.stripLeading();
        ImportFile f = new ImportFile();
        String shape;
        if (head.startsWith("{") || head.startsWith("[")) {
            Object doc = JsonTree.read(t);
            if (doc instanceof Map<?, ?> m) {
                shape = "a JSON object";
                f.object(m);
            } else {
                shape = "a JSON array";
                f.array((List<?>) doc);
            }
        } else {
            shape = "a text file";
            f.ports(t);
        }
        f.duplicates();
        if (!f.foreign.isEmpty()) {
            List<String> all = new ArrayList<>(f.foreign);
            all.addAll(f.problems);
            throw new Refused("refused: it is " + shape + ", but not one of the shapes import reads:", all);
        }
        if (!f.problems.isEmpty()) {
            throw new Refused("refused: " + f.problems.size() + " malformed entr" + (f.problems.size() == 1 ? "y" : "ies")
                    + " in " + shape + " (an entry must have a valid service name and a port from 1 to 65535):", f.problems);
        }
        return f.entries;
    }

    /** {@code name:port:description} lines; the description may contain colons, or be absent. */
    private void ports(String text) {
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "line " + (n + 1);
            String[] f = line.split(":", 3);
            if (f.length < 2 || !f[1].strip().matches("[0-9]{1,5}")) {
                foreign.add(where + ": '" + Values.clip(line) + "' is not name:port:description");
                continue;
            }
            add(where, f[0].strip(), Integer.parseInt(f[1].strip()), f.length == 3 ? f[2].strip() : null);
        }
    }

    /** {@code {"service": port}} or {@code {"service": {"port": N, "description": "..."}}}. */
    private void object(Map<?, ?> doc) {
        for (Map.Entry<?, ?> e : doc.entrySet()) {
            String service = (String) e.getKey();
            String where = "\"" + Values.clip(service) + "\"";
            Object v = e.getValue();
            if (v instanceof Long port) {
                add(where, service, port, null);
            } else if (v instanceof Map<?, ?> m && m.containsKey("port")) {
                fields(where, service, m, List.of("port"));
            } else {
                foreign.add(where + ": " + describe(v) + ", not a port or {\"port\": N, \"description\": \"...\"}");
            }
        }
    }

    /** {@code [{"service": "web", "port": 8080, "description": "..."}, ...]}. */
    private void array(List<?> doc) {
        for (int i = 0; i < doc.size(); i++) {
            String where = "item " + (i + 1);
            Object v = doc.get(i);
            if (!(v instanceof Map<?, ?> m) || !m.containsKey("port") || m.containsKey("service") == m.containsKey("name")) {
                foreign.add(where + ": " + describe(v) + ", not {\"service\" or \"name\": \"...\", \"port\": N}");
                continue;
            }
            String key = m.containsKey("service") ? "service" : "name";
            if (!(m.get(key) instanceof String service)) {
                problems.add(where + ": \"" + key + "\" is " + describe(m.get(key)) + ", not a name");
                continue;
            }
            fields(where + " (" + Values.clip(service) + ")", service, m, List.of("port", key));
        }
    }

    /** An entry object's port and description; any other field means it is not what we think it is. */
    private void fields(String where, String service, Map<?, ?> m, List<String> known) {
        String desc = null;
        int descs = 0;
        for (Map.Entry<?, ?> f : m.entrySet()) {
            String name = (String) f.getKey();
            if (DESCRIPTION.contains(name)) {
                descs++;
                if (!(f.getValue() instanceof String s)) {
                    problems.add(where + ": \"" + name + "\" is " + describe(f.getValue()) + ", not text");
                    return;
                }
                desc = s;
            } else if (!known.contains(name)) {
                foreign.add(where + ": field \"" + Values.clip(name) + "\" is none of " + String.join(", ", known)
                        + ", " + String.join(", ", DESCRIPTION));
                return;
            }
        }
        if (descs > 1) {
            problems.add(where + ": more than one of " + String.join(", ", DESCRIPTION));
        } else if (!(m.get("port") instanceof Long port)) {
            problems.add(where + ": \"port\" is " + describe(m.get("port")) + ", not a whole number");
        } else {
            add(where, service, port, desc);
        }
    }

    private void add(String where, String service, long port, String desc) {
        if (!Values.isService(service)) {
            problems.add(where + ": '" + Values.clip(service) + "' is not a service name"
                    + " (letters, digits, . _ -, starting with a letter or digit, at most 64)");
        } else if (port < 1 || port > 65535) {
            problems.add(where + ": port " + port + " is not from 1 to 65535");
        } else {
            try {
                entries.add(new Entry(where, service, (int) port, desc == null || desc.isEmpty() ? null : Values.desc(desc)));
            } catch (PortdException bad) {
                problems.add(where + ": " + bad.getMessage());
            }
        }
    }

    /** Two entries for one service, or one port for two services: the daemon would take only one. */
    private void duplicates() {
        Map<String, Entry> services = new HashMap<>();
        Map<Integer, Entry> ports = new HashMap<>();
        for (Entry e : entries) {
            Entry s = services.putIfAbsent(e.service(), e);
            if (s != null) {
                problems.add(e.where() + ": service " + e.service() + " again (also at " + s.where() + ")");
            }
            Entry p = ports.putIfAbsent(e.port(), e);
            if (p != null && s == null) {
                problems.add(e.where() + ": port " + e.port() + " again (also " + p.service() + " at " + p.where() + ")");
            }
        }
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof Map<?, ?> m) {
            return m.isEmpty() ? "an empty object" : m.containsKey("port") ? "an object" : "an object without \"port\"";
        } else if (v instanceof List<?>) {
            return "an array";
        } else if (v instanceof String s) {
            return "text \"" + Values.clip(s) + "\"";
        } else if (v instanceof Boolean) {
            return v.toString();
        }
        return "the number " + v;
    }

    /** JSON as plain values: Map (in file order), List, String, Long, Double or BigInteger, Boolean, null. */
    static final class JsonTree {
        private JsonTree() {}

        static Object read(String text) throws Refused {
            try (JsonParser p = Json.FACTORY.createParser(text)) {
                p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                Object doc = value(p, p.nextToken());
                if (p.nextToken() != null) {
                    throw new Refused("refused: more than one JSON value in the file", List.of());
                }
                return doc;
            } catch (JsonProcessingException e) {
                throw new Refused("refused: not valid JSON: " + e.getOriginalMessage() + " at line "
                        + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr(), List.of());
            } catch (IOException e) {
                throw new Refused("refused: cannot read the JSON: " + e.getMessage(), List.of());
            }
        }

        private static Object value(JsonParser p, JsonToken t) throws IOException {
            switch (t) {
                case START_OBJECT -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        m.put(name, value(p, p.nextToken()));
                    }
                    return m;
                }
                case START_ARRAY -> {
                    List<Object> l = new ArrayList<>();
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                        l.add(value(p, e));
                    }
                    return l;
                }
                case VALUE_STRING -> {
                    return p.getText();
                }
                case VALUE_NUMBER_INT -> {
                    return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
                }
                case VALUE_NUMBER_FLOAT -> {
                    return p.getDoubleValue();
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return t == JsonToken.VALUE_TRUE;
                }
                default -> {
                    return null;
                }
            }
        }
    }
}
