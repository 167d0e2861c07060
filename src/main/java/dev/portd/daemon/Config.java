package dev.portd.daemon;

import dev.portd.protocol.Row;
import dev.portd.protocol.Values;
import dev.portd.table.Policy;
import dev.portd.table.PortdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The daemon's settings: embedded defaults, then the config file ({@code key = value}, {@code #}
 * comments), then flags ({@code --key value} or {@code --key=value}, with - or _). Every value is
 * checked when it is read, and a bad one names its source, so a typo stops the start instead of
 * being ignored. What passes is parsed once into {@link Settings}, which the rest of the daemon reads.
 */
public final class Config {

    /** One setting: its name (the file's key; the flag is --name with - for _), default and check. */
    private record Setting(String name, String defaultValue, Consumer<String> check, String help) {}

    private static final Map<String, Setting> SETTINGS = new LinkedHashMap<>();

    private static void setting(String name, String def, Consumer<String> check, String help) {
        SETTINGS.put(name, new Setting(name, def, check, help));
    }

    static {
        setting("socket", null, v -> path("socket", v), "the Unix socket to serve");
        setting("portserver_socket", "", Config::portserverAddress,
                "also answer portpicker's clients here: a path, or @name (abstract); empty = off");
        setting("data", null, v -> path("data", v), "the data directory (store, backups)");
        setting("range", "20000-29999", v -> Values.range("range", v), "the managed port range LO-HI");
        setting("policy", "lowest", Policy::parse, "lowest, sequential, random or stable");
        setting("history_max", "10000", v -> Values.integer("history_max", v, 1, 10_000_000), "history events kept");
        setting("max_connections", "1024", v -> Values.integer("max_connections", v, 1, 1_000_000),
                "connections served at once; more get ERR BUSY");
        setting("idle_timeout", "300s", v -> positive("idle_timeout", v), "close connections idle this long");
        setting("max_leases_per_uid", "256", v -> Values.integer("max_leases_per_uid", v, 0, 10_000_000),
                "leases one unprivileged uid may hold");
        setting("socket_mode", "0666", Config::octal, "permissions of the socket file");
        setting("event_loops", "0", v -> Values.integer("event_loops", v, 0, 64), "Netty event loops, 0 = one per core");
        setting("probe_interval", "5s", v -> positive("probe_interval", v), "how often the prober reads /proc");
        setting("backup_interval", "1h", v -> Values.durationMillis("backup_interval", v), "JSON snapshots, 0 = off");
        setting("backup_keep", "24", v -> Values.integer("backup_keep", v, 1, 10_000), "snapshots kept");
        setting("jmx_port", "0", v -> Values.integer("jmx_port", v, 0, 65535), "loopback JMX connector port, 0 = off");
        setting("jmx_password_file", "", v -> optionalPath("jmx_password_file", v),
                "JMX password file (must not be readable by others)");
        setting("jmx_access_file", "", v -> optionalPath("jmx_access_file", v), "JMX access file");
        setting("metrics_port", "0", v -> Values.integer("metrics_port", v, 0, 65535),
                "loopback Prometheus /metrics port, 0 = off");
        setting("log_format", "text", v -> oneOf("log_format", v, "text", "json"), "text or json");
        setting("log_level", "info", v -> oneOf("log_level", v, "error", "warn", "info", "debug", "trace"), "log level");
    }

    private final Map<String, String> values; // as written, for STATS
    private final Path file;
    private final Settings settings;

    private Config(Map<String, String> values, Path file) {
        this.values = values;
        this.file = file;
        this.settings = Settings.parse(values);
    }

