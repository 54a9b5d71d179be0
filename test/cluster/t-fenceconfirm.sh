#!/bin/bash
# t-fenceconfirm.sh - without a watchdog no node is called fenced on a
# timer alone (issue 15): the owner of web is cut off; the majority does not
# take web over, not even long after fence_delay, and fence-peer says "not
# fenced", until an operator runs handoffctl fence-confirm on the quorate
# side; then web fails over at once, and every node logs the confirmation
# and records it in its history.  A lost owner that comes back holding
# nothing (it fenced itself) needs no confirmation.  A quorum that comes
# after the sync (no membership change) runs the failover decision again.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3" 1 4

one_on() {   # NODE: the only Primary, the only counter
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$got" = " $1" ] && [ "$(counters)" -eq 1 ]
}
nobody_primary_but() {   # NODE: no Primary on the other nodes
	local i
	for i in 1 2 3; do
		[ "$i" = "$1" ] && continue
		[ "$(role_of $i)" = Primary ] && { echo "node$i is Primary"; return 1; }
	done
	return 0
}

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "the counter grows on node1" counter_grows 1

# ---- the owner is cut off: no failover without a confirmation ----------------------------
hc isolate 1 >"$_out" 2>&1 || diag <"$_out"
check "node1 loses quorum" retry 30 quorate_is 1 false
check "the majority sees web FAILING_OVER to node2" retry 30 phase_is 2 FAILING_OVER 2
check "status says what it waits for" retry 10 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status | grep -q 'lost owners: node1 (NOT FENCED: handoffctl fence-confirm once it is down)'"
sleep 7   # fence_delay (4 s) and then some
check "long after fence_delay: still FAILING_OVER, not taken over" phase_is 3 FAILING_OVER 2
not_taken() { echo "node2: $(role_of 2), counters: $(counters)"; [ "$(role_of 2)" = Secondary ] && [ "$(counters)" -eq 0 ]; }
check "... node2 is not Primary, no counter runs" not_taken
check "fence-peer on node2 about node1: not fenced, no watchdog" \
	sh -c "out=\$('$HCLUSTER' exec 2 '$HANDOFFCTL' fence-peer node1); rc=\$?; echo \"exit \$rc: \$out\"; [ \$rc -eq 1 ] && echo \"\$out\" | grep -q 'has no watchdog'"
check "the handler waits for a confirmation, then says not fenced (exit 6)" \
	sh -c "'$HCLUSTER' exec 2 env HANDOFFCTL='$HANDOFFCTL' '$HANDOFF_SRCDIR/tools/handoff-fence-peer' --peer node1 --timeout 2; test \$? -eq 6"
check "stop is refused while it waits" expect_rejected 3 "waiting until node 1 is fenced" stop web
unprivileged_denied() {
	local out rc
	out=$(hc exec 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$HANDOFFCTL" fence-confirm node1 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -ne 0 ] && echo "$out" | grep -qi "permission denied\|not permitted"
}
check "fence-confirm by an unprivileged user is denied" unprivileged_denied
check "fence-confirm of a member is refused" expect_rejected 2 "quorate membership: it is not down" fence-confirm node3
check "fence-confirm from the cut-off node is refused" expect_rejected 1 "quorum gate is closed" fence-confirm node2
check "fence-confirm of the local node is refused" expect_rejected 2 "is this node" fence-confirm node2
check "S1: no second Primary so far" no_violations

t0=$(date +%s%N)
check "the operator confirms node1 down on node2" ctl 2 fence-confirm node1
check "web fails over to node2 at once" retry 20 phase_is 3 RUNNING 2
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# failover ${ms} ms after the confirmation (fence_delay 4000 ms is not waited)"
check "... without waiting fence_delay again (${ms} ms < 4000 ms)" test "$ms" -lt 4000
check "S1, S2: node2 alone is Primary and runs it" one_on 2
for i in 2 3; do
	check "node$i's history records the confirmation" \
		sh -c "'$HCLUSTER' exec $i '$HANDOFFCTL' history -d '|' | grep -q '^|0|fence-confirm|node2|node1|ok|.*node 1 confirmed down by an operator on node 2'"
	check "node$i logged it" sh -c "'$HCLUSTER' logs $i 2>&1 | grep -q 'FENCE_CONFIRM: node 1 confirmed down'"
done
check "history: then a failover from node1 to node2" \
	sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | grep -q '^web|[0-9]*|failover|node1|node2|ok|'"
check "fence-peer on node3 about node1: fenced, confirmed" \
	sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' fence-peer node1 | grep -q '^fenced: .*confirmed it down'"

hc heal 1 >"$_out" 2>&1 || diag <"$_out"
check "after the heal all three agree" retry 40 all_agree
check "web still runs on node2, and only there" retry 20 phase_is 1 RUNNING 2
check "S1, S2 after the heal" one_on 2

# ---- the lost owner comes back holding nothing: no confirmation needed ---------------------
hc isolate 2 >"$_out" 2>&1 || diag <"$_out"
check "node2 loses quorum" retry 30 quorate_is 2 false
check "the majority waits for node2 (FAILING_OVER to node1)" retry 30 phase_is 3 FAILING_OVER 1
fenced_on_2() { ctl 2 status --json | json 'd["self_fence"]["state"]' | grep -qx fenced; }
check "node2 fences itself" retry 20 fenced_on_2
sleep 5
check "no failover while node2 is away" phase_is 3 FAILING_OVER 1
check "... no Primary but node2's, which let go" nobody_primary_but 2
hc heal 2 >"$_out" 2>&1 || diag <"$_out"
check "node2 is back holding nothing: web fails over to node1" retry 40 phase_is 3 RUNNING 1
check "S1, S2: node1 alone is Primary and runs it" one_on 1

# ---- a quorum that comes late: the failover decision runs again ----------------------------
# node3, then node1 (the owner) die; node2 alone is not quorate, and its sync
# fails nothing over.  Then its quorum comes without any membership change
# (the operator lowers expected_votes): it asks for a new sync, and web's
# failover is decided now (it waits for node1's confirmation, as above),
# not at the next membership change (issue 15, point 7).
crash 3
check "node3 gone, web still RUNNING on node1" retry 30 phase_is 2 RUNNING 1
crash 1
check "node2 alone is not quorate" retry 30 quorate_is 2 false
check "... and decided nothing: web RUNNING, its owner node1 lost" retry 20 phase_is 2 RUNNING 1
sleep 5   # fence_delay (4 s): nothing happens without quorum
check "still RUNNING on the lost node1" phase_is 2 RUNNING 1
hc exec 2 corosync-quorumtool -e 1 >"$_out" 2>&1 || diag <"$_out"
check "node2 is quorate now (expected_votes 1), in the same ring" retry 20 quorate_is 2 true
check "it asks for a new sync" retry 10 sh -c "'$HCLUSTER' logs 2 2>&1 | grep -q 'after the last sync went without quorum: asking every member for a new sync'"
check "the new sync decides web's failover: FAILING_OVER to node2" retry 20 phase_is 2 FAILING_OVER 2
check "the operator confirms node1 down" confirm_fenced 1 2
check "web runs on node2" retry 20 phase_is 2 RUNNING 2
check "node2 alone is Primary and runs it" one_on 2
check "S1 at the end" no_violations
finish
