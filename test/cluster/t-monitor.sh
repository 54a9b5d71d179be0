#!/bin/bash
# t-monitor.sh - health (issue 17): the owner monitors what it runs; a
# workload killed is restarted on the same node, up to max_restarts; one
# more failure leaves it FAILED until a cleanup, which resets the count;
# the count begins again after failure_timeout without a failure.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

# checked every second, restarted twice at most, never relocated (that is
# t-relocate.sh's)
monitored_web_up 1 2 0
fail_count_is() {   # N: every node counts N failures
	local i got
	for i in 1 2 3; do
		got=$(field "$i" 6)
		[ "$got" = "$1" ] || { echo "node $i counts '$got' failures, expected $1"; return 1; }
	done
}
runs_again() {      # EPOCH_BEFORE: RUNNING on node1 at a later epoch, counting
	phase_is 2 RUNNING 1 || return 1
	[ "$(field 2 4)" -gt "$1" ] || { echo "epoch $(field 2 4), not after $1"; return 1; }
	counter_grows 1
}
runs_n() {          # N: counters of web on the machine (pgrep from this shell:
	local n           # one run by sh -c would count the sh, whose command
	n=$(counters)     # line holds the pattern)
	echo "counters: $n"
	[ "$n" -eq "$1" ]
}
once_on_1() {
	runs_n 1 && [ "$(role_of 1)" = Primary ] && [ "$(role_of 2)" != Primary ] &&
		[ "$(role_of 3)" != Primary ]
}
restarted_once_more() {   # EPOCH_BEFORE N
	check "kill -9 web's workload ($2)" kill_workload
	check "... restarted on node1 within 15 s" retry 15 runs_again "$1"
	check "... every node counts $2 failure(s)" retry 5 fail_count_is "$2"
	# the monitor's report, or the death found at a sync that came first (rule 31)
	check "... history says why" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|' |
		head -n 1 | grep -Eq '\\|restart\\|node1\\|node1\\|ok\\|.*\\|workload on node 1: (the agent|not running at the sync)' ||
		{ '$HCLUSTER' exec 3 '$HANDOFFCTL' history web -d '|'; exit 1; }"
	check "... it runs once, Primary on node1 only" once_on_1
}

check "start web on node1" ctl 1 start web node1 --wait=30
check "RUNNING on node1 everywhere" retry 20 all_agree
check "no failures yet" fail_count_is 0

# only the owner's monitor wakes up: a handoffd that runs nothing sleeps
only_the_owner_wakes() {
	local w
	w=$(wakeups 5) || return 1
	echo "voluntary context switches in 5 s (node1 node2 node3): $w"
	[ "${w%% *}" -gt 0 ] && [ "${w#* }" = "0 0" ]
}
check "the owner monitors web; the other handoffds do not wake up" only_the_owner_wakes

e=$(field 1 4)
restarted_once_more "$e" 1
check "the table shows the failure with its time" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status |
	grep -q 'failures: 1 of at most 2 restarts; last at 20[0-9-]* [0-9:]* UTC: workload on node 1'"
check "... and in JSON" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status --json |
	grep -q '\"fail_count\": *1'"
e=$(field 1 4)
restarted_once_more "$e" 2

# the third failure is one more than max_restarts: FAILED, held
check "kill -9 web's workload (3)" kill_workload
check "... FAILED on every node" retry 15 phase_is 3 FAILED 1
check "... and they agree" retry 5 all_agree
check "... its error says why" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' status -d '|' |
	grep '^web|' | grep -q 'failure 3 (max_restarts 2)'"
sleep 3
check "... not restarted (nothing runs)" runs_n 0
check "... history: given up" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' history web -d '|' |
	head -n 1 | grep -q '|restart|node1|node1|failed|'"
check "a start is refused until a cleanup" expect_rejected 1 "run handoffctl cleanup" start web node1

check "cleanup" ctl 2 cleanup web --wait=30
check "... STOPPED, node1 let go" retry 20 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status -d '|' | grep -q '^web|STOPPED|0|'"
check "... the count is 0 again" retry 5 fail_count_is 0
check "... not Primary anywhere" retry 10 sh -c "for i in 1 2 3; do
	[ \"\$('$HCLUSTER' exec \$i '$STANDIN' role r0 | cut -d/ -f1)\" != Primary ] || exit 1; done"
check "start it again" ctl 1 start web node1 --wait=30
check "... RUNNING with a clean count" retry 10 fail_count_is 0
# ---- the count expires after failure_timeout (4 s, set by a reload) -------------------------
for i in 1 2 3; do
	echo "failure_timeout = 4" >>"$(hc path "$i")/etc/handoff/handoff.conf"
done
check "handoffctl reload on every node: failure_timeout = 4" sh -c "for i in 1 2 3; do
	'$HCLUSTER' exec \$i '$HANDOFFCTL' reload >/dev/null || exit 1; done"
e=$(field 1 4)
restarted_once_more "$e" 1
sleep 6         # longer than failure_timeout without a failure
e=$(field 1 4)
check "kill -9 web's workload, 6 s later" kill_workload
check "... restarted on node1 within 15 s" retry 15 runs_again "$e"
check "... the count began again: 1 failure, not 2" retry 5 fail_count_is 1
check "no invariant was violated" no_violations
finish
