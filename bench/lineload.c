/* lineload: closed-loop load generator for line protocols on a Unix socket.
 *
 *   lineload -s SOCK -c CONNS -n TOTAL [-P PIPE] -r REQ -t OKPREFIX [-e ERRPREFIX]
 *            [-u] [-i FIRST] [-j THREADS] [-d SECS] [-T SECS]
 *   lineload -s SOCK -S [-r REQ] [-t OKPREFIX] [-L LOG] [-T SECS] -- CMD ARG...
 *
 * Each of CONNS connections keeps PIPE requests in flight until TOTAL requests
 * have been answered (or -d SECS have passed: then no new request is sent and
 * the ones in flight are drained). A reply is complete at the first line
 * starting with OKPREFIX (success) or ERRPREFIX (failure, default "ERR");
 * other lines are data lines and are skipped. An empty OKPREFIX matches any line.
 *
 * REQ: "\n", "\r", "\t" are unescaped; every %d becomes the request's number
 * (FIRST, FIRST+1, ...: unique names), every %p the pid of lineload.
 * -u: one connection per request: connect, send, read the reply, close; the
 *     latency then includes socket() and connect().
 * -j: connections are spread over THREADS threads, each with its own epoll loop
 *     (default 1: one core of the machine for the client, the rest for servers).
 * -T: hard limit on the whole run (default 300 s); on expiry the counts so far
 *     are printed with timeout=1 and the exit status is 3.
 * -S: startup mode: fork and exec CMD (stdout/stderr to LOG, default
 *     /dev/null), then try to connect and send REQ (default "PING\n") every
 *     millisecond until a reply line starting with OKPREFIX (default "OK PONG")
 *     arrives; print "startup_ms=... pid=..." and exit, leaving CMD running.
 *
 * Output, one line: done= errors= secs= rps= p50_us= p90_us= p99_us= max_us=
 * Percentiles are nearest-rank over the latencies of all completed requests
 * (errors included), from the moment a request is queued to the moment the
 * last byte of its status line is read. Exit status 0 only if every request
 * got a success reply. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXPIPE 512
#define LINEMAX 4096

static const char *sock_path, *req_fmt = "PING\n", *okp = "OK", *errp = "ERR", *log_path = "/dev/null";
static size_t okl, errl;
static int nconns = 1, pipe_depth = 1, one_shot = 0, nthreads = 1;
static long total = 1000, first_id = 0;
static double duration = 0, hard_limit = 300, t_start;
static atomic_long next_id, done_n, err_n, lat_n;
static atomic_int stop_flag;
static double *lat;
static struct sockaddr_un addr;
static socklen_t addrlen;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void die(const char *m) { perror(m); exit(2); }

static void set_addr(void) {
  memset(&addr, 0, sizeof addr); addr.sun_family = AF_UNIX;
  size_t n = strlen(sock_path);
  if (n >= sizeof addr.sun_path) { fprintf(stderr, "socket path too long\n"); exit(2); }
  memcpy(addr.sun_path, sock_path, n);
  if (sock_path[0] == '@') addr.sun_path[0] = 0;            /* abstract namespace */
  addrlen = offsetof(struct sockaddr_un, sun_path) + n + (sock_path[0] == '@' ? 0 : 1);
}
/* blocking connect (waits for backlog room), then non-blocking */
static int dial(void) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0) { close(fd); return -1; }
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}
static int fmt_req(char *out, size_t cap, long id) {
  size_t j = 0;
  for (const char *p = req_fmt; *p; p++) {
    char num[24]; const char *s = NULL; char c = *p;
    if (c == '\\' && p[1]) { p++; c = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : *p; }
    else if (c == '%' && p[1] == 'd') { p++; snprintf(num, sizeof num, "%ld", id); s = num; }
    else if (c == '%' && p[1] == 'p') { p++; snprintf(num, sizeof num, "%ld", (long)getpid()); s = num; }
    if (s) { size_t k = strlen(s); if (j + k >= cap) return -1; memcpy(out + j, s, k); j += k; }
    else { if (j + 1 >= cap) return -1; out[j++] = c; }
  }
  return (int)j;
}

struct conn {
  int fd, inflight, head, ll, dead, want_out;
  double sent[MAXPIPE];
  char out[MAXPIPE * 256]; int olen, ooff;
  char line[LINEMAX];
};
struct worker { int first, count, ep; struct conn *c; };

