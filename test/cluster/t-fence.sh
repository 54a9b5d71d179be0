#!/bin/bash
# t-fence.sh - self-fencing: the owner of a resource cut off from the
# majority stops, unmounts and demotes within self_fence_timeout and says
# so; its watchdog (a plain file: no timeout known) does not make it fenced
# on a timer, so the majority takes the resource over only once an operator
# runs fence-confirm (issue 15); after the heal exactly one instance runs and the stand-in saw no second Primary; a
# stop that hangs during a self-fence is reported as a failed self-fence.
. "$(dirname "$0")/lib.sh"
require_root

. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3" 3 6
# a stand-in watchdog on every node, fed every second (reslib.sh)
file_watchdogs 3
wd_size() { hc exec "$1" stat -c %s /run/handoff-wd; }

fence_state() { ctl "$1" status --json | json 'd["self_fence"]["state"]'; }
fenced_on_1() {
	local st
	st=$(fence_state 1)
	echo "node1 self-fence: $st"
	[ "$st" = fenced ]
}
holds_nothing() {   # NODE: not Primary, not mounted, no counter
	local role
	role=$(role_of "$1")
	echo "role $role, counters $(counters)"
	[ "$role" = Secondary ] && ! hc exec "$1" grep -q " $mnt " /proc/self/mounts && [ "$(counters)" -eq 0 ]
}

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "the counter runs on node1" counter_grows 1
check "self-fence is idle while quorate" test "$(fence_state 1)" = idle

# ---- the owner is cut off ----------------------------------------------------------
hc isolate 1 >"$_out" 2>&1 || diag <"$_out"
check "node1 loses quorum" retry 30 quorate_is 1 false
check "node1 self-fences within self_fence_timeout (3 s)" retry 10 fenced_on_1
check "node1 holds nothing: Secondary, unmounted, no counter" holds_nothing 1
check "status on node1 says it self-fenced" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' status | grep -q 'SELF-FENCED in [0-9]* ms'"
check "handoffd logged the self-fence" sh -c "'$HCLUSTER' logs 1 2>&1 | grep -q 'self-fenced in'"
check "the majority stays quorate" quorate_is 2 true
# The file watchdog has no ioctls, so its timeout is unknown: to the
# others node1 has no watchdog, and no timer makes it fenced (S1, S2).
check "the majority's status shows node1 not fenced: no watchdog, no timer" \
	retry 15 sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status | grep -E '^ +1 +node1 +no +-, NOT FENCED \\(no watchdog\\)'"
one_on() {   # NODE: the only Primary, the only counter
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$got" = " $1" ] && [ "$(counters)" -eq 1 ]
}
FENCE_PEER=$HANDOFF_SRCDIR/tools/handoff-fence-peer
fence_peer() {   # NODE PEER WANT-EXIT: handoff-fence-peer on NODE about PEER exits WANT-EXIT
	local out rc
	out=$(hc exec "$1" env HANDOFFCTL="$HANDOFFCTL" "$FENCE_PEER" --peer "$2" --timeout 15 2>&1); rc=$?
	echo "exit $rc: $out"
	[ "$rc" -eq "$3" ]
}
check "fence-peer on node2 about node3 (a quorate member): not fenced, exit 6" fence_peer 2 node3 6
check "fence-peer on node1 (not quorate) about node2: not fenced, exit 6" fence_peer 1 node2 6
sleep 7   # fence_delay (6 s) has passed since node1 left
check "fence-peer on node2 about node1 after fence_delay: still not fenced (no watchdog)" \
	sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' fence-peer node1 | grep -q '^not fenced: node 1 left [0-9]* ms ago and has no watchdog'"
check "no failover on a timer alone: web still FAILING_OVER" phase_is 2 FAILING_OVER 2
check "the operator confirms node1 down (fence-confirm on node2)" confirm_fenced 1 2
check "fence-peer on node2 about node1: fenced once confirmed, exit 7" fence_peer 2 node1 7
check "... and it says why" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' fence-peer node1 | grep -q '^fenced: node 1 left the quorate membership [0-9]* ms ago and an operator confirmed it down'"
check "the majority takes web over once confirmed: RUNNING on node2" retry 30 phase_is 2 RUNNING 2
check "S1, S2: node2 alone is Primary and runs it" one_on 2
check "S1: the stand-in saw no second Primary" no_violations

# ---- the heal ------------------------------------------------------------------------
hc heal 1 >"$_out" 2>&1 || diag <"$_out"
check "after the heal all three agree" retry 40 all_agree
check "node1 is quorate again, self-fence idle" retry 20 sh -c "test \"\$('$HCLUSTER' exec 1 '$HANDOFFCTL' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"self_fence\"][\"state\"])')\" = idle"
check "web still runs on node2, and only there" retry 20 phase_is 1 RUNNING 2
check "S1, S2 after the heal" one_on 2
check "S1: no second Primary after the heal" no_violations
check "history: a failover from node1 to node2" \
	sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | grep -q '^web|[0-9]*|failover|node1|node2|ok|'"

# ---- a stop that hangs while self-fencing ---------------------------------------------
# node1 and node3 in standby: the majority has no one to fail over to, so
# the hung node's workload is the only one (the watchdog, not this test, is
# what would reset that node)
check "node1 and node3 in standby" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' standby node1 >/dev/null && '$HCLUSTER' exec 3 '$HANDOFFCTL' standby node3 >/dev/null"
: >"$faults/hang.stop.2"
hc isolate 2 >"$_out" 2>&1 || diag <"$_out"
failed_on_2() {
	local st
	st=$(fence_state 2)
	echo "node2 self-fence: $st"
	[ "$st" = failed ]
}
wd_fed() {   # NODE: the watchdog file grows
	local a b
	a=$(wd_size "$1"); sleep 6; b=$(wd_size "$1")
	echo "watchdog fed: $a -> $b bytes"
	[ "$b" -gt "$a" ]
}
check "node2 reports a failed self-fence when its stop hangs past self_fence_timeout" retry 15 failed_on_2
wd_starved() {
	local a b
	a=$(wd_size 2); sleep 11; b=$(wd_size 2)
	echo "watchdog after the failed self-fence: $a -> $b bytes"
	[ "$b" -eq "$a" ]
}
check "node2 no longer feeds its watchdog (it would reset the machine)" wd_starved
check "node3 still feeds its own" wd_fed 3
check "status on node2 names it" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status | grep -q 'SELF-FENCE FAILED: 1 stop still running after self_fence_timeout (3 s)'"
check "handoffd logged it as critical" sh -c "'$HCLUSTER' logs 2 2>&1 | grep -q 'self-fence FAILED'"
check "the majority found no node to take it over: FAILED there" retry 20 sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' status -d '|' | grep -q '^web|FAILED|'"
check "S1: no second Primary" no_violations
rm -f "$faults/hang.stop.2"
pkill -f "^sleep 299$" 2>/dev/null
hc heal 2 >"$_out" 2>&1 || diag <"$_out"
check "after the heal all three agree again" retry 40 all_agree
check "S1 at the end" no_violations
finish
