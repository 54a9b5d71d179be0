#!/bin/bash
# t-foreign.sh - who speaks for a node (issue 16, doc/protocol.md): CPG
# processes that are not handoffd, on 3 real corosync nodes with the DRBD
# stand-in.
#  (a) a silent member (as corosync's testcpg) on a node whose handoffd is
#      down: before issue 16 it held every sync barrier for ever, and
#      `handoffctl stop` elsewhere never returned.  Now the barrier waits
#      at most FOREIGN_AFTER_MS (4 s) for it, and `handoffctl members`
#      shows it foreign.
#  (b) a second process on a member node forges a STATE (a table far ahead)
#      and a MIGRATE as that node: before, the merge took the table and the
#      MIGRATE ran past handoffctl's admin check.  Now both are dropped with
#      a log line saying why; the table stays as it was.
#  (c) a forger that joins beside node 1's handoffd and announces itself
#      contests node 1 (both show `contested`) until it leaves.
#  (d) then node 1's handoffd speaks for node 1 again.
. "$(dirname "$0")/lib.sh"
require_root

. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3"
INJECT=$HANDOFF_BUILDDIR/test/cluster/cpg_inject

epoch_of() { ctl "$1" status --json | json '[r["epoch"] for r in d["resources"] if r["name"] == "web"][0]'; }
logged() {   # NODE PATTERN: handoffd's log on NODE has a line matching PATTERN
	hc exec "$1" grep -E "$2" /var/log/handoff/handoffd.log | tail -n 3
	hc exec "$1" grep -qE "$2" /var/log/handoff/handoffd.log
}
# the protocol the cluster speaks: a forged message is encoded in it, so
# that this test shows what a handoffd of before issue 16 did with it
protocol() {
	local p
	p=$(ctl 1 status --json | json 'd["protocol"]' 2>/dev/null)
	# not known: cpg_inject encodes in the newest version it was built with
	case $p in ''|*[!0-9]*) echo "" ;; *) echo "$p" ;; esac
}
# stop_inject FILE: end the cpg_inject whose output is FILE (its pid is in it)
stop_inject() {
	local pid
	pid=$(grep -o 'pid [0-9]*' "$1" | head -n1 | cut -d' ' -f2)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
}
# within SECONDS CMD...: CMD ends, with status 0, before SECONDS pass
within() {
	local s=$1 t0 rc
	shift
	t0=$(date +%s.%N)
	timeout "$s" "$@"; rc=$?
	echo "exit $rc after $(echo "$(date +%s.%N) - $t0" | bc) s"
	[ $rc -eq 0 ]
}

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "web RUNNING on node1" retry 20 phase_is 2 RUNNING 1

# ---- (a) a silent CPG member on a node without handoffd ---------------------------------
hc daemon 3 stop >/dev/null
check "node 3's handoffd is down: node 1 sees 2 members" retry 20 members_are 1 "1 2"
hc exec 3 "$INJECT" handoff --silent 60 >"$work/silent1.out" 2>&1 &
silent1=$!
check "a silent CPG process joins the group on node 3" \
	retry 10 sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' members -d , | grep -q '^3,'"
check "handoffctl stop web on node 2 returns within 20 s" within 20 "$HCLUSTER" exec 2 "$HANDOFFCTL" stop web
check "web is STOPPED on nodes 1 and 2" retry 20 phase_is 1 STOPPED 0
check "... and node 2 agrees" retry 10 phase_is 2 STOPPED 0
members_show_foreign() {
	local out
	out=$(ctl 1 members) || return 1
	echo "$out"
	echo "$out" | grep -Eq '^ +3 +[0-9]+  foreign +node3$' &&
		echo "$out" | grep -Eq '^ +1 +[0-9]+  handoffd +node1 \(local\)$'
}
check "handoffctl members shows the node 3 process as foreign (table)" retry 10 members_show_foreign
check "... with -d (nodeid,pid,name,role)" \
	sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' members -d , | grep -Eqx '3,[0-9]+,node3,foreign,0'"
foreign_json() {
	local got
	got=$(ctl 2 members --json | json '" ".join(str(m["nodeid"]) + ":" + m["role"] for m in d["members"])') || return 1
	echo "$got"
	[ "$got" = "1:handoffd 2:handoffd 3:foreign" ]
}
check "... and with --json (role)" foreign_json
check "handoffd logged it once, with the reason" \
	logged 1 "node 3 pid [0-9]+ is in CPG group but announced nothing"
one_line() { [ "$(hc exec 2 grep -c 'node 3 pid [0-9]* is in CPG group but announced' /var/log/handoff/handoffd.log)" -eq 1 ]; }
check "... once" one_line

