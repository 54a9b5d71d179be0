#!/bin/sh
# agents/handoff-sample-agent: every verb, its exit codes and idempotency,
# with a temporary directory as HANDOFF_MOUNT.  Speaks TAP.
# shellcheck disable=SC2016  # sh -c '...$1...' is meant

here=$(cd "$(dirname "$0")" && pwd)
AGENT=${HANDOFF_SRCDIR:-$here/../..}/agents/handoff-sample-agent
T=$(mktemp -d "${TMPDIR:-/tmp}/test_sample_agent.XXXXXX") || exit 1
MNT=$T/mnt
DUMP=$T/dump
mkdir "$MNT" "$DUMP"
n=0
failed=0

cleanup() {
	HANDOFF_MOUNT=$MNT "$AGENT" stop >/dev/null 2>&1
	if [ -f "$MNT/.sample-agent.pid" ]; then
		read -r p _ <"$MNT/.sample-agent.pid" && kill -KILL "-$p" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -s "$T/err" ] && sed 's/^/# stderr: /' "$T/err"
}
check() {
	desc=$1; shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

agent() {
	HANDOFF_RESOURCE=test HANDOFF_MOUNT=$MNT "$AGENT" "$@" >"$T/out" 2>"$T/err"
}
# expect CODE DESCRIPTION VERB [ARGS]
expect() {
	want=$1 desc=$2; shift 2
	agent "$@"
	rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$desc"; else fail "$desc (exit $rc, wanted $want)"; fi
}

last() { grep -E '^[0-9]+$' "$MNT/counter" | tail -n 1; }
counter_pid() { read -r p _ <"$MNT/.sample-agent.pid" && echo "$p"; }
# a live process (a zombie has an empty cmdline)
alive() { [ -n "$1" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q .; }
# 1, 2, 3, ... with no gap and no repeat
consecutive() { awk '$0 != NR { bad = 1 } END { exit bad || NR == 0 }' "$MNT/counter"; }
# the counter leads its own session, its stdio is no pipe and no tty
detached() {
	p=$(counter_pid) || return 1
	# shellcheck disable=SC2046
	set -- $(sed 's/.*) //' "/proc/$p/stat")   # state ppid pgrp session ...
	[ "$4" = "$p" ] || return 1
	for fd in 0 1 2; do
		case $(readlink "/proc/$p/fd/$fd") in
			pipe:*|/dev/pts/*|/dev/tty*) return 1 ;;
		esac
	done
	return 0
}

# ---- meta and bad usage -----------------------------------------------------
expect 0 "meta succeeds" meta
check "meta prints a description and every verb" \
	sh -c 'grep -q "^description: ." "$1" &&
	       grep -qx "verbs: start stop monitor dump restore meta" "$1"' _ "$T/out"
expect 2 "no verb is an invalid argument (2)"
expect 3 "an unknown verb is unimplemented (3)" frobnicate
check "an unknown verb is named on stderr" grep -q "frobnicate" "$T/err"

HANDOFF_MOUNT='' "$AGENT" start 2>"$T/err"
rc=$?; check "start without HANDOFF_MOUNT: not configured (6)" [ $rc -eq 6 ]
HANDOFF_MOUNT='' "$AGENT" monitor 2>"$T/err"
rc=$?; check "monitor without HANDOFF_MOUNT: not configured (6)" [ $rc -eq 6 ]
HANDOFF_MOUNT=$T/absent "$AGENT" start 2>"$T/err"
rc=$?; check "start with a missing mount point: not configured (6)" [ $rc -eq 6 ]
HANDOFF_MOUNT=$T/absent "$AGENT" monitor 2>"$T/err"
rc=$?; check "monitor with a missing mount point: not running (7)" [ $rc -eq 7 ]

# ---- start, monitor, stop ---------------------------------------------------
expect 7 "monitor before start: not running (7)" monitor
expect 0 "stop when not running succeeds" stop
# through a pipe, as handoffd runs it: the pipe must see EOF as soon as
# the agent exits, whatever it left running
check "start (through a pipe that sees EOF at once)" \
	timeout 5 sh -c '{ HANDOFF_MOUNT=$1 "$2" start; echo "rc=$?"; } 2>&1 | tail -n 1 | grep -qx rc=0' \
	_ "$MNT" "$AGENT"
pid1=$(counter_pid)
check "the pid file names a live process" alive "$pid1"
check "the counter runs detached: own session, no pipe or tty held" detached
expect 0 "monitor: running (0)" monitor
check "monitor reports the counter's pid on a pid= line" \
	sh -c '[ "$(HANDOFF_MOUNT=$1 "$2" monitor | grep "^pid=")" = "pid=$3" ]' _ "$MNT" "$AGENT" "$pid1"
expect 0 "start again succeeds (idempotent)" start
check "... and leaves the same process" [ "$(counter_pid)" = "$pid1" ]
v1=$(last)
sleep 1
v2=$(last)
check "the counter grows ($v1 -> $v2 in 1 s)" [ "${v2:-0}" -ge $((${v1:-0} + 3)) ]
expect 0 "stop" stop
check "the counter process is gone" sh -c '! tr "\0" " " <"/proc/$1/cmdline" | grep -q .' _ "$pid1" 2>/dev/null
check "the pid file is gone" [ ! -e "$MNT/.sample-agent.pid" ]
expect 7 "monitor after stop: not running (7)" monitor
expect 0 "stop again succeeds (idempotent)" stop
v3=$(last)
sleep 0.5
check "a stopped counter does not grow" [ "$(last)" = "$v3" ]
expect 0 "start after stop" start
sleep 0.5
check "it continued from the last number: 1..$(last) without gap" consecutive

# ---- failures and pid files from elsewhere ----------------------------------
kill -KILL "$(counter_pid)"
sleep 0.2
expect 1 "monitor after kill -9: failed (1)" monitor
expect 0 "start after a crash" start
expect 0 "monitor after that: running" monitor
expect 0 "stop" stop

echo "$$ 00000000-0000-0000-0000-000000000000" >"$MNT/.sample-agent.pid"
expect 7 "a pid file from another node (or boot) means not running (7)" monitor
echo "$$ $(cat /proc/sys/kernel/random/boot_id)" >"$MNT/.sample-agent.pid"
expect 1 "a pid file of this node naming another process: failed (1)" monitor
expect 0 "start replaces a stale pid file" start
check "... with a counter of its own" [ "$(counter_pid)" != "$$" ]

# ---- dump and restore --------------------------------------------------------
expect 2 "dump without a directory: invalid argument (2)" dump
expect 2 "dump into a missing directory: invalid argument (2)" dump "$T/nowhere"
expect 0 "dump" dump "$DUMP"
state=$(cat "$DUMP/sample-state" 2>/dev/null)
check "sample-state holds the last counter value ($state)" \
	sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$state" "$(last)"
expect 7 "monitor after dump: not running (7)" monitor
sleep 0.5
check "a dumped counter does not grow" [ "$(last)" = "$state" ]
expect 7 "dump when not running: not running (7)" dump "$DUMP"
expect 2 "restore without a directory: invalid argument (2)" restore
expect 1 "restore from a directory without state: error (1)" restore "$T"
expect 0 "restore" restore "$DUMP"
expect 0 "monitor after restore: running (0)" monitor
expect 1 "restore while running: error (1)" restore "$DUMP"
sleep 0.5
check "restored from the state: $state is followed by $((state + 1))" \
	sh -c 'grep -qx "$(($2 + 1))" "$1"' _ "$MNT/counter" "$state"
check "the whole file counts 1..$(last) without gap" consecutive
expect 0 "stop" stop
expect 7 "monitor: not running" monitor

# ---- options: agent_opt.interval and agent_opt.log ---------------------------
HANDOFF_OPT_interval=0.05 HANDOFF_OPT_log=$T/counter.log
export HANDOFF_OPT_interval HANDOFF_OPT_log
v5=$(last)
expect 0 "start with agent_opt.interval = 0.05 and agent_opt.log" start
unset HANDOFF_OPT_interval HANDOFF_OPT_log
sleep 1
check "it counts faster ($v5 -> $(last) in 1 s)" [ "$(last)" -ge $((v5 + 8)) ]
check "the counter's output goes to agent_opt.log" [ -f "$T/counter.log" ]
expect 0 "stop" stop

echo "1..$n"
[ "$failed" -eq 0 ]
