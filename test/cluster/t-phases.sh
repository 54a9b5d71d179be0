#!/bin/bash
# t-phases.sh - a migration's source or target dies in each phase: the
# phase decides (doc/failover.md), the workload ends up running exactly
# once, and never from a dump that was consumed.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3" 1 4

revive() {   # NODE: corosync and handoffd back; the cluster agrees
	hc start "$1" >"$_out" 2>&1 || diag <"$_out"
	hc daemon "$1" start >"$_out" 2>&1 || diag <"$_out"
	retry 40 all_agree
}
once_on() {   # NODE: RUNNING there, the only Primary, one counter, no violation
	local i got=""
	retry 40 phase_is 3 RUNNING "$1" || return 1
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$got" = " $1" ] && [ "$(counters)" -eq 1 ] && no_violations
}
in_phase() { phase_is 3 "$1" "$2"; }

check "start web on node1" ctl 1 start web node1 --wait=30

# PREPARING, the target dies: nothing was dumped, it runs on the source
: >"$faults/slow.meta.2"
ctl 3 migrate web node2 >"$_out" 2>&1 || diag <"$_out"
check "PREPARING (the target's readiness is slow)" retry 10 in_phase PREPARING 1
crash 2
rm -f "$faults/slow.meta.2"
check "target died in PREPARING: web runs once, on the source node1" once_on 1
check "revive node2" revive 2

# PREPARING, the source dies: nobody runs it; failover, cold
: >"$faults/slow.meta.2"
ctl 3 migrate web node2 >"$_out" 2>&1 || diag <"$_out"
check "PREPARING again" retry 10 in_phase PREPARING 1
crash 1
rm -f "$faults/slow.meta.2"
check "the operator confirms node1 down (it has no watchdog)" confirm_fenced 1
check "source died in PREPARING: web runs once, on node2" once_on 2
check "... started cold (nothing was dumped)" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | grep -q '|failover|node1|node2|ok|.*|cold start' || { '$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|'; exit 1; }"
check "revive node1" revive 1

# RESTORING, the source dies: the target goes on alone
: >"$faults/slow.restore.1"
ctl 3 migrate web node1 >"$_out" 2>&1 || diag <"$_out"
check "RESTORING (the target's restore is slow)" retry 20 in_phase RESTORING 2
crash 2
check "source died in RESTORING: web runs once, on the target node1" once_on 1
check "... as a migration, not a failover" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | grep -q '|migration|node2|node1|ok|.*|migrated'"
rm -f "$faults/slow.restore.1"
check "revive node2" revive 2

# RELEASING, the target dies: the source's own report decides (its demote
# is slow, and then succeeds: RELEASED with no target: failover, from the dump)
: >"$state_dir/hang.1.secondary"
ctl 3 migrate web node2 >"$_out" 2>&1 || diag <"$_out"
check "RELEASING (the source's demote hangs)" retry 20 in_phase RELEASING 1
crash 2
rm -f "$state_dir/hang.1.secondary"
pkill -f "^sleep 298$"     # the source's demote goes on (as if it had been slow)
check "target died in RELEASING: web runs once (source or its next node)" \
	retry 40 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status -d '|' | grep -q '^web|RUNNING|'"
owner=$(status_line 3 | cut -d'|' -f3)
check "... exactly once, on node$owner" once_on "$owner"
check "S1 at the end" no_violations
finish
