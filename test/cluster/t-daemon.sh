#!/bin/bash
# Cluster tier: handoffd's life cycle against real corosync: restart and
# rejoin, corosync going away and coming back, the reconnect limit, no
# spinning while disconnected, a second instance, daemon mode, config checks.
. "$(dirname "$0")/lib.sh"
require_root

cluster_up 3

# the pid of node N's handoffd, as its own handoffctl members reports it
local_pid() { ctl "$1" members --json | json "[m['pid'] for m in d['members'] if m['local']][0]"; }

# --- handoffctl against a stopped daemon --------------------------------
hc daemon 2 stop >/dev/null
stopped_error() {
	local out rc
	out=$(ctl 2 members 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "not running"
}
check "handoffctl against a stopped daemon exits 2 with a one-line reason" stopped_error
check "a clean stop leaves the group at once: node 1 lists 1 3" retry 10 members_are 1 "1 3"

# --- restart and rejoin -------------------------------------------------
hc daemon 2 start >/dev/null
check "restarted handoffd rejoins: node 1 lists 1 2 3" retry 20 members_are 1 "1 2 3"
check "restarted handoffd sees 1 2 3 itself" retry 20 members_are 2 "1 2 3"

# --- logging ------------------------------------------------------------------
# the nodes run with debug = 1: our debug lines, not libqb's ring-buffer chatter
check "debug = 1 logs handoffd's own debug messages" hc exec 1 grep -q "debug: ipc: client uid" /var/log/handoff/handoffd.log
check_fails "debug = 1 keeps libqb's internal debug lines out" hc exec 1 grep -q "shm size" /var/log/handoff/handoffd.log

# --- usage errors ---------------------------------------------------------
usage_error() {
	local rc
	ctl 1 "$@" >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || { echo "handoffctl $* exited $rc, expected 2"; return 1; }
}
check "unknown command exits 2" usage_error frobnicate
check "unknown option exits 2" usage_error --frobnicate members
check "extra argument exits 2" usage_error members extra
check "--json with -d exits 2" usage_error --json -d : members
check "-d with --json exits 2" usage_error -d : --json members

# --- anyone may read ------------------------------------------------------
check "a non-root user may read members" hc exec 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$HANDOFFCTL" members

# --- bad requests over IPC -------------------------------------------------
probe() { hc exec 1 "$HANDOFF_BUILDDIR/test/cluster/ipc_probe" "$@"; }
answer_is() {
	local want=$1 out; shift
	out=$(probe "$@") || { echo "no answer: $out"; return 1; }
	echo "$out"
	echo "$out" | grep -q "^error=$want "
}
check "a request without NUL gets -EINVAL and a reason" answer_is -22 1 '{}' --no-nul
check "a request that is not a JSON object gets -EINVAL" answer_is -22 1 '[1,2'
check "an unknown command from root gets -EOPNOTSUPP" answer_is -95 999 '{}'
denied() {
	local out
	out=$(hc exec 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$HANDOFF_BUILDDIR/test/cluster/ipc_probe" 999 '{}') || return 1
	echo "$out"
	echo "$out" | grep -q '^error=-1 .*permission denied'
}
check "a write command from an unprivileged user is denied (-EPERM)" denied
check "after the bad requests handoffd still answers" members_are 1 "1 2 3"

# --- corosync goes away and comes back -------------------------------------
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

pid3=$(local_pid 3)
hc exec 3 corosync-cfgtool -H >/dev/null 2>&1
not_connected() {
	local out rc
	out=$(ctl 3 members 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "not connected to corosync"
}
check "with corosync gone, handoffctl says handoffd is not connected (exit 1)" retry 15 not_connected

no_spin() {
	local before after
	[ -n "$pid3" ] || { echo "no handoffd pid on node 3"; return 1; }
	before=$(cpu_ticks "$pid3") || return 1
	sleep 3
	after=$(cpu_ticks "$pid3") || return 1
	echo "handoffd used $((after - before)) ticks of CPU in 3 s without corosync"
	[ $((after - before)) -le 5 ]
}
check "handoffd does not spin while corosync is away" no_spin
check "the log says the connection was lost" hc exec 3 grep -q "lost the connection to corosync" /var/log/handoff/handoffd.log

hc start 3 >/dev/null
check "corosync back: handoffd reconnects, node 3 lists 1 2 3" retry 30 members_are 3 "1 2 3"
check "corosync back: node 3 quorate with the gate open" retry 30 quorate_is 3 true
check "the same handoffd process reconnected" test "$(local_pid 3)" = "$pid3"

# --- the reconnect limit ----------------------------------------------------
limit_conf=$(hc path 3)/etc/handoff/limit.conf
printf '[cluster]\nreconnect_interval = 200\nreconnect_limit = 3\nlog_file = /var/log/handoff/limit.log\nsyslog = no\n' >"$limit_conf"
hc daemon 3 stop >/dev/null
hc exec 3 corosync-cfgtool -H >/dev/null 2>&1
hc wait 3 corosync-down 15 >/dev/null
gives_up() {
	local start=$SECONDS rc
	hc exec 3 timeout 20 "$HANDOFFD" -f -c /etc/handoff/limit.conf >/dev/null 2>&1; rc=$?
	echo "handoffd exited $rc after $((SECONDS - start)) s"
	[ $rc -eq 1 ] && [ $((SECONDS - start)) -le 5 ] &&
	hc exec 3 grep -q "giving up on corosync after 3 attempts" /var/log/handoff/limit.log
}
check "with reconnect_limit = 3 handoffd gives up after 3 attempts and exits 1" gives_up
printf '[cluster]\nreconnect_limit = 1\nlog_file = /var/log/handoff/limit1.log\nsyslog = no\n' \
	>"$(hc path 3)/etc/handoff/limit1.conf"
gives_up_at_once() {
	local rc
	hc exec 3 timeout 10 "$HANDOFFD" -f -c /etc/handoff/limit1.conf >/dev/null 2>&1; rc=$?
	echo "handoffd exited $rc"
	[ $rc -eq 1 ]
}
check "with reconnect_limit = 1 and no corosync at start it exits 1 (no hang)" gives_up_at_once
hc start 3 >/dev/null && hc wait 3 quorate 30 >/dev/null && hc daemon 3 start >/dev/null
check "node 3 back with its daemon" retry 20 members_are 3 "1 2 3"

# --- a second handoffd on the same node ----------------------------------------
second_instance() {
	local out rc
	out=$(hc exec 1 timeout 10 "$HANDOFFD" -f -c /etc/handoff/handoff.conf 2>&1); rc=$?
	echo "exit $rc: $out" | tail -3
	[ $rc -eq 1 ] && echo "$out" | grep -q "another handoffd"
}
check "a second handoffd on a node refuses to start (exit 1)" second_instance
check "the first handoffd on node 1 still answers" members_are 1 "1 2 3"

# --- daemon mode ------------------------------------------------------------
daemon_mode() {
	local rc
	hc daemon 2 stop >/dev/null
	hc exec 2 "$HANDOFFD" -c /etc/handoff/handoff.conf; rc=$?
	[ $rc -eq 0 ] || { echo "handoffd without -f exited $rc"; return 1; }
	retry 10 members_are 2 "1 2 3" || return 1
	pid=$(local_pid 2) || return 1
	# it detached into a session of its own
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || { echo "pid $pid is no session leader"; return 1; }
	kill "$pid"
	retry 10 members_are 1 "1 3"
}
check "without -f handoffd daemonizes, serves, and leaves on SIGTERM" daemon_mode
hc daemon 2 start >/dev/null

# --- configuration errors ------------------------------------------------------
bad_conf=$(hc path 1)/etc/handoff/bad.conf
printf '[cluster]\ndebug = 1\nreconnect_interval = soon\n' >"$bad_conf"
check_config_error() {
	local out rc
	out=$(hc exec 1 "$HANDOFFD" --check-config -c /etc/handoff/bad.conf 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "bad.conf:3: key 'reconnect_interval'"
}
check "--check-config names file, line and key of an error" check_config_error
check "--check-config accepts the node's config" hc exec 1 "$HANDOFFD" --check-config -c /etc/handoff/handoff.conf
start_bad() {
	local rc
	hc exec 1 timeout 10 "$HANDOFFD" -f -c /etc/handoff/bad.conf >/dev/null 2>&1; rc=$?
	echo "exit $rc"
	[ $rc -eq 2 ]
}
check "handoffd refuses to start with a bad config (exit 2)" start_bad

finish
