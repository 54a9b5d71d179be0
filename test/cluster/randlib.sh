# randlib.sh - the cluster and the observations of t-random.sh (bash).
# Source it after lib.sh.  One cluster per seed: rand_setup, rand_cluster_up,
# ..., rand_teardown.  What it sets up:
#
#   resources $RES (web, db), each a 32 MiB ext4 on a loop device of its
#   own, on the DRBD stand-in, with the journal agent below; web prefers
#   node1 node2 node3, db node3 node2 node1.
#
#   the journal agent ($work/journal-agent): the sample agent, plus one line
#   in $journal (host side, shared by every node) per dump and restore.  A
#   dump first writes a fresh random id into its directory (rand-dump-id);
#   a restore logs the id it found there and its exit status.  So the
#   journal says which dump each successful restore consumed: S3 is "no id
#   with two successful restores".
#
# Observations are taken from outside the nodes where that is cheap: the
# counters are processes of the one pid namespace (their network namespace
# says on which node they run), the stand-in's roles are files in
# $state_dir.

SAMPLE=$HANDOFF_SRCDIR/agents/handoff-sample-agent
STANDIN=$HANDOFF_SRCDIR/test/drbd-standin/drbdadm
RES="web db"
declare -A MNT LOOP PREF
PREF[web]="node1 node2 node3"
PREF[db]="node3 node2 node1"

# Timings (issue 15's checks): the stop path (timeout_stop + timeout_umount
# + timeout_demote, 8 s) fits in self_fence_timeout, and fence_delay is
# longer than self_fence_timeout + corosync's token and consensus (1 +
# 1.2 s; no watchdog here).  Short, so that a failover costs ~13 s.
RAND_SFT=${T_RANDOM_SELF_FENCE_TIMEOUT:-8}
RAND_FENCE_DELAY=${T_RANDOM_FENCE_DELAY:-11}

rand_setup() {
	local r
	work=$(mktemp -d "/var/tmp/handoff-$HCLUSTER_PREFIX.XXXXXX")
	state_dir=$work/drbd
	journal=$work/journal
	s2_log=$work/s2-sightings
	mkdir -p "$state_dir"
	: >"$journal"
	: >"$s2_log"
	for r in $RES; do
		truncate -s 32M "$work/$r.img"
		mkfs.ext4 -q -F "$work/$r.img" || bail "mkfs.ext4 failed"
		LOOP[$r]=$(losetup -f --show "$work/$r.img") || bail "no loop device"
		MNT[$r]=/mnt/handoff-$HCLUSTER_PREFIX-$r
	done
	write_journal_agent "$work/journal-agent"
}

write_journal_agent() {
	cat >"$1" <<-'EOF'
	#!/bin/sh
	# the sample agent, with every dump and restore journalled (randlib.sh)
	node=$(sed -n 's/^node *= *//p' /etc/handoff/drbd-standin.conf 2>/dev/null)
	note() { echo "$(date +%s.%N) node$node $HANDOFF_RESOURCE $*" >>"$HANDOFF_OPT_journal"; }
	# a test knob: $HANDOFF_OPT_knobs/slow.VERB makes VERB hold the
	# filesystem (a process with its cwd there) for 2 s first
	if [ -e "$HANDOFF_OPT_knobs/slow.${1:-}" ] && [ -d "${2:-}" ]; then
		note "$1 slow: holding the filesystem 2 s"
		(cd "$2" && sleep 2)
	fi
	case ${1:-} in
	dump)
		id=$(cat /proc/sys/kernel/random/uuid)
		# the id goes first: a dump cut short never leaves an older id behind
		rm -f "$2/rand-dump-id"
		{ echo "$id" >"$2/rand-dump-id.new" && mv -f "$2/rand-dump-id.new" "$2/rand-dump-id"; } || exit 1
		note "dump $id begin"
		"$HANDOFF_OPT_sample" dump "$2"; rc=$?
		note "dump $id rc $rc"
		exit $rc ;;
	restore)
		id=$(cat "$2/rand-dump-id" 2>/dev/null)
		note "restore ${id:-no-id} begin"
		"$HANDOFF_OPT_sample" restore "$2"; rc=$?
		note "restore ${id:-no-id} rc $rc"
		exit $rc ;;
	esac
	exec "$HANDOFF_OPT_sample" "$@"
	EOF
	chmod +x "$1"
}

rand_write_config() {   # NODE
	local dir r
	dir=$(hc path "$1")/etc/handoff
	{
		echo "node = $1"
		echo "state_dir = $state_dir"
		for r in $RES; do echo "resource r_$r ${LOOP[$r]}"; done
	} >"$dir/drbd-standin.conf"
	{
		printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\ndebug = 1\n'
		printf 'drbdadm = %s\ndrbdsetup = %s\n' "$STANDIN" "${STANDIN%/*}/drbdsetup"
		printf 'self_fence_timeout = %s\nfence_delay = %s\n' "$RAND_SFT" "$RAND_FENCE_DELAY"
		for r in $RES; do
			printf '[resource %s]\nstorage = drbd\ndrbd_resource = r_%s\ndevice = %s\n' "$r" "$r" "${LOOP[$r]}"
			printf 'mount_point = %s\nworkload = exec\nagent = %s\n' "${MNT[$r]}" "$work/journal-agent"
			printf 'agent_opt.sample = %s\nagent_opt.journal = %s\nagent_opt.knobs = %s\n' "$SAMPLE" "$journal" "$work"
			printf 'nodes = %s\n' "${PREF[$r]}"
			printf 'timeout_start = 20\ntimeout_stop = 3\ntimeout_umount = 3\ntimeout_demote = 2\n'
		done
	} >"$dir/handoff.conf"
}

