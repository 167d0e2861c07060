#!/usr/bin/env bash
# bench/run.sh: portd against redis-server and Debian's portserver, one run on
# this machine, the same client (bench/lineload.c) for all. See bench/README.md.
#
#   bench/run.sh [--quick] [--peers-only] [--keep]
#     --quick       a tenth of every count (a smoke test, not a measurement)
#     --peers-only  skip portd (redis and portserver only)
#     --keep        keep the work directory (daemon logs, data) after the run
# Environment: PORTD_JAVA_OPTS, PORTD_JAR (default target/portd.jar, built if missing), BENCH_TMP (parent of the work directory,
# default /var/tmp: it must be a disk-backed file system, fsync is measured),
# BENCH_WAIT_QUIET=SECS (wait up to SECS for the CPUs to be idle before starting).

# The JVM options the service ships, from their one place (packaging/default/portd), unless set.
if [ -z "${PORTD_JAVA_OPTS:-}" ]; then
  PORTD_JAVA_OPTS=$(. "$(dirname "$0")/../packaging/default/portd" && echo "$PORTD_JAVA_OPTS")
fi

set -euo pipefail
QUICK=0 PEERS_ONLY=0 KEEP=0
for a in "$@"; do case $a in
  --quick) QUICK=1 ;; --peers-only) PEERS_ONLY=1 ;; --keep) KEEP=1 ;;
  *) echo "usage: $0 [--quick] [--peers-only] [--keep]" >&2; exit 2 ;;
esac; done

HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/.." && pwd)
sc() { if [ "$QUICK" = 1 ]; then echo $(( $1 / 10 > 0 ? $1 / 10 : 1 )); else echo "$1"; fi; }

# ---- counts (documented in bench/README.md); warm-up runs are not measured ----
RT_N=$(sc 300000)      RT_WARM=$(sc 50000)     # PING, 50 conns x 1 in flight
PIPE_N=$(sc 2000000)   PIPE_WARM=$(sc 200000)  # PING, 50 conns x 16 in flight
GETP_N=$(sc 1000000)   GETP_WARM=$(sc 100000)  # GET of one key, 50 conns x 16 in flight
DUR_N=$(sc 20000)      DUR_WARM=$(sc 2000)     # ALLOC b%d / SET b%d, 64 conns
LAT_N=$(sc 2000)       LAT_WARM=$(sc 200)      # ALLOC c%d / SET c%d, 1 conn
ONE_N=$(sc 10000)      ONE_WARM=$(sc 1000)     # one connection per request, 8 clients
RW_SECS=2 RW_LEAD=0.5                          # GET, 8 conns, measured for this long; the writer's head start
RW_WRITES=$(sc 61000) RW_RANGE=1024-65535       # ALLOC cap of the writer (64 conns) in that case, its range
STARTS=5                                       # daemon starts timed
RSS_LEASES=$(sc 30000)                         # leases held when VmRSS is read
FULL_RANGE=20000-29999 FULL_FILL=$(sc 9900) FULL_N=$(sc 90)   # ALLOC at 99% full
RANGE=20000-59999                              # the range of every other portd
CASE_SECS=30                                   # a measured case stops sending after this long
CLIENT_T=600                                   # hard limit of one client run, seconds

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- packages: install only what is missing ----
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in gcc libc6-dev redis-server redis-tools python3-portpicker python3-psutil procps; do have "$p" || need+=("$p"); done
if [ "$PEERS_ONLY" = 0 ] && [ ! -f "$ROOT/target/portd.jar" ]; then
  for p in openjdk-17-jdk-headless maven; do have "$p" || need+=("$p"); done
fi
if [ "$PEERS_ONLY" = 0 ]; then have openjdk-17-jre-headless || have openjdk-17-jdk-headless || need+=(openjdk-17-jre-headless); fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- work directory, daemons, cleanup ----
W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/portd-bench.XXXXXX")
OUT=$ROOT/bench/out; mkdir -p "$OUT"; RAW=$OUT/raw.txt; : > "$RAW"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then log "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LL=$W/lineload
gcc -O2 -pthread -o "$LL" "$HERE/lineload.c"

