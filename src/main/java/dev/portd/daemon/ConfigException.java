package dev.portd.daemon;

/** A bad flag, config line or value: the message names it, and the daemon does not start. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
