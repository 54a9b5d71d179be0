#!/bin/bash
# Cluster tier: resources on real corosync with the DRBD stand-in and the
# sample exec agent (a counter appended to a file on the DRBD filesystem).
. "$(dirname "$0")/lib.sh"
require_root

STANDIN=$HANDOFF_SRCDIR/test/drbd-standin/drbdadm
AGENT=$HANDOFF_SRCDIR/agents/handoff-sample-agent
[ -x "$STANDIN" ] || bail "no DRBD stand-in at $STANDIN"
[ -x "$AGENT" ] || bail "no sample agent at $AGENT"

work=$(mktemp -d /var/tmp/handoff-t-resources.XXXXXX)
img=$work/r0.img
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img" || bail "mkfs.ext4 failed"
loop=$(losetup -f --show "$img") || bail "no loop device"
mnt=/mnt/handoff-$HCLUSTER_PREFIX-web
# two criu resources on shared storage: one whose criu "cannot work", one
# that runs without the check
for j in job1 job2; do
	truncate -s 16M "$work/$j.img"
	mkfs.ext4 -q -F "$work/$j.img" || bail "mkfs.ext4 failed"
done
loop1=$(losetup -f --show "$work/job1.img") || bail "no loop device"
loop2=$(losetup -f --show "$work/job2.img") || bail "no loop device"
CRIU_AGENT=$HANDOFF_SRCDIR/agents/handoff-criu-agent
state_dir=$work/drbd
mkdir -p "$state_dir"

cleanup_resources() {
	local i
	for i in 1 2 3; do
		hc exec "$i" sh -c "'$AGENT' stop; umount '$mnt'" >/dev/null 2>&1
	done
	for i in 1 2 3; do
		hc exec "$i" sh -c "HANDOFF_MOUNT=/mnt/$HCLUSTER_PREFIX-job2 HANDOFF_DUMP_DIR=.handoff '$CRIU_AGENT' stop; umount /mnt/$HCLUSTER_PREFIX-job1 /mnt/$HCLUSTER_PREFIX-job2" >/dev/null 2>&1
	done
	cleanup
	losetup -d "$loop" "$loop1" "$loop2" 2>/dev/null
	rm -rf "$work"
}
trap cleanup_resources EXIT

. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"

# monitor_interval = 0: the owners' monitors (t-monitor.sh) are the only
# timers of a handoffd that runs something; the idle check below proves
# that nothing else polls
write_config() {   # NODE [EXTRA-LINE]
	write_web_config "$1" "node2 node1 node3" "monitor_interval = 0
[resource job1]
storage = shared
device = $loop1
mount_point = /mnt/$HCLUSTER_PREFIX-job1
workload = criu
command = sleep 1000
agent = $CRIU_AGENT
agent_opt.criu = /bin/false
nodes = node1 node3
[resource job2]
storage = shared
device = $loop2
mount_point = /mnt/$HCLUSTER_PREFIX-job2
workload = criu
command = sleep 1000
agent = $CRIU_AGENT
agent_opt.require_criu_check = no
nodes = node3 node1
autostart = yes
monitor_interval = 0
${2:-}"
}

hc up 3 >"$_out" 2>&1 || { diag <"$_out"; bail "hcluster up failed"; }
_nodes=3
for i in 1 2 3; do write_config $i; done
hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not start"; }

check "status on a fresh cluster: web STOPPED everywhere" retry 20 all_agree
check "web is STOPPED with no owner" phase_is 1 STOPPED 0
job_is() {   # NODE RES PHASE OWNER
	local got
	got=$(ctl "$1" status -d '|' | grep "^$2|" | cut -d'|' -f2,3) || return 1
	[ "$got" = "$3|$4" ] || { echo "node $1 sees $2 as '$got', expected '$3|$4'"; return 1; }
}
check "the quorate cluster autostarted job2 on its first eligible node, node 3" \
	retry 30 job_is 1 job2 RUNNING 3
check "web (no autostart) stayed STOPPED" phase_is 2 STOPPED 0

# --- start on node 2 ---------------------------------------------------------
start_on_2() {
	local out
	out=$(ctl 1 start web node2) || { echo "$out"; return 1; }
	echo "$out"
	echo "$out" | grep -q "starting web on node 2"
}
check "handoffctl start web node2 says what it does" start_on_2
check "web runs on node 2 as every node sees it" retry 20 phase_is 3 RUNNING 2
check "every node's status agrees" all_agree
check "the counter grows on node 2's DRBD filesystem" counter_grows 2
check "node 2 is Primary" test "$(role_of 2)" = Primary
check "node 1 is Secondary" test "$(role_of 1)" = Secondary

second_primary_refused() {
	local out rc
	out=$(hc exec 1 "$STANDIN" primary r0 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 11 ] && echo "$out" | grep -q "Multiple primaries not allowed"
}
check "promoting node 1 by hand while node 2 runs web is refused by DRBD (exit 11)" second_primary_refused
check "a second start is rejected as busy, with the reason" \
	expect_rejected 3 "busy: web is RUNNING on node 2" start web node3
check "start of an unknown resource is rejected" \
	expect_rejected 1 "unknown resource 'nosuch'" start nosuch

