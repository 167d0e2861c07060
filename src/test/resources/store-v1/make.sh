#!/bin/bash
# Rebuilds data/ with a portd that writes store format version 1 (the jar built from the commit named
# in README.md):   bash make.sh /path/to/portd.jar
# A checkpoint (portd.db) from a clean stop, then journal records past it from a daemon killed with
# SIGKILL before its next checkpoint, and a backup taken just before that kill.
set -euo pipefail
jar=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
sock=$work/portd.sock
rm -rf "$here/data"
start() {
    java -jar "$jar" --socket "$sock" --data "$here/data" --range 20000-20099 --backup-interval 0 \
        --probe-interval 1h 2>>"$work/log" &
    daemon=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
}
req() { printf "%s\n" "$@" | socat -t 2 - UNIX-CONNECT:"$sock"; }
start
req 'ALLOC web desc="Main web UI"' \
    'ALLOC db port=20050 strict' \
    'ALLOC dns proto=udp' \
    'ALLOC job ttl=365d' \
    'ALLOC gone' \
    'RELEASE gone' \
    'RESERVE 20090-20091 desc="lab bench"'
kill -TERM "$daemon"; wait "$daemon" || true   # a clean stop: everything in the checkpoint
start
req 'ALLOC api desc="after the checkpoint"' \
    'ALLOC both proto=both' \
    'RESOLVE api port=20060' \
    'RELEASE dns' \
    'BACKUP' 'LIST' 'HISTORY limit=100'
kill -KILL "$daemon"; wait "$daemon" || true   # within the checkpoint interval: these stay in the journal
cat "$work/log"
rm -rf "$work" "$here/data/portd.lock"
