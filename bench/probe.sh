#!/usr/bin/env bash
# Times the occupancy prober against ss on a host with ~10,000 TCP listeners.
#
#   bench/probe.sh [listeners=10000] [runs=10]
#
# The prober figure that matters is its steady-state per-probe time inside one JVM (what the
# daemon pays every 5 s); a fresh `java ... Prober 1` is shown too, to make the JVM start-up and
# cold-code cost visible, but the daemon pays that once.
set -euo pipefail

LISTENERS=${1:-10000}
RUNS=${2:-10}
cd "$(dirname "$0")/.."

if [[ ! -f target/classes/dev/portd/probe/Prober.class ]]; then
  mvn -q -o compile
fi
CP=target/classes

work=$(mktemp -d)
helper=
cleanup() {
  if [[ -n "$helper" ]]; then
    kill "$helper" 2>/dev/null || true
    wait "$helper" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Milliseconds per run of a command, best and median over $RUNS runs: "best median".
time_cmd() {
  local i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null
    t1=$EPOCHREALTIME
    echo "$t0 $t1"
  done | awk '{ print ($2 - $1) * 1000 }' | sort -n |
    awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f %.2f\n", v[1], m }'
}

# "best median first sockets" from the prober's own in-JVM timing.
prober_steady() {
  java -cp "$CP" dev.portd.probe.Prober "$RUNS" >"$work/prober.out"
  sed -E 's/^sockets=([0-9]+) .*millis=([0-9.]+)\/([0-9.]+) .*first ([0-9.]+)\).*/\2 \3 \4 \1/' "$work/prober.out"
}

measure() {
  local label=$1 steady cold tuln tulnp
  steady=$(prober_steady)
  cold=$(time_cmd java -cp "$CP" dev.portd.probe.Prober 1)
  tuln=$(time_cmd ss -tuln)
  tulnp=$(time_cmd ss -tulnp)
  read -r s_best s_med s_first sockets <<<"$steady"
  printf '\n== %s: %s occupying sockets seen by the prober, %s runs each\n' "$label" "$sockets" "$RUNS"
  printf '%-52s %9s %9s\n' "" "best ms" "median ms"
  printf '%-52s %9s %9s\n' "prober, steady state per probe (in one JVM)" "$s_best" "$s_med"
  printf '%-52s %9s %9s\n' "prober, first probe of that JVM (cold code)" "$s_first" "-"
  printf '%-52s %9s %9s\n' "java ... Prober 1 (JVM start-up + one cold probe)" $cold
  printf '%-52s %9s %9s\n' "ss -tuln" $tuln
  printf '%-52s %9s %9s\n' "ss -tulnp (maps owners via /proc/*/fd, like us)" $tulnp
  printf 'prober said: %s\n' "$(cat "$work/prober.out")"
}

echo "host: $(nproc) cpus, $(uname -r), $(java -version 2>&1 | head -1)"
echo "processes: $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)"

measure "baseline"

# A helper python process holding the listeners; the kernel picks the ports (port 0).
need=$((LISTENERS + 64))
if (($(ulimit -n) < need)); then
  ulimit -n "$need"
fi
python3 - "$LISTENERS" "$work/ready" <<'EOF' &
import socket, sys, time
n, ready = int(sys.argv[1]), sys.argv[2]
socks = []
for _ in range(n):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    socks.append(s)
with open(ready, "w") as f:
    f.write(str(len(socks)))
while True:
    time.sleep(3600)
EOF
helper=$!
for ((i = 0; i < 600; i++)); do
  [[ -s "$work/ready" ]] && break
  kill -0 "$helper" 2>/dev/null || { echo "helper died" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$work/ready" ]] || { echo "helper not ready" >&2; exit 1; }
echo
echo "helper pid $helper holds $(cat "$work/ready") listeners on 127.0.0.1"

measure "with $LISTENERS listeners"
