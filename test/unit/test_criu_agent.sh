#!/bin/sh
# The criu agent's verbs, without a cluster (TAP).  dump and restore run only
# where criu works on the running kernel; elsewhere they are reported as
# skipped with criu's own reason.
AGENT=${HANDOFF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/agents/handoff-criu-agent
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# expect CODE DESCRIPTION CMD...: the command exits CODE
expect() {
	want=$1 desc=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, expected $want)"; echo "$out" | sed 's/^/#   /'; fi
}

mnt=$(mktemp -d /tmp/handoff-criu-agent.XXXXXX)
trap 'HANDOFF_OPT_require_criu_check=no "$AGENT" stop >/dev/null 2>&1; rm -rf "$mnt"' EXIT
export HANDOFF_RESOURCE=t HANDOFF_MOUNT=$mnt HANDOFF_DUMP_DIR=.handoff
export HANDOFF_COMMAND="sleep 1000"

expect 0 "meta" "$AGENT" meta
"$AGENT" meta | grep -q "verbs: start stop monitor check dump restore meta" && ok "meta lists the verbs" || not_ok "meta lists the verbs"
expect 2 "no verb is an invalid argument" "$AGENT"
expect 3 "an unknown verb is unimplemented" "$AGENT" frobnicate
expect 2 "dump needs a directory" "$AGENT" dump
expect 6 "no HANDOFF_MOUNT: not configured" env -u HANDOFF_MOUNT "$AGENT" monitor
expect 7 "monitor before start: not running" "$AGENT" monitor

# criu that cannot work: start refuses, saying why
out=$(HANDOFF_OPT_criu=/bin/false "$AGENT" start 2>&1); rc=$?
if [ $rc -eq 5 ] && echo "$out" | grep -q "criu cannot checkpoint on this kernel"; then
	ok "a failing criu check refuses the start and says why"
else
	not_ok "a failing criu check refuses the start and says why (exit $rc)"; echo "$out" | sed 's/^/#   /'
fi
out=$(HANDOFF_OPT_criu=/nonexistent/criu "$AGENT" start 2>&1); rc=$?
[ $rc -eq 5 ] && echo "$out" | grep -q "criu is not installed" && ok "a missing criu is named" ||
	{ not_ok "a missing criu is named (exit $rc)"; echo "$out" | sed 's/^/#   /'; }
expect 7 "nothing was started by the refused starts" "$AGENT" monitor

export HANDOFF_OPT_require_criu_check=no
expect 0 "start with require_criu_check = no" "$AGENT" start
expect 0 "monitor: running" "$AGENT" monitor
read -r pid boot <"$mnt/.handoff/criu-agent.pid"
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] && ok "the workload is a session leader" || not_ok "the workload is a session leader"
expect 0 "start again: idempotent" "$AGENT" start
read -r pid2 boot <"$mnt/.handoff/criu-agent.pid"
[ "$pid" = "$pid2" ] && ok "the same workload still runs" || not_ok "the same workload still runs ($pid, $pid2)"
expect 0 "stop" "$AGENT" stop
kill -0 "$pid" 2>/dev/null && [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$pid/status)" != Z ] &&
	not_ok "the workload is gone after stop" || ok "the workload is gone after stop"
expect 7 "monitor after stop: not running" "$AGENT" monitor
expect 0 "stop again: idempotent" "$AGENT" stop

expect 0 "start for a crash" "$AGENT" start
read -r pid boot <"$mnt/.handoff/criu-agent.pid"
kill -9 "$pid"; sleep 0.3
expect 1 "monitor after kill -9: failed" "$AGENT" monitor
expect 0 "stop cleans up after a crash" "$AGENT" stop
expect 2 "restore without a dump is refused" "$AGENT" restore "$mnt/nodump"

# dump and restore need a criu that works on this kernel
if why=$("$AGENT" check 2>&1); then
	expect 0 "start a workload to checkpoint" "$AGENT" start
	expect 0 "criu dump" "$AGENT" dump "$mnt/dump"
	expect 7 "after the dump it no longer runs" "$AGENT" monitor
	expect 0 "criu restore" "$AGENT" restore "$mnt/dump"
	expect 0 "after the restore it runs again" "$AGENT" monitor
else
	for t in "criu dump" "criu restore"; do skip "$t" "$why"; done
fi
echo "1..$n"
[ $failed -eq 0 ]
