package dev.portd.cli;

import java.util.List;

/**
 * One reply as the client read it: the data lines and the status line, or, for a {@code JSON}
 * request, the one JSON line (kept as the status).
 */
record Answer(List<String> data, String status, boolean json) {

    boolean ok() {
        return json ? status.startsWith("{\"ok\":true") : status.equals("OK") || status.startsWith("OK ");
    }

    /** The text after {@code OK }: a port, a count, PONG; empty for a bare OK. */
    String result() {
        return status.length() > 3 ? status.substring(3) : "";
    }

    /** Whether a line is a status line: {@code ^(OK|ERR)( |$)} (PROTOCOL.md, "Framing"). */
    static boolean isStatus(String line) {
        return line.equals("OK") || line.equals("ERR") || line.startsWith("OK ") || line.startsWith("ERR ");
    }
}
