#!/bin/bash
# t-events.sh - health events (issue 17): with monitor_interval = 60, a
# workload killed is noticed at once through the pidfd of the pid its
# agent's monitor reported, and a disk failure on the DRBD stand-in through
# drbdsetup events2; only the owner runs an events2 child, and only while it
# runs a resource.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

monitored_web_up 60 3

log1() { cat "$(hc path 1)/var/log/handoff/handoffd.log"; }
# events2 children of this test's stand-in on the machine
# the events2 children of this cluster's handoffds (another test's may
# still be ending: a count over the whole machine saw them in CI)
events_pids() {
	local i pid
	for i in 1 2 3; do
		pid=$(handoffd_pid "$i" 2>/dev/null) || continue
		pgrep -P "$pid" -f "drbd-standin/drbdadm events2"
	done
	return 0
}
events_children() { events_pids | grep -c . || true; }
new_child() {   # OLD_PID: one child, not OLD_PID
	local n
	n=$(events_pids)
	echo "events2 children: $n"
	[ -n "$n" ] && [ "$n" != "$1" ]
}
children_are() {
	local n
	n=$(events_children)
	echo "events2 children: $n"
	[ "$n" -eq "$1" ]
}
watches_pid() {   # the owner watches the pid the pid file names
	local pid
	pid=$(workload_pid 1 | cut -d" " -f1) && [ -n "$pid" ] || return 1
	log1 | grep -q "web: watching the workload's pid $pid (pidfd)" ||
		{ echo "no 'watching the workload's pid $pid' in node1's log"; return 1; }
}
runs_again() {    # EPOCH_BEFORE
	phase_is 2 RUNNING 1 || return 1
	[ "$(field 2 4)" -gt "$1" ] || { echo "epoch $(field 2 4), not after $1"; return 1; }
}
ms() { date +%s%3N; }

check "no events2 child before anything runs" children_are 0
check "start web on node1" ctl 1 start web node1 --wait=30
check "RUNNING on node1 everywhere" retry 20 all_agree
check "node1 watches the workload's pid within 5 s (first check of a life: 1-2 s)" \
	retry 5 watches_pid
check "one events2 child: node1's" retry 5 children_are 1
child=$(events_pids)
kill -9 $child
check "the events2 child killed: handoffd says so" retry 3 sh -c \
	"grep -q 'drbdsetup events2 ended after [0-9]* ms (killed by SIGKILL)' '$(hc path 1)/var/log/handoff/handoffd.log'"
check "... and starts another within 3 s (backoff 1 s)" retry 3 new_child "$child"
check "... one child again" retry 3 children_are 1

# ---- the workload killed: the pidfd, not the 60 s interval ------------------
e=$(field 1 4)
pid=$(workload_pid 1 | cut -d" " -f1)
t0=$(ms)
kill -9 "$pid"
noticed() { log1 | grep -q "web: pid $pid ended (pidfd): checking it now"; }
check "kill -9 $pid: noticed through the pidfd within 2 s" retry 2 noticed
t1=$(ms)
check "... reported as a workload failure within 3 s" retry 3 sh -c \
	"grep -q 'web: monitor (epoch $e): workload failure' '$(hc path 1)/var/log/handoff/handoffd.log'"
check "... restarted on node1 within 15 s (not 60)" retry 15 runs_again "$e"
t2=$(ms)
diag <<<"kill -> noticed <= $((t1 - t0)) ms (poll granularity 1 s); kill -> RUNNING again <= $((t2 - t0)) ms"
check "... counting again" retry 10 counter_grows 1
check "... every node counts 1 failure" retry 5 sh -c "[ \"\$('$HCLUSTER' exec 3 '$HANDOFFCTL' status -d '|' | grep '^web|' | cut -d'|' -f6)\" = 1 ]"
check "... and watches the new pid" retry 5 watches_pid

# ---- a normal stop is not a failure -------------------------------------------
# (the pidfd fires when the stop ends the counter; the resource is STOPPING
# then, so no check runs and nothing is reported)

# ---- the disk fails: events2 --------------------------------------------------
e=$(field 1 4)
printf 'Failed\n' >"$state_dir/dstate.1.r0"
disk_noticed() { log1 | grep -q "web: drbdsetup events2: r0 disk Failed: checking it now"; }
check "disk Failed on node1: noticed through events2 within 2 s" retry 2 disk_noticed
check "... reported as a storage failure within 3 s" retry 3 sh -c \
	"grep -q 'web: monitor (epoch $e): storage failure: DRBD resource r0: disk Failed' \
	'$(hc path 1)/var/log/handoff/handoffd.log'"
check "... the table leaves RUNNING at that epoch" retry 10 sh -c \
	"! '$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -q '^web|RUNNING|node1|$e|'"
rm -f "$state_dir/dstate.1.r0"
settled() {   # the table decided (rule 30): RUNNING at a newer epoch, or FAILED
	local got
	got=$(field 2 2,4) || return 1
	echo "web: $got"
	[ "${got%|*}" = FAILED ] || { [ "${got%|*}" = RUNNING ] && [ "${got#*|}" -gt "$e" ]; }
}
check "... the table has decided (RUNNING again, or FAILED)" retry 30 settled

# ---- nothing runs: no child ----------------------------------------------------
# a storage failure is never restarted in place (rule 30); with no
# relocation allowed here it is FAILED with the workload left running, and
# the cleanup adopts it: then it is stopped
if [ "$(field 2 2)" = FAILED ]; then
	check "cleanup web (FAILED)" ctl 1 cleanup web --wait=30
fi
if [ "$(field 2 2)" != STOPPED ]; then
	check "stop web" ctl 1 stop web --wait=30
fi
check "... STOPPED everywhere" retry 30 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status -d '|' |
	grep -q '^web|STOPPED|'"
check "... the events2 child is gone" retry 5 children_are 0
check "no handoffd wakes up with nothing running" idle_no_wakeups
check "no invariant was violated" no_violations
finish
