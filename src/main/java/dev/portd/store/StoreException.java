package dev.portd.store;

/** The store could not be opened, read or made durable. The message says which file and why. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