static void record(double l, int ok) {
  long k = atomic_fetch_add(&lat_n, 1); if (k < total) lat[k] = l;
  atomic_fetch_add(&done_n, 1); if (!ok) atomic_fetch_add(&err_n, 1);
}
static void drop(struct worker *w, struct conn *c) {
  if (c->fd >= 0) { epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); }
  c->fd = -1; c->olen = c->ooff = 0; c->ll = 0; c->want_out = 0;
}
static void fail_inflight(struct worker *w, struct conn *c) {
  double t = now();
  while (c->inflight > 0) { record(t - c->sent[c->head++ % MAXPIPE], 0); c->inflight--; }
  drop(w, c); if (!one_shot) c->dead = 1;
}
static int flush_out(struct worker *w, struct conn *c) {
  while (c->ooff < c->olen) {
    ssize_t r = write(c->fd, c->out + c->ooff, c->olen - c->ooff);
    if (r > 0) { c->ooff += r; continue; }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;
    fail_inflight(w, c); return -1;
  }
  if (c->ooff == c->olen) c->ooff = c->olen = 0;
  int want = c->olen > 0;
  if (want != c->want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev); c->want_out = want;
  }
  return 0;
}
/* queue requests up to the pipeline depth; returns 0 when this connection is finished */
static int fill(struct worker *w, struct conn *c) {
again:
  if (c->dead) return 0;
  while (c->inflight < pipe_depth && !atomic_load(&stop_flag)) {
    if (one_shot && c->inflight > 0) break;
    long id = atomic_fetch_add(&next_id, 1);
    if (id >= total) break;
    double t = now();
    if (c->fd < 0) {
      c->fd = dial();
      if (c->fd < 0) { record(now() - t, 0); c->dead = !one_shot; if (c->dead) return 0; continue; }
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
      epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    int n = fmt_req(c->out + c->olen, sizeof c->out - c->olen, first_id + id);
    if (n < 0) { fprintf(stderr, "request too long\n"); exit(2); }
    c->olen += n; c->sent[(c->head + c->inflight) % MAXPIPE] = t; c->inflight++;
  }
  if (c->fd >= 0 && c->olen > 0 && flush_out(w, c) < 0) goto again;   /* -u: next request */
  if (c->inflight == 0) { drop(w, c); return 0; }
  return 1;
}
static void on_line(struct worker *w, struct conn *c) {
  c->line[c->ll] = 0;
  int ok = strncmp(c->line, okp, okl) == 0, er = !ok && errl && strncmp(c->line, errp, errl) == 0;
  if (!ok && !er) return;                     /* data line */
  if (c->inflight == 0) { atomic_fetch_add(&err_n, 1); return; }   /* unsolicited reply */
  record(now() - c->sent[c->head++ % MAXPIPE], ok); c->inflight--;
  if (one_shot) drop(w, c);
}
static void on_read(struct worker *w, struct conn *c) {
  char buf[65536];
  for (;;) {
    ssize_t r = read(c->fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return;
    if (r <= 0) { fail_inflight(w, c); return; }     /* EOF or error before the replies */
    for (ssize_t i = 0; i < r && c->fd >= 0; i++) {
      if (buf[i] == '\n') { if (c->ll && c->line[c->ll - 1] == '\r') c->ll--; on_line(w, c); c->ll = 0; }
      else if (c->ll < LINEMAX - 1) c->line[c->ll++] = buf[i];
    }
    if (c->fd < 0) return;
    if (r < (ssize_t)sizeof buf) return;
  }
}
static void *run_worker(void *arg) {
  struct worker *w = arg;
  w->ep = epoll_create1(EPOLL_CLOEXEC); if (w->ep < 0) die("epoll");
  int live = 0;
  for (int i = 0; i < w->count; i++) { w->c[i].fd = -1; live += fill(w, &w->c[i]); }
  struct epoll_event evs[256];
  while (live > 0) {
    int n = epoll_wait(w->ep, evs, 256, 100);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int k = 0; k < n; k++) {
      struct conn *c = evs[k].data.ptr;
      if (c->fd < 0) continue;
      if (evs[k].events & EPOLLOUT) flush_out(w, c);
      if (c->fd >= 0 && (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_read(w, c);
      if (c->fd >= 0 && c->inflight > 0 && !one_shot) { if (fill(w, c) == 0) live--; }
      else if (c->fd < 0 || c->inflight == 0) { if (fill(w, c) == 0) live--; }
    }
    if (duration > 0 && now() - t_start > duration) atomic_store(&stop_flag, 1);
    if (now() - t_start > hard_limit) return (void *)1;
  }
  return NULL;
}
static int cmpd(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static double pct(long n, double q) { if (!n) return 0; long i = (long)(q * n); if ((double)i < q * n) i++; i--;   /* ceil(q*n)-1 */ if (i < 0) i = 0; return lat[i] * 1e6; }

static int startup(char **cmd) {
  double t0 = now();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); close(fd); }
    execvp(cmd[0], cmd); perror("exec"); _exit(127);
  }
  char req[1024], buf[4096]; int n = fmt_req(req, sizeof req, 0);
  while (now() - t0 < hard_limit) {
    int st; if (waitpid(pid, &st, WNOHANG) == pid) { fprintf(stderr, "daemon exited before answering\n"); return 1; }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, addrlen) == 0 && write(fd, req, n) == n) {
      struct timeval tv = {1, 0}; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      int len = 0; ssize_t r;
      while (len < (int)sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0) {
        len += r; buf[len] = 0;
        for (char *l = buf; l && *l; ) {
          char *nl = strchr(l, '\n'); if (!nl) break;
          if (strncmp(l, okp, okl) == 0) {
            printf("startup_ms=%.1f pid=%d\n", (now() - t0) * 1e3, (int)pid); close(fd); return 0; }
          l = nl + 1;
        }
      }
    }
    if (fd >= 0) close(fd);
    usleep(1000);
  }
  fprintf(stderr, "no reply within %.0f s\n", hard_limit); kill(pid, SIGKILL); return 3;
}

