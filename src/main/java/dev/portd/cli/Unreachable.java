package dev.portd.cli;

/** The daemon could not be reached, or went away mid-reply: exit code 2. */
final class Unreachable extends Exception {
    Unreachable(String message) {
        super(message);
    }
}
