/**
 * portd for Prometheus ({@code metrics_port}): the daemon's Dropwizard registry, renamed and labelled as
 * Prometheus expects, served in the text exposition on 127.0.0.1 by the Prometheus Java client. Depends
 * on the registry and the domain (table, store, probe); nothing of portd depends on it but the daemon
 * that starts it.
 */
package dev.portd.metrics;
