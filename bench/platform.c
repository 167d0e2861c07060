/*
 * platform: what this machine charges for the steps every portd request takes, in C, with no JVM.
 *
 *   gcc -O2 -pthread -o platform bench/platform.c && ./platform [DIR]
 *
 * - a system call (getppid, a million times): a round trip costs two of them per side (recv, send);
 * - a hand-off between two threads through eventfd, as a request goes from an event loop to the writer
 *   and its reply back: the round trip across two CPUs and on one;
 * - write + fdatasync of 150 bytes, 2,000 times, into a file written out in advance (portd's journal
 *   segments are) and appended to a growing file (redis's appendonly file is), in DIR (default /var/tmp;
 *   it must be on the disk portd's data is on).
 *
 * It prints medians; nothing here is portd's code. bench/README.md says how to read them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HANDOFFS 20000
#define SYNCS 2000

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n times in ns, in µs; frees them. */
static double median_us(double *d, int n) {
    qsort(d, n, sizeof *d, by_value);
    double median = d[n / 2] / 1e3;
    free(d);
    return median;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static int to_peer, to_main, peer_cpu;

static void *peer(void *unused) {
    (void)unused;
    pin(peer_cpu);
    uint64_t v;
    for (int i = 0; i < HANDOFFS; i++) {
        if (read(to_peer, &v, 8) != 8 || write(to_main, &v, 8) != 8) {
            exit(1);
        }
    }
    return NULL;
}

/* Median round trip, in µs, of a value handed to a thread on CPU `other` and back to this one on CPU 0. */
static double handoff_us(int other) {
    to_peer = eventfd(0, 0);
    to_main = eventfd(0, 0);
    peer_cpu = other;
    pin(0);
    pthread_t t;
    pthread_create(&t, NULL, peer, NULL);
    usleep(10000);
    double *d = malloc(HANDOFFS * sizeof *d);
    uint64_t v = 1;
    for (int i = 0; i < HANDOFFS; i++) {
        double start = now_ns();
        if (write(to_peer, &v, 8) != 8 || read(to_main, &v, 8) != 8) {
            exit(1);
        }
        d[i] = now_ns() - start;
    }
    pthread_join(t, NULL);
    close(to_peer);
    close(to_main);
    return median_us(d, HANDOFFS);
}

/* Median µs of write(150 bytes) + fdatasync, into a file written out in advance or appended to. */
static double sync_us(const char *dir, int preallocated) {
    char path[4096];
    snprintf(path, sizeof path, "%s/platform-sync.%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    char buf[150];
    memset(buf, 'x', sizeof buf);
    if (preallocated) {
        static char zeros[1 << 16];
        for (int i = 0; i < 8; i++) {
            if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros) {
                exit(1);
            }
        }
        fsync(fd);
        lseek(fd, 0, SEEK_SET);
    }
    double *d = malloc(SYNCS * sizeof *d);
    for (int i = 0; i < SYNCS; i++) {
        double start = now_ns();
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0) {
            perror("write/fdatasync");
            exit(1);
        }
        d[i] = now_ns() - start;
    }
    close(fd);
    unlink(path);
    return median_us(d, SYNCS);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/var/tmp";
    double start = now_ns();
    for (int i = 0; i < 1000000; i++) {
        syscall(SYS_getppid);
    }
    printf("system call (getppid): %.2f us\n", (now_ns() - start) / 1e9);
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        printf("eventfd hand-off and back, two CPUs: %.1f us\n", handoff_us(1));
    }
    printf("eventfd hand-off and back, one CPU: %.1f us\n", handoff_us(0));
    printf("write 150 B + fdatasync, file written out in advance: %.0f us\n", sync_us(dir, 1));
    printf("write 150 B + fdatasync, appending to a growing file: %.0f us\n", sync_us(dir, 0));
    return 0;
}
