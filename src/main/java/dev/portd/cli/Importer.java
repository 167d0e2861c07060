package dev.portd.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.portd.protocol.Json;
import dev.portd.protocol.Row;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code portctl import FILE}: brings an existing registry into portd. FILE is either the
 * {@code ~/.ports} format ({@code name:port:description} lines, {@code #} comments, blank lines) or
 * JSON: {@code {"service": port}} or {@code {"service": {"port": N, "description": "..."}}} (what
 * {@code EXPORT format=json} writes). Each entry becomes {@code ALLOC name port=N strict desc="..."},
 * pipelined on one connection. An entry that cannot be taken is reported with the daemon's error;
 * the exit status is 1 if any failed.
 */
final class Importer {
    /** Requests in flight at once: the daemon stops reading a connection whose replies are not read. */
    private static final int BATCH = 128;

    /** One entry of the file; {@code problem} is set when it cannot even be sent. */
    record Entry(String where, String service, String port, String desc, String problem) {
        String label() {
            return where + " (" + service + ":" + port + ")";
        }
    }

    private final Path socket;
    private final PrintStream out;
    private final PrintStream err;

    Importer(Path socket, PrintStream out, PrintStream err) {
        this.socket = socket;
        this.out = out;
        this.err = err;
    }

    int run(CommandLine c) throws Usage, Unreachable {
        if (c.words.size() != 1 || !c.tail.isEmpty()) {
            throw new Usage("import takes one file: portctl import ~/.ports | portctl import ports.json");
        }
        Path file = Path.of(c.words.get(0));
        List<Entry> entries;
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            entries = text.stripLeading().startsWith("{") ? json(text) : ports(text);
        } catch (IOException e) {
            err.println("portctl: cannot import " + file + ": " + e.getMessage());
            return Portctl.ERR;
        }
        int failed = 0;
        List<Entry> batch = new ArrayList<>(BATCH);
        List<String> requests = new ArrayList<>(BATCH);
        try (Client client = Client.connect(socket)) {
            for (int i = 0; i <= entries.size(); i++) {
                if (i == entries.size() || batch.size() == BATCH) {
                    client.send(requests);
                    for (Entry e : batch) {
                        Answer a = client.receive(false);
                        if (!a.ok()) {
                            failed++;
                            err.println("portctl: import " + e.label() + ": " + a.status());
                        }
                    }
                    batch.clear();
                    requests.clear();
                }
                if (i == entries.size()) {
                    break;
                }
                Entry e = entries.get(i);
                String request = e.problem() == null ? request(e) : null;
                if (request == null) {
                    failed++;
                    err.println("portctl: import " + e.label() + ": " + (e.problem() != null ? e.problem() : "control character"));
                    continue;
                }
                batch.add(e);
                requests.add(request);
            }
        }
        out.println("imported " + (entries.size() - failed) + " of " + entries.size() + " entries from " + file
                + (failed > 0 ? "; " + failed + " failed" : ""));
        return failed > 0 ? Portctl.ERR : Portctl.OK;
    }

    /** The ALLOC for an entry, or null when a field holds a control character (it would split the line). */
    static String request(Entry e) {
        StringBuilder sb = new StringBuilder(96).append("ALLOC ");
        try {
            CommandLine.word(sb, e.service());
            CommandLine.checkText(e.port());
            sb.append(" port=");
            Row.appendValue(sb, e.port());
            sb.append(" strict");
            if (e.desc() != null && !e.desc().isEmpty()) {
                CommandLine.checkText(e.desc());
                sb.append(" desc=");
                Row.appendValue(sb, e.desc());
            }
        } catch (Usage bad) {
            return null;
        }
        return sb.toString();
    }

    /** {@code name:port:description} lines; the description may itself contain colons, or be absent. */
    static List<Entry> ports(String text) {
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", 3);
            String where = "line " + (n + 1);
            if (f.length < 2) {
                out.add(new Entry(where, f[0], "", null, "expected name:port:description"));
            } else {
                out.add(new Entry(where, f[0].strip(), f[1].strip(), f.length == 3 ? f[2].strip() : null, null));
            }
        }
        return out;
    }

    /** {@code {"name": port}} or {@code {"name": {"port": N, "description": "..."}}}. */
    static List<Entry> json(String text) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (JsonParser p = Json.FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String service = p.currentName();
                String where = "key \"" + service + "\"";
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_NUMBER_INT) {
                    out.add(new Entry(where, service, p.getText(), null, null));
                } else if (t == JsonToken.START_OBJECT) {
                    String port = null;
                    String desc = null;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken v = p.nextToken();
                        if (field.equals("port") && v == JsonToken.VALUE_NUMBER_INT) {
                            port = p.getText();
                        } else if ((field.equals("description") || field.equals("desc")) && v == JsonToken.VALUE_STRING) {
                            desc = p.getText();
                        } else {
                            p.skipChildren(); // other fields are not ours to judge
                        }
                    }
                    out.add(new Entry(where, service, port == null ? "" : port, desc,
                            port == null ? "no \"port\" number" : null));
                } else {
                    p.skipChildren();
                    out.add(new Entry(where, service, "", null, "expected a port number or {\"port\": N, \"description\": \"...\"}"));
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr());
        }
        return out;
    }
}
