package dev.portd.protocol;

/** The error codes of PROTOCOL.md; the name is what goes on the wire. */
public enum ErrorCode {
    BADREQ, UNKNOWN, NOTFOUND, TAKEN, EXHAUSTED, CONFLICT, DENIED, QUOTA, TOOLONG, BUSY, TIMEOUT, STORE, INTERNAL
}
