package dev.portd.cli;

/** A mistake on portctl's own command line: exit code 64 (EX_USAGE), nothing was sent. */
final class Usage extends Exception {
    Usage(String message) {
        super(message);
    }
}
