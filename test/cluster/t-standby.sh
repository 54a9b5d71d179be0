#!/bin/bash
# t-standby.sh - handoffctl standby of a node that owns 10 resources: all of
# them migrate away, at most standby_parallel (3) at a time, each to its next
# eligible node; a standby node is never a target; unstandby lifts it.
. "$(dirname "$0")/lib.sh"
require_root

STANDIN=$HANDOFF_SRCDIR/test/drbd-standin/drbdadm
SAMPLE=$HANDOFF_SRCDIR/agents/handoff-sample-agent
N_RES=10
work=$(mktemp -d /var/tmp/handoff-t-standby.XXXXXX)
state_dir=$work/drbd
mkdir -p "$state_dir"
loops=()
cleanup_standby() {
	local i r
	for i in 1 2 3; do
		for r in $(seq 0 $((N_RES - 1))); do
			hc exec "$i" sh -c "HANDOFF_MOUNT=/mnt/$HCLUSTER_PREFIX-r$r '$SAMPLE' stop; umount /mnt/$HCLUSTER_PREFIX-r$r" >/dev/null 2>&1
		done
	done
	cleanup
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup_standby EXIT

for r in $(seq 0 $((N_RES - 1))); do
	truncate -s 8M "$work/r$r.img"
	mkfs.ext4 -q -F "$work/r$r.img" || bail "mkfs.ext4 failed"
	loops[$r]=$(losetup -f --show "$work/r$r.img") || bail "no loop device"
done

hc up 3 >"$_out" 2>&1 || { diag <"$_out"; bail "hcluster up failed"; }
_nodes=3
for i in 1 2 3; do
	dir=$(hc path $i)/etc/handoff
	{
		echo "node = $i"
		echo "state_dir = $state_dir"
		for r in $(seq 0 $((N_RES - 1))); do echo "resource r$r ${loops[$r]}"; done
	} >"$dir/drbd-standin.conf"
	{
		printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\ndebug = 1\n'
		printf 'drbdadm = %s\ndrbdsetup = %s\nstandby_parallel = 3\n' "$STANDIN" "${STANDIN%/*}/drbdsetup"
		for r in $(seq 0 $((N_RES - 1))); do
			printf '[resource r%s]\nstorage = drbd\ndrbd_resource = r%s\ndevice = %s\n' "$r" "$r" "${loops[$r]}"
			printf 'mount_point = /mnt/%s-r%s\nworkload = exec\nagent = %s\n' "$HCLUSTER_PREFIX" "$r" "$SAMPLE"
			printf 'nodes = node1 node2 node3\n'
		done
	} >"$dir/handoff.conf"
done
hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not start"; }

owners() { ctl "$1" status -d '|' | awk -F'|' '$2 == "RUNNING" { print $3 }' | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }
all_on() {   # NODE: every resource RUNNING there, as node 3 sees it
	local o
	o=$(owners 3)
	echo "owners: $o"
	[ "$o" = " $N_RES $1;" ]
}

check "every node sees $N_RES resources" retry 30 sh -c "test \$('$HCLUSTER' exec 3 '$HANDOFFCTL' status -d '|' | grep -c STOPPED) -eq $N_RES"
start_all() {
	local r
	for r in $(seq 0 $((N_RES - 1))); do ctl 1 start "r$r" node1 >/dev/null || return 1; done
	retry 60 all_on 1
}
check "start all $N_RES resources on node1" start_all

# watch the table from node 3 while node 1 drains: how many migrate at once
watch_log=$work/watch
( while [ ! -e "$work/stop-watch" ]; do
	ctl 3 status -d '|' | awk -F'|' '$2 ~ /PREPARING|RELEASING|RESTORING|HANDING_BACK/' | wc -l
	sleep 0.05
done >"$watch_log" ) &
watcher=$!
standby_out=$work/standby.out
check "handoffctl standby node1 --wait exits 0" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' standby node1 --wait=120 >'$standby_out' 2>&1"
touch "$work/stop-watch"; wait $watcher
diag <"$standby_out"
check "it announced $N_RES resources, 3 at a time" grep -q "moving $N_RES resources off it, 3 at a time" "$standby_out"
check "it reported each resource as moved" test "$(grep -c 'moved to node2 after' "$standby_out")" -eq $N_RES
check "... and the count" grep -q "^$N_RES of $N_RES resources moved off node1" "$standby_out"
max=$(sort -n "$watch_log" | tail -n 1)
check "never more than standby_parallel (3) migrations at once (saw $max)" test "${max:-0}" -le 3
check "... and more than one at a time" test "${max:-0}" -ge 2
check "every resource runs on node2 (the next node of each)" all_on 2
check "status shows node1 in STANDBY" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status | grep -E '^ +1 +node1 +yes +ok, STANDBY'"
check "status --json says standby" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status --json | grep -q '\"standby\": true'"
check "a standby node is never a migration target" expect_rejected 3 "node 1 may not run r0: it is in standby" migrate r0 node1
check "stop r9" ctl 3 stop r9 --wait=30
check "nothing is started on a standby node" expect_rejected 3 "node 1 may not run r9: it is in standby" start r9 node1
check "the stand-in saw no second Primary" no_violations
check "unstandby node1" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' unstandby node1 | grep -q 'node 1 is no longer in standby'"
check "node1 may be a target again" ctl 3 migrate r0 node1 --wait=60
check "the stand-in still saw no second Primary" no_violations
finish
