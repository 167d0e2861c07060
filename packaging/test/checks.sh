# The habitat test's checks, sourced by packaging/test/habitat once the machine has booted
# (in_machine runs a command in it as root). Each check_NAME runs in a subshell under `set -e`:
# the first failing command or `expect` fails it. They run in the order of CHECKS, and later ones
# build on what earlier ones left (users, leases, the installed package).
# From habitat: in_machine, leader (the machine's PID 1), run (this run's scratch directory), logs.
# shellcheck shell=bash disable=SC2154

SOCK=/run/portd/portd.sock
CHECKS=(install activation users pid_lease portctl_run denied portserver restart kill9 metrics security
        unreadable damaged restore remove_reinstall purge)

# Fails the current check with a message when the test command fails: expect "why" cmd args...
expect() {
    local why=$1
    shift
    "$@" && return 0
    echo "expected: $why"
    return 1
}

# The same for a command that must fail: refute "why" cmd args...
refute() {
    local why=$1
    shift
    "$@" || return 0
    echo "expected: $why"
    return 1
}

# Polls a command for up to N seconds: eventually N "why" cmd args...
eventually() {
    local secs=$1 why=$2 i
    shift 2
    for ((i = 0; i < secs * 5; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "expected within ${secs}s: $why"
    "$@"
    return 1
}

# One request to the system socket as USER, the whole reply: ask USER 'ALLOC web'. A daemon that
# never answers (one that fails and restarts for ever) fails it after 30 s instead of hanging it.
ask() {
    in_machine timeout -k 5 30 runuser -u "$1" -- sh -c 'printf "%s\n" "$1" | nc -U -N '"$SOCK" ask "$2"
}

# A shell command in the machine as USER, for at most 2 minutes: as USER 'cmd'
as() {
    in_machine timeout -k 5 120 runuser -u "$1" -- sh -c "$2"
}

unit() { in_machine systemctl show -P "$2" "$1"; }

# service port uid of every lease, one per line, sorted: the table as a user sees it.
leases() {
    ask root 'JSON LIST' | head -n 1 | in_machine jq -r '.items[] | [.service, .port, .uid] | @tsv' | sort
}

# The journal's records of portd.service as "PRIORITY IDENTIFIER MESSAGE" lines.
journal() {
    in_machine journalctl -u portd.service -o json --no-pager | in_machine jq -r '[.PRIORITY, .SYSLOG_IDENTIFIER, .MESSAGE] | @tsv'
}

journal_has() { journal | grep -q "$1"; }

check_install() {
    in_machine dpkg -i /root/portd.deb
    expect "the system user portd" in_machine getent passwd portd
    expect "portd.socket enabled" test "$(in_machine systemctl is-enabled portd.socket)" = enabled
    expect "portd.socket listening" test "$(unit portd.socket ActiveState)" = active
    in_machine stat -c '%U:%G %a' /var/lib/portd
}

check_activation() {
    # Stopped, the socket unit still listens; the first connection starts the service.
    in_machine systemctl stop portd.service
    expect "portd.service stopped" test "$(unit portd.service ActiveState)" = inactive
    local reply
    reply=$(ask root PING)
    expect "PING answered through the socket unit: got '$reply'" test "$reply" = "OK PONG"
    # portd answers on the passed socket a moment before systemd has taken its READY=1.
    eventually 10 "activated by the connection (ActiveState active)" portd_active
    expect "Type=notify" test "$(unit portd.service Type)" = notify
    expect "READY=1 with its status" test "$(unit portd.service StatusText)" = "serving $SOCK"
    expect "java itself is the main pid" test "$(in_machine cat "/proc/$(unit portd.service MainPID)/comm")" = java
    expect "a watchdog" test "$(unit portd.service WatchdogUSec)" = 30s
    expect "runs as portd" test "$(in_machine ps -o user= -p "$(unit portd.service MainPID)")" = portd
    # A clean start says nothing at warning priority or above (this machine has only loopback).
    refute "no warning from a clean start: $(journal | awk '$1 <= 4')" journal_has_warning
}

portd_active() { test "$(unit portd.service ActiveState)" = active; }

journal_has_warning() { journal | awk '$1 <= 4 { found = 1 } END { exit !found }'; }

check_users() {
    in_machine useradd -m alice
    in_machine useradd -m bob
    local reply uid
    reply=$(ask alice 'ALLOC alice-web desc="alice'"'"'s site"')
    expect "an OK with a port for alice: got '$reply'" grep -Eq '^OK 2[0-9]{4}$' <<<"$reply"
    uid=$(in_machine id -u alice)
    expect "the lease is alice's (uid $uid)" grep -q "alice-web.*uid=$uid" <<<"$(ask bob 'LIST')"
    expect "portctl finds the system socket" test "$(as alice 'portctl get alice-web')" = "${reply#OK }"
}

check_pid_lease() {
    local out pid
    # The issue's reproduction: a normal user's process, leased by pid.
    out=$(as alice 'sleep 300 </dev/null >/dev/null 2>&1 & echo "pid=$!"; echo "ALLOC alice-job pid=$!" | nc -U -N '"$SOCK")
    echo "$out"
    pid=$(sed -n 's/^pid=//p' <<<"$out")
    expect "ALLOC alice-job pid=$pid answered OK" grep -Eq '^OK 2[0-9]{4}$' <<<"$out"
    expect "LIST shows the pid" grep -q "service=alice-job .*pid=$pid" <<<"$(ask alice 'LIST')"
    # A lease that outlives these checks, for restart/kill -9/reinstall to keep.
    out=$(as alice 'setsid sleep 3600 </dev/null >/dev/null 2>&1 & echo "ALLOC alice-long pid=$!" | nc -U -N '"$SOCK")
    expect "ALLOC alice-long answered OK: got '$out'" grep -Eq '^OK 2[0-9]{4}$' <<<"$out"
    in_machine kill "$pid"
    eventually 20 "alice-job to end once its process died" lease_gone alice-job
    expect "an exit event in HISTORY" grep -q "event=exit service=alice-job" <<<"$(ask alice 'HISTORY alice-job')"
}

lease_gone() { ask root "GET $1" | grep -q '^ERR NOTFOUND'; }

check_portctl_run() {
    local out
    out=$(as alice 'portctl run alice-run -- sh -c '"'"'echo "port=$PORT"; test "$(portctl get alice-run)" = "$PORT" && echo leased; exit 3'"'"'; echo "status=$?"')
    echo "$out"
    expect "CMD ran with PORT set" grep -Eq '^port=2[0-9]{4}$' <<<"$out"
    expect "the lease existed while CMD ran" grep -q '^leased$' <<<"$out"
    expect "portctl exited with CMD's status" grep -q '^status=3$' <<<"$out"
    expect "the lease ended with CMD" lease_gone alice-run
}

check_denied() {
    local reply records
    reply=$(ask bob 'RELEASE alice-web')
    expect "ERR DENIED for bob: got '$reply'" grep -q '^ERR DENIED' <<<"$reply"
    eventually 10 "the refusal in the journal" journal_has 'RELEASE alice-web'
    records=$(journal | grep 'RELEASE alice-web')
    echo "journal: $records"
    expect "the refusal at warning priority (4) with identifier portd" grep -Eq '^4	portd	.*refused RELEASE alice-web' <<<"$records"
    expect "alice-web is still alice's" grep -q '^OK' <<<"$(ask alice 'GET alice-web')"
}

check_restart() {
    local before
    before=$(leases)
    expect "leases to keep" grep -q alice-web <<<"$before"
    in_machine systemctl restart portd.service
    expect "active after restart" test "$(unit portd.service ActiveState)" = active
    expect "every lease kept by systemctl restart" diff <(echo "$before") <(leases)
}

check_kill9() {
    local before pid
    before=$(leases)
    pid=$(unit portd.service MainPID)
    in_machine kill -KILL "$pid"
    eventually 30 "systemd to restart portd after SIGKILL" restarted_since "$pid"
    expect "every lease kept after kill -9" diff <(echo "$before") <(leases)
    expect "systemd counted the restart (NRestarts)" test "$(unit portd.service NRestarts)" -ge 1
}

# One portserver request as USER for PID (default: the client's own pid), as portpicker makes it:
# prints the reply, empty on a refusal.
pick() {
    as "$1" "python3 -c 'import socket,os,sys
s=socket.socket(socket.AF_UNIX); s.connect(\"\\0unittest-portserver\")
s.sendall((sys.argv[1] if len(sys.argv)>1 else str(os.getpid())).encode()+b\"\\n\"); sys.stdout.write(s.recv(100).decode())' ${2:-}"
}

check_portserver() {
    expect "portd-portserver.socket shipped disabled" test "$(in_machine systemctl is-enabled portd-portserver.socket)" = disabled
    # README "portd as your portserver": enable the socket with portd.service stopped.
    in_machine systemctl enable portd-portserver.socket
    in_machine systemctl stop portd.service
    in_machine systemctl start portd-portserver.socket portd.service
    expect "the portserver socket listens" test "$(unit portd-portserver.socket ActiveState)" = active
    local port uid sleeper pid
    port=$(pick alice)
    expect "a port for alice through @unittest-portserver: got '$port'" grep -Eq '^2[0-9]{4}$' <<<"$port"
    uid=$(in_machine id -u alice)
    expect "alice's portpicker lease in LIST" grep -q "service=portpicker\..*uid=$uid" <<<"$(ask bob LIST)"
    sleeper=$(in_machine sh -c 'sleep 300 </dev/null >/dev/null 2>&1 & echo $!')
    expect "bob gets nothing for root's pid" test -z "$(pick bob "$sleeper")"
    expect "the refusal audited at warning priority" grep -q "^4	portd	.*refused ALLOC portpicker.$sleeper" <<<"$(journal)"
    in_machine kill "$sleeper"
    # Both sockets come back when systemd restarts portd after a kill -9.
    pid=$(unit portd.service MainPID)
    in_machine kill -KILL "$pid"
    eventually 30 "systemd to restart portd after SIGKILL" restarted_since "$pid"
    port=$(pick alice)
    expect "a port through the portserver socket after the restart: got '$port'" grep -Eq '^2[0-9]{4}$' <<<"$port"
    # Each lease was bound to its client's process, which has exited: the prober ends them.
    ask root PROBE >/dev/null
    eventually 15 "the portpicker leases to end with their processes" no_portpicker_leases
}

no_portpicker_leases() { ! ask root LIST | grep -q 'service=portpicker\.'; }

restarted_since() {
    local now
    now=$(unit portd.service MainPID)
    [ "$now" != 0 ] && [ "$now" != "$1" ] && [ "$(unit portd.service ActiveState)" = active ] && ask root PING | grep -q PONG
}

# README "Prometheus metrics": metrics_port under the unit as shipped (IPAddressAllow=localhost):
# a scraper on the host gets its answer, from a socket on 127.0.0.1 only. Off again afterwards.
check_metrics() {
    # Two restarts here, after those of the checks before it: clear the start counter so that
    # StartLimitBurst (5 in 60 s) judges this check's starts, not the whole run's.
    in_machine systemctl reset-failed portd.service portd.socket 2>/dev/null || true
    refute "no TCP listener without metrics_port" grep -q . <<<"$(in_machine ss -Hltnp | grep java || true)"
    in_machine sh -c 'echo "metrics_port = 9188" >> /etc/portd/portd.conf'
    in_machine systemctl restart portd.service
    local body listeners
    body=$(as alice "python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:9188/metrics\", timeout=30).read().decode())'")
    expect "portd_leases in alice's scrape" grep -Eq '^portd_leases [0-9]' <<<"$body"
    expect "portd_build_info in it" grep -q '^portd_build_info{version=' <<<"$body"
    listeners=$(in_machine ss -Hltnp | grep java)
    echo "$listeners"
    # The JDK may bind it as ::ffff:127.0.0.1, the same address on an IPv6 socket.
    expect "one listener, on 127.0.0.1:9188" grep -Eqx '(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):9188' <<<"$(awk '{print $4}' <<<"$listeners")"
    in_machine sed -i '/^metrics_port = 9188$/d' /etc/portd/portd.conf
    in_machine systemctl restart portd.service
    expect "active again without it" test "$(unit portd.service ActiveState)" = active
}

check_security() {
    local out score
    out=$(in_machine systemd-analyze security --no-pager portd.service)
    score=$(sed -n 's/.*Overall exposure level for portd.service: \([0-9.]*\).*/\1/p' <<<"$out")
    echo "systemd-analyze security portd.service: $score"
    expect "an exposure level at most 1.5, got ${score:-none}: $(tail -n 3 <<<"$out")" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.5) }'
}

# Starts portd.service expecting a failure a restart cannot fix: the unit fails and is not
# restarted; a client that connects meanwhile makes socket activation start portd again (and again,
# while the connection waits), which the start limit ends instead of looping for ever.
start_fails() {
    local since starts
    since=$(in_machine date +%s)
    in_machine systemctl reset-failed portd.service portd.socket 2>/dev/null || true
    if in_machine systemctl start portd.service; then
        echo "expected: systemctl start portd.service to fail"
        return 1
    fi
    sleep 5          # RestartSec=2s: time for two restarts, were there any
    expect "portd.service failed, not restarting: $(unit portd.service ActiveState)/$(unit portd.service SubState)" \
        test "$(unit portd.service ActiveState)" = failed
    expect "no restart of a start a restart cannot fix (NRestarts=$(unit portd.service NRestarts))" \
        test "$(unit portd.service NRestarts)" = 0
    expect "a client that connects meanwhile gets no answer, and is let go within 30 s" client_let_go
    starts=$(start_count "$since")
    sleep 5
    expect "at most 1 + StartLimitBurst ($(unit portd.service StartLimitBurst)) starts, then none: $starts, then $(start_count "$since")" \
        test "$starts" -le $(( 1 + $(unit portd.service StartLimitBurst) )) -a "$(start_count "$since")" = "$starts"
}

# A PING to a portd that cannot start: no PONG, and the connection closed (not nc's timeout).
client_let_go() {
    local out rc=0
    out=$(in_machine timeout 30 sh -c "echo PING | nc -U -N $SOCK" 2>&1) || rc=$?
    echo "a client's PING: exit status $rc, reply: ${out:-none}"
    [ "$rc" != 124 ] && ! grep -q PONG <<<"$out"
}

# How many times systemd started portd.service since a time (seconds since the epoch).
start_count() {
    in_machine journalctl -u portd.service --since "@$1" -o cat --no-pager | grep -c '^Starting portd.service' || true
}

stop_portd() { in_machine systemctl stop portd.socket portd.service; }

check_damaged() {
    local backup
    backup=$(ask root BACKUP)
    expect "BACKUP answered OK: got '$backup'" grep -q '^OK /var/lib/portd/backups/' <<<"$backup"
    leases >"$run/at-backup"
    ask root 'ALLOC after-backup'
    stop_portd
    in_machine truncate -s 1000 /var/lib/portd/portd.db
    start_fails
    journal | grep 'is damaged' | tail -n 1 >"$run/damaged"
    cat "$run/damaged"
    expect "the damage at error priority (3) with identifier portd" grep -Eq '^3	portd	.*the store /var/lib/portd/portd.db is damaged' "$run/damaged"
    expect "the newest backup named" grep -q "${backup#OK }" "$run/damaged"
}

# The restore the damage message prescribes, followed to the letter by root, the operator's natural reading.
check_restore() {
    local msg stop cmd
    msg=$(cut -f3- "$run/damaged")
    stop=$(sed -n 's/.*To restore, stop portd (\([^)]*\)), then run: .*/\1/p' <<<"$msg")
    cmd=$(sed -n 's/.* then run: \(.*\) (the damaged files are kept.*/\1/p' <<<"$msg")
    echo "stop: $stop"
    echo "restore: $cmd"
    expect "the damage message says how to stop portd and which command restores: $msg" test -n "$stop" -a -n "$cmd"
    expect "it says what a restore loses" grep -q 'loses every change made after' <<<"$msg"
    in_machine sh -c "$stop"
    in_machine sh -c "cd /root && $cmd"
    # Restarted within a minute of the failed starts: systemd's start limit still holds.
    in_machine systemctl reset-failed portd.service portd.socket
    in_machine systemctl start portd.socket portd.service
    expect "the leases of the backup, back" diff "$run/at-backup" <(leases)
    expect "what changed after the backup is gone, as the message said" lease_gone after-backup
    expect "every store file belongs to portd" test -z "$(in_machine find /var/lib/portd ! -user portd)"
    expect "the damaged store kept aside" in_machine sh -c 'ls /var/lib/portd/portd.db.damaged-*'
    expect "a restore event in HISTORY" grep -q 'event=restore' <<<"$(ask root HISTORY)"
}

# A store file portd cannot open (root's, as a restore run as root left it): a permission problem,
# reported as one at error priority with the path, never as damage; no restart loop; fixed by chown.
check_unreadable() {
    local before record
    ask root 'ALLOC kept-through-chown'
    before=$(leases)
    stop_portd
    in_machine chown root:root /var/lib/portd/portd.db
    start_fails
    record=$(journal | grep -F /var/lib/portd/portd.db | tail -n 1)
    echo "journal: $record"
    expect "an error (3) from portd naming the file" grep -Eq '^3	portd	.*/var/lib/portd/portd.db' <<<"$record"
    refute "not called damage, no advice to restore" grep -Eqi 'store [^ ]* is damaged|restore|backup' <<<"$record"
    in_machine chown portd:portd /var/lib/portd/portd.db
    in_machine systemctl reset-failed portd.service portd.socket
    in_machine systemctl start portd.socket portd.service
    expect "every lease back once the file is portd's again" diff <(echo "$before") <(leases)
}

check_remove_reinstall() {
    local before
    before=$(leases)
    in_machine dpkg -r portd
    refute "no portd process after dpkg -r" in_machine pgrep -u portd
    expect "portd.socket gone" test "$(unit portd.socket ActiveState)" != active
    expect "the store kept" in_machine test -s /var/lib/portd/portd.db
    expect "the settings kept" in_machine test -f /etc/portd/portd.conf
    expect "the user kept" in_machine getent passwd portd
    in_machine dpkg -i /root/portd.deb
    expect "portd.socket listening again" test "$(unit portd.socket ActiveState)" = active
    expect "every lease kept across remove and reinstall" diff <(echo "$before") <(leases)
}

check_purge() {
    in_machine dpkg --purge portd
    refute "/var/lib/portd removed" in_machine test -e /var/lib/portd
    refute "/var/log/portd removed" in_machine test -e /var/log/portd
    refute "/etc/portd removed" in_machine test -e /etc/portd
    expect "the system user portd stays, as Debian recommends" in_machine getent passwd portd
}

# Runs the named checks (all of CHECKS by default; install always first), one line each; a failed
# check prints its output and portd's journal during it. Returns 1 when any failed.
run_checks() {
    local names=("$@") failed=() name start rc check watchdog
    [ ${#names[@]} -gt 0 ] || names=("${CHECKS[@]}")
    [ "${names[0]}" = install ] || names=(install "${names[@]}")
    for name in "${names[@]}"; do
        declare -F "check_$name" >/dev/null || { echo "habitat: no check $name; the checks: ${CHECKS[*]}" >&2; return 64; }
    done
    for name in "${names[@]}"; do
        start=$(date +%s%N)
        # In the background: `wait` returns at once when habitat is interrupted (so the machine is
        # torn down), and a check that hangs anyway is stopped after 4 minutes.
        (set -e; "check_$name") >"$logs/$name.log" 2>&1 &
        check=$!
        (
            trap 'kill "$nap"; exit' TERM
            sleep 240 & nap=$!
            wait "$nap"
            echo "habitat: $name did not finish in 240 s" >>"$logs/$name.log"
            kill "$check"
        ) >/dev/null 2>&1 &
        watchdog=$!
        rc=0
        wait "$check" || rc=$?
        kill "$watchdog" 2>/dev/null || true
        if [ $rc = 0 ]; then
            printf 'ok    %-17s %5.1fs\n' "$name" "$(( ($(date +%s%N) - start) / 1000000 ))e-3"
        else
            failed+=("$name")
            printf 'FAIL  %-17s %5.1fs\n' "$name" "$(( ($(date +%s%N) - start) / 1000000 ))e-3"
            sed 's/^/      | /' "$logs/$name.log"
            echo "      portd's journal during the check:"
            in_machine journalctl -u portd.service -u portd.socket --since "@$((start / 1000000000))" --no-pager -o short-precise \
                | sed 's/^/      | /'
        fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
        echo "habitat: ${#failed[@]} of ${#names[@]} checks failed: ${failed[*]}"
        return 1
    fi
    echo "habitat: all ${#names[@]} checks passed"
}
