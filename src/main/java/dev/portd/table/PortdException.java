package dev.portd.table;

/**
 * A refused request. Thrown by the table's operations and anywhere below the verb table, and turned
 * into {@code ERR <code> <message>} by the protocol; whoever throws it must not have changed anything yet.
 */
public final class PortdException extends RuntimeException {
    private final ErrorCode code;

    public PortdException(ErrorCode code, String message) {
        super(message, null, false, false); // refusals are expected: no stack trace to fill
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static PortdException badRequest(String message) {
        return new PortdException(ErrorCode.BADREQ, message);
    }
}