# migrate while a second silent member joins (a fresh wait)
check "start web on node1 again" within 30 "$HCLUSTER" exec 1 "$HANDOFFCTL" start web node1 --wait=25
hc exec 3 "$INJECT" handoff --silent 60 >"$work/silent2.out" 2>&1 &
silent2=$!
sleep 0.5
check "handoffctl migrate web node2 (a second silent member just joined) ends within 40 s" \
	within 40 "$HCLUSTER" exec 1 "$HANDOFFCTL" migrate web node2 --wait=35
check "web RUNNING on node2, every handoffd agrees" retry 20 phase_is 1 RUNNING 2
check "... node 2 sees it so too" retry 10 phase_is 2 RUNNING 2
check "one Primary: the stand-in saw no second one" no_violations
stop_inject "$work/silent1.out"; stop_inject "$work/silent2.out"
wait "$silent1" "$silent2" 2>/dev/null
check "the silent processes are gone from the group" retry 20 members_are 1 "1 2"
hc daemon 3 start >/dev/null || bail "handoffd did not start on node 3"
check "node 3's handoffd is back: 3 members" retry 20 members_are 3 "1 2 3"
check "every handoffd agrees" retry 20 all_agree

# ---- (b) forged STATE and MIGRATE from a second process on a member node -------------------
epoch=$(epoch_of 1)
proto=$(protocol)
forge_state() {
	hc exec 1 "$INJECT" handoff --stay 3 ${proto:+--wire-version "$proto"} --forge-state 1 web
}
check "a second process on node 1 forges node 1's STATE (web RUNNING on node 1, epoch 1000)" forge_state
unchanged() {
	local e
	all_agree || return 1
	phase_is 3 RUNNING 2 || return 1
	e=$(epoch_of 3)
	echo "epoch $e (was $epoch)"
	[ "$e" = "$epoch" ]
}
sleep 2
check "the table is unchanged: web RUNNING on node 2 at the same epoch, everywhere" unchanged
# refused (node 1's handoffd had been through a sync), or contested (its
# STATE came in the sync of its own join, beside node 1's HELLO: rule 17)
check "node 2 logged why it dropped it" \
	logged 2 "dropped .*STATE from node 1 pid [0-9]+: (node 1's handoffd is pid|node 1 is contested)"
check "no second Primary" no_violations

forge_migrate() {
	hc exec 1 "$INJECT" handoff --stay 2 ${proto:+--wire-version "$proto"} --forge-migrate web 3
}
sleep 10    # the drop log is rate-limited (5 lines in 10 s)
check "a second process on node 1 forges a MIGRATE of web to node 3" forge_migrate
sleep 2
check "web stays RUNNING on node 2 at the same epoch" unchanged
check "node 3 logged why it dropped it" \
	logged 3 "dropped .*MIGRATE from node 1 pid [0-9]+: (node 1's handoffd is pid|a foreign member)"
check "nothing ran on node 3: it is not Primary" test "$(role_of 3)" = Secondary
check "the workload's counter goes on on node 2" counter_grows 2
check "no second Primary" no_violations

# ---- (c) a forger that joins beside node 1's handoffd and announces itself ----------------
# Everyone forgets who was what at a join, and the sync waits for the new
# member to say something: its HELLO and node 1's handoffd's come in the
# same sync, so node 1 is contested (rule 17) until the group changes.  Its
# MIGRATE counts for nothing; web, on node 2, goes on.
sleep 10    # the drop log is rate-limited (5 lines in 10 s)
hc exec 1 "$INJECT" handoff --stay 12 ${proto:+--wire-version "$proto"} --forge-migrate web 1 \
	>"$work/contest.out" 2>&1 &
contested_roles() {
	local got
	got=$(ctl 2 members --json | json '" ".join(str(m["nodeid"]) + ":" + m["role"] for m in d["members"] if m["nodeid"] == 1)') || return 1
	echo "$got"
	[ "$got" = "1:contested 1:contested" ]
}
check "node 2 shows both processes of node 1 as contested" retry 10 contested_roles
check "node 2 logged the contest once, naming both pids" \
	logged 2 "node 1: pids [0-9]+ and [0-9]+ both announced themselves as its handoffd in one sync"
check "web stays RUNNING on node 2 at the same epoch" unchanged
check "no second Primary" no_violations
wait

# ---- (d) once the forger has gone, node 1's handoffd speaks for node 1 ---------------------
check "the forger is gone from the group" retry 20 members_are 1 "1 2 3"
check "node 1's handoffd speaks again: migrate web node1, asked on node 1" \
	within 60 "$HCLUSTER" exec 1 "$HANDOFFCTL" migrate web node1 --wait=50
check "web RUNNING on node1, every handoffd agrees" retry 20 phase_is 3 RUNNING 1
check "no second Primary" no_violations

finish
