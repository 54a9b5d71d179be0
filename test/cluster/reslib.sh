# reslib.sh - helpers for the cluster tier's resource tests (bash), about
# the resource "web" on the DRBD stand-in.  Source it after lib.sh; the
# helpers use $mnt (web's mount point), $STANDIN (the stand-in drbdadm),
# $state_dir (the stand-in's state directory), $loop (r0's device) and
# $AGENT (web's agent) when they run.

# write_web_config NODE PREFERENCE [MORE]: NODE's stand-in config and a
# handoff.conf with resource web on r0 (nodes = PREFERENCE), MORE appended
# (more keys of web, or more sections).
write_web_config() {
	local dir
	dir=$(hc path "$1")/etc/handoff
	cat >"$dir/drbd-standin.conf" <<-EOF
	node = $1
	state_dir = $state_dir
	resource r0 $loop
	EOF
	cat >"$dir/handoff.conf" <<-EOF
	[cluster]
	log_file = /var/log/handoff/handoffd.log
	debug = 1
	drbdadm = $STANDIN
	drbdsetup = ${STANDIN%/*}/drbdsetup
	[resource web]
	storage = drbd
	drbd_resource = r0
	device = $loop
	mount_point = $mnt
	workload = exec
	agent = $AGENT
	nodes = $2
	timeout_start = 20
	${3:-}
	EOF
}

status_line() { ctl "$1" status -d '|' | grep '^web|'; }
phase_is() {   # NODE PHASE OWNER
	local got
	got=$(status_line "$1" | cut -d'|' -f2,3) || return 1
	[ "$got" = "$2|$3" ] || { echo "node $1 sees web as '$got', expected '$2|$3'"; return 1; }
}
all_agree() {
	local a b c
	a=$(status_line 1) && b=$(status_line 2) && c=$(status_line 3) || return 1
	echo "$a / $b / $c"
	[ "$a" = "$b" ] && [ "$b" = "$c" ]
}
counter() { hc exec "$1" sh -c "tail -n1 '$mnt/counter' 2>/dev/null || echo 0"; }
counter_grows() {
	local a b
	a=$(counter "$1"); sleep 1; b=$(counter "$1")
	echo "counter $a -> $b"
	[ "$b" -gt "$a" ]
}
# handoffd_pid NODE: the pid of NODE's handoffd (hcluster's record)
handoffd_pid() { local pid _; read -r pid _ <"$HCLUSTER_DIR/node$1/hcluster/handoffd.pid" && echo "$pid"; }
# wakeups SECONDS: the voluntary context switches of each node's handoffd
# (1 to 3) in SECONDS, after 3 s for the background probes of a sync to
# end: "N1 N2 N3" (a handoffd sleeps in its loop until something happens)
wakeups() {
	local i pid before=() after=()
	sleep 3
	for i in 1 2 3; do
		pid=$(handoffd_pid "$i") || return 1
		before[i]=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status")
	done
	sleep "$1"
	for i in 1 2 3; do
		pid=$(handoffd_pid "$i") || return 1
		after[i]=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status")
	done
	echo "$((after[1] - before[1])) $((after[2] - before[2])) $((after[3] - before[3]))"
}
role_of() { hc exec "$1" "$STANDIN" role r0 | cut -d/ -f1; }
workload_pid() { hc exec "$1" cat "$mnt/.sample-agent.pid"; }

# fault_web_setup: the resource web of the fault tests: a 64 MiB ext4 on a
# loop device ($loop, mounted at $mnt), the stand-in's state ($state_dir),
# the fault-agent ($AGENT) over the sample agent ($SAMPLE) with its fault
# directory ($faults); removed on exit with whatever the test left running.
fault_web_setup() {
	STANDIN=$HANDOFF_SRCDIR/test/drbd-standin/drbdadm
	SAMPLE=$HANDOFF_SRCDIR/agents/handoff-sample-agent
	AGENT=$HANDOFF_SRCDIR/test/cluster/fault-agent
	work=$(mktemp -d "/var/tmp/handoff-$HCLUSTER_PREFIX.XXXXXX")
	truncate -s 64M "$work/r0.img"
	mkfs.ext4 -q -F "$work/r0.img" || bail "mkfs.ext4 failed"
	loop=$(losetup -f --show "$work/r0.img") || bail "no loop device"
	mnt=/mnt/handoff-$HCLUSTER_PREFIX-web
	state_dir=$work/drbd
	faults=$work/faults
	mkdir -p "$state_dir" "$faults"
	trap fault_web_cleanup EXIT
}

fault_web_cleanup() {
	local i f
	for f in "$faults"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	pkill -f "^sleep 299$" 2>/dev/null
	for i in 1 2 3; do
		hc exec "$i" sh -c "HANDOFF_MOUNT='$mnt' '$SAMPLE' stop; umount '$mnt'" >/dev/null 2>&1
	done
	cleanup
	losetup -d "$loop" 2>/dev/null
	rm -rf "$work"
}

# fault_cluster_up N "PREFERENCE" [SELF_FENCE_TIMEOUT FENCE_DELAY [hcluster up options]]:
# N corosync nodes, each with web (the fault-agent over the sample agent)
# and, when given, the fence settings; handoffd on every node.
fault_cluster_up() {
	local n=$1 pref=$2 sft=${3:-} fd=${4:-} i
	shift 4 2>/dev/null || shift $#
	hc up "$n" "$@" >"$_out" 2>&1 || { diag <"$_out"; bail "hcluster up failed"; }
	_nodes=$n
	for i in $(seq 1 "$n"); do
		write_web_config "$i" "$pref" "agent_opt.sample = $SAMPLE
agent_opt.faults = $faults"
		[ -z "$sft" ] || sed -i "s/^\[cluster\]\$/[cluster]\nself_fence_timeout = $sft\nfence_delay = $fd/" \
			"$(hc path "$i")/etc/handoff/handoff.conf"
	done
	hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not start"; }
}

# monitored_web_up INTERVAL MAX_RESTARTS [MAX_RELOCATIONS]: fault_cluster_up
# on 3 nodes (preference node1 node2 node3), web monitored every INTERVAL
# seconds, restarted in place MAX_RESTARTS times at most and relocated
# MAX_RELOCATIONS times at most (default 0: never); handoffd restarted to
# read it.
monitored_web_up() {
	local i
	fault_cluster_up 3 "node1 node2 node3"
	for i in 1 2 3; do
		printf 'monitor_interval = %s\nmax_restarts = %s\nmax_relocations = %s\n' "$1" "$2" "${3:-0}" \
			>>"$(hc path "$i")/etc/handoff/handoff.conf"
	done
	hc daemon all stop >"$_out" 2>&1
	hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not restart"; }
}
field() { status_line "$1" | cut -d'|' -f"$2"; }   # NODE FIELD of web's status -d
# kill_workload: kill -9 web's workload on node1
kill_workload() {
	local pid
	pid=$(workload_pid 1 | cut -d" " -f1) && [ -n "$pid" ] || return 1
	echo "kill -9 $pid"
	kill -9 "$pid"
}

# idle_no_wakeups: no handoffd of nodes 1-3 wakes up in 5 s (a handoffd
# with nothing to do sleeps in its loop until something happens)
idle_no_wakeups() {
	local w
	w=$(wakeups 5) || return 1
	echo "voluntary context switches in 5 s idle (node1 node2 node3): $w"
	[ "$w" = "0 0 0" ]
}

# counters: how many counter processes of web run on the machine
counters() { pgrep -fc "handoff-sample-agent run-counter $mnt"; }

# crash NODE: the machine dies with what runs on it: corosync and handoffd
# killed, its counter and test sleeps too (told apart from the other nodes'
# processes by their network namespace), its DRBD state lost
crash() {
	local ns pid
	ns=$(hc exec "$1" readlink /proc/self/ns/net)
	hc kill "$1" >/dev/null 2>&1
	for pid in $(pgrep -f "handoff-sample-agent run-counter $mnt|^sleep (298|299|4)$"); do
		[ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$ns" ] && kill -9 "$pid" 2>/dev/null
	done
	hc exec "$1" "$STANDIN" standin-crash >/dev/null 2>&1
}

# file_watchdogs N: a stand-in watchdog on nodes 1..N, a plain file in each
# node's private /run (/run/handoff-wd) that handoffd feeds; its timeout is
# unknown (no ioctls on a file: counted as 0), and watchdog_timeout = 2
# keeps the file's own check (self_fence_timeout + 2 < fence_delay) met.
# Set up after the start, so handoffd is restarted.
file_watchdogs() {
	local i
	for i in $(seq 1 "$1"); do
		hc exec "$i" touch /run/handoff-wd
		sed -i 's|^\[cluster\]$|[cluster]\nwatchdog_device = /run/handoff-wd\nwatchdog_timeout = 2|' \
			"$(hc path "$i")/etc/handoff/handoff.conf"
	done
	hc daemon all stop >"$_out" 2>&1
	hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not restart"; }
}

# confirm_fenced NODE [FROM]: what an operator does once NODE is known down
# (no watchdog makes it fenced on a timer): handoffctl fence-confirm on
# FROM (default node 3), retried until FROM sees NODE out of corosync's
# membership; the failovers waiting for NODE then go ahead.
confirm_fenced() {
	retry 30 ctl "${2:-3}" fence-confirm "node$1" >"$_out" 2>&1 || { diag <"$_out"; return 1; }
}