    /** Reads flags, then the config file they name (or the default one), and applies the defaults. */
    public static Config load(String[] args, Map<String, String> env) throws ConfigException {
        Map<String, String> flags = parseFlags(args);
        int uid = Paths.uid();
        Path file;
        if (flags.containsKey("config")) {
            file = Path.of(flags.remove("config"));
            if (!Files.exists(file)) {
                throw new ConfigException("config file " + file + " does not exist");
            }
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file + " is not a regular file");
            }
        } else {
            file = Paths.defaultConfig(uid);
        }
        Map<String, String> v = new LinkedHashMap<>();
        for (Setting s : SETTINGS.values()) {
            if (s.defaultValue() != null) {
                v.put(s.name(), s.defaultValue());
            }
        }
        v.put("socket", Paths.defaultSocket(env, uid).toString());
        v.put("data", Paths.defaultData(env, uid).toString());
        if (file != null) {
            v.putAll(parseFile(file));
        }
        v.putAll(flags);
        if (env.containsKey("PORTD_SOCKET") && !flags.containsKey("socket") && !env.get("PORTD_SOCKET").isEmpty()) {
            v.put("socket", env.get("PORTD_SOCKET"));
        }
        return new Config(v, file);
    }

    static Map<String, String> parseFlags(String[] args) throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new ConfigException("unexpected argument '" + a + "' (flags are --key value; see --help)");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new ConfigException("flag --" + key + " needs a value");
            }
            key = key.replace('-', '_').toLowerCase(Locale.ROOT);
            if (!key.equals("config")) {
                check(key, value, "flag --" + key.replace('_', '-'));
            }
            out.put(key, value);
        }
        return out;
    }

    static Map<String, String> parseFile(Path file) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException("config file " + file + " is not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new java.util.HashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = stripComment(lines.get(n)).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (n + 1);
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(where + ": expected key = value, got '" + Values.clip(line) + "'");
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (key.equals("config")) {
                throw new ConfigException(where + ": key config is only a flag");
            }
            check(key, value, where + ": key " + key);
            Integer first = lineOf.putIfAbsent(key, n + 1);
            if (first != null) {
                // Which of two settings wins is a guess either way: refuse rather than guess.
                throw new ConfigException(where + ": key " + key + " is already set on line " + first);
            }
            out.put(key, value);
        }
        return out;
    }

    /** Drops a {@code #} comment: a whole-line one, or one after blank space outside double quotes. */
    static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '#' && !quoted && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static void check(String key, String value, String where) throws ConfigException {
        Setting s = SETTINGS.get(key);
        if (s == null) {
            throw new ConfigException(where + " is unknown (known: " + String.join(", ", SETTINGS.keySet()) + ")");
        }
        try {
            s.check().accept(value);
        } catch (PortdException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    private static void path(String key, String v) {
        if (v.isEmpty()) {
            throw PortdException.badRequest(key + " must not be empty");
        }
        optionalPath(key, v);
    }

    private static void optionalPath(String key, String v) {
        if (v.indexOf('\0') >= 0) {
            throw PortdException.badRequest(key + " is not a valid path");
        }
    }

    /** Empty, a path, or {@code @name}; either must fit in sun_path (108 bytes with its NUL). */
    private static void portserverAddress(String v) {
        optionalPath("portserver_socket", v);
        if (v.equals("@")) {
            throw PortdException.badRequest("an abstract address needs a name after the @");
        }
        if (v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw PortdException.badRequest("longer than the 107 bytes a Unix socket address may have");
        }
    }

    private static void positive(String key, String v) {
        if (Values.durationMillis(key, v) <= 0) {
            throw PortdException.badRequest("must be more than 0");
        }
    }

    private static void octal(String v) {
        if (!v.matches("0?[0-7]{3}")) {
            throw PortdException.badRequest("must be an octal mode like 0666, not '" + Values.clip(v) + "'");
        }
    }

    private static void oneOf(String key, String v, String... allowed) {
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v)) {
                return;
            }
        }
        throw PortdException.badRequest("must be one of " + String.join(", ", allowed) + ", not '" + Values.clip(v) + "'");
    }

    // ---- what was read ----

    /** The settings, typed: what the daemon reads. */
    public Settings settings() {
        return settings;
    }

    /** The config file read, or null. */
    public Path file() {
        return file;
    }

    /**
     * Adds the values in force to STATS as config.KEY (file names, never file contents). {@code live}
     * holds durations changed since the start (JMX sets the probe interval), in milliseconds: one that
     * differs from the configured value is shown instead of it.
     */
    public void addTo(Row stats, Map<String, Long> live) {
        stats.put("config.file", file == null ? "none" : file.toString());
        for (Map.Entry<String, String> e : values.entrySet()) {
            Long now = live.get(e.getKey());
            boolean changed = now != null && now != Values.durationMillis(e.getKey(), e.getValue());
            stats.put("config." + e.getKey(), changed ? Values.durationText(now) : e.getValue());
        }
    }

    /** Usage text for --help: every setting with its default. */
    public static String usage() {
        StringBuilder sb = new StringBuilder("usage: portd [--key value]... | portd --restore FILE [--data DIR]\n\n");
        sb.append("Every key also works in portd.conf as 'key = value'.\n\n");
        sb.append(String.format("  %-26s %s%n", "--config FILE", "read this config file"));
        for (Setting s : SETTINGS.values()) {
            String flag = "--" + s.name().replace('_', '-');
            String def = s.defaultValue() == null ? "" : " (default " + (s.defaultValue().isEmpty() ? "none" : s.defaultValue()) + ")";
            sb.append(String.format("  %-26s %s%s%n", flag, s.help(), def));
        }
        return sb.toString();
    }
}
