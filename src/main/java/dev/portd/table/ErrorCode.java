package dev.portd.table;

/**
 * Why a request is refused: the error codes of PROTOCOL.md, the name being what goes on the wire.
 * One list for every layer, so a refusal keeps its code from the table up to the reply.
 */
public enum ErrorCode {
    BADREQ, UNKNOWN, NOTFOUND, TAKEN, EXHAUSTED, CONFLICT, DENIED, QUOTA, TOOLONG, BUSY, TIMEOUT, STORE, INTERNAL
}
