#!/bin/bash
# t-notify.sh - handoff.conf's `notify` program (doc/notify.md): each event
# runs on the node that acted, with its variables: start on the owner,
# migrated on the target (with the phase times), stop, standby on the node
# in standby, fence-confirm on the node that asked, failover on the new
# owner, self-fence on the node that lost quorum.  A notify program that
# fails is logged with its event; one that hangs is killed at
# notify_timeout, and handoffd goes on working meanwhile.
#
# The program appends its HANDOFF_* environment, one line per event, to
# the node's own /var/log/handoff/notify.log (each node has a private
# /var/log), so where a line is tells where it ran.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

notify=$work/notify
cat >"$notify" <<EOF
#!/bin/sh
{ env | grep '^HANDOFF_' | sort | tr '\n' ' '; echo "ARG=\$1"; } >>/var/log/handoff/notify.log
[ -e '$work/notify-fail' ] && { echo "failing on purpose" >&2; exit 3; }
[ -e '$work/notify-hang' ] && sleep 297
exit 0
EOF
chmod 755 "$notify"

hc up 3 --token 1000 >"$_out" 2>&1 || { diag <"$_out"; bail "hcluster up failed"; }
_nodes=3
for i in 1 2 3; do
	write_web_config "$i" "node1 node2 node3" "agent_opt.sample = $SAMPLE
agent_opt.faults = $faults"
	sed -i "s|^\[cluster\]\$|[cluster]\nself_fence_timeout = 1\nfence_delay = 4\nnotify = $notify\nnotify_timeout = 2|" \
		"$(hc path "$i")/etc/handoff/handoff.conf"
done
hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not start"; }

log_of() { echo "$(hc path "$1")/var/log/handoff/notify.log"; }
# event NODE EVENT [PATTERN...]: NODE ran EVENT with every PATTERN in its line
event() {
	local node=$1 ev=$2 lines
	shift 2
	lines=$(grep -F "HANDOFF_EVENT=$ev " "$(log_of "$node")" 2>/dev/null)
	for p in "$@"; do lines=$(echo "$lines" | grep -F -e "$p"); done
	[ -n "$lines" ] || { echo "node $node has no $ev event with: $*"; cat "$(log_of "$node")" 2>/dev/null; return 1; }
	echo "$lines"
}
count() { cat "$(log_of "$1")" 2>/dev/null | grep -cF "HANDOFF_EVENT=$2 "; }
only_on() {   # EVENT NODE: no other node ran EVENT
	local i
	for i in 1 2 3; do
		[ "$i" = "$2" ] && continue
		[ "$(count "$i" "$1")" = 0 ] || { echo "node $i ran $1 too"; cat "$(log_of "$i")"; return 1; }
	done
}
daemon_log() { echo "$(hc path "$1")/var/log/handoff/handoffd.log"; }

check "the cluster sees web STOPPED" retry 30 all_agree
check "a notify program that is group-writable is refused at load" sh -c "
	cp '$notify' '$work/bad' && chmod 775 '$work/bad' &&
	printf '[cluster]\nnotify = $work/bad\n' >'$work/bad.conf' &&
	! '$HANDOFFD' --check-config -c '$work/bad.conf' >'$work/bad.out' 2>&1; cat '$work/bad.out';
	grep -q 'writable by group or others' '$work/bad.out'"

# ---- start, migrate, stop ---------------------------------------------------------
check "start web on node1" ctl 1 start web node1 --wait=30
check "node1 ran start: web, node1, ok, RUNNING, argv[1]" retry 10 event 1 start \
	HANDOFF_RESOURCE=web HANDOFF_NODE=node1 HANDOFF_NODEID=1 HANDOFF_RESULT=ok \
	HANDOFF_PHASE=RUNNING HANDOFF_SEQUENCE= HANDOFF_TIMESTAMP=20 ARG=start
check "start ran on node1 only" only_on start 1
epoch=$(ctl 1 status --json | json '[r["epoch"] for r in d["resources"] if r["name"]=="web"][0]')
check "its HANDOFF_EPOCH is web's epoch ($epoch)" event 1 start "HANDOFF_EPOCH=$epoch "