# --- the owner's handoffd restarts: adopted, not restarted ----------------------
pid_before=$(workload_pid 2)
hc daemon 2 stop >/dev/null
hc daemon 2 start >/dev/null
check "after the owner's handoffd restarts, web is RUNNING on node 2" retry 20 phase_is 1 RUNNING 2
check "the workload was adopted, not restarted (same pid)" test "$(workload_pid 2)" = "$pid_before"

# No polling: an idle handoffd sleeps in its loop until something happens.
# (A failover armed while node 2 was away used to keep its fence_delay
# timer after node 2 came back, and woke the daemon when it ran out.)
check "idle: no handoffd wakes up in 5 s" idle_no_wakeups

# --- every handoffd restarts at once ----------------------------------------------
hc daemon all kill >/dev/null
hc daemon all start >/dev/null
check "after all handoffds restart, the table is rebuilt: RUNNING on node 2" retry 20 phase_is 3 RUNNING 2
check "all agree after the restart" retry 10 all_agree
check "the workload is untouched (same pid)" test "$(workload_pid 2)" = "$pid_before"
check "and its counter still grows" counter_grows 2

# --- garbage from a foreign CPG client -----------------------------------------------
check "a foreign CPG client multicasts garbage into the group" \
	hc exec 1 "$HANDOFF_BUILDDIR/test/cluster/cpg_inject" handoff
check "the daemons dropped it and logged why" retry 10 hc exec 3 grep -q "dropped .*from node 1 pid" /var/log/handoff/handoffd.log
check "every daemon still answers and agrees" retry 20 all_agree
check "web still RUNNING on node 2 after the garbage" phase_is 2 RUNNING 2

# --- stop ------------------------------------------------------------------------------
check "handoffctl stop web" ctl 3 stop web
check "web is STOPPED everywhere" retry 20 phase_is 1 STOPPED 0
check "node 2 unmounted the filesystem" hc exec 2 sh -c "! mountpoint -q '$mnt'"
for i in 1 2 3; do
	check "node $i is Secondary after stop" test "$(role_of $i)" = Secondary
done
already_stopped() { ctl 1 stop web | grep -q 'already stopped'; }
check "stop of a stopped resource says so and succeeds" already_stopped

# --- criu workloads ----------------------------------------------------------------------
criu_refused() {
	local out rc
	out=$(ctl 1 start --wait=30 job1 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "criu cannot checkpoint on this kernel"
}
check "a criu workload whose criu check fails is refused, with criu's reason" criu_refused
check "and the refused start left nothing mounted" hc exec 1 sh -c "! mountpoint -q /mnt/$HCLUSTER_PREFIX-job1"
criu_runs() {
	hc exec 3 sh -c "HANDOFF_MOUNT=/mnt/$HCLUSTER_PREFIX-job2 HANDOFF_DUMP_DIR=.handoff '$CRIU_AGENT' monitor"
}
check "its process tree runs on node 3" criu_runs
check "and stops" ctl 1 stop --wait=30 job2
criu_stopped() { ! criu_runs; }
check "after the stop nothing runs" criu_stopped
hc daemon 1 stop >/dev/null
hc daemon 1 start >/dev/null
check "a sync later, autostart has not undone the stop" retry 20 job_is 1 job2 STOPPED 0
check "a criu workload starts by hand too" ctl 2 start --wait=30 job2
check "its process tree runs again on node 3" criu_runs
check "and stops again" ctl 3 stop --wait=30 job2
check "cleanup of the refused one settles STOPPED" ctl 1 cleanup --wait=30 job1

# --- a disk that is not UpToDate is never promoted; cleanup clears the failure -----
echo Outdated >"$state_dir/dstate.1.r0"
outdated_fails() {
	local out rc
	out=$(ctl 2 start --wait=20 web node1 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "disk is Outdated, not UpToDate: refusing to promote"
}
check "start on a node whose disk is Outdated fails, saying why" outdated_fails
check "status shows FAILED with that error" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status | grep -q 'last error: start on node 1: check disk: disk is Outdated'"
check "node 1 was never promoted" test "$(role_of 1)" = Secondary
check "a FAILED resource refuses start until cleanup" \
	expect_rejected 1 "run handoffctl cleanup web first" start web node2
rm -f "$state_dir/dstate.1.r0"
check "cleanup probes every node and settles STOPPED" ctl 3 cleanup --wait=20 web
check "after cleanup web is STOPPED with no error" phase_is 2 STOPPED 0

# --- a node with a different config is ineligible ---------------------------------------
write_config 3 "timeout_stop = 77"
hc daemon 3 stop >/dev/null
hc daemon 3 start >/dev/null
ineligible_shown() {
	local out
	out=$(ctl 1 status) || return 1
	echo "$out"
	echo "$out" | grep -q "node3 .*DIFFERS: INELIGIBLE"
}
check "status shows node 3's differing config loudly" retry 20 ineligible_shown
check "start on the ineligible node 3 is rejected" \
	expect_rejected 1 "configuration differs" start web node3
write_config 3
hc daemon 3 stop >/dev/null
hc daemon 3 start >/dev/null

# --- without quorum nothing starts ---------------------------------------------------------
hc kill 2
hc kill 3
hc wait 1 not-quorate 30 >/dev/null
check "with 2 of 3 nodes killed, start is rejected as not quorate" \
	expect_rejected 1 "quorum gate is closed" start web node1
check "and nothing was mounted on node 1" hc exec 1 sh -c "! mountpoint -q '$mnt'"

check "the DRBD stand-in saw no second Primary (violations log empty)" no_violations
finish
