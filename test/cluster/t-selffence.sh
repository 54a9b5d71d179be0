#!/bin/bash
# t-selffence.sh - a self-fence stops what is in flight and outlives a
# restart of handoffd:
#  - the TARGET of a migration is cut off while its restore runs and keeps
#    the filesystem busy (a process with its cwd there, as criu reading its
#    images, and one left in its own session): the restore is cancelled,
#    the holder killed, the node unmounts and demotes; the majority takes
#    the resource over once the operator confirmed that node down (its
#    watchdog, a plain file, has no known timeout) and the stand-in never sees two
#    Primaries; the same for an owner cut off during its start;
#  - a self-fence that failed leaves the watchdog armed (no magic close at
#    exit), and a handoffd started again during it, after a stop or a
#    SIGKILL, fences again (marker in state_dir), keeping the deadline of
#    when the self-fence began (S1);
#  - a handoffd SIGKILLed during a self-fence and started again after its
#    deadline does not feed the watchdog at all (S1: the majority counts on
#    self_fence_timeout + the watchdog's timeout after the loss).
# The watchdog here is a plain file: its ioctls (the read-back timeout) are
# tested in the VM tier only (softdog).
. "$(dirname "$0")/lib.sh"
require_root

. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

# self_fence_timeout 3, fence_delay 8: 3 + watchdog_timeout 2 + token 1 +
# consensus 1.2 = 7.2 s < 8 (handoff.conf(5))
fault_cluster_up 3 "node1 node2 node3" 3 8
# a stand-in watchdog on every node, fed every second (reslib.sh)
file_watchdogs 3
echo "# the watchdog here is a plain file (no ioctls, timeout counted as 0): WDIOC_SETTIMEOUT/GETTIMEOUT on softdog are tested in the VM tier only"

fence_state() { ctl "$1" status --json | json 'd["self_fence"]["state"]'; }
fence_is() {   # NODE STATE
	local st
	st=$(fence_state "$1")
	echo "node$1 self-fence: $st"
	[ "$st" = "$2" ]
}
holds_nothing_on() {   # NODE: Secondary, not mounted there
	local role
	role=$(role_of "$1")
	echo "node$1: role $role, mounted: $(hc exec "$1" grep -c " $mnt " /proc/self/mounts)"
	[ "$role" = Secondary ] && ! hc exec "$1" grep -q " $mnt " /proc/self/mounts
}
owner() { status_line "$1" | cut -d'|' -f3; }
one_instance() {   # one Primary among the nodes, one counter
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$(echo $got | wc -w)" -eq 1 ] && [ "$(counters)" -eq 1 ]
}
last_byte() { hc exec "$1" tail -c 1 /run/handoff-wd | od -An -c | tr -d ' '; }

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "the counter runs on node1" counter_grows 1

# ---- the target is cut off while its restore holds the filesystem --------------------
: >"$faults/busy.restore.2"
: >"$faults/hold.restore.2"
ctl 3 migrate web node2 >"$_out" 2>&1 &
restore_runs() { test -e "$faults/busy.restore.2.started"; }
check "the migration to node2 reaches its restore" retry 20 restore_runs
hc isolate 2 >"$_out" 2>&1 || diag <"$_out"
rm -f "$faults/busy.restore.2" "$faults/hold.restore.2"
check "node2 self-fences within self_fence_timeout" retry 12 fence_is 2 fenced
check "node2 holds nothing: Secondary, unmounted" holds_nothing_on 2
check "node2 cancelled its restore" sh -c "'$HCLUSTER' logs 2 2>&1 | grep -q 'web: acquire cancelled (quorum lost): its running step'"
check "node2 killed what held the filesystem" sh -c "'$HCLUSTER' logs 2 2>&1 | grep -q 'web: the filesystem is busy: SIGKILL to pid'"
gone() {   # PID: dead (a zombie counts: PID 1 reaps late here)
	[ ! -e "/proc/$1" ] || awk '{ exit $3 != "Z" }' "/proc/$1/stat" 2>/dev/null
}
check "the holder left in its own session is gone" gone "$(cat "$faults/hold.restore.2.pid")"
check "node2 did not report the restore as a success" sh -c "! '$HCLUSTER' logs 2 2>&1 | grep -q 'web: STARTED (epoch [0-9]*)\$'"
running_in_majority() {
	local o
	o=$(status_line 1 | cut -d'|' -f2,3)
	echo "node1 sees web as $o"
	[ "$o" = "RUNNING|1" ] || [ "$o" = "RUNNING|3" ]
}
# the file watchdog's timeout is unknown, so to the majority node2 has no
# watchdog: no timer makes it fenced; it holds nothing (checked above), and
# the operator says so (issue 15)
check "the operator confirms node2 down (fence-confirm on node1)" confirm_fenced 2 1
check "the majority runs web once node2 is confirmed fenced" retry 40 running_in_majority
check "S1, S2: one Primary, one counter" one_instance
check "S1: the stand-in saw no second Primary" no_violations
wait
hc heal 2 >"$_out" 2>&1 || diag <"$_out"
check "after the heal all three agree" retry 40 all_agree
check "node2 is idle again" retry 20 fence_is 2 idle
check "node2's self-fence marker is gone" sh -c "! '$HCLUSTER' exec 2 test -e /var/lib/handoff/self-fence"
check "S1, S2 after the heal" one_instance
check "S1: no second Primary after the heal" no_violations

