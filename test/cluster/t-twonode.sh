#!/bin/bash
# t-twonode.sh - a 2-node cluster (votequorum two_node, which implies
# wait_for_all) split without a tie-breaker: both halves stay quorate, so
# neither may promote what the other ran: the owner keeps running it, the
# other side does not fail it over, fence-peer does not call the other
# side fenced, and the stand-in sees no second Primary.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 2 "node1 node2" 1 4

two_agree() {
	local a b
	a=$(status_line 1) && b=$(status_line 2) || return 1
	echo "$a / $b"
	[ "$a" = "$b" ]
}
check "corosync runs with two_node and wait_for_all" \
	sh -c "'$HCLUSTER' exec 1 corosync-quorumtool -s | grep -q '2Node' && '$HCLUSTER' exec 1 corosync-quorumtool -s | grep -q 'WaitForAll'"
check "both nodes agree: web STOPPED" retry 30 two_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "the counter grows on node1" counter_grows 1

hc isolate 1 >"$_out" 2>&1 || diag <"$_out"
check "node2 sees node1 leave" retry 30 sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' members -d ' ' | wc -l | grep -qx 1"
check "... node1" quorate_is 1 true
check "... node2" quorate_is 2 true
sleep 8   # detection plus fence_delay (4 s) and then some
check "node2 did not fail web over: its owner is still node1 (lost)" \
	sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -q '^web|RUNNING|1|'"
check "node1 did not fence itself and still runs it" counter_grows 1
check "exactly one counter" test "$(counters)" -eq 1
check "node2 is not Primary" sh -c "test \"\$('$HCLUSTER' exec 2 '$STANDIN' role r0 | cut -d/ -f1)\" = Secondary"
check "node2's log says why" sh -c "'$HCLUSTER' logs 2 2>&1 | grep -q 'no failover from this side'"
# DRBD's fence-peer handler must not call the peer fenced either: it runs on
# (issue 15, point 5)
check "fence-peer on node2 about node1: not fenced (two_node split)" \
	sh -c "out=\$('$HCLUSTER' exec 2 '$HANDOFFCTL' fence-peer node1); rc=\$?; echo \"exit \$rc: \$out\"; [ \$rc -eq 1 ] && echo \"\$out\" | grep -q 'quorate only thanks to two_node'"
check "... handoff-fence-peer exits 6 at once" \
	sh -c "'$HCLUSTER' exec 2 env HANDOFFCTL='$HANDOFFCTL' '$HANDOFF_SRCDIR/tools/handoff-fence-peer' --peer node1 --timeout 20; test \$? -eq 6"
check "fence-confirm is refused there: this half is not quorate for failover" \
	expect_rejected 2 "was not quorate at the last sync" fence-confirm node1
check "S1: the stand-in saw no second Primary" no_violations
hc heal 1 >"$_out" 2>&1 || diag <"$_out"
check "after the heal both agree: web RUNNING on node1" retry 40 sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -q '^web|RUNNING|1|'"
check "S1 at the end" no_violations

# a fence_delay that does not cover corosync's detection is refused
short=$(hc path 2)/etc/handoff/short.conf
printf '[cluster]\nself_fence_timeout = 1\nfence_delay = 2\ncpg_group = short\n' >"$short"
refused() {
	local out rc
	out=$(timeout 20 "$HCLUSTER" exec 2 "$HANDOFFD" -f -c /etc/handoff/short.conf 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "fence_delay (2000 ms) must be longer than self_fence_timeout (1000 ms) + the watchdog's timeout (0 ms) + corosync's token (1000 ms) + consensus (1200 ms) = 3200 ms"
}
hc daemon 2 stop >"$_out" 2>&1 || diag <"$_out"
check "handoffd refuses a fence_delay shorter than self_fence_timeout + token + consensus" refused
finish
