#!/bin/bash
# t-detach.sh - a storage failure on real DRBD (doc/protocol.md rules 29,
# 30): the owner's disk is detached under the running criu counter
# (`drbdadm detach r0`: Primary and Diskless, reading and writing through
# its peer).  The owner's monitor reports a storage failure with the
# workload still running, and the table moves it away live: the counter
# goes on on node2 where it was (no cold start), with one Primary and one
# counter at every step checked.
. "$(dirname "$0")/lib.sh"

vm_cluster_up 3
vm_handoff_up "monitor_interval = 2"

count_grows() {   # NODE
	g "$1" 'a=$(tail -n 1 /srv/counter/count); sleep 2; b=$(tail -n 1 /srv/counter/count)
echo "counter $a -> $b"; [ "$b" -gt "$a" ]'
}
last_start() {   # NODE: the line where the counter last began at 1
	g "$1" "grep -n '^1\$' /srv/counter/count | tail -n 1 | cut -d: -f1"
}
continuous_since() {   # NODE LINE: from LINE on, every number is the one before plus 1
	g "$1" "awk -v from=$2 'NR >= from { if (NR > from && \$1 != prev + 1) { print \"line \" NR \": \" \$1 \" after \" prev; bad = 1 } prev = \$1 }
		END { print \"checked up to \" prev; exit bad }' /srv/counter/count"
}

check "start counter on node1" g 1 "handoffctl start counter node1 --wait=120" 150
check "S1, S2: node1 alone is Primary and runs the counter" s1_s2 1
check "the counter grows on node1" count_grows 1
began=$(last_start 1)

check "detach node1's disk under the running counter" g 1 "drbdadm detach r0 && drbdadm dstate r0"
check "node1 is still Primary, Diskless (its peer serves the data)" \
	g 1 "drbdadm role r0 | grep '^Primary' && drbdadm dstate r0 | grep '^Diskless'"
check "the table moves counter to node2" retry 120 phase_is 3 "RUNNING 2"
check "S1, S2 after the move: node2 alone is Primary and runs it" s1_s2 2
check "the counter grows on node2" count_grows 2
check "it went on where it was: live, not started cold (it began at line $began), no gap" \
	eval "[ \"\$(last_start 2)\" = '$began' ] && continuous_since 2 $began"
check "history: a live relocation for a storage failure, then the migration" \
	g 3 "handoffctl history counter -d '|' | head -n 2 | tr '\n' ' ' |
	grep '|migration|node1|node2|ok|.*|relocate|node1|node2|ok|.*live: a storage failure moves it away; storage on node 1: DRBD resource r0: disk Diskless'"
check "status counts one relocation" \
	g 2 "handoffctl status -d '|' | grep '^counter|RUNNING|2|' | cut -d'|' -f9 | grep -x 1"
check "node1 let go: Secondary" g 1 "drbdadm role r0 | grep '^Secondary'"
finish
