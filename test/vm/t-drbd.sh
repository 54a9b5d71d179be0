#!/bin/bash
# t-drbd.sh - the VM tier on real DRBD: 3 guests (corosync quorate on
# each), DRBD 8.4 resource r0 on guests 1 and 2, handoffd on all three,
# and a criu workload (a counter appending to a file on r0's ext4).
# After every step S1 and S2 are checked from DRBD's own role and the
# process tables: at most one Primary, at most one counter.
. "$(dirname "$0")/lib.sh"

vm_cluster_up 3
vm_handoff_up

# ---- cluster up ------------------------------------------------------------
for i in 1 2 3; do
	check "guest $i: corosync is quorate" g $i "corosync-quorumtool -s | grep 'Quorate: *Yes'"
	check "guest $i: handoffctl members lists nodes 1 2 3" \
		g $i "test \"\$(handoffctl members -d ' ' | cut -d' ' -f1 | tr '\n' ' ')\" = '1 2 3 '"
done
check "criu check passes on the guests' kernel" g 1 "criu check"
for i in 1 2 3; do
	check "guest $i: handoffd keeps softdog's /dev/watchdog armed (timeout $VM_WATCHDOG s, set by handoffd)" watchdog_armed $i
done

# the probe against what drbdadm itself says, on both DRBD nodes
probe_matches() {   # NODE: handoffctl probe agrees with drbdadm role/dstate/cstate
	g "$1" '
p=$(handoffctl probe counter -d " ")
set -- $p
role=$(drbdadm role r0 | cut -d/ -f1)
disk=$(drbdadm dstate r0 | cut -d/ -f1)
cs=$(drbdadm cstate r0)
case $cs in Connected|Sync*|Verify*|PausedSync*|Ahead|Behind) conn=Connected ;; *) conn=Disconnected ;; esac
mnt=unmounted; grep -q " /srv/counter " /proc/mounts && mnt=mounted
echo "probe: $p"; echo "drbdadm: $role $disk $cs $mnt"
[ "$3" = "$role" ] && [ "$4" = "$disk" ] && [ "$5" = "$conn" ] && [ "$6" = "$mnt" ]'
}
check "guest 1: probe reports Secondary, UpToDate, Connected as drbdadm does" probe_matches 1
check "guest 2: probe reports Secondary, UpToDate, Connected as drbdadm does" probe_matches 2
check "guest 1: the probe says Secondary UpToDate Connected" \
	g 1 "handoffctl probe counter -d ' ' | grep -x 'counter 1 Secondary UpToDate Connected unmounted stopped'"

# ---- start and stop on real DRBD ---------------------------------------------
check "start counter on node1" g 1 "handoffctl start counter node1 --wait=120" 150
check "S1, S2: node1 alone is Primary and runs the counter" s1_s2 1
count_grows() {   # NODE
	g "$1" 'a=$(tail -n 1 /srv/counter/count); sleep 2; b=$(tail -n 1 /srv/counter/count)
echo "counter $a -> $b"; [ "$b" -gt "$a" ]'
}
check "the counter grows on node1" count_grows 1
check "guest 1: probe says Primary, mounted, running" \
	g 1 "handoffctl probe counter -d ' ' | grep -x 'counter 1 Primary UpToDate Connected mounted running'"
check "guest 2: handoffctl status shows counter RUNNING on node1" phase_is 2 "RUNNING 1"

# ---- DRBD refuses a second Primary ---------------------------------------------
check_fails "promoting node2 by hand is refused by DRBD" g 2 "drbdadm primary r0"
check "DRBD's refusal names the reason" \
	g 2 "drbdadm primary r0 2>&1 | grep -i 'primar'; true"
check "S1, S2 still: node1 alone" s1_s2 1
check "handoffd still reports counter RUNNING on node1" phase_is 3 "RUNNING 1"
check "guest 2: probe says Secondary, UpToDate, Connected" \
	g 2 "handoffctl probe counter -d ' ' | grep -x 'counter 2 Secondary UpToDate Connected unmounted stopped'"

last_on_a=$(g 1 "tail -n 1 /srv/counter/count" 2>/dev/null)
check "stop counter" g 1 "handoffctl stop counter --wait=120" 150
check "node1 is Secondary and unmounted after the stop" \
	g 1 "drbdadm role r0 | grep -q ^Secondary && ! grep -q ' /srv/counter ' /proc/mounts"
check "S1, S2: nobody is Primary, no counter runs" s1_s2 ""

