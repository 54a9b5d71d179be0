#!/bin/bash
# Cluster tier: only root's handoffd speaks for a node over IPC.  While
# handoffd is down, an unprivileged process (nobody) serves the IPC name
# 'handoff' with libqb, answering "fenced" to everything: handoffctl
# refuses it (exit 2, naming its uid and pid), handoff-fence-peer exits 1
# (never 7), and handoffd's start error names it.  And probe, which runs
# drbdadm and the agent as root, needs root or admin_group; no user that
# may only read makes handoffd hold large or many IPC buffers.
. "$(dirname "$0")/lib.sh"
require_root

SQUAT=$HANDOFF_BUILDDIR/test/cluster/ipc_squat
FENCE_PEER=$HANDOFF_SRCDIR/tools/handoff-fence-peer
[ -x "$SQUAT" ] || bail "no $SQUAT (make check builds it)"
as_nobody() { hc exec 1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

cluster_up 2
# node 1 gets a resource to probe: shared storage, nothing to mount
cat >"$(hc path 1)/etc/handoff/handoff.conf" <<EOF
[cluster]
log_file = /var/log/handoff/handoffd.log
debug = 1
[resource web]
storage = shared
device = /dev/$HCLUSTER_PREFIX-none
mount_point = /mnt/$HCLUSTER_PREFIX-web
workload = exec
agent = $HANDOFF_SRCDIR/agents/handoff-sample-agent
nodes = node1 node2
EOF
hc daemon 1 stop >/dev/null

# --- the squatter: nobody serves 'handoff' on node 1 -----------------------
squat_pid=
squat_start() {
	hc exec 1 setsid -f sh -c "exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
		'$SQUAT' >/run/squat.out 2>&1"
	retry 10 hc exec 1 grep -q '^ready ' /run/squat.out || return 1
	squat_pid=$(hc exec 1 cat /run/squat.out | awk '/^ready/ {print $2}')
	[ "$(stat -c %u "/proc/$squat_pid")" = "$(id -u nobody)" ]
}
check "nobody can serve the IPC name 'handoff' while handoffd is down" squat_start
[ -n "$squat_pid" ] || bail "the squatter did not start: $(hc exec 1 cat /run/squat.out)"

refused() {
	local out rc
	out=$(ctl 1 "$@" 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 2 ] && [ "$out" = "handoffctl: IPC service 'handoff' is served by uid $(id -u nobody) (pid $squat_pid), not by handoffd" ]
}
check "handoffctl status refuses the squatter: exit 2, its uid and pid" refused status
check "handoffctl fence-peer refuses the squatter (exit 2)" refused fence-peer node2
fence_peer_cannot_ask() {
	local out rc
	out=$(hc exec 1 env HANDOFFCTL="$HANDOFFCTL" "$FENCE_PEER" --peer node2 --timeout 2 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "not by handoffd"
}
check "handoff-fence-peer against the squatter exits 1, not 7" fence_peer_cannot_ask

daemon_names_squatter() {
	local out
	hc daemon 1 start >/dev/null 2>&1 && { echo "handoffd started"; return 1; }
	out=$(hc exec 1 grep "cannot serve IPC" /var/log/handoff/handoffd.stderr | tail -1)
	echo "$out"
	echo "$out" | grep -q "Address already in use: pid $squat_pid (ipc_squat, uid $(id -u nobody)) holds it, not root"
}
check "handoffd cannot start, and its error names the squatter's pid and uid" daemon_names_squatter

kill "$squat_pid"
check "the squatter is gone" retry 10 test ! -d "/proc/$squat_pid/fd"
hc daemon 1 start >/dev/null 2>&1 || bail "handoffd does not start after the squatter left"
check "root's handoffd is believed: node 1 lists 1 2" retry 10 members_are 1 "1 2"
fence_peer_member() {
	local out rc
	out=$(hc exec 1 env HANDOFFCTL="$HANDOFFCTL" "$FENCE_PEER" --peer node2 --timeout 0 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 6 ]
}
check "handoff-fence-peer asks root's handoffd: node2 is a member, exit 6" fence_peer_member

# --- probe runs root processes: root or admin_group only --------------------
probe_denied() {
	local out rc
	out=$(as_nobody "$HANDOFFCTL" probe web 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "permission denied: 'probe' needs root"
}
check "probe by an unprivileged user is denied" probe_denied
check "probe by root works" ctl 1 probe web
check "reading stays open to an unprivileged user" as_nobody "$HANDOFFCTL" status

# --- what any user may make handoffd hold ------------------------------------
# libqb makes three rings of the client's buffer and handoffd touches them:
# a 512 MiB buffer took its resident memory to 528 MB
IPC_PROBE=$HANDOFF_BUILDDIR/test/cluster/ipc_probe
handoffd_pid=$(cut -d' ' -f1 "$(hc path 1)/hcluster/handoffd.pid")
peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$handoffd_pid/status"; }
huge_buffer_refused() {
	local out rc before after
	before=$(peak_kb)
	out=$(as_nobody "$IPC_PROBE" 1 '{}' --size $((512 * 1024 * 1024)) 2>&1); rc=$?
	after=$(peak_kb)
	echo "exit $rc: $out; handoffd's peak resident memory ${before} -> ${after} kB"
	[ $rc -eq 2 ] && [ $((after - before)) -lt 65536 ]
}
check "a 512 MiB buffer is refused at connect; handoffd's peak memory grows < 64 MB" huge_buffer_refused
readers_limited() {
	local i out rc
	for i in $(seq 16); do
		as_nobody "$IPC_PROBE" 1 '{}' --hold 5 >/dev/null 2>&1 &
	done
	sleep 1.5
	out=$(as_nobody "$HANDOFFCTL" members 2>&1); rc=$?
	echo "17th: exit $rc: $out"
	[ $rc -eq 2 ] && echo "$out" | grep -q "Too many users" || { wait; return 1; }
	ctl 1 members >/dev/null || { echo "root was refused too"; wait; return 1; }
	wait
	as_nobody "$HANDOFFCTL" members >/dev/null
}
check "16 read-only connections at once; the 17th is refused, root is not, and they end" readers_limited

finish
