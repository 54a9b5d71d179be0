#!/bin/bash
# t-migrate.sh - live migration through handoffd on 3 real corosync nodes
# with the DRBD stand-in: the happy path with its phases and timings, every
# failure point injected (each ends per L1: on the target, or rolled back
# and running on the source), concurrent requests, rejections, and S1
# (the stand-in's violations log) after every step.
. "$(dirname "$0")/lib.sh"
require_root

. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3"

only_primary() {   # NODE: the stand-in has NODE, and only NODE, Primary
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got"
	[ "$got" = " $1" ]
}
one_instance() {   # S2: exactly one counter process on the machine (the nodes share its pids)
	local n
	n=$(pgrep -fc "handoff-sample-agent run-counter $mnt")
	echo "counter processes: $n"
	[ "$n" -eq 1 ]
}
settled_on() {   # NODE: RUNNING there as every node sees it, one Primary, one instance, no violation
	retry 20 phase_is 1 RUNNING "$1" && all_agree && only_primary "$1" && one_instance &&
		no_violations
}
marker() { hc exec "$1" cat "$mnt/.handoff/dump/$2"; }
last_error() { ctl "$1" status --json | json '[r["last_error"] for r in d["resources"] if r["name"] == "web"][0]'; }
fault() { : >"$faults/$1"; }
clear_faults() { rm -f "$faults"/*; }

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "web runs on node1" settled_on 1

# ---- the happy path --------------------------------------------------------------
migrate_out=$work/migrate.out
migrate_to_2() {
	ctl 3 migrate web node2 --wait=60 >"$migrate_out" 2>&1
	local rc=$?
	cat "$migrate_out"
	[ $rc -eq 0 ]
}
check "handoffctl migrate web node2 --wait exits 0" migrate_to_2
check "it showed each phase as it happened" \
	grep -q "RELEASING" "$migrate_out"
check "it ended with the phase times, the total and the frozen time" \
	grep -Eq "^phase times \(ms\): dump [0-9]+ sync [0-9]+ umount [0-9]+ demote [0-9]+ promote [0-9]+ mount [0-9]+ restore [0-9]+$" "$migrate_out"
check "... and 'workload frozen N ms'" grep -Eq "^total [0-9]+ ms, workload frozen [0-9]+ ms" "$migrate_out"
check "web runs on node2, node2 alone is Primary" settled_on 2
check "the counter goes on on node2" counter_grows 2
check "the complete marker names the epoch, the migration's id and the source" \
	sh -c "echo '$(marker 2 complete)' | grep -Eqx 'epoch 2 id [0-9a-f]{32} node 1'"
check "the consumed marker names the target" \
	sh -c "echo '$(marker 2 consumed)' | grep -Eqx 'epoch 2 id [0-9a-f]{32} node 2'"
history_of() {   # NODE: the protocol's part of the newest history entry
	ctl "$1" history web --json |
		json '"%(epoch)s %(source)s %(target)s %(ok)s %(result)s %(phases)s" % d["history"][0]'
}
same_history() {
	local a b c
	a=$(history_of 1) && b=$(history_of 2) && c=$(history_of 3) || return 1
	echo "$a"
	[ "$a" = "$b" ] && [ "$b" = "$c" ] && echo "$a" | grep -q "^2 1 2 True migrated"
}
check "every node holds the same history entry: epoch 2, 1 -> 2, migrated" same_history
check "history lists it as a table" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' history | grep -E '^web +2 +migration +node1 +node2 '"

# ---- rejections ---------------------------------------------------------------------
check "migrate to where it runs is rejected" expect_rejected 1 "already runs on node 2" migrate web node2
check "migrate to an unknown node is rejected" expect_rejected 1 "unknown node 'node9'" migrate web node9
check "migrate of an unknown resource is rejected" expect_rejected 1 "unknown resource 'nope'" migrate nope node1
check "migrate without a node is a usage error" expect_rejected 1 "usage: handoffctl migrate RES NODE" migrate web

# ---- each failure point ends per L1 --------------------------------------------------
fails_and_stays_on_2() {   # PATTERN: migrate web node1 fails, saying PATTERN, web stays on node2
	local out rc
	out=$(ctl 1 migrate web node1 --wait=60 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -ne 0 ] || return 1
	settled_on 2 || return 1
	last_error 1 | tee /dev/stderr | grep -q "$1"
}
fault meta.1
check "target not ready: nothing happens, the reason is reported" \
	fails_and_stays_on_2 "refused: readiness: .*injected fault: meta on node 1"
check "... and the counter kept running on node2" counter_grows 2
clear_faults

fault dump.2
check "dump fails: the workload keeps running on the source" fails_and_stays_on_2 "injected fault: dump on node 2"
check "... the counter kept running" counter_grows 2
clear_faults

fault hold.2
check "umount fails: the error names the holder, the source restores locally" \
	fails_and_stays_on_2 "held by pid [0-9]* (sleep)"
check "... and the counter runs again on node2" counter_grows 2
check "... the dump it took back is marked consumed by node2" \
	sh -c "'$HCLUSTER' exec 2 cat '$mnt/.handoff/dump/consumed' | grep -q 'node 2'"
kill "$(cat "$faults/hold.2.pid")" 2>/dev/null
clear_faults

: >"$state_dir/fail.2.secondary"
check "demote fails: the source mounts again and restores" fails_and_stays_on_2 "demote: "
check "... the counter runs again on node2" counter_grows 2
rm -f "$state_dir/fail.2.secondary"

: >"$state_dir/fail.1.primary"
check "promote fails on the target: it hands back, the source restores the same dump" \
	fails_and_stays_on_2 "handed back to node 2"
check "... the counter runs again on node2" counter_grows 2
rm -f "$state_dir/fail.1.primary"

fault restore.1
check "restore fails on the target: it demotes and hands back" \
	fails_and_stays_on_2 "injected fault: restore on node 1"
check "... node1 let go of everything" \
	sh -c "test \"\$('$HCLUSTER' exec 1 '$STANDIN' role r0 | cut -d/ -f1)\" = Secondary"
check "history records the hand-back" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' | head -n 1 | grep -q 'handed back'"
clear_faults

# ---- concurrent requests: the first in total order wins ------------------------------
concurrent() {
	local a b ra rb
	ctl 1 migrate web node1 >"$work/a" 2>&1 & a=$!
	ctl 3 migrate web node3 >"$work/b" 2>&1 & b=$!
	wait $a; ra=$?
	wait $b; rb=$?
	cat "$work/a" "$work/b"
	# exactly one accepted; the other says why
	[ $((ra + rb)) -gt 0 ] && { [ $ra -eq 0 ] || [ $rb -eq 0 ]; } || return 1
	grep -q "busy: web is" "$work/a" "$work/b"
}
check "two migrate requests at once: one is accepted, the other is busy" concurrent
winner() {
	local o
	o=$(status_line 2 | cut -d'|' -f2,3)
	echo "$o"
	[ "$o" = "RUNNING|1" ] || [ "$o" = "RUNNING|3" ]
}
check "web ends up RUNNING on the winner's target" retry 30 winner

check "the stand-in saw no second Primary" no_violations

# ---- targets that may not run it ------------------------------------------------------
owner=$(status_line 2 | cut -d'|' -f3)
other=$((owner == 1 ? 2 : 1))
hc daemon $other stop >"$_out" 2>&1 || diag <"$_out"
check "migrate to a node whose handoffd is down is rejected" \
	expect_rejected 3 "node $other may not run web: not a member of the cluster" migrate web node$other
printf 'timeout_stop = 99\n' >>"$(hc path $other)/etc/handoff/handoff.conf"
hc daemon $other start >"$_out" 2>&1 || diag <"$_out"
check "a node with a different configuration is shown ineligible" \
	retry 20 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status | grep -E '^ +$other +node$other +yes +DIFFERS: INELIGIBLE'"
check "migrate to it is rejected" \
	expect_rejected 3 "node $other may not run web: its configuration differs" migrate web node$other
sed -i '/^timeout_stop = 99$/d' "$(hc path $other)/etc/handoff/handoff.conf"
hc daemon $other stop >"$_out" 2>&1; hc daemon $other start >"$_out" 2>&1 || diag <"$_out"
check "with the same configuration again it is eligible" \
	retry 20 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status | grep -E '^ +$other +node$other +yes +ok'"
check "web still runs on node$owner, alone" settled_on "$owner"

# ---- no quorum, no migration ------------------------------------------------------------
owner=$(status_line 2 | cut -d'|' -f3)
other=2
hc isolate $other >"$_out" 2>&1 || diag <"$_out"
check "an isolated node is not quorate" retry 30 quorate_is $other false
check "migrate from a node without quorum is rejected" \
	expect_rejected $other "quorum gate is closed" migrate web node$other
hc heal $other >"$_out" 2>&1 || diag <"$_out"
# the tables agree at once (nothing changed in them): what tells that the
# heal is over is node$other back in every node's group
all_three() { members_are 1 "1 2 3" && members_are 2 "1 2 3" && members_are 3 "1 2 3"; }
check "after the heal node$other is back in every node's group" retry 40 all_three
check "after the heal all nodes agree again" retry 40 all_agree
check "web still runs on node$owner" settled_on "$owner"

# ---- --wait: one connection for the whole wait, a clear timeout ------------------------
# A poll by a new connection each time costs handoffd three shared-memory
# rings; on a small machine that is CPU taken from the dump being waited for.
connections_since() {   # LINE: IPC connections node3's handoffd accepted after log line LINE
	hc exec 3 sh -c "tail -n +$(($1 + 1)) /var/log/handoff/handoffd.log" | grep -c "ipc: client uid 0 gid 0 connected"
}
slow_wait() {
	local before n rc
	before=$(hc exec 3 sh -c 'wc -l </var/log/handoff/handoffd.log')
	ctl 3 migrate web "node$other" --wait=60 >"$work/slow.out" 2>&1
	rc=$?
	cat "$work/slow.out"
	n=$(connections_since "$before")
	echo "connections during migrate --wait with a 4 s dump: $n (migrate, the wait, the history)"
	[ $rc -eq 0 ] && [ "$n" -le 4 ]
}
owner=$(status_line 2 | cut -d'|' -f3)
other=$((owner == 1 ? 2 : 1))
clear_faults; fault "slow.dump.$owner"
check "migrate --wait through a 4 s dump keeps one connection for its polls" slow_wait
check "web runs on node$other" settled_on "$other"
timeout_wait() {
	local rc
	ctl 3 migrate web "node$owner" --wait=1 >"$work/timeout.out" 2>&1
	rc=$?
	cat "$work/timeout.out"
	[ $rc -eq 1 ] && grep -q "handoffctl: web still [A-Z_]* after 1 s" "$work/timeout.out"
}
clear_faults; fault "slow.dump.$other"
check "--wait=1 on a longer migration: exit 1, 'web still PHASE after 1 s'" timeout_wait
clear_faults
check "the migration goes on without the waiting client" settled_on "$owner"

finish