# start_daemon NAME SOCK REQ OKPREFIX CMD...: start CMD, wait for its first answer,
# set DPID and DSTART_MS
start_daemon() {
  local name=$1 sock=$2 req=$3 okp=$4; shift 4
  local r; r=$("$LL" -S -s "$sock" -r "$req" -t "$okp" -T 120 -L "$W/$name.log" -- "$@") \
    || { tail -20 "$W/$name.log" >&2; die "$name did not start"; }
  DPID=$(kv pid "$r"); DSTART_MS=$(kv startup_ms "$r"); PIDS+=("$DPID")
}
stop_daemon() {
  local p=$1 q rest=(); kill "$p" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || rest+=("$q"); done; PIDS=("${rest[@]}")
}
kv() { local x=" $2"; x=${x##* $1=}; echo "${x%% *}"; }

# load NAME LINELOAD-ARGS...: run the client, keep its line in $RAW, set RES
load() {
  local name=$1; shift
  RES=$("$LL" -T "$CLIENT_T" "$@") || { echo "$name: $RES" >> "$RAW"; die "$name failed: $RES"; }
  echo "$name: $RES" >> "$RAW"; log "$name: $RES"
}
warm() { local name=$1; shift; load "$name(warm-up)" "$@"; }
NOTES=()
# measure NAME N LINELOAD-ARGS...: N requests, or what CASE_SECS allowed
measure() {
  local name=$1 n=$2; shift 2
  load "$name" -n "$n" -d "$CASE_SECS" "$@"
  local done; done=$(kv done "$RES")
  [ "$done" -ge "$n" ] || NOTES+=("$name stopped after ${CASE_SECS}s with $done of $n requests done")
}
# busy share of the CPUs over 2 s, from /proc/stat (user+nice+system+irq+softirq+steal)
busy() { { head -1 /proc/stat; sleep 2; head -1 /proc/stat; } | awk '{b=$2+$3+$4+$7+$8+$9; t=b+$5+$6; if (NR==1) {b0=b; t0=t} else printf "%.0f", 100*(b-b0)/(t-t0)}'; }

redis() {  # redis NAME [extra args...]
  local name=$1; shift; mkdir -p "$W/$name"
  start_daemon "$name" "$W/$name/redis.sock" 'PING\r\n' '+PONG' \
    redis-server --port 0 --unixsocket "$W/$name/redis.sock" --save '' --dir "$W/$name" "$@"
}
JAR=${PORTD_JAR:-$ROOT/target/portd.jar}
portd() {  # portd NAME RANGE [FLAG...]
  local name=$1 range=$2; shift 2; mkdir -p "$W/$name"
  # shellcheck disable=SC2086
  start_daemon "$name" "$W/$name/portd.sock" 'PING\n' 'OK PONG' \
    java $PORTD_JAVA_OPTS -jar "$JAR" --socket "$W/$name/portd.sock" --data "$W/$name/data" \
      --range "$range" --max-connections 1024 --max-leases-per-uid 100000 "$@"
}
RDS=(-t + -e -)      # redis: +PONG/+OK is success, -ERR... failure
PTD=(-t OK -e ERR)   # portd: status lines

declare -A R  # results: R[case.side.field]
keep() { R[$1.$2.rps]=$(kv rps "$RES"); R[$1.$2.p50]=$(kv p50_us "$RES"); R[$1.$2.p99]=$(kv p99_us "$RES"); }

# Each pair of daemons runs side by side and its cases are measured back to
# back, peer then portd, so both see the machine in the same state.
PD=$((1 - PEERS_ONLY))
pd() { if [ "$PD" = 1 ]; then "$@"; fi; }
if [ "$PD" = 1 ] && [ ! -f "$JAR" ]; then log "building $JAR"; (cd "$ROOT" && mvn -q -DskipTests package) >&2; fi
[ "$PD" = 0 ] || [ -f "$JAR" ] || die "no $JAR after the build"

log "work directory $W"
BUSY_BEFORE=$(busy)
for _ in $(seq $(( ${BENCH_WAIT_QUIET:-0} / 2 ))); do [ "$BUSY_BEFORE" -gt 10 ] || break; BUSY_BEFORE=$(busy); done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$BUSY_BEFORE" -le 10 ] || log "warning: the CPUs were ${BUSY_BEFORE}% busy before the run; the numbers will be noisy"

# ---- PING: redis and portd ----
redis redis; A=$DPID; S=$W/redis/redis.sock; T=$W/portd-ping/portd.sock
pd portd portd-ping "$RANGE"; B=$DPID
warm    redis.rt    -s "$S" -c 50 -n "$RT_WARM" -r 'PING\r\n' "${RDS[@]}"
pd warm portd.rt    -s "$T" -c 50 -n "$RT_WARM" -r 'PING\n' "${PTD[@]}"
measure redis.rt    "$RT_N"   -s "$S" -c 50 -r 'PING\r\n' "${RDS[@]}";           keep rt peer
pd measure portd.rt "$RT_N"   -s "$T" -c 50 -r 'PING\n' "${PTD[@]}";              pd keep rt portd
warm    redis.pipe  -s "$S" -c 50 -P 16 -n "$PIPE_WARM" -r 'PING\r\n' "${RDS[@]}"
pd warm portd.pipe  -s "$T" -c 50 -P 16 -n "$PIPE_WARM" -r 'PING\n' "${PTD[@]}"
measure redis.pipe  "$PIPE_N" -s "$S" -c 50 -P 16 -r 'PING\r\n' "${RDS[@]}";     keep pipe peer
pd measure portd.pipe "$PIPE_N" -s "$T" -c 50 -P 16 -r 'PING\n' "${PTD[@]}";      pd keep pipe portd
# GET of one existing key, pipelined: redis answers "$5" and the value on the next line (a data line for
# the client), portd "OK <port>"
load    redis.getp.seed -s "$S" -c 1 -n 1 -r 'SET reader 20000\r\n' "${RDS[@]}"
pd load portd.getp.seed -s "$T" -c 1 -n 1 -r 'ALLOC reader\n' "${PTD[@]}"
RGET=(-t '$' -e '-')
warm    redis.getp  -s "$S" -c 50 -P 16 -n "$GETP_WARM" -r 'GET reader\r\n' "${RGET[@]}"
pd warm portd.getp  -s "$T" -c 50 -P 16 -n "$GETP_WARM" -r 'GET reader\n' "${PTD[@]}"
measure redis.getp  "$GETP_N" -s "$S" -c 50 -P 16 -r 'GET reader\r\n' "${RGET[@]}"; keep getp peer
pd measure portd.getp "$GETP_N" -s "$T" -c 50 -P 16 -r 'GET reader\n' "${PTD[@]}"; pd keep getp portd
stop_daemon "$A"; pd stop_daemon "$B"

# ---- durable writes: redis with appendfsync always, portd ALLOC ----
redis redis-aof --appendonly yes --appendfsync always; A=$DPID
S=$W/redis-aof/redis.sock; T=$W/portd-dur/portd.sock
[ "$(redis-cli -s "$S" config get appendfsync | tail -1)" = always ] || die "redis is not fsyncing every write"
pd portd portd-dur "$RANGE"; B=$DPID
warm    redis.dur   -s "$S" -c 64 -n "$DUR_WARM" -r 'SET w%d v\r\n' "${RDS[@]}"
pd warm portd.dur   -s "$T" -c 64 -n "$DUR_WARM" -r 'ALLOC w%d\n' "${PTD[@]}"
measure redis.dur   "$DUR_N"  -s "$S" -c 64 -r 'SET b%d v\r\n' "${RDS[@]}";       keep dur peer
pd measure portd.dur "$DUR_N" -s "$T" -c 64 -r 'ALLOC b%d\n' "${PTD[@]}";         pd keep dur portd
warm    redis.lat   -s "$S" -c 1 -n "$LAT_WARM" -i 1000000 -r 'SET c%d v\r\n' "${RDS[@]}"
pd warm portd.lat   -s "$T" -c 1 -n "$LAT_WARM" -i 1000000 -r 'ALLOC c%d\n' "${PTD[@]}"
measure redis.lat   "$LAT_N"  -s "$S" -c 1 -r 'SET c%d v\r\n' "${RDS[@]}";        keep lat peer
pd measure portd.lat "$LAT_N" -s "$T" -c 1 -r 'ALLOC c%d\n' "${PTD[@]}";          pd keep lat portd
stop_daemon "$A"; pd stop_daemon "$B"

# ---- one connection per request: portserver and portd ----
# portserver's protocol: connect, send a live pid, read one line with a port, close. portd answers it
# on its portserver socket (a durable, bind-checked lease per request) and the same client drives both.
mkdir -p "$W/portserver"; S=$W/portserver/portserver.sock; T=$W/portd-one/portd.sock; P=$W/portd-one/portserver.sock
start_daemon portserver "$S" '%p\n' '' \
  portserver --portserver_unix_socket_address "$S" --portserver_static_pool "$RANGE"; A=$DPID
pd portd portd-one "$RANGE" --portserver-socket "$P"; B=$DPID
PSP=(-u -c 8 -r '%p\n' -t '' -e '')   # any line is the port; a close without one is a failure
warm    ps.one      -s "$S" -n "$ONE_WARM" "${PSP[@]}"
pd warm portd.one   -s "$T" -u -c 8 -n "$ONE_WARM" -r 'ALLOC w%d\n' "${PTD[@]}"
pd warm portd.psp   -s "$P" -n "$ONE_WARM" "${PSP[@]}"
measure ps.one      "$ONE_N"  -s "$S" "${PSP[@]}";                                   keep one peer
pd measure portd.one "$ONE_N" -s "$T" -u -c 8 -r 'ALLOC b%d\n' "${PTD[@]}";       pd keep one portd
measure ps.psp      "$ONE_N"  -s "$S" "${PSP[@]}";                                   keep psp peer
pd measure portd.psp "$ONE_N" -s "$P" "${PSP[@]}";                                   pd keep psp portd
stop_daemon "$A"; pd stop_daemon "$B"

# ---------------- portd alone ----------------
if [ "$PD" = 1 ]; then
  # read while writing: GET of one leased name, alone and under 64 connections of ALLOC
  portd portd-rw "$RW_RANGE"; S=$W/portd-rw/portd.sock
  load portd.rw.seed -s "$S" -c 1 -n 1 -r 'ALLOC reader\n' "${PTD[@]}"
  warm portd.get  -s "$S" -c 8 -n "$RT_WARM" -r 'GET reader\n' "${PTD[@]}"
  warm portd.wr   -s "$S" -c 64 -n "$DUR_WARM" -r 'ALLOC w%d\n' "${PTD[@]}"
  load portd.get.idle -s "$S" -c 8 -n 100000000 -d "$RW_SECS" -r 'GET reader\n' "${PTD[@]}"
  keep get_idle portd
  "$LL" -T "$CLIENT_T" -s "$S" -c 64 -n "$RW_WRITES" -d $((RW_SECS + 3)) -r 'ALLOC b%d\n' "${PTD[@]}" > "$W/writer.out" &
  WRITER=$!; PIDS+=("$WRITER")
  sleep "$RW_LEAD"
  load portd.get.loaded -s "$S" -c 8 -n 100000000 -d "$RW_SECS" -r 'GET reader\n' "${PTD[@]}"
  keep get_loaded portd
  wait "$WRITER" || die "writer failed: $(cat "$W/writer.out")"
  stop_daemon "$WRITER"
  RES=$(cat "$W/writer.out"); echo "portd.rw.writer: $RES" >> "$RAW"; log "portd.rw.writer: $RES"
  keep rw_writer portd
  awk -v s="$(kv secs "$RES")" -v need="$RW_SECS" -v lead="$RW_LEAD" 'BEGIN{exit !(s >= need + lead)}' \
    || NOTES+=("the ALLOC writer ran out of names before the GET reader finished; raise RW_WRITES")
  stop_daemon "$DPID"

  # start to first answer, median of STARTS
  starts=()
  for i in $(seq "$STARTS"); do
    portd "portd-start$i" "$RANGE"; starts+=("$DSTART_MS"); stop_daemon "$DPID"
  done
  echo "portd.startup_ms: ${starts[*]}" >> "$RAW"; log "portd.startup_ms: ${starts[*]}"
  START_MED=$(printf '%s\n' "${starts[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}')

  # resident memory, idle and after RSS_LEASES leases
  portd portd-rss "$RANGE"; S=$W/portd-rss/portd.sock
  RSS_IDLE=$(awk '/^VmRSS/{print $2}' "/proc/$DPID/status")
  load portd.rss.fill -s "$S" -c 64 -n "$RSS_LEASES" -r 'ALLOC r%d\n' "${PTD[@]}"
  sleep 1
  RSS_FULL=$(awk '/^VmRSS/{print $2}' "/proc/$DPID/status")
  echo "portd.rss_kb: idle=$RSS_IDLE leases=$RSS_LEASES full=$RSS_FULL" >> "$RAW"
  stop_daemon "$DPID"

  # ALLOC when the range is 99% full
  portd portd-full "$FULL_RANGE"; S=$W/portd-full/portd.sock
  warm portd.empty -s "$S" -c 1 -n 100 -r 'ALLOC x%d\n' "${PTD[@]}"      # then give them back:
  warm portd.empty -s "$S" -c 1 -n 100 -r 'RELEASE x%d\n' "${PTD[@]}"    # the range is empty again
  measure portd.empty "$FULL_N"     -s "$S" -c 1 -r 'ALLOC e%d\n' "${PTD[@]}";      keep empty portd
  load portd.full.fill -s "$S" -c 64 -n $((FULL_FILL - FULL_N)) -r 'ALLOC f%d\n' "${PTD[@]}"
  measure portd.full "$FULL_N"      -s "$S" -c 1 -r 'ALLOC g%d\n' "${PTD[@]}";      keep full portd
  stop_daemon "$DPID"
fi

# ---------------- report ----------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
us() { awk -v u="$1" 'BEGIN{ if (u == "") print "—"; else if (u < 10000) printf "%.3f ms", u/1000; else printf "%.1f ms", u/1000 }'; }
num() { awk -v n="$1" 'BEGIN{ if (n == "") { print "—"; exit } s = sprintf("%d", n); r = ""
  while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "—"; else printf "%.2f", a/b }'; }
g() { echo "${R[$1]:-}"; }
row() {  # row CASE KEY PEER
  local k=$2
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$3" \
    "$(num "$(g "$k.portd.rps")")" "$(num "$(g "$k.peer.rps")")" "$(ratio "$(g "$k.portd.rps")" "$(g "$k.peer.rps")")" \
    "$(us "$(g "$k.portd.p50")")" "$(us "$(g "$k.peer.p50")")" "$(ratio "$(g "$k.portd.p50")" "$(g "$k.peer.p50")")" \
    "$(us "$(g "$k.portd.p99")")" "$(us "$(g "$k.peer.p99")")" "$(ratio "$(g "$k.portd.p99")" "$(g "$k.peer.p99")")"
}
{
  echo "portd benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), work dir on $(df --output=fstype "$W" | tail -1)"
  echo "- peers: $(redis-server --version | awk '{print $1, $2, $3}'), portserver from python3-portpicker $(dpkg-query -W -f='${Version}' python3-portpicker)"
  if [ "$PEERS_ONLY" = 0 ]; then
    echo "- portd: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(java -version 2>&1 | head -1), PORTD_JAVA_OPTS=\"$PORTD_JAVA_OPTS\""
  fi
  echo "- CPU busy in the 2 s before the run: ${BUSY_BEFORE}%; load average before: $LOAD_BEFORE, after: $LOAD_AFTER"
  [ "$BUSY_BEFORE" -le 10 ] || echo "- **the machine was busy before the run: these numbers are noisy**"
  [ "$QUICK" = 1 ] && echo "- --quick: a tenth of every count; a smoke test, not a measurement"
  echo
  echo "req/s ratio: portd/peer, higher is better. Latency ratios: portd/peer, lower is better."
  echo
  echo "| case | peer | portd req/s | peer req/s | ratio ↑ | portd p50 | peer p50 | ratio ↓ | portd p99 | peer p99 | ratio ↓ |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  row "round trip, 50 conns x 1 (PING)" rt "redis PING"
  row "pipelined, 50 conns x 16 (PING)" pipe "redis PING"
  row "pipelined, 50 conns x 16 (GET of one key)" getp "redis GET"
  row "durable write, 64 conns (ALLOC new name)" dur "redis SET, appendfsync always"
  row "durable write, 1 conn (ALLOC new name)" lat "redis SET, appendfsync always"
  row "one connection per request, 8 clients (ALLOC)" one "portserver"
  row "one connection per request, 8 clients (portserver protocol)" psp "portserver"
  if [ "$PEERS_ONLY" = 0 ]; then
    echo
    echo "portd alone:"
    echo
    echo "| measure | value |"
    echo "|---|--:|"
    echo "| GET, 8 conns, idle: req/s, p50, p99 | $(num "$(g get_idle.portd.rps)"), $(us "$(g get_idle.portd.p50)"), $(us "$(g get_idle.portd.p99)") |"
    echo "| GET, 8 conns, while 64 conns ALLOC: req/s, p50, p99 | $(num "$(g get_loaded.portd.rps)"), $(us "$(g get_loaded.portd.p50)"), $(us "$(g get_loaded.portd.p99)") |"
    echo "| GET p99 under write load / idle (lower is better) | $(ratio "$(g get_loaded.portd.p99)" "$(g get_idle.portd.p99)") |"
    echo "| the writer meanwhile: ALLOC req/s, p99 | $(num "$(g rw_writer.portd.rps)"), $(us "$(g rw_writer.portd.p99)") |"
    echo "| start to first \`OK PONG\`, median of $STARTS | $START_MED ms |"
    echo "| VmRSS idle after start | $(( RSS_IDLE / 1024 )) MiB |"
    echo "| VmRSS with $(num "$RSS_LEASES") leases | $(( RSS_FULL / 1024 )) MiB |"
    echo "| ALLOC, 1 conn, range $FULL_RANGE empty: p50, p99 (max) of $FULL_N | $(us "$(g empty.portd.p50)"), $(us "$(g empty.portd.p99)") |"
    echo "| the same range with $(num "$FULL_FILL") leased: p50, p99 (max) of $FULL_N | $(us "$(g full.portd.p50)"), $(us "$(g full.portd.p99)") |"
    echo "| ALLOC p50 at 99% full / empty (lower is better) | $(ratio "$(g full.portd.p50)" "$(g empty.portd.p50)") |"
  fi
  for n in "${NOTES[@]}"; do echo "- note: $n"; done
  echo
  echo "Raw client lines: bench/out/raw.txt"
} | tee "$OUT/results.md"