declare -A NS_NODE    # network namespace -> node number
rand_cluster_up() {
	local i
	hc down >/dev/null 2>&1
	hc up 3 --token 1000 >"$_out" 2>&1 || { diag <"$_out"; return 1; }
	_nodes=3
	NS_NODE=()
	for i in 1 2 3; do
		rand_write_config "$i"
		NS_NODE[$(hc exec "$i" readlink /proc/self/ns/net)]=$i
	done
	hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; return 1; }
}

# counters_of RES: "NODE:PID" of every counter process of RES on the machine
# (node ? when its namespace is none of ours).  A counter is the sample
# agent's shell leading a session of its own: its forks (a subshell before
# exec of sleep) and the setsid that starts it have the same command line
# for a moment, but are no session leaders or no shell.
counters_of() {
	local pid ns stat
	for pid in $(pgrep -f "^/bin/sh [^ ]*/handoff-sample-agent run-counter ${MNT[$1]}\$"); do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		set -- $stat
		[ "$4" = "$pid" ] || continue          # field 6: the session id
		ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || continue
		echo "${NS_NODE[$ns]:-?}:$pid"
	done
}
# primaries_of RES: the nodes the stand-in has Primary for RES
primaries_of() {
	local i
	for i in 1 2 3; do
		[ "$(cat "$state_dir/role.$i.r_$1" 2>/dev/null)" = Primary ] && echo "$i"
	done
}
mounted_on() {   # NODE RES: RES's filesystem is mounted in NODE's mount namespace
	hc exec "$1" grep -q " ${MNT[$2]} " /proc/self/mounts
}

# S2 watcher: a background sampler (every 0.3 s) that notes any moment at
# which a resource has more than one counter process, so a double that
# lasts between two checks is caught too.
s2_watch_start() {
	(
		local r n
		while [ ! -e "$work/stop-watch" ]; do
			for r in $RES; do
				n=$(counters_of "$r" | tr '\n' ' ')
				[ "$(wc -w <<<"$n")" -gt 1 ] && echo "$(date -u +%T.%N) $r runs more than once: $n" >>"$s2_log"
			done
			sleep 0.3
		done
	) &
	s2_watcher=$!
}
s2_watch_stop() {
	[ -n "${s2_watcher:-}" ] || return 0
	touch "$work/stop-watch"
	wait "$s2_watcher" 2>/dev/null
	s2_watcher=
}

# ---- the three safety checks ----------------------------------------------------------
s1_ok() {   # the stand-in never saw two Primaries (nor a mount on a Secondary)
	[ ! -s "$state_dir/violations.log" ] || { cat "$state_dir/violations.log"; return 1; }
}
s2_ok() {   # at most one counter per resource, now and at every sample since the start
	local r c bad=0
	for r in $RES; do
		c=$(counters_of "$r" | tr '\n' ' ')
		set -- $c
		[ $# -le 1 ] || { echo "$r runs $# times: $c"; bad=1; }
	done
	[ ! -s "$s2_log" ] || { cat "$s2_log"; bad=1; }
	return $bad
}
s3_ok() {   # no dump id restored successfully twice
	local twice
	twice=$(awk '$4 == "restore" && $6 == "rc" && $7 == "0" { n[$5]++ } END { for (i in n) if (n[i] > 1) print i }' "$journal")
	[ -z "$twice" ] || { echo "dumps restored more than once: $twice"; grep -F "$twice" "$journal"; return 1; }
}

# rand_crash NODE: the machine dies with what runs on it (corosync, handoffd,
# its counters), and its DRBD state is lost
rand_crash() {
	local r c
	hc kill "$1" >/dev/null 2>&1
	for r in $RES; do
		for c in $(counters_of "$r"); do
			[ "${c%%:*}" = "$1" ] && kill -9 -- "-${c#*:}" 2>/dev/null
		done
	done
	hc exec "$1" "$STANDIN" standin-crash >/dev/null 2>&1
}

# rand_keep_logs DIR: every node's handoffd log and the journals, for a post-mortem
rand_keep_logs() {
	local i f
	rm -rf "$1" && mkdir -p "$1" || return 0
	for i in 1 2 3; do
		f=$(hc path "$i" 2>/dev/null)/var/log/handoff/handoffd.log
		[ -f "$f" ] && cp "$f" "$1/node$i.log"
	done
	cp "$journal" "$1/journal" 2>/dev/null
	cp "$state_dir/history.log" "$1/drbd-history.log" 2>/dev/null
	cp "$state_dir/violations.log" "$1/violations.log" 2>/dev/null
	echo "# handoffd logs, the journal and the stand-in's history kept in $1"
}

rand_teardown() {
	local i r c
	s2_watch_stop
	for r in $RES; do
		for c in $(counters_of "$r"); do kill -9 "${c#*:}" 2>/dev/null; done
	done
	for i in 1 2 3; do
		for r in $RES; do hc exec "$i" umount "${MNT[$r]}" >/dev/null 2>&1; done
	done
	hc down >/dev/null 2>&1 || hc down 2>&1 | diag
	for r in $RES; do [ -n "${LOOP[$r]:-}" ] && losetup -d "${LOOP[$r]}" 2>/dev/null; done
	LOOP=()
	rm -rf "$work"
}
