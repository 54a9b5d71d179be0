#!/bin/bash
# t-relocate.sh - the recovery policy past restarts (doc/protocol.md rules
# 29-32): a workload killed once more than max_restarts is relocated cold
# to the next node by preference; a storage failure on the owner (the
# stand-in's disk knob says Diskless) moves it away live, and the counter
# goes on where it was; past max_relocations it is FAILED until a cleanup,
# which resets both counts.  history shows each relocation with its
# reason, and the notify program runs restart and relocated on the owner
# that failed.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

notify=$work/notify
cat >"$notify" <<EOF
#!/bin/sh
{ env | grep '^HANDOFF_' | sort | tr '\n' ' '; echo; } >>/var/log/handoff/notify.log
exit 0
EOF
chmod 755 "$notify"

fault_cluster_up 3 "node1 node2 node3"
# checked every second; one restart in place, then two relocations
for i in 1 2 3; do
	printf 'monitor_interval = 1\nmax_restarts = 1\n' >>"$(hc path "$i")/etc/handoff/handoff.conf"
	sed -i "s|^\[cluster\]\$|[cluster]\nmax_relocations = 2\nnotify = $notify|" \
		"$(hc path "$i")/etc/handoff/handoff.conf"
done
hc daemon all stop >"$_out" 2>&1
hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not restart"; }

kill_workload_on() {   # NODE
	local pid
	pid=$(workload_pid "$1" | cut -d" " -f1) && [ -n "$pid" ] || return 1
	echo "kill -9 $pid"
	kill -9 "$pid"
}
counts_are() {   # FAILS RELOCATIONS: on every node
	local i f r
	for i in 1 2 3; do
		f=$(field "$i" 6) r=$(field "$i" 9)
		[ "$f|$r" = "$1|$2" ] || { echo "node $i counts '$f|$r', expected $1|$2"; return 1; }
	done
}
runs_on() {      # NODE EPOCH_BEFORE: RUNNING there, everywhere, at a later epoch, counting
	phase_is 3 RUNNING "$1" || return 1
	all_agree >/dev/null || return 1
	[ "$(field 2 4)" -gt "$2" ] || { echo "epoch $(field 2 4), not after $2"; return 1; }
	counter_grows "$1"
}
once_on() {      # NODE: one counter, Primary there only
	local i n
	n=$(counters)
	[ "$n" -eq 1 ] || { echo "counters: $n"; return 1; }
	for i in 1 2 3; do
		if [ "$i" = "$1" ]; then
			[ "$(role_of "$i")" = Primary ] || { echo "node $i is not Primary"; return 1; }
		else
			[ "$(role_of "$i")" != Primary ] || { echo "node $i is Primary too"; return 1; }
		fi
	done
}
newest() { ctl "${2:-3}" history web -d '|' | head -n "${1:-1}"; }
history_has() {   # PATTERN: among the 3 newest entries
	newest 3 | grep -q -e "$1" || { newest 5; return 1; }
}
log_of() { echo "$(hc path "$1")/var/log/handoff/notify.log"; }
event() {        # NODE EVENT PATTERN...: NODE ran EVENT with every PATTERN
	local node=$1 ev=$2 lines
	shift 2
	lines=$(grep -F "HANDOFF_EVENT=$ev " "$(log_of "$node")" 2>/dev/null)
	for p in "$@"; do lines=$(echo "$lines" | grep -F -e "$p"); done
	[ -n "$lines" ] || { echo "node $node has no $ev event with: $*"; cat "$(log_of "$node")" 2>/dev/null; return 1; }
}

check "start web on node1" ctl 1 start web node1 --wait=30
check "RUNNING on node1 everywhere" retry 20 all_agree
check "no failures yet" counts_are 0 0

# ---- restart in place, then a cold relocation ------------------------------------------
e=$(field 1 4)
check "kill -9 web's workload on node1 (1)" kill_workload_on 1
check "... restarted on node1" retry 15 runs_on 1 "$e"
check "... node1 ran the notify event restart" retry 10 event 1 restart HANDOFF_RESOURCE=web \
	HANDOFF_RESULT=ok "HANDOFF_REASON=workload on node 1"
e=$(field 1 4)
check "kill -9 web's workload on node1 (2: past max_restarts)" kill_workload_on 1
check "... relocated: RUNNING on node2, started cold" retry 20 runs_on 2 "$e"
check "... it runs once, Primary on node2 only" once_on 2
check "... every node counts 1 relocation (and a new restart budget)" retry 5 counts_are 0 1
check "... history: relocate node1 -> node2, cold, with the reason" history_has \
	'^web|[0-9]*|relocate|node1|node2|ok|.*|cold: max_restarts 1; workload on node 1'
check "... status shows the relocations" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status |
	grep -q 'relocations: 1 of at most 2'"
check "... and --json" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status --json |
	grep -q '\"reloc_count\": *1'"
check "... node1 (which failed) ran relocated to node2" retry 10 event 1 relocated \
	HANDOFF_SOURCE=node1 HANDOFF_TARGET=node2 HANDOFF_RESULT=ok "HANDOFF_REASON=cold: "
check "... and node2 the start" retry 10 event 2 start HANDOFF_RESULT=ok

# ---- a storage failure: moved away live ------------------------------------------------
e=$(field 1 4)
before=$(counter 2)
echo Diskless >"$state_dir/dstate.2.r0"
check "node2's disk goes Diskless: web migrates live to node1" retry 30 runs_on 1 "$e"
rm -f "$state_dir/dstate.2.r0"
check "... the counter went on from where it was ($before), not from 0" sh -c \
	"[ \"\$('$HCLUSTER' exec 1 sh -c \"tail -n1 '$mnt/counter'\")\" -gt '$before' ]"
check "... it runs once, Primary on node1 only" once_on 1
check "... every node counts 2 relocations" retry 5 counts_are 0 2
check "... history: relocate node2 -> node1, live, a storage failure" history_has \
	'^web|[0-9]*|relocate|node2|node1|ok|.*|live: a storage failure moves it away; storage on node 2: DRBD resource r0: disk Diskless'
check "... then the migration itself" history_has '^web|[0-9]*|migration|node2|node1|ok|'
check "... node2 ran relocated (live)" retry 10 event 2 relocated HANDOFF_SOURCE=node2 \
	HANDOFF_TARGET=node1 "HANDOFF_REASON=live: "
check "... node1 ran migrated" retry 10 event 1 migrated HANDOFF_SOURCE=node2 HANDOFF_TARGET=node1

# ---- past max_relocations: FAILED, held; cleanup resets both counts ---------------------
e=$(field 1 4)
check "kill -9 web's workload on node1 (3)" kill_workload_on 1
check "... restarted on node1" retry 15 runs_on 1 "$e"
check "kill -9 web's workload on node1 (4: past max_restarts, relocations spent)" kill_workload_on 1
check "... FAILED on every node" retry 15 phase_is 3 FAILED 1
check "... and they agree" retry 5 all_agree
check "... its error says why" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' status -d '|' |
	grep '^web|' | grep -q 'relocations 2 of max_relocations 2 spent'"
sleep 2
nothing_runs() { local n; n=$(counters); echo "counters: $n"; [ "$n" -eq 0 ]; }
check "... nothing runs" nothing_runs
check "cleanup" ctl 2 cleanup web --wait=30
check "... STOPPED" retry 20 sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' status -d '|' | grep -q '^web|STOPPED|0|'"
check "... both counts are 0 again" retry 5 counts_are 0 0
check "no invariant was violated" no_violations
finish
