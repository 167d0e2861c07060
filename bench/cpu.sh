#!/usr/bin/env bash
# bench/cpu.sh N REQUEST CONNS [PIPELINE]: the daemon's CPU per request, thread by thread.
#
# Starts portd (target/portd.jar, or PORTD_JAR) with the shipped JVM options (or PORTD_JAVA_OPTS), sends
# N/4 requests to warm it up, then N more with bench/lineload (CONNS connections, PIPELINE in flight each),
# and prints the client's line and, from each thread's utime+stime in /proc, its CPU in µs per request.
# CPU per request moves much less than req/s when the machine is shared, so it is the figure to compare
# two builds with (run them in turn, a few times each). %d in REQUEST becomes a unique number; the
# warm-up uses other numbers than the measured run. SEED='ALLOC reader\n' sends one request first.
#
#   bench/cpu.sh 2000000 'PING\n' 50 16
#   SEED='ALLOC reader\n' bench/cpu.sh 1000000 'GET reader\n' 50 16
#   bench/cpu.sh 20000 'ALLOC b%d\n' 64
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
N=$1 REQ=$2 C=$3 P=${4:-1}
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/.." && pwd)
if [ -z "${PORTD_JAVA_OPTS:-}" ]; then
  PORTD_JAVA_OPTS=$(. "$ROOT/packaging/default/portd" && echo "$PORTD_JAVA_OPTS")
fi
JAR=${PORTD_JAR:-$ROOT/target/portd.jar}
[ -f "$JAR" ] || { echo "no $JAR: build it with mvn -q -DskipTests package" >&2; exit 1; }
W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/portd-cpu.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; sleep 0.5; rm -rf "$W"' EXIT
gcc -O2 -pthread -o "$W/lineload" "$HERE/lineload.c"
LL=$W/lineload
# shellcheck disable=SC2086
r=$("$LL" -S -s "$W/portd.sock" -r 'PING\n' -t 'OK PONG' -T 120 -L "$W/portd.log" -- \
  java $PORTD_JAVA_OPTS -jar "$JAR" --socket "$W/portd.sock" --data "$W/data" --range 10000-64999 \
  --max-connections 1024 --max-leases-per-uid 100000)
pid=$(echo "$r" | grep -o 'pid=[0-9]*' | cut -d= -f2)
if [ -n "${SEED:-}" ]; then "$LL" -s "$W/portd.sock" -c 1 -n 1 -r "$SEED" -t OK -e ERR >/dev/null; fi
"$LL" -s "$W/portd.sock" -c "$C" -P "$P" -n $((N / 4)) -r "${REQ//%d/w%d}" -t OK -e ERR >/dev/null
threads() {  # thread name (spaces as _) and its CPU ticks, summed over threads of one name
  for t in /proc/"$pid"/task/*; do
    { echo "$(tr ' ' _ < "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; } 2>/dev/null || true
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
threads > "$W/before"
"$LL" -s "$W/portd.sock" -c "$C" -P "$P" -n "$N" -r "$REQ" -t OK -e ERR
threads > "$W/after"
hz=$(getconf CLK_TCK)
join "$W/before" "$W/after" | awk -v n="$N" -v hz="$hz" '
  { d = $3 - $2; if (d > 0) { printf "%-28s %7.1f us/request\n", $1, d * 1e6 / hz / n; t += d } }
  END { printf "%-28s %7.1f us/request\n", "TOTAL", t * 1e6 / hz / n }' | sort -k2 -rn
