package dev.portd.cli;

import dev.portd.protocol.Row;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code portctl import FILE [--dry-run]}: brings an existing registry into portd. {@link ImportFile}
 * reads FILE as one of the accepted shapes or refuses it whole (exit 65, nothing sent). Each entry
 * becomes {@code ALLOC name port=N strict desc="..."}, pipelined on one connection; an entry the daemon
 * refuses (the port is taken, the service holds another port) is reported with the daemon's error and
 * the others stay imported: exit 0 when every entry was imported, 1 when any was refused. With
 * {@code --dry-run} the requests are printed instead of sent.
 */
final class Importer {
    static final String DRY_RUN = "dry_run";
    /** Requests in flight at once: the daemon stops reading a connection whose replies are not read. */
    private static final int BATCH = 128;

    private final Path socket;
    private final PrintStream out;
    private final PrintStream err;

    Importer(Path socket, PrintStream out, PrintStream err) {
        this.socket = socket;
        this.out = out;
        this.err = err;
    }

    int run(CommandLine c) throws Usage, Unreachable {
        if (c.words.size() != 1 || !c.tail.isEmpty() || c.json) {
            throw new Usage("import takes one file: portctl import [--dry-run] ~/.ports | portctl import ports.json");
        }
        Path file = Path.of(c.words.get(0));
        List<ImportFile.Entry> entries;
        try {
            entries = ImportFile.read(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.println("portctl: cannot import " + file + ": " + why(e) + "; nothing was imported");
            return Portctl.DATAERR;
        } catch (ImportFile.Refused e) {
            err.println("portctl: import " + file + " " + e.getMessage() + "\nnothing was imported");
            return Portctl.DATAERR;
        }
        if (c.options.containsKey(DRY_RUN)) {
            entries.forEach(e -> out.println(request(e)));
            out.println("dry run: " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + " of " + file
                    + " would be leased as above; nothing was sent");
            return Portctl.OK;
        }
        int failed = 0;
        try (Client client = Client.connect(socket)) {
            for (int from = 0; from < entries.size(); from += BATCH) {
                List<ImportFile.Entry> batch = entries.subList(from, Math.min(entries.size(), from + BATCH));
                client.send(batch.stream().map(Importer::request).toList());
                for (ImportFile.Entry e : batch) {
                    Answer a = client.receive(false);
                    if (!a.ok()) {
                        failed++;
                        err.println("portctl: import " + e.where() + " (" + e.service() + ":" + e.port() + "): " + a.status());
                    }
                }
            }
        }
        out.println("imported " + (entries.size() - failed) + " of " + entries.size() + " entries from " + file
                + (failed > 0 ? "; " + failed + " failed" : ""));
        return failed > 0 ? Portctl.ERR : Portctl.OK;
    }

    private static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        } else if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        return e.getMessage();
    }

    /** The ALLOC for a checked entry (ImportFile let no control character through). */
    static String request(ImportFile.Entry e) {
        StringBuilder sb = new StringBuilder(96).append("ALLOC ").append(e.service()).append(" port=").append(e.port()).append(" strict");
        if (e.desc() != null) {
            sb.append(" desc=");
            Row.appendValue(sb, e.desc());
        }
        return sb.toString();
    }
}