check "migrate web to node2" ctl 3 migrate web node2 --wait=60
check "node2 (the target) ran migrated: node1 -> node2 with its phase times" retry 10 event 2 migrated \
	HANDOFF_SOURCE=node1 HANDOFF_TARGET=node2 HANDOFF_NODE=node2 HANDOFF_RESULT=ok \
	HANDOFF_MS_DUMP= HANDOFF_MS_RESTORE= HANDOFF_MS_DEMOTE= HANDOFF_FROZEN_MS=
check "the migration's HANDOFF_TOTAL_MS is more than 0" sh -c \
	"grep -F 'HANDOFF_EVENT=migrated ' '$(log_of 2)' | grep -q 'HANDOFF_TOTAL_MS=[1-9]'"
check "migrated ran on node2 only" only_on migrated 2

check "stop web (asked on node3)" ctl 3 stop web --wait=30
check "node2 (the owner) ran stop, STOPPED" retry 10 event 2 stop HANDOFF_RESULT=ok HANDOFF_PHASE=STOPPED
check "stop ran on node2 only" only_on stop 2

# ---- standby: on the node whose flag changed ------------------------------------------
check "standby node3 (asked on node1)" ctl 1 standby node3
check "node3 ran standby on" retry 10 event 3 standby "HANDOFF_REASON=standby on" HANDOFF_NODE=node3
check "unstandby node3" ctl 1 unstandby node3
check "node3 ran standby off" retry 10 event 3 standby "HANDOFF_REASON=standby off"
check "standby ran on node3 only" only_on standby 3

# ---- a failing, then a hanging notify program ------------------------------------------
touch "$work/notify-fail"
check "start web on node1 while notify fails" ctl 1 start web node1 --wait=30
check "node1 logs the failed run with its event" retry 10 grep -E \
	"notify $notify \(event start of web, #[0-9]+\) failed: exit 3: failing on purpose" "$(daemon_log 1)"
rm -f "$work/notify-fail"
check "stop web" ctl 1 stop web --wait=30
touch "$work/notify-hang"
check "start web on node1 while notify hangs" ctl 1 start web node1 --wait=30
hung() { pgrep -f "^sleep 297$" >/dev/null; }
check "the hanging notify runs" retry 10 hung
check "handoffd works meanwhile: web migrates to node3" ctl 1 migrate web node3 --wait=60
gone() { ! pgrep -f "^sleep 297$" >/dev/null; }
check "the hanging runs are killed at notify_timeout (2 s)" retry 15 gone
check "and logged as timed out" grep -E "notify $notify \(event start of web, #[0-9]+\) failed: timed out after 2000 ms" \
	"$(daemon_log 1)"
rm -f "$work/notify-hang"

# ---- failover and fence-confirm -----------------------------------------------------
check "migrate web back to node1" ctl 2 migrate web node1 --wait=60
crash 1
check "the operator confirms node1 down on node3" confirm_fenced 1
running_on_2() { phase_is 2 RUNNING 2; }
check "web fails over to node2" retry 30 running_on_2
check "node2 (the new owner) ran failover from node1" retry 10 event 2 failover \
	HANDOFF_SOURCE=node1 HANDOFF_TARGET=node2 HANDOFF_NODE=node2 HANDOFF_RESULT=ok
check "failover ran on node2 only" only_on failover 2
check "node3 (which asked) ran fence-confirm about node1" retry 10 event 3 fence-confirm \
	HANDOFF_NODE=node1 HANDOFF_NODEID=1 HANDOFF_RESOURCE=
check "fence-confirm ran on node3 only" only_on fence-confirm 3

# ---- self-fence -------------------------------------------------------------------------
check "stop web" ctl 2 stop web --wait=30
hc isolate 3 >"$_out" 2>&1 || diag <"$_out"
check "node3, cut off, ran self-fence" retry 20 event 3 self-fence HANDOFF_NODE=node3 HANDOFF_RESULT=ok
hc heal 3 >"$_out" 2>&1 || diag <"$_out"
check "S1: the stand-in saw no second Primary" no_violations

finish
