#!/bin/bash
# t-events.sh - health events on real DRBD (issue 17): 3 guests, the criu
# counter on r0 with monitor_interval = 60, so that only an event can make
# handoff notice within seconds.  The counter killed on its node: noticed
# through the pidfd, restarted on that node, counting again.  `drbdadm
# detach` of the owner's disk: noticed through the real `drbdsetup events2`
# (drbd-utils 9 driving DRBD 8.4 through drbdsetup-84) and reported.
. "$(dirname "$0")/lib.sh"

vm_cluster_up 3
vm_handoff_up "monitor_interval = 60
max_restarts = 3"

log_has() { g 1 "grep -q \"$1\" /var/log/handoffd.log"; }
epoch_of() {   # NODE: counter's epoch in NODE's status
	g "$1" "handoffctl status --json" | json '[r["epoch"] for r in d["resources"] if r["name"] == "counter"][0]'
}
count_grows() {   # NODE
	g "$1" 'a=$(tail -n 1 /srv/counter/count); sleep 2; b=$(tail -n 1 /srv/counter/count)
echo "counter $a -> $b"; [ "$b" -gt "$a" ]'
}
watched_pid() {   # the last pid node1's handoffd watches for counter
	g 1 "sed -n \"s/.*counter: watching the workload's pid \\([0-9]*\\) (pidfd).*/\\1/p\" /var/log/handoffd.log | tail -n 1"
}

check "start counter on node1" g 1 "handoffctl start counter node1 --wait=120" 150
check "S1, S2: node1 alone is Primary and runs the counter" s1_s2 1
check "node1 watches the counter's pid (the criu agent's monitor says pid=N)" \
	gwait 1 "grep -q \"counter: watching the workload's pid\" /var/log/handoffd.log" 60
check "node1 follows drbdsetup events2 (through drbdsetup-84 on this 8.4 kernel)" \
	gwait 1 "grep -q 'drbdsetup events2: following DRBD' /var/log/handoffd.log" 60
check "the events2 child runs on node1 only" eval \
	'g 1 "ps -o args | grep -q \"[e]vents2 all\"" && ! g 2 "ps -o args | grep -q \"[e]vents2 all\"" &&
	! g 3 "ps -o args | grep -q \"[e]vents2 all\""'

# ---- the counter killed ---------------------------------------------------------
pid=$(watched_pid)
e=$(epoch_of 3)
check "the watched pid $pid is the counter (hvm-counter in its command line)" \
	g 1 "tr '\\0' ' ' </proc/$pid/cmdline | grep -q hvm-counter"
g 1 "date '+%b %d %H:%M:%S' >/tmp/kill.at; kill -9 $pid" >/dev/null
check "kill -9 $pid: noticed through the pidfd within 10 s (monitor_interval is 60)" \
	gwait 1 "grep -q 'counter: pid $pid ended (pidfd): checking it now' /var/log/handoffd.log" 10
check "... reported as a workload failure" \
	gwait 1 "grep -q 'counter: monitor (epoch $e): workload failure' /var/log/handoffd.log" 20
restarted() {
	local now
	phase_is 3 "RUNNING 1" || return 1
	now=$(epoch_of 3)
	echo "epoch $e -> $now"
	[ "$now" -gt "$e" ]
}
check "... restarted on node1 (a newer epoch)" retry 120 restarted
check "S1, S2: node1 alone" s1_s2 1
check "the counter counts again on node1" count_grows 1
check "every node counts 1 failure" \
	g 3 "handoffctl status --json | grep -q '\"fail_count\": *1'"

# ---- drbdadm detach of the owner's disk ------------------------------------------
e=$(epoch_of 3)
check "node1 watches the new counter's pid" \
	gwait 1 "test \"\$(grep -c \"counter: watching the workload's pid\" /var/log/handoffd.log)\" -ge 2" 60
g 1 "date '+%b %d %H:%M:%S' >/tmp/detach.at; drbdadm detach r0" 60 >/dev/null
check "drbdadm detach on node1: noticed through events2 within 10 s" \
	gwait 1 "grep -Eq 'counter: drbdsetup events2: r0 disk (Failed|Detaching|Diskless): checking it now' /var/log/handoffd.log" 10
check "... reported as a storage failure (disk not UpToDate)" \
	gwait 1 "grep -q 'counter: monitor (epoch $e): storage failure: DRBD resource r0: disk' /var/log/handoffd.log" 20
check "... the table leaves RUNNING at epoch $e" \
	retry 60 eval '[ "$(epoch_of 3)" != "$e" ] || ! phase_is 3 "RUNNING 1"'
check "S1, S2 hold" s1_s2
# how soon, by the guest's own clock (TCG: slow)
g 1 "echo \"killed at \$(cat /tmp/kill.at), detached at \$(cat /tmp/detach.at)\"; grep -E 'ended \\(pidfd\\)|workload failure|events2: r0|storage failure' /var/log/handoffd.log" 2>&1 | diag
finish