int main(int argc, char **argv) {
  int o, startup_mode = 0, ok_set = 0;
  while ((o = getopt(argc, argv, "s:c:n:P:r:t:e:ui:j:d:T:SL:")) != -1) switch (o) {
    case 's': sock_path = optarg; break;           case 'c': nconns = atoi(optarg); break;
    case 'n': total = atol(optarg); break;         case 'P': pipe_depth = atoi(optarg); break;
    case 'r': req_fmt = optarg; break;             case 't': okp = optarg; ok_set = 1; break;
    case 'e': errp = optarg; break;                case 'u': one_shot = 1; break;
    case 'i': first_id = atol(optarg); break;      case 'j': nthreads = atoi(optarg); break;
    case 'd': duration = atof(optarg); break;      case 'T': hard_limit = atof(optarg); break;
    case 'S': startup_mode = 1; break;             case 'L': log_path = optarg; break;
    default: fprintf(stderr, "usage: see the comment at the top of lineload.c\n"); return 2;
  }
  if (!sock_path) { fprintf(stderr, "need -s SOCK\n"); return 2; }
  signal(SIGPIPE, SIG_IGN);
  set_addr();
  if (startup_mode && !ok_set) okp = "OK PONG";
  okl = strlen(okp); errl = strlen(errp);
  if (startup_mode) { if (optind >= argc) { fprintf(stderr, "need -- CMD\n"); return 2; } return startup(argv + optind); }
  if (pipe_depth < 1) pipe_depth = 1;
  if (pipe_depth > MAXPIPE) pipe_depth = MAXPIPE;
  if (one_shot) pipe_depth = 1;
  if (nconns < 1 || total < 1) { fprintf(stderr, "need -c >= 1 and -n >= 1\n"); return 2; }
  if (nthreads < 1) nthreads = 1;
  if (nthreads > nconns) nthreads = nconns;
  lat = malloc(total * sizeof(double)); if (!lat) die("malloc");
  struct conn *cs = calloc(nconns, sizeof *cs); if (!cs) die("calloc");
  struct worker *ws = calloc(nthreads, sizeof *ws); pthread_t *th = calloc(nthreads, sizeof *th);
  t_start = now();
  for (int t = 0, at = 0; t < nthreads; t++) {
    ws[t].first = at; ws[t].count = nconns / nthreads + (t < nconns % nthreads); ws[t].c = cs + at; at += ws[t].count;
    pthread_create(&th[t], NULL, run_worker, &ws[t]);
  }
  int timed_out = 0;
  for (int t = 0; t < nthreads; t++) { void *r; pthread_join(th[t], &r); if (r) timed_out = 1; }
  double el = now() - t_start;
  long n = atomic_load(&lat_n); if (n > total) n = total;
  qsort(lat, n, sizeof(double), cmpd);
  long done = atomic_load(&done_n), errs = atomic_load(&err_n);
  printf("done=%ld errors=%ld secs=%.3f rps=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f%s\n",
         done, errs, el, done / el, pct(n, .5), pct(n, .9), pct(n, .99), pct(n, 1), timed_out ? " timeout=1" : "");
  fflush(stdout);
  if (timed_out) _exit(3);
  return (errs || (duration == 0 && done < total)) ? 1 : 0;
}
