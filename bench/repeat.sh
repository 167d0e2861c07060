#!/usr/bin/env bash
# bench/repeat.sh N [run.sh options]: runs bench/run.sh N times in a row and prints, for every ratio
# of its tables, the N values, their range and their median. On a machine whose peers move by tens of
# percent from one run to the next, one run's ratio says little; N of them say how far it moves.
# Each run's own report is kept as bench/out/results-<i>.md (and raw-<i>.txt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
N=${1:-}
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 N [run.sh options]" >&2; exit 2; }
shift
OUT=$HERE/out
for i in $(seq "$N"); do
  "$HERE/run.sh" "$@" >/dev/null
  cp "$OUT/results.md" "$OUT/results-$i.md"
  cp "$OUT/raw.txt" "$OUT/raw-$i.txt"
  echo "run $i of $N done" >&2
done

# The ratio columns of the peer table (req/s, p50, p99) and the ratio rows of the portd-alone table.
awk -v n="$N" '
  function sorted(s, a,   k, i, j, t) { k = split(s, a, " ")   # insertion sort: mawk has no asort
    for (i = 2; i <= k; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return k }
  function median(s,   a, k, m) { k = sorted(s, a); m = int((k + 1) / 2)
    return (k % 2) ? a[m] : sprintf("%.2f", (a[m] + a[m + 1]) / 2) }
  function range(s,   a, k) { k = sorted(s, a); return a[1] "-" a[k] }
  FNR == 1 { table = 0 }
  /^\| case \|/ { table = 1; next }
  /^\| measure \|/ { table = 2; next }
  /^\|---/ { next }
  table == 1 && /^\| / { split($0, f, " [|] "); name = f[1]; sub(/^\| /, "", name)
    if (!(name in seen)) { seen[name] = 1; order[++rows] = name }
    rps[name] = rps[name] " " f[5]; p50[name] = p50[name] " " f[8]; p99[name] = p99[name] " " f[11]; sub(/ \|$/, "", p99[name]) }
  table == 2 && /\(lower is better\) \|/ { split($0, f, " [|] "); name = f[1]; sub(/^\| /, "", name); v = f[2]; sub(/ \|$/, "", v)
    if (!(name in alone)) { alone[name] = 1; aorder[++arows] = name }; av[name] = av[name] " " v }
  END {
    printf "%d runs of bench/run.sh: range and median of each ratio (portd/peer; req/s higher is better, latency lower)\n\n", n
    print "| case | req/s ratio | median | p50 ratio | median | p99 ratio | median |"
    print "|---|--:|--:|--:|--:|--:|--:|"
    for (i = 1; i <= rows; i++) { r = order[i]
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", r, range(rps[r]), median(rps[r]), range(p50[r]), median(p50[r]), range(p99[r]), median(p99[r]) }
    if (arows) { print ""; print "| portd alone | range | median |"; print "|---|--:|--:|"
      for (i = 1; i <= arows; i++) { r = aorder[i]; printf "| %s | %s | %s |\n", r, range(av[r]), median(av[r]) } }
  }' $(for i in $(seq "$N"); do echo "$OUT/results-$i.md"; done) | tee "$OUT/repeat.md"
