#!/bin/bash
# Cluster tier: CPG membership and quorum as handoffctl reports them, on a
# real 3-node corosync cluster, through a node crash, a partition and a heal.
. "$(dirname "$0")/lib.sh"
require_root

cluster_up 3

for i in 1 2 3; do
	check "node $i: members --json lists nodeids 1 2 3" members_are $i "1 2 3"
done
for i in 1 2 3; do
	check "node $i: quorate, quorum gate open" quorate_is $i true
done

delim_lines() {
	local out
	out=$(ctl 1 members -d :) || return 1
	echo "$out"
	[ "$(echo "$out" | wc -l)" -eq 3 ] &&
	echo "$out" | grep -qx '1:[0-9]*:node1:handoffd:0' &&
	echo "$out" | grep -qx '3:[0-9]*:node3:handoffd:0'
}
check "members -d : prints nodeid:pid:name:role:maintenance, one member a line" delim_lines

quorum_fields() {
	local out
	out=$(ctl 2 quorum -d ' ') || return 1
	echo "$out"
	echo "$out" | grep -qx 'quorate 1' &&
	echo "$out" | grep -qx 'total_votes 3' &&
	echo "$out" | grep -qx 'members 1 2 3'
}
check "quorum -d ' ' gives key value lines" quorum_fields

# A node crash: SIGKILL of node 3's corosync and handoffd.
hc kill 3
for i in 1 2; do
	check "after kill 3, node $i lists 2 members" retry 20 members_are $i "1 2"
	check "after kill 3, node $i stays quorate" quorate_is $i true
done

# The crashed node comes back and rejoins.
hc start 3 >/dev/null && hc wait 3 quorate 30 >/dev/null && hc daemon 3 start >/dev/null
check "node 3 restarted: node 1 lists 3 members again" retry 20 members_are 1 "1 2 3"
check "node 3 restarted: node 3 lists 3 members" retry 20 members_are 3 "1 2 3"

# A partition: node 1 alone is not quorate, 2 and 3 are.
hc isolate 1
check "isolated node 1 reports not quorate, gate closed" retry 30 quorate_is 1 false
for i in 2 3; do
	check "node $i reports quorate while node 1 is isolated" retry 30 quorate_is $i true
	check "node $i lists 2 members while node 1 is isolated" retry 30 members_are $i "2 3"
done

gate_reason() {
	ctl 1 quorum --json | json 'd["gate"]["reason"]' | grep -qx "not quorate"
}
check "node 1's quorum gate says why it is closed" gate_reason

hc heal 1
for i in 1 2 3; do
	check "after heal, node $i lists 3 members" retry 30 members_are $i "1 2 3"
	check "after heal, node $i is quorate" retry 30 quorate_is $i true
done

finish
