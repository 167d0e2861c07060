package dev.portd.cli;

import dev.portd.daemon.Paths;
import dev.portd.protocol.Verb;
import dev.portd.protocol.Verbs;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code portctl}: the command-line client. Every protocol verb is a command ({@code portctl alloc web
 * --port 8080}), plus {@code run}, {@code import} and {@code raw}. Exit codes: 0 success, 1 when the
 * daemon answers ERR (the status line goes to stderr), 2 when the daemon cannot be reached, 64 for a
 * mistake on the command line (an unknown command included), 65 when {@code import} refuses its file;
 * {@code run} exits with its command's status.
 *
 * <p>The client path touches only the JDK, the protocol's value classes and the verb table: no Netty,
 * no logging, no store, so it starts fast.
 */
public final class Portctl {
    static final int OK = 0;
    static final int ERR = 1;
    static final int UNREACHABLE = 2;
    static final int USAGE = 64;
    /** sysexits.h EX_DATAERR: import refused its input whole and sent nothing. */
    static final int DATAERR = 65;

    /** Commands whose data lines are key=value records, shown as a table. */
    private static final Set<String> TABLES = Set.of("list", "history", "conflicts", "backups", "usage");
    /** Commands whose data lines are shown as they are, without the status line. */
    private static final Set<String> LINES = Set.of("free", "env", "export", "help");

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean console;

    /**
     * @param console true for the real command: {@code run} then hands its terminal to the child and
     *                forwards signals; tests pass false and get the child's output on {@code out}/{@code err}
     */
    public Portctl(Map<String, String> env, PrintStream out, PrintStream err, boolean console) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.console = console;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 8192),
                false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = new Portctl(System.getenv(), out, err, true).run(args);
        out.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code. */
    public int run(String[] args) {
        try {
            CommandLine c = CommandLine.parse(args);
            if (c.version) {
                out.println("portctl " + dev.portd.protocol.Version.VALUE);
                return OK;
            }
            if (c.help || c.command == null || c.command.equals("help") && c.words.isEmpty()) {
                (c.command == null && !c.help ? err : out).print(usage());
                return c.command == null && !c.help ? USAGE : OK;
            }
            Path socket = c.socket != null ? Path.of(c.socket) : Paths.clientSocket(env, Paths.uid());
            return switch (c.command) {
                case "run" -> new RunCommand(c, socket, env, out, err, console).run();
                case "import" -> new Importer(socket, out, err).run(c);
                case "raw" -> raw(c, socket);
                default -> verb(c, socket);
            };
        } catch (Usage e) {
            err.println("portctl: " + e.getMessage() + " (portctl --help)");
            return USAGE;
        } catch (Unreachable e) {
            err.println("portctl: " + e.getMessage() + hint(e));
            return UNREACHABLE;
        } finally {
            out.flush();
        }
    }

    private String hint(Unreachable e) {
        return e.getMessage().startsWith("cannot reach") ? " (is portd running? --socket or PORTD_SOCKET names another socket)" : "";
    }

    /** A protocol verb: one request, its answer rendered for the command. */
    private int verb(CommandLine c, Path socket) throws Usage, Unreachable {
        if (c.verb() == null) {
            throw CommandLine.unknownCommand(c.command);
        }
        if (!c.tail.isEmpty()) {
            throw new Usage(c.command + " takes nothing after --");
        }
        String verb = c.command.toUpperCase(Locale.ROOT);
        try (Client client = Client.connect(socket)) {
            Answer a = client.call(c.request(verb));
            if (a.ok() && !c.json && c.command.equals("watch")) {
                return watch(client);
            }
            return print(c, a);
        }
    }

    /** WATCH streams event lines until portctl is stopped; the daemon going away is exit code 2. */
    private int watch(Client client) throws Unreachable {
        out.flush();
        for (String l = client.readLine(); l != null; l = client.readLine()) {
            out.println(l);
            out.flush();
        }
        throw new Unreachable("portd at " + client.socket() + " closed the connection");
    }

    int print(CommandLine c, Answer a) {
        if (c.json) {
            out.println(a.status());
            return a.ok() ? OK : ERR;
        }
        if (!a.ok()) {
            a.data().forEach(out::println);
            err.println("portctl: " + a.status());
            return ERR;
        }
        if (TABLES.contains(c.command)) {
            Table.print(a.data(), c.verb().columns(), out);
        } else if (c.command.equals("stats")) {
            Table.printPairs(a.data(), out);
        } else if (LINES.contains(c.command) || !a.data().isEmpty()) {
            a.data().forEach(out::println);
            if (c.command.equals("free")) {
                out.println(a.result() + " free ports"); // the runs alone do not say how many ports they hold
            }
        } else if (!a.result().isEmpty()) {
            out.println(a.result());
        }
        return OK;
    }

    /** Sends one line as typed and prints the whole answer, status line included. */
    private int raw(CommandLine c, Path socket) throws Usage, Unreachable {
        if (c.words.isEmpty()) {
            throw new Usage("raw needs a request line, e.g. portctl raw 'LIST web*'");
        }
        String line = String.join(" ", c.words);
        CommandLine.checkText(line);
        try (Client client = Client.connect(socket)) {
            Answer a = client.call(line);
            a.data().forEach(out::println);
            out.println(a.status());
            return a.ok() ? OK : ERR;
        }
    }

    static String usage() {
        StringBuilder sb = new StringBuilder(2048);
        sb.append("""
                usage: portctl [--socket PATH] [--json] COMMAND [ARG...] [--KEY VALUE | --FLAG]...

                Talks to portd over its Unix socket: --socket, else $PORTD_SOCKET, else /run/portd/portd.sock
                when it exists, else the per-user socket. Every verb of the protocol is a command; its keys
                and flags are options (ALLOC web port=8080 strict is portctl alloc web --port 8080 --strict).
                --json sends the request with the JSON prefix and prints the one JSON line.
                Exit status: 0 OK, 1 ERR (on stderr), 2 daemon unreachable, 64 bad usage (an unknown
                command included; nothing was sent), 65 import refused its file (nothing was sent);
                run exits with its command's status.

                commands:
                """);
        for (Verb v : Verbs.all()) {
            sb.append(String.format("  %-11s %s%n", v.name().toLowerCase(Locale.ROOT), v.summary()));
        }
        sb.append(String.format("  %-11s %s%n", "run",
                "run SERVICE [alloc options] -- CMD ARG...: lease a port, run CMD with PORT and SERVICE_PORT set,"));
        sb.append(String.format("  %-11s %s%n", "", "forward TERM/INT/HUP, release when CMD exits, exit with its status;"));
        sb.append(String.format("  %-11s %s%n", "", "--restart-on-move [--grace D]: restart CMD on the new port when the lease moves"));
        sb.append(String.format("  %-11s %s%n", "import", "import [--dry-run] FILE: leases from a ~/.ports file (name:port:description),"));
        sb.append(String.format("  %-11s %s%n", "", "a JSON {service: port} object or a JSON [{service, port}] array; one bad entry: none sent"));
        sb.append(String.format("  %-11s %s%n", "raw", "raw 'LINE': send one request as typed, print the whole reply"));
        sb.append("\nportctl help VERB shows the daemon's full text for one verb.\n");
        return sb.toString();
    }
}
