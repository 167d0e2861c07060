package dev.portd.cli;

import dev.portd.protocol.Row;
import dev.portd.protocol.Verb;
import dev.portd.protocol.Verbs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * portctl's arguments: {@code [--socket PATH] [--json] COMMAND [WORD...] [--KEY VALUE | --KEY=VALUE | --FLAG]...
 * [-- CMD...]}. Which options a command takes comes from the verb table ({@link Verbs}), so every key
 * and flag of the protocol is an option of portctl with the same name and nothing is listed twice.
 */
final class CommandLine {
    String socket;
    boolean json;
    boolean help;
    boolean version;
    String command;
    final List<String> words = new ArrayList<>();
    /** --key value options, and flags mapped to null, in the order given. */
    final Map<String, String> options = new LinkedHashMap<>();
    /** What follows {@code --}, or, for run, the command to run. */
    final List<String> tail = new ArrayList<>();

    static CommandLine parse(String[] args) throws Usage {
        CommandLine c = new CommandLine();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (c.command != null && c.command.equals("raw")) {
                c.words.add(a); // verbatim: raw sends its words as they are
                continue;
            }
            if (a.equals("--")) {
                c.tail.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            if (!a.startsWith("--") || a.length() == 2) {
                if (a.equals("-h")) {
                    c.help = true;
                } else if (c.command == null) {
                    c.command = a.toLowerCase(Locale.ROOT);
                } else if (c.command.equals("run") && !c.words.isEmpty()) {
                    c.tail.addAll(List.of(args).subList(i, args.length)); // the command and its own options
                    break;
                } else {
                    c.words.add(a);
                }
                continue;
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            name = name.toLowerCase(Locale.ROOT).replace('-', '_');
            switch (name) {
                case "json" -> c.json = true;
                case "help" -> c.help = true;
                case "version" -> c.version = true;
                case "socket" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new Usage("--socket needs a path");
                        }
                        value = args[++i];
                    }
                    c.socket = value;
                }
                default -> {
                    boolean flag = c.isFlag(name);
                    if (!flag && value == null) {
                        if (i + 1 >= args.length) {
                            throw new Usage("--" + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (flag && value != null) {
                        throw new Usage("--" + name + " is a flag and takes no value");
                    }
                    if (c.options.containsKey(name)) {
                        throw new Usage("--" + name + " given twice");
                    }
                    c.options.put(name, value);
                }
            }
        }
        return c;
    }

    /** Whether --name is a flag (no value) for this command, from the verb table; usage error if unknown. */
    private boolean isFlag(String name) throws Usage {
        if (command == null) {
            throw new Usage("option --" + name + " before the command");
        }
        if (command.equals("import")) {
            if (name.equals(Importer.DRY_RUN)) {
                return true;
            }
            throw new Usage("import has no option --" + name + " (it takes --dry-run)");
        }
        Verb v = verb();
        if (v == null) {
            throw unknownCommand(command);
        }
        boolean run = command.equals("run");
        if (v.flags().contains(name) || run && name.equals(RunCommand.RESTART_ON_MOVE)) {
            return true;
        }
        if (v.keys().contains(name) && !(run && name.equals("pid")) || run && name.equals(RunCommand.GRACE)) {
            return false;
        }
        List<String> known = new ArrayList<>();
        v.keys().stream().filter(k -> !(run && k.equals("pid"))).sorted().forEach(k -> known.add("--" + k));
        v.flags().stream().sorted().forEach(f -> known.add("--" + f));
        if (run) {
            known.addAll(List.of("--restart-on-move", "--grace"));
        }
        throw new Usage(command + " has no option --" + name
                + (known.isEmpty() ? "" : " (it takes " + String.join(", ", known) + ")"));
    }

    /** A command that is neither a verb of the protocol nor run, import or raw. */
    static Usage unknownCommand(String command) {
        return new Usage("unknown command '" + command + "'; portctl raw 'LINE' sends any request as typed");
    }

    /** The protocol verb behind the command: run leases like ALLOC. Null for import and unknown verbs. */
    Verb verb() {
        return Verbs.get(command.equals("run") ? "ALLOC" : command.toUpperCase(Locale.ROOT));
    }

    /** The request line: VERB, the words, key=value options, flags; quoted as the protocol reads them. */
    String request(String verb) throws Usage {
        StringBuilder sb = new StringBuilder(64);
        if (json) {
            sb.append("JSON ");
        }
        sb.append(verb);
        for (String w : words) {
            sb.append(' ');
            word(sb, w);
        }
        for (Map.Entry<String, String> o : options.entrySet()) {
            sb.append(' ').append(o.getKey());
            if (o.getValue() != null) {
                sb.append('=');
                checkText(o.getValue());
                Row.appendValue(sb, o.getValue());
            }
        }
        return sb.toString();
    }

    /** A bare word; quoted when it would otherwise read as key=value or split in two. */
    static void word(StringBuilder sb, String w) throws Usage {
        checkText(w);
        if (w.indexOf('=') >= 0) {
            sb.append('"').append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        } else {
            Row.appendValue(sb, w);
        }
    }

    /** A line break in an argument would end the request early and start another one: refuse it. */
    static void checkText(String s) throws Usage {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 && ch != '\t' || ch == 0x7f) {
                throw new Usage("control character 0x" + Integer.toHexString(ch) + " in '" + s.strip() + "'");
            }
        }
    }
}