check "start counter on node2" g 2 "handoffctl start counter node2 --wait=120" 150
check "S1, S2: node2 alone" s1_s2 2
check "node2 sees what node1 wrote (the count up to $last_on_a at least)" \
	g 2 "head -n 1 /srv/counter/count | grep -qx 1 && awk '\$1 >= $last_on_a { f = 1 } END { exit !f }' /srv/counter/count"
check "the counter grows on node2" count_grows 2

# ---- live migration of the criu counter: node2 -> node1 -> node2 -------------
# The counter's number lives only in its memory: restored, it goes on where
# it was; started cold, it would begin again at 1.
last_start() {   # NODE: the line where the counter last began at 1
	g "$1" "grep -n '^1\$' /srv/counter/count | tail -n 1 | cut -d: -f1"
}
continuous_since() {   # NODE LINE: from LINE on, every number is the one before plus 1
	g "$1" "awk -v from=$2 'NR >= from { if (NR > from && \$1 != prev + 1) { print \"line \" NR \": \" \$1 \" after \" prev; bad = 1 } prev = \$1 }
		END { print \"checked up to \" prev; exit bad }' /srv/counter/count"
}
migrate_to() {   # FROM TO: handoffctl migrate on a third node, --wait
	g 3 "handoffctl migrate counter node$2 --wait=180" 240
}
began=$(last_start 2)
for hop in "2 1" "1 2"; do
	set -- $hop
	check "migrate the criu counter from node$1 to node$2 (--wait exits 0)" migrate_to "$1" "$2"
	check "S1, S2 after the move: node$2 alone is Primary and runs it" s1_s2 "$2"
	check "every node reports counter RUNNING on node$2" phase_is 3 "RUNNING $2"
	check "the counter grows on node$2" count_grows "$2"
	check "it resumed where it was: no restart (it began at line $began), no gap" \
		eval "[ \"\$(last_start $2)\" = '$began' ] && continuous_since $2 $began"
done
check "history on node3 lists both moves as migrated" \
	g 3 "test \$(handoffctl history counter -d '|' | grep -c '|ok|') -ge 2"

check "stop counter on node2" g 2 "handoffctl stop counter --wait=120" 150
check "S1, S2 after the stop: nobody" s1_s2 ""
check "every node reports counter STOPPED" phase_is 3 "STOPPED 0"

# ---- the owner cut off the network: it demotes before the survivor promotes -------
check "start counter on node1 again" g 1 "handoffctl start counter node1 --wait=120" 150
check "S1, S2: node1" s1_s2 1
g 1 "ip link set eth0 down" >/dev/null
# sample both DRBD nodes' roles (over the serial line) until node2 is Primary
s1_while_cut() {
	local i r1 r2 both=0 order_ok=0
	for i in $(seq 1 90); do
		r1=$(g 1 "drbdadm role r0 | cut -d/ -f1" 20 2>/dev/null)
		r2=$(g 2 "drbdadm role r0 | cut -d/ -f1" 20 2>/dev/null)
		echo "sample $i: node1 $r1, node2 $r2"
		[ "$r1" = Primary ] && [ "$r2" = Primary ] && both=1
		if [ "$r2" = Primary ]; then
			[ "$r1" = Secondary ] && order_ok=1
			break
		fi
		sleep 1
	done
	[ "$both" -eq 0 ] && [ "$order_ok" -eq 1 ]
}
check "S1 from DRBD itself: node1 demoted before node2 promoted, never both Primary" s1_while_cut
check "node1 self-fenced and says so" g 1 "handoffctl status | grep 'SELF-FENCED'"
check "the survivors run counter on node2" retry 60 phase_is 3 "RUNNING 2"
check "S2: the counter runs on node2 only" eval '[ "$(instances)" = 2 ]'
check "history: a failover from node1 to node2" g 3 "handoffctl history counter -d '|' | head -n 1 | grep '|failover|node1|node2|ok|'"
check "node2's DRBD let it promote because handoff-fence-peer called node1 fenced" \
	g 2 "grep 'handoff-fence-peer: r0: peer node1 fenced' /var/log/messages && dmesg | grep 'fence-peer helper returned 7'"
# Back on the network, DRBD reconnects by itself.  Both sides wrote after
# the cut (node1 until its self-fence, node2 since its promote): DRBD calls
# it a split brain, and after-sb-1pri discard-secondary gives node2's data
# to node1 (the Secondary: it self-fenced).  No operator step.
g 1 "ip link set eth0 up" >/dev/null
check "node1 rejoins the cluster" gwait 1 "corosync-quorumtool -s | grep -q 'Quorate: *Yes'" 60
# sample both DRBD nodes until node1 is Connected, UpToDate and Secondary:
# never StandAlone, never two Primaries, node2 Primary all along
heal_by_itself() {
	local i s1 s2
	for i in $(seq 1 120); do
		s1=$(g 1 'echo $(drbdadm role r0) $(drbdadm cstate r0) $(drbdadm dstate r0)' 20 2>/dev/null)
		s2=$(g 2 'echo $(drbdadm role r0) $(drbdadm cstate r0)' 20 2>/dev/null)
		echo "sample $i: node1 $s1; node2 $s2"
		case "$s1 $s2" in *StandAlone*) echo "DRBD gave up: split brain not resolved"; return 1 ;; esac
		case $s1 in Primary/*) echo "node1 is Primary"; return 1 ;; esac
		case $s2 in Primary/*) ;; *) echo "node2 is no longer Primary"; return 1 ;; esac
		[ "$s1" = "Secondary/Primary Connected UpToDate/UpToDate" ] && return 0
		sleep 1
	done
	return 1
}
check "DRBD reconnects by itself: node1 Secondary and UpToDate, node2 Primary all along, never StandAlone" heal_by_itself
check "node1 was SyncTarget of node2, and the resync finished" \
	g 1 "dmesg | grep -E 'Split-Brain detected|-> SyncTarget|Resync done'; dmesg | grep -q -- '-> SyncTarget' && dmesg | grep -q 'Resync done'"
resolved_on() {   # NODE: DRBD's log there has no split brain it left unresolved
	! g "$1" "dmesg | grep -i 'split-brain.*unresolved'"
}
check "no split brain was left unresolved on either node" eval 'resolved_on 1 && resolved_on 2'
check "node2 ran handoff-unfence-peer once node1 was UpToDate again" \
	gwait 2 "grep 'handoff-unfence-peer: r0: peer node1 is UpToDate again' /var/log/messages" 30
check "S1, S2 after the heal: node2 alone, RUNNING on node2 everywhere" \
	eval 's1_s2 2 && phase_is 1 "RUNNING 2" && phase_is 3 "RUNNING 2"'
check "the counter still grows on node2" count_grows 2
check "guest 1: the self-fenced node keeps feeding its watchdog" watchdog_armed 1
# what node2 wrote, then on DRBD (sync): line N of the counter file and its number
synced_b=$(g 2 "n=\$(wc -l </srv/counter/count); echo \$n \$(sed -n \${n}p /srv/counter/count); sync" 2>/dev/null)

# ---- the owner's guest is killed: the survivor takes over on real DRBD --------------
"$HVM" kill 2 >/dev/null
takeover_decided() { phase_is 3 "RUNNING 1" || phase_is 3 "FAILED 2"; }
retry 120 takeover_decided >/dev/null
# node1 rejoined while DRBD still resynced it: its facts of then ("not
# UpToDate") must not be kept as the cache (plugin/resource_manager.c,
# on_probed), or nobody would be eligible now and counter would end FAILED
# although node1's DRBD is UpToDate.
set -- $synced_b
check "the survivors run counter on node1 after fence_delay" phase_is 3 "RUNNING 1"
check "node1 is Primary and runs the counter" \
	g 1 "drbdadm role r0 | grep -q ^Primary && ps -o args | grep -q '[h]vm-counter'"
check "the counter grows on node1" count_grows 1
check "node1's counter file holds what node2 wrote before it was killed (line ${1:-?}: ${2:-?})" \
	g 1 "sed -n '${1:-0}p' /srv/counter/count | grep -x '${2:-none}'"

# A clean stop of handoffd disarms the watchdog (the magic close), since
# no self-fence is in progress on guest 3: the kernel says inactive.
watchdog_disarmed_by_stop() {
	g 3 "kill \$(pidof handoffd); for i in 1 2 3 4 5 6 7 8 9 10; do pidof handoffd >/dev/null || break; sleep 0.5; done
echo \"watchdog0: \$(cat /sys/class/watchdog/watchdog0/state)\"
[ \"\$(cat /sys/class/watchdog/watchdog0/state)\" = inactive ]"
}
check "guest 3: a clean stop of handoffd disarms softdog (magic close)" watchdog_disarmed_by_stop

finish
