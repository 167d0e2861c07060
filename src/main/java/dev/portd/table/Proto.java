package dev.portd.table;

/** Transport of a socket seen on the host. Ports are per transport: TCP 8080 and UDP 8080 are different sockets. */
public enum Proto {
    TCP,
    UDP
}
