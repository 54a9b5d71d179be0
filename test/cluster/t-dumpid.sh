#!/bin/bash
# t-dumpid.sh - dump identity (S3) and epochs that survive a restart of
# every handoffd (S4): each migration's dump carries a random id beside its
# epoch, epochs and ids are kept in /var/lib/handoff, and a complete,
# unconsumed dump of the right epoch but another migration (an earlier
# life of the cluster wrote it) is never restored over a disk that has
# moved on: the failover starts cold and removes it.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3" 1 4 --token 1000

field() {   # NODE KEY: web's KEY in handoffctl status --json on NODE
	ctl "$1" status --json | json "[r[\"$2\"] for r in d[\"resources\"] if r[\"name\"] == \"web\"][0]"
}
marker() { hc exec "$1" cat "$mnt/.handoff/dump/$2"; }
one_primary_on() {
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$got" = " $1" ] && [ "$(counters)" -eq 1 ]
}
newest() { ctl "$1" history web -d '|' | head -n 1; }

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "the counter grows on node1" counter_grows 1

# ---- a migration names its dump: epoch and a random id -------------------------------
check "migrate web to node2" ctl 3 migrate web node2 --wait=60
check "web runs on node2" retry 20 phase_is 1 RUNNING 2
id=$(field 1 dump_id)
echo "# the table names the dump of epoch $(field 1 dump_epoch), id $id"
check "the table names the migration's dump: epoch 2 and a 128-bit id" \
	sh -c "test '$(field 1 dump_epoch)' = 2 && echo '$id' | grep -Eqx '[0-9a-f]{32}'"
check "every node names the same id" \
	sh -c "test '$(field 2 dump_id)' = '$id' && test '$(field 3 dump_id)' = '$id'"
check "the complete marker carries the epoch and that id" \
	test "$(marker 2 complete)" = "epoch 2 id $id node 1"
check "the consumed marker too" test "$(marker 2 consumed)" = "epoch 2 id $id node 2"

# ---- epochs and ids survive a restart of every handoffd -----------------------------
kept() { hc exec "$1" grep -Eq "^res web [0-9]+ 2 $id\$" /var/lib/handoff/local-state; }
check "node1 keeps web's epoch and dump in /var/lib/handoff" retry 10 kept 1
hc daemon all stop >"$_out" 2>&1 || diag <"$_out"
hc daemon all start >"$_out" 2>&1 || diag <"$_out"
adopted() { phase_is 3 RUNNING 2 && all_agree; }
check "after every handoffd restarted, web is adopted on node2" retry 40 adopted
epochs=$(field 1 epoch)/$(field 2 epoch)/$(field 3 epoch)
check "the epoch is not back at 0: every node agrees on 2 or more ($epochs)" \
	sh -c "test '$epochs' = '$(field 1 epoch)/$(field 1 epoch)/$(field 1 epoch)' && test $(field 1 epoch) -ge 2"
check "the dump id survived too" test "$(field 3 dump_id)" = "$id"
check "exactly one Primary (node2) and one counter" one_primary_on 2
# a broken state file is refused with a reason, and the node still starts
hc daemon 3 stop >"$_out" 2>&1 || diag <"$_out"
printf 'handoff-local-state 1\nres web 99' >"$(hc path 3)/var/lib/handoff/local-state"
hc daemon 3 start >"$_out" 2>&1 || diag <"$_out"
check "node3 ignores a truncated state file, saying why" retry 10 \
	grep -q "error: ignoring /var/lib/handoff/local-state: line 2: not .res" \
	"$(hc path 3)/var/log/handoff/handoffd.log"
check "... takes epoch 2 from the others" retry 30 sh -c "test \"\$('$HCLUSTER' exec 3 '$HANDOFFCTL' status --json | python3 -c 'import json,sys; print([r[\"epoch\"] for r in json.load(sys.stdin)[\"resources\"] if r[\"name\"] == \"web\"][0])')\" = 2"
check "... and writes a good file again" retry 10 kept 3

# ---- a dump of the right epoch but another migration is never restored (S3) ----------
# node2's dump hangs after the dump directory was emptied; a dump as an
# earlier life of the cluster would have left it (complete, unconsumed, of
# the epoch this migration has, another id) is planted there, and node2
# dies.  The old code compared epochs only and restored it over a disk
# that had moved on.
: >"$faults/hang.dump.2"
ctl 1 migrate web node3 >"$_out" 2>&1 || diag <"$_out"
releasing() { phase_is 1 RELEASING 2; }
check "the migration to node3 reaches RELEASING" retry 20 releasing
waiting_in_dump() { pgrep -f "^sleep 299$" >/dev/null; }
check "node2 hangs in its dump" retry 20 waiting_in_dump
new_id=$(field 1 dump_id)
mig_epoch=$(field 1 epoch)
stale_id=0123456789abcdef0123456789abcdef
check "the table names this migration's new id (epoch $mig_epoch)" \
	sh -c "test '$(field 1 dump_epoch)' = '$mig_epoch' && test '$new_id' != '$id' && test -n '$new_id'"
before=$(counter 2)
hc exec 2 sh -c "echo 1 >'$mnt/.handoff/dump/sample-state' &&
	echo 'epoch $mig_epoch id $stale_id node 1' >'$mnt/.handoff/dump/complete' && sync" ||
	bail "cannot plant the stale dump"
rm -f "$faults/hang.dump.2"
crash 2
# no watchdog makes node2 fenced on a timer: the operator confirms the crash
check "the operator confirms node2 down (fence-confirm on node1)" confirm_fenced 2 1
taken_over() { phase_is 1 RUNNING 3; }
check "web runs again, on node3 (the migration's target)" retry 40 taken_over
check "started cold: the dump of epoch $mig_epoch of another migration was refused" \
	sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' history web -d '|' | head -n 1 | tee /dev/stderr |
	       grep -q '|failover|node2|node3|ok|.*cold start (.*of epoch $mig_epoch but of another migration'"
went_on() { local now; now=$(counter 3); echo "counter $before before, $now now"; [ "$now" -ge "$before" ]; }
check "the counter went on from the disk, not back to the stale dump's 1" went_on
check "the stale dump is gone: the cold start removed it" \
	hc exec 3 test ! -e "$mnt/.handoff/dump"
check "exactly one Primary (node3) and one counter" one_primary_on 3
check "S1: the stand-in saw no second Primary" no_violations
finish