# ---- the same with a start in flight ----------------------------------------------------
check "stop web" ctl 1 stop web --wait=30
: >"$faults/busy.start.3"
ctl 1 start web node3 >"$_out" 2>&1 &
start_runs() { test -e "$faults/busy.start.3.started"; }
check "the start on node3 reaches the agent's start" retry 20 start_runs
hc isolate 3 >"$_out" 2>&1 || diag <"$_out"
rm -f "$faults/busy.start.3"
check "node3 self-fences within self_fence_timeout" retry 12 fence_is 3 fenced
check "node3 holds nothing: Secondary, unmounted" holds_nothing_on 3
check "node3 cancelled its start" sh -c "'$HCLUSTER' logs 3 2>&1 | grep -q 'web: start cancelled (quorum lost): its running step'"
# an owner lost during its start leaves the resource FAILED (no failover:
# the rsm's rule), so what is checked is that nothing runs anywhere
failed_in_majority() { status_line 1 | grep -q '^web|FAILED|.*owner node 3 left during start'; }
check "the majority marks web FAILED: its owner left during the start" retry 20 failed_in_majority
nothing_runs() {
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ -z "$got" ] && [ "$(counters)" -eq 0 ]
}
sleep 8   # past fence_delay, and past the end the 8 s start would have had
check "S1, S2: no node is Primary, no counter runs (node3's start never ended)" nothing_runs
check "S1: the stand-in saw no second Primary" no_violations
wait
hc heal 3 >"$_out" 2>&1 || diag <"$_out"
check "after the heal all three agree" retry 40 all_agree
check "node3 is idle again" retry 20 fence_is 3 idle
check "clean up web and start it on node1" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' cleanup web >/dev/null && '$HCLUSTER' exec 1 '$HANDOFFCTL' start web node1 --wait=30"
check "the counter runs on node1" counter_grows 1

# ---- a failed self-fence, and a handoffd started again during it ---------------------
x=$(owner 1)
others=$(for i in 1 2 3; do [ "$i" = "$x" ] || echo "node$i"; done)
for n in $others; do ctl "$x" standby "$n" >"$_out" 2>&1 || diag <"$_out"; done
: >"$faults/hang.stop.$x"
hc isolate "$x" >"$_out" 2>&1 || diag <"$_out"
check "node$x's self-fence fails (its stop hangs)" retry 15 fence_is "$x" failed
check "node$x wrote the self-fence marker" hc exec "$x" test -s /var/lib/handoff/self-fence
hc daemon "$x" stop >"$_out" 2>&1 || diag <"$_out"
wd_last=$(last_byte "$x")
check "handoffd stopped after a failed self-fence leaves the watchdog armed (last byte '$wd_last', not 'V')" test "$wd_last" != V
check "... and says so" sh -c "'$HCLUSTER' logs $x 2>&1 | grep -q 'leaving the watchdog armed (self-fence failed'"
rm -f "$faults/hang.stop.$x"
pkill -f "^sleep 299$" 2>/dev/null
check "node$x still holds web before the restart" sh -c "test \"\$('$HCLUSTER' exec $x '$STANDIN' role r0 | cut -d/ -f1)\" = Primary"
hc daemon "$x" start >"$_out" 2>&1 || diag <"$_out"
check "the restarted handoffd knows it was self-fencing" sh -c "'$HCLUSTER' logs $x 2>&1 | grep -q 'handoffd stopped during a self-fence'"
check "node$x self-fences again after the restart" retry 15 fence_is "$x" fenced
node_clean() { holds_nothing_on "$1" && [ "$(counters)" -eq 0 ]; }
check "node$x holds nothing: Secondary, unmounted, no counter" node_clean "$x"
check "S1: no second Primary" no_violations
hc daemon "$x" stop >"$_out" 2>&1 || diag <"$_out"
wd_last=$(last_byte "$x")
check "stopped while fenced and not quorate: the watchdog stays armed (last byte '$wd_last')" test "$wd_last" != V
hc daemon "$x" start >"$_out" 2>&1 || diag <"$_out"
hc heal "$x" >"$_out" 2>&1 || diag <"$_out"
check "after the heal node$x is idle and its marker gone" retry 30 sh -c "test \"\$('$HCLUSTER' exec $x '$HANDOFFCTL' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"self_fence\"][\"state\"])')\" = idle && ! '$HCLUSTER' exec $x test -e /var/lib/handoff/self-fence"
check "S1 after the heal" no_violations

