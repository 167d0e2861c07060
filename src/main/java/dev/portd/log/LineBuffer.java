package dev.portd.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of log lines on their way to one {@code write}: the encoders append text here as UTF-8
 * directly, with no String or StringBuilder per line in between (those were most of what a logged
 * change allocated). ASCII is copied as is; text past the first other character goes through
 * {@code String.getBytes(UTF_8)}. Not thread-safe: one logging thread owns it.
 */
final class LineBuffer extends OutputStream {
    private byte[] bytes;
    private int size;

    LineBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    int size() {
        return size;
    }

    /** Drops what was appended after the first {@code size} bytes. */
    void truncate(int size) {
        this.size = Math.min(this.size, size);
    }

    /** Writes what is held to {@code out} and empties the buffer. */
    void writeTo(OutputStream out) throws IOException {
        if (size > 0) {
            int n = size;
            size = 0; // a failed write loses these lines rather than repeating them forever
            out.write(bytes, 0, n);
        }
        out.flush();
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void room(int n) {
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
        }
    }

    /** A byte, for a generator that writes into this buffer (JSON). */
    @Override
    public void write(int b) {
        room(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        room(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    /** An ASCII character. */
    LineBuffer ascii(char c) {
        room(1);
        bytes[size++] = (byte) c;
        return this;
    }

    /** Text, UTF-8 encoded. */
    LineBuffer append(String s) {
        return append(s, 0, s.length());
    }

    LineBuffer append(String s, int from, int to) {
        room(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) { // rare in a log line: the JDK's encoder for the rest
                byte[] rest = s.substring(i, to).getBytes(StandardCharsets.UTF_8);
                write(rest, 0, rest.length);
                break;
            }
            bytes[size++] = (byte) c; // room() covered one byte per char
        }
        return this;
    }

    /** A number in decimal, as {@code Long.toString} writes it. */
    LineBuffer append(long n) {
        if (n == Long.MIN_VALUE) {
            return append(Long.toString(n));
        }
        room(20);
        if (n < 0) {
            bytes[size++] = '-';
            n = -n;
        }
        int digits = 1;
        for (long t = n; t >= 10; t /= 10) {
            digits++;
        }
        for (int i = size + digits - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        size += digits;
        return this;
    }
}
