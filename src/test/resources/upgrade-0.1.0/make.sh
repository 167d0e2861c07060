#!/bin/bash
# Rebuilds data/ with portd 0.1.0 (the jar built from the commit named in README.md):
#   bash make.sh /path/to/portd-0.1.0.jar
# Leases of every kind, reservations, history, one backup; then a clean stop (SIGTERM).
set -euo pipefail
jar=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work"   # the uid-65534 client must reach the socket
sock=$work/portd.sock
rm -rf "$here/data"
java -jar "$jar" --socket "$sock" --data "$here/data" --range 20000-20099 --backup-interval 0 \
    --probe-interval 1h 2>"$work/log" &
daemon=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
req() { printf "%s\n" "$@" | socat -t 2 - UNIX-CONNECT:"$sock"; }
sleep 3600 & sleeper=$!
req 'ALLOC web desc="Main web UI"' \
    'ALLOC db port=20050 strict' \
    'ALLOC dns proto=udp' \
    'ALLOC both proto=both desc="tcp and udp"' \
    'ALLOC job ttl=365d desc="renewed once"' \
    'RENEW job ttl=365d' \
    "ALLOC worker pid=$sleeper" \
    'ALLOC odd desc="café \"quoted\" a=b #x"' \
    'ALLOC gone' \
    'RELEASE gone' \
    'ALLOC api' \
    'RESOLVE api port=20060' \
    'RESERVE 20090-20094 desc="lab bench"' \
    'UNRESERVE 20094' \
    'RESERVE 22 desc=ssh'
# a lease owned by another uid (nobody)
printf 'ALLOC nobodys desc="made by uid 65534"\n' | setpriv --reuid=65534 --regid=65534 --clear-groups \
    socat - UNIX-CONNECT:"$sock"
req 'BACKUP' 'LIST' 'HISTORY limit=100'
kill "$sleeper"
kill -TERM "$daemon"; wait "$daemon" || true
cat "$work/log"
rm -rf "$work"
