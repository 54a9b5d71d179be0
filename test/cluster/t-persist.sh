#!/bin/bash
# t-persist.sh - admin state that survives restarts (issue 17;
# doc/protocol.md rules 23 and 24): a node in standby stays in standby when
# its handoffd restarts; a standby cleared while the node was away wins
# over the node's own file when it comes back; the history survives a
# restart of one handoffd and of every handoffd, on every node.  Before,
# the node came back eligible and the history was empty after a restart.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3"

standby_is() {   # SEEN-FROM NODEID True|False
	local got
	got=$(ctl "$1" status --json | json "[n['standby'] for n in d['nodes'] if n['nodeid'] == $2][0]")
	echo "node $1 says node $2 standby: $got"
	[ "$got" = "$3" ]
}
everywhere() {   # CHECK ARGS...: CHECK SEEN-FROM ARGS... holds on every node
	local i
	for i in 1 2 3; do "$1" "$i" "${@:2}" || return 1; done
}
migration_listed() {   # NODE: node1 -> node2 is in its history
	ctl "$1" history web -d '|' | tee /dev/stderr | grep -q '|migration|node1|node2|ok|'
}
kept() {   # NODE PATTERN: a line of its local-state file
	hc exec "$1" grep -Eq "$2" /var/lib/handoff/local-state
}
restart_daemon() {
	hc daemon "$1" stop >"$_out" 2>&1 || diag <"$_out"
	hc daemon "$1" start >"$_out" 2>&1 || { diag <"$_out"; return 1; }
}

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30

# ---- standby survives a restart of the node's handoffd -----------------------------
check "standby node2" ctl 1 standby node2
check "every node sees node2 in standby" retry 10 everywhere standby_is 2 True
check "node2 keeps it in /var/lib/handoff/local-state" retry 10 kept 2 '^node 2 1 [0-9]+$'
check "restart node2's handoffd" restart_daemon 2
check "node2 is still in standby, on every node (node2 too)" retry 20 everywhere standby_is 2 True
check "node2 is not a migration target" expect_rejected 3 "node 2 may not run web: it is in standby" migrate web node2

# ---- standby cleared while the node was away wins --------------------------------
hc daemon 2 stop >"$_out" 2>&1 || diag <"$_out"
check "unstandby node2 while its handoffd is down" ctl 1 unstandby node2
check "node2's own file still says standby" kept 2 '^node 2 1 [0-9]+$'
check "node2's handoffd starts" hc daemon 2 start
check "the newer decision wins: node2 is not in standby, on every node" \
	retry 20 everywhere standby_is 2 False
check "node2 writes the newer decision to its file" retry 10 kept 2 '^node 2 0 [0-9]+$'

# ---- the history survives a restart of one handoffd, and of every handoffd ---------
check "migrate web to node2" ctl 3 migrate web node2 --wait=60
check "web runs on node2" retry 20 phase_is 1 RUNNING 2
check "every node lists the migration" retry 10 everywhere migration_listed
check "node3 keeps it in its file" retry 10 kept 3 '^hist [0-9]+ 1 '
check "restart node3's handoffd" restart_daemon 3
check "node3 lists the migration after its restart" retry 20 migration_listed 3
check "standby node3 (before every handoffd restarts)" ctl 1 standby node3
check "every node sees node3 in standby" retry 10 everywhere standby_is 3 True
sleep 1       # the local state is written within 0.1 s of a change
hc daemon all stop >"$_out" 2>&1 || diag <"$_out"
hc daemon all start >"$_out" 2>&1 || diag <"$_out"
check "after every handoffd restarted, web is adopted on node2" retry 40 phase_is 1 RUNNING 2
check "every node still lists the migration" retry 20 everywhere migration_listed
check "the history is the same on every node" sh -c "
	a=\$('$HCLUSTER' exec 1 '$HANDOFFCTL' history --json | python3 -c 'import json,sys; print([(h[\"kind\"], h[\"resource\"], h[\"epoch\"], h[\"source\"], h[\"target\"]) for h in json.load(sys.stdin)[\"history\"]])')
	for i in 2 3; do
		b=\$('$HCLUSTER' exec \$i '$HANDOFFCTL' history --json | python3 -c 'import json,sys; print([(h[\"kind\"], h[\"resource\"], h[\"epoch\"], h[\"source\"], h[\"target\"]) for h in json.load(sys.stdin)[\"history\"]])')
		echo \"node1: \$a node\$i: \$b\"; [ \"\$a\" = \"\$b\" ] || exit 1
	done"
check "node3 is still in standby, on every node" retry 20 everywhere standby_is 3 True
check "node2 is still not in standby" everywhere standby_is 2 False
check "exactly one counter runs" test "$(counters)" -eq 1
check "S1: the stand-in saw no second Primary" no_violations
finish
