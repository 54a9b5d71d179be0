#!/bin/bash
# t-maintenance.sh - maintenance (issue 17, doc/protocol.md rules 33-35):
# a resource in maintenance is neither monitored nor acted on (a killed
# workload stays dead, requests are refused), across a restart of every
# handoffd; leaving maintenance probes and adopts what runs (nothing runs:
# started again; it runs: adopted, not started twice); a node in
# maintenance whose handoffd dies is not failed over; --all covers every
# resource.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

# checked every second: a dead workload would be restarted at once
monitored_web_up 1 3
maint_is() {        # 0|1 [WHY]: every node's status -d says web is (not) in maintenance
	local i got
	for i in 1 2 3; do
		got=$(field "$i" 10-11)
		case "$got" in
		"$1|${2:-}"*) ;;
		*) echo "node $i: web's maintenance is '$got', expected '$1|${2:-}...'"; return 1 ;;
		esac
	done
}
stays() {           # SECONDS PHASE OWNER: node 3 sees web so all that time
	local t
	for t in $(seq 1 "$1"); do
		phase_is 3 "$2" "$3" || return 1
		sleep 1
	done
}
runs_n() { local n; n=$(counters); echo "counters: $n"; [ "$n" -eq "$1" ]; }
history_has() {     # PATTERN: node 2's history -d holds a line matching it
	ctl 2 history -d '|' | grep -q "$1" || { ctl 2 history -d '|'; return 1; }
}

check "start web on node1" ctl 1 start web node1 --wait=30
check "RUNNING on node1 everywhere" retry 20 all_agree

# ---- a resource in maintenance ------------------------------------------------------------
check "maintenance on web" ctl 2 maintenance on web
check "... every node says so (status -d)" retry 10 maint_is 1 "web is in maintenance"
check "... the table shows it loudly" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status |
	grep -q '^MAINTENANCE: 0 nodes, 1 resource' &&
	'$HCLUSTER' exec 3 '$HANDOFFCTL' status | grep -q '^web .*  MAINT$'"
check "... and in JSON" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' status --json |
	grep -q '\"maintenance_why\": \"web is in maintenance\"'"
check "... history says who asked" history_has '^web|[0-9]*|maintenance|node2|[^|]*|ok|.*maintenance on: web'
check "kill -9 web's workload" kill_workload
check "... nothing restarts it: RUNNING on node1 for 6 s, no failure counted" stays 6 RUNNING 1
check "... nothing runs" runs_n 0
check "... no failure counted" test "$(field 2 6)" = 0
check "a migration is refused, with the reason" expect_rejected 1 "web is in maintenance" migrate web node2
check "a stop is refused" expect_rejected 3 "maintenance off" stop web

# leaving maintenance probes first: nothing runs, so it is started again
e=$(field 1 4)
check "maintenance off web" ctl 1 maintenance off web
check "... probed and started again on node1" retry 30 phase_is 3 RUNNING 1
epoch_after() { local got; got=$(field 3 4); echo "epoch $got"; [ "$got" -gt "$1" ]; }
check "... at a later epoch" retry 10 epoch_after "$e"
check "... it runs, counting" retry 10 counter_grows 1
check "... once" runs_n 1
check "... every node says it is out of maintenance" retry 10 maint_is 0
check "... history: maintenance off" history_has '^web|[0-9]*|maintenance|node1|[^|]*|ok|.*maintenance off: web'

# survives a restart of every handoffd (each node's local-state, then STATE)
check "maintenance on web again" ctl 3 maintenance on web
hc daemon all kill >"$_out" 2>&1 || diag <"$_out"
hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not restart"; }
check "every handoffd restarted: web still in maintenance" retry 30 maint_is 1 "web is in maintenance"
check "... the workload was left alone: it runs once, on node1" runs_n 1
check "... still Primary on node1" test "$(role_of 1)" = Primary
# leaving maintenance probes first: it runs on node1, so it is adopted there
check "maintenance off web" ctl 1 maintenance off web
check "... probed: what runs on node1 is adopted" retry 30 phase_is 3 RUNNING 1
check "... every node agrees" retry 20 all_agree
check "... not started twice" runs_n 1
check "... counting" counter_grows 1

# ---- a node in maintenance whose handoffd dies ----------------------------------------
check "maintenance on node1" ctl 3 maintenance on node1
check "... members shows it" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' members -d '|' | grep -q '^1|[0-9]*|node1|handoffd|1$'"
check "... status: node1 MAINTENANCE, web through its owner" retry 10 maint_is 1 "its owner, node 1, is in maintenance"
hc daemon 1 kill >"$_out" 2>&1 || diag <"$_out"
lost_owner() { status_line 3 | grep -q '^web|RUNNING|1|'; }
check "node1's handoffd killed: node3 sees web RUNNING on node1, no failover" retry 20 lost_owner
check "... for 6 s" stays 6 RUNNING 1
check "... the workload runs on, once, on node1" runs_n 1
check "... S1: node1 the only Primary" sh -c "test \"\$('$HCLUSTER' exec 2 '$STANDIN' role r0 | cut -d/ -f1)\" != Primary &&
	test \"\$('$HCLUSTER' exec 3 '$STANDIN' role r0 | cut -d/ -f1)\" != Primary"
hc daemon 1 start >"$_out" 2>&1 || diag <"$_out"
check "node1's handoffd back: web still RUNNING on node1" retry 30 phase_is 1 RUNNING 1
check "maintenance off node1" ctl 2 maintenance off node1
check "... probed: what runs on node1 is adopted" retry 30 maint_is 0
check "... RUNNING on node1 everywhere" retry 20 all_agree
check "... not started twice" runs_n 1

# ---- the whole cluster --------------------------------------------------------------------
check "maintenance on --all" ctl 1 maintenance on --all
check "... the banner says the whole cluster" retry 10 sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status |
	grep -q '^MAINTENANCE: the whole cluster'"
check "... every node says so" retry 10 maint_is 1 "the cluster is in maintenance"
check "kill -9 web's workload" kill_workload
check "... nothing restarts it" stays 5 RUNNING 1
check "... nothing runs" runs_n 0
check "a cleanup is refused" expect_rejected 2 "the cluster is in maintenance" cleanup web
check "maintenance off --all" ctl 2 maintenance off --all
check "... started again on node1" retry 30 phase_is 3 RUNNING 1
check "... once, counting" retry 10 counter_grows 1
check "... once" runs_n 1
check "a bad target is refused" expect_rejected 1 "neither a resource nor a node" maintenance on nosuch
check "no invariant was violated" no_violations
finish
