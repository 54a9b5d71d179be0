#!/bin/bash
# t-failover.sh - the owner dies: the next eligible node takes the resource
# over (cold, or from a dump that is complete and not consumed), exactly one
# instance runs, and history says which.  These nodes have no watchdog, so
# a dead node counts as fenced once the operator says so (confirm_fenced:
# handoffctl fence-confirm), as a user without a watchdog would
# (t-fenceconfirm.sh shows the wait).
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

TOKEN=1000
fault_cluster_up 3 "node1 node2 node3" 1 4 --token $TOKEN

newest() {   # NODE: kind|source|target|ok|result of the newest history entry
	ctl "$1" history web --json | json '"%(kind)s|%(source)s|%(target)s|%(ok)s|%(result)s" % d["history"][0]'
}
one_primary_on() {
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$got" = " $1" ] && [ "$(counters)" -eq 1 ]
}

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "the counter grows on node1" counter_grows 1

# ---- the owner crashes -------------------------------------------------------------
t0=$(date +%s%N)
crash 1
check "the operator confirms node1 down" confirm_fenced 1
running_on_2() { phase_is 2 RUNNING 2; }
check "web runs on node2, the next by preference" retry 30 running_on_2
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# failover: ${ms} ms from the kill to RUNNING on node2 (corosync token $TOKEN ms, then the confirmation, plus the drivers)"
check "exactly one Primary (node2) and one counter" one_primary_on 2
check "the counter grows on node2" counter_grows 2
check "history: a failover from node1 to node2, a cold start (no dump)" \
	sh -c "out=\$('$HCLUSTER' exec 3 '$HANDOFFCTL' history web --json | python3 -c 'import json,sys; e=json.load(sys.stdin)[\"history\"][0]; print(e[\"kind\"], e[\"source\"], e[\"target\"], e[\"ok\"], e[\"result\"])'); echo \"\$out\"; echo \"\$out\" | grep -q '^failover 1 2 True cold start'"
check "S1: the stand-in saw no second Primary" no_violations
hc start 1 >"$_out" 2>&1 || diag <"$_out"
hc daemon 1 start >"$_out" 2>&1 || diag <"$_out"
check "node1 rejoins; every node agrees" retry 40 all_agree
check "web still runs on node2" retry 20 phase_is 1 RUNNING 2
check "node1 holds nothing after its rejoin" sh -c "test \"\$('$HCLUSTER' exec 1 '$STANDIN' role r0 | cut -d/ -f1)\" = Secondary"

# ---- the source dies mid-migration after its dump: the dump is restored ---------------
# node2's demote hangs after the dump, the complete marker and the umount
touch "$state_dir/hang.2.secondary"
ctl 3 migrate web node1 >"$_out" 2>&1 || diag <"$_out"
releasing() { phase_is 1 RELEASING 2; }
check "migration to node1 reaches RELEASING" retry 20 releasing
complete_marker() { hc exec 3 sh -c "true"; test -n "$(ls "$work")"; }
waiting_in_demote() { pgrep -f "^sleep 298$" >/dev/null; }
check "the source hangs in its demote" retry 20 waiting_in_demote
rm -f "$state_dir/hang.2.secondary"
crash 2
check "the operator confirms node2 down" confirm_fenced 2
failed_over() { phase_is 1 RUNNING 1; }
check "web runs again, on node1 (the migration's target takes it over)" retry 30 failed_over
check "from the dump: history says 'restored from the dump of epoch N'" \
	sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | tee /dev/stderr | grep -q '|failover|node2|node1|ok|.*restored from the dump of epoch'"
check "exactly one Primary (node1) and one counter" one_primary_on 1
check "the dump is now consumed by node1" sh -c "'$HCLUSTER' exec 1 cat '$mnt/.handoff/dump/consumed' | grep -q 'node 1'"
check "S1: no second Primary" no_violations

# ---- only the owner's handoffd dies: its corosync, and its workload, live on ------------
hc daemon 1 kill >"$_out" 2>&1 || diag <"$_out"
not_taken() { status_line 3 | grep -q '^web|FAILING_OVER|[0-9]*|[0-9]*|waiting until node 1 is fenced'; }
check "node3 does not take it over: it waits for node1 to be fenced" retry 30 not_taken
check "node1 cannot be confirmed down: it is still a corosync member" \
	expect_rejected 3 "in corosync's quorate membership" fence-confirm node1
check "the counter still runs, once, on node1" test "$(counters)" -eq 1
check "S1: no second Primary" no_violations
hc daemon 1 start >"$_out" 2>&1 || diag <"$_out"
check "node1's handoffd back: the running workload is adopted there" retry 30 phase_is 3 RUNNING 1
check "exactly one Primary (node1) and one counter" one_primary_on 1

# ---- the target dies during its restore: the consumed dump is never restored (S3) -------
hc start 2 >"$_out" 2>&1 || diag <"$_out"
hc daemon 2 start >"$_out" 2>&1 || diag <"$_out"
check "node2 is back; every node agrees" retry 40 all_agree
: >"$faults/hang.restore.2"
ctl 3 migrate web node2 >"$_out" 2>&1 || diag <"$_out"
restoring() { phase_is 3 RESTORING 1; }
check "the migration to node2 reaches RESTORING (its restore hangs)" retry 20 restoring
check "node2 wrote the consumed marker before its restore" \
	retry 10 sh -c "'$HCLUSTER' exec 2 cat '$mnt/.handoff/dump/consumed' | grep -q 'node 2'"
rm -f "$faults/hang.restore.2"
crash 2
check "the operator confirms node2 down" confirm_fenced 2
check "web runs again on node1, the first eligible" retry 30 phase_is 3 RUNNING 1
check "started cold: the dump node2 consumed was not restored again" \
	sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | tee /dev/stderr | grep -q '|failover|node2|node1|ok|.*cold start (the dump of epoch [0-9]* was restored already (by node 2'"
check "exactly one Primary (node1) and one counter" one_primary_on 1
check "S1: no second Primary" no_violations

# ---- the node dies while it is self-fencing --------------------------------------------
hc start 2 >"$_out" 2>&1 || diag <"$_out"
hc daemon 2 start >"$_out" 2>&1 || diag <"$_out"
check "node2 is back again; every node agrees" retry 40 all_agree
: >"$faults/hang.stop.1"
hc isolate 1 >"$_out" 2>&1 || diag <"$_out"
fencing_on_1() { ctl 1 status --json | json 'd["self_fence"]["state"]' | grep -qx fencing; }
check "node1, cut off, is self-fencing (its stop hangs)" retry 20 fencing_on_1
crash 1
rm -f "$faults/hang.stop.1"
check "the operator confirms node1 down" confirm_fenced 1
check "the majority runs web on node2" retry 40 phase_is 3 RUNNING 2
check "exactly one Primary (node2) and one counter" one_primary_on 2
check "S1 at the end" no_violations
finish