# ---- handoffd killed (SIGKILL) while its self-fence runs --------------------------------
# killed_while_fencing: web runs on node$x again, its stop hangs, node$x is
# cut off, and its handoffd is killed (SIGKILL) while the self-fence runs
killed_while_fencing() {
	check "clean up web and start it on node$x again" sh -c "'$HCLUSTER' exec $x '$HANDOFFCTL' cleanup web >/dev/null; '$HCLUSTER' exec $x '$HANDOFFCTL' start web node$x --wait=30"
	: >"$faults/hang.stop.$x"
	hc isolate "$x" >"$_out" 2>&1 || diag <"$_out"
	check "node$x is self-fencing (its stop hangs)" retry 15 fence_is "$x" fencing
	hc daemon "$x" kill >"$_out" 2>&1 || diag <"$_out"
	rm -f "$faults/hang.stop.$x"
	pkill -f "^sleep 299$" 2>/dev/null
}
killed_while_fencing
check "the marker outlived the killed handoffd" hc exec "$x" test -s /var/lib/handoff/self-fence
check "node$x still holds web" sh -c "test \"\$('$HCLUSTER' exec $x '$STANDIN' role r0 | cut -d/ -f1)\" = Primary"
hc daemon "$x" start >"$_out" 2>&1 || diag <"$_out"
check "node$x self-fences after the restart" retry 15 fence_is "$x" fenced
check "... keeping the deadline of when the self-fence began" sh -c "'$HCLUSTER' logs $x 2>&1 | grep -q 'ms left of its self_fence_timeout'"
hc logs "$x" 2>&1 | grep -o 'the self-fence began [0-9]* ms ago.*' | tail -n 1 | diag
check "node$x holds nothing: Secondary, unmounted, no counter" node_clean "$x"
hc heal "$x" >"$_out" 2>&1 || diag <"$_out"
check "after the heal node$x is idle" retry 30 fence_is "$x" idle
check "S1 after the heal" no_violations

# ---- ... and started again after the self-fence's deadline: the watchdog is not fed ----
killed_while_fencing
sleep 4   # past self_fence_timeout (3 s) since the self-fence began
# emptied, since a handoffd that opens it writes from its start (no growth
# until past the old size): any feed now shows as a byte
hc exec "$x" truncate -s 0 /run/handoff-wd
wd_size() { hc exec "$1" stat -c %s /run/handoff-wd; }
hc daemon "$x" start >"$_out" 2>&1 || diag <"$_out"
check "the restarted handoffd says the deadline passed" retry 10 sh -c "'$HCLUSTER' logs $x 2>&1 | grep -q 'the self-fence deadline has passed (began [0-9]* ms ago'"
hc logs "$x" 2>&1 | grep -o 'the self-fence deadline has passed .*' | tail -n 1 | diag
sleep 3   # the file watchdog is fed every second while fed at all
wd_after=$(wd_size "$x")
check "S1: it does not feed the watchdog (emptied before the start, $wd_after bytes 3 s after)" test "$wd_after" = 0
fenced_or_failed() { fence_is "$1" fenced || fence_is "$1" failed; }
check "node$x self-fences all the same (its stops run)" retry 15 fenced_or_failed "$x"
check "node$x holds nothing: Secondary, unmounted, no counter" retry 10 node_clean "$x"
hc heal "$x" >"$_out" 2>&1 || diag <"$_out"
check "after the heal node$x is idle" retry 30 fence_is "$x" idle
check "S1 at the end" no_violations
finish
