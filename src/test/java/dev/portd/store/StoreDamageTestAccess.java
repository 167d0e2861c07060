package dev.portd.store;

/** Lets tests elsewhere find a stored line in a store file, as {@link StoreDamageTest} does. */
public final class StoreDamageTestAccess {
    private StoreDamageTestAccess() {}

    public static int find(byte[] file, String text) {
        return StoreDamageTest.find(file, text);
    }
}
