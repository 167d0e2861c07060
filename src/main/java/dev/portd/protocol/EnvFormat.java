package dev.portd.protocol;

import dev.portd.table.PortdException;

/** How ENV writes a port as an environment variable: {@code WEB_PORT=20001} and its dialects. */
public enum EnvFormat {
    DOTENV {
        @Override
        String line(String name, int port) {
            return name + "=" + port;
        }
    },
    SHELL {
        @Override
        String line(String name, int port) {
            return "export " + name + "=" + port;
        }
    },
    COMPOSE {
        @Override
        String line(String name, int port) {
            return name + ": \"" + port + "\"";
        }
    },
    SYSTEMD {
        @Override
        String line(String name, int port) {
            return "Environment=" + name + "=" + port;
        }
    };

    abstract String line(String name, int port);

    /** {@code format=}'s value, case-insensitive; BADREQ naming the formats otherwise. */
    static EnvFormat parse(String format) {
        for (EnvFormat f : values()) {
            if (f.name().equalsIgnoreCase(format)) {
                return f;
            }
        }
        throw PortdException.badRequest("format must be dotenv, shell, compose or systemd, not '" + Values.clip(format) + "'");
    }

    /** WEB_PORT for web, MY_API_PORT for my-api: upper-cased, everything outside A-Z0-9 turned into _. */
    public static String name(String service) {
        StringBuilder sb = new StringBuilder(service.length() + 5);
        for (int i = 0; i < service.length(); i++) {
            char ch = Character.toUpperCase(service.charAt(i));
            sb.append(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ? ch : '_');
        }
        return sb.append("_PORT").toString();
    }
}
