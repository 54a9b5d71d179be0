#!/bin/bash
# bench/scale.sh - scale (issue 8, part 5): 8 nodes, 1000 resources on the
# null agent (storage: bind mounts of directories on a tmpfs), running,
# spread over nodes 2..8.  Node 1 owns nothing and logs at debug level: it
# is the observer whose log says when each STATE of a sync is delivered.
#
#   - sync after a join: node 8's handoffd is stopped and started again;
#     from the CPG confchg that announces it on node 1 to the delivery of
#     the last STATE of that sync there (logwatch, reading node 1's log as
#     it is written, at real-time priority);
#   - handoffctl status (table and --json) on node 2: wall time of the
#     whole command, and the daemon's round trip alone (hipc, one
#     connection); handoffctl quorum for the fixed cost of a command;
#   - peak RSS (VmHWM) of every handoffd;
#   - an idle cluster: voluntary and involuntary context switches
#     (/proc/PID/status) and utime + stime (/proc/PID/stat) of every
#     handoffd over IDLE seconds with nothing asked of it.
# See doc/benchmarks.md.
#
#   bench/scale.sh [--nodes 8] [--resources 1000] [--joins 3] [--idle 60]
#                  [--profile] [--results FILE] [--builddir DIR]
# --profile: perf samples node 2's handoffd during the first join's sync
# and prints where its CPU time went (stderr; not in the results).
. "$(dirname "$0")/lib.sh"
BENCH_COMMAND="bench/scale.sh $*"

nodes=8 nres=1000 joins=3 idle=60 profile=0
while [ $# -gt 0 ]; do
	case $1 in
		--nodes) nodes=$2; shift 2 ;;
		--resources) nres=$2; shift 2 ;;
		--joins) joins=$2; shift 2 ;;
		--idle) idle=$2; shift 2 ;;
		--profile) profile=1; shift ;;
		*) bench_common_opt "$1" "${2:-}" && shift 2 ||
			die "usage: scale.sh [--nodes N] [--resources N] [--joins N] [--idle SECS] [--profile] [--results FILE] [--builddir DIR]" ;;
	esac
done
[ "$nodes" -ge 3 ] || die "--nodes must be 3 or more"
bench_require
bench_setup bscale
bench_compile hipc libqb
bench_compile logwatch
bench_null_storage 64m
for r in $(seq 0 $((nres - 1))); do mkdir "$shm/r$r"; done

bench_header "scale: $nodes nodes, $nres resources (issue 8, part 5)"

export HCLUSTER_DAEMON_TIMEOUT=60
hc up "$nodes" >"$bench_work/up.log" 2>&1 || { cat "$bench_work/up.log" >&2; die "hcluster up failed"; }
owners=$((nodes - 1))
conf=$bench_work/resources.conf
for r in $(seq 0 $((nres - 1))); do
	a=$((2 + r % owners)) b=$((2 + (r + 1) % owners))
	null_resource "r$r" "$shm/r$r" "$mntdir/r$r" "node$a node$b"
	# the idle target is the protocol's: no monitor (bench/health.sh measures its cost)
	echo "monitor_interval = 0"
done >"$conf"
for i in $(seq 1 "$nodes"); do
	{
		printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\n'
		[ "$i" -eq 1 ] && printf 'debug = 1\n'
		cat "$conf"
	} >"$(hc path "$i")/etc/handoff/handoff.conf"
done
hc daemon all start >"$bench_work/daemon.log" 2>&1 || { cat "$bench_work/daemon.log" >&2; die "handoffd did not start"; }
running() { ctl 2 status -d '|' | grep -c '|RUNNING|'; }
# every node in the table first (not autostart: see doc/benchmarks.md)
retry 60 sh -c "test \$('$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -c '|STOPPED|') -eq $nres" ||
	die "the resources did not all show up STOPPED"
t0=$(date +%s.%N)
hc exec 1 "$bin/hipc" each 4 '{"resource":"r%d"}' 0 $((nres - 1)) >/dev/null || die "cannot start the resources"
for s in $(seq 1 600); do
	n=$(running)
	[ "$n" -eq "$nres" ] && break
	sleep 0.5
done
[ "$n" -eq "$nres" ] || die "only $n of $nres resources RUNNING after 300 s"
t1=$(date +%s.%N)
result "start: $nres resources RUNNING $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s after the first start request (one request after the other, from node 1)"
sleep 2

# ---- sync after a join ----------------------------------------------------------
log1=$(hc path 1)/var/log/handoff/handoffd.log
rt=""; command -v chrt >/dev/null && rt="chrt -f 10"
syncs=() states=() cpus=()
# CPU ms of every handoffd: its own (utime+stime) and its reaped children's
cpu_snapshot() {   # nodes 1 .. N-1 (node N's handoffd is the one restarted)
	local i
	for i in $(seq 1 $((nodes - 1))); do
		sed 's/.*) //' "/proc/$(handoffd_pid "$i")/stat" | awk '{ print ($12 + $13) * 10, ($14 + $15) * 10 }'
	done
}
for j in $(seq 1 "$joins"); do
	hc daemon "$nodes" stop >/dev/null 2>&1 || die "cannot stop handoffd on node $nodes"
	sleep 3     # the others' sync after it left
	out=$bench_work/join.$j
	$rt "$bin/logwatch" "$log1" "group handoff has $nodes members" "deliver STATE" "$nodes" 120 >"$out" &
	w=$!
	for s in $(seq 1 50); do grep -q ready "$out" && break; sleep 0.1; done
	if [ "$profile" = 1 ] && [ "$j" = 1 ]; then
		perf record -q -F 2000 -g --no-inherit -p "$(handoffd_pid 2)" -o "$bench_work/profile.data" >/dev/null 2>&1 &
		prof=$!
		sleep 0.5
	fi
	c0=$(cpu_snapshot)
	hc daemon "$nodes" start >/dev/null 2>&1 || die "cannot start handoffd on node $nodes"
	wait "$w" || { cat "$out" >&2; die "no complete sync seen in node 1's log"; }
	c1=$(cpu_snapshot)
	cpus+=("$(paste <(echo "$c0") <(echo "$c1") | awk '{ own += $3 - $1; kids += $4 - $2 } END { printf "%d/%d", own, kids }')")
	if [ "$profile" = 1 ] && [ "$j" = 1 ]; then
		kill -INT "$prof"; wait "$prof"
		perf report -i "$bench_work/profile.data" --stdio --children --sort symbol -g none --percent-limit 2 2>/dev/null |
			grep "%" | head -40 >&2
	fi
	last=$(tail -n 1 "$out" | cut -d' ' -f1)
	syncs+=("$(awk -v u="$last" 'BEGIN { printf "%.1f", u / 1000 }')")
	# when each member's STATE arrived: how long its probes took
	states+=("$(awk 'NR > 2 { printf "%s%.0f", sep, $1 / 1000; sep = "," }' "$out")")
	echo "join $j: sync over after ${syncs[-1]} ms; STATEs at ${states[-1]} ms; CPU ms of nodes 1..$((nodes - 1)) (daemons/children): ${cpus[-1]}" >&2
	sleep 2
done
sync_med=$(python3 "$BENCH_DIR/analyze.py" stats x "${syncs[@]}" | awk '{ print $3 }')
result "sync after a join (node $nodes's handoffd restarted; confchg to the last STATE delivered, node 1's log): median $sync_med ms; runs: ${syncs[*]} ms"
result "   when each STATE arrived (ms after the confchg), per join: ${states[*]}"
probes=$(awk -v n="$nres" -v o="$owners" 'BEGIN { printf "%d", (n + o - 1) / o }')
result "   (each owner holds ~$probes running resources; since b7a5258 it probes before its STATE only those a local operation touched since their last probe)"
result "   CPU of the $((nodes - 1)) members that stayed, per join, ms (handoffd itself/its monitor children, 10 ms ticks): ${cpus[*]}"

# ---- handoffctl status ----------------------------------------------------------------
walltimes() {   # NODE COUNT ARGS...: wall time of each handoffctl run, ms
	local node=$1 count=$2; shift 2
	hc exec "$node" bash -c 'for i in $(seq '"$count"'); do t0=$EPOCHREALTIME; '"$HANDOFFCTL $*"' >/dev/null || exit 1
		t1=$EPOCHREALTIME; awk -v a=$t0 -v b=$t1 "BEGIN { printf \"%.1f \", (b - a) * 1000 }"; done'
}
st_table=$(walltimes 2 10 status) || die "handoffctl status failed"
st_json=$(walltimes 2 10 status --json) || die "handoffctl status --json failed"
st_quorum=$(walltimes 2 10 quorum) || die "handoffctl quorum failed"
ipc=$(hc exec 2 "$bin/hipc" repeat 3 '{}' 10 | awk '$1 == "us" { printf "%.1f ", $2 / 1000 }') || die "hipc failed"
bytes=$(hc exec 2 "$bin/hipc" repeat 3 '{}' 1 | awk '$1 == "us" { print $4 }')
conn=$(for k in $(seq 1 10); do hc exec 2 "$bin/hipc" repeat 2 '{}' 1 | awk '$1 == "connect_us" { printf "%.1f ", $2 / 1000 }'; done)
med() { python3 "$BENCH_DIR/analyze.py" stats x "$@" | awk '{ print $3 }'; }
m_table=$(med $st_table) m_json=$(med $st_json)
result "handoffctl status on node 2: median $m_table ms (table), $m_json ms (--json); runs: $st_table / $st_json"
result "   handoffctl quorum (a small answer: process start, connection, one call): median $(med $st_quorum) ms"
result "   the daemon's round trip alone (hipc, one connection, $bytes bytes of JSON): median $(med $ipc) ms; runs: $ipc"
result "   setting up a connection (qb_ipcc_connect; handoffd makes its shared-memory rings): median $(med $conn) ms; runs: $conn"

# ---- memory ------------------------------------------------------------------------------
rss=() anon=() hwm_max=0 hwm_node=0
for i in $(seq 1 "$nodes"); do
	p=$(handoffd_pid "$i")
	h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")
	r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
	rss+=("node$i $((r / 1024)).$(((r % 1024) * 10 / 1024))/$((h / 1024)).$(((h % 1024) * 10 / 1024))")
	anon+=("$(awk '/^RssAnon:/ { a = $2 } /^RssShmem:/ { s = $2 } END { printf "%.1f/%.1f", a / 1024, s / 1024 }' "/proc/$p/status")")
	[ "$h" -gt "$hwm_max" ] && { hwm_max=$h; hwm_node=$i; }
done
result "handoffd memory, MiB now/peak (VmRSS/VmHWM): ${rss[*]}"
result "   of VmRSS now, anonymous/shared memory (RssAnon/RssShmem, MiB): ${anon[*]}"

# ---- idle --------------------------------------------------------------------------------
# after the joins on purpose: a join must leave no timer behind (before b3ff9a5
# the members' fence_delay timers for the restarted node's resources fired here)
snapshot() {   # per node: voluntary nonvoluntary utime+stime(ticks)
	local i p
	for i in $(seq 1 "$nodes"); do
		p=$(handoffd_pid "$i")
		echo "$(awk '/^voluntary_ctxt_switches:/ { v = $2 } /^nonvoluntary_ctxt_switches:/ { n = $2 } END { print v, n }' "/proc/$p/status") $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')"
	done
}
sleep 3
logsz=()
for i in $(seq 1 "$nodes"); do logsz+=("$(stat -c %s "$(hc path "$i")/var/log/handoff/handoffd.log")"); done
a=$(snapshot)
prev=$a windows=""
left=$idle
while [ "$left" -gt 0 ]; do
	step=$((left < 10 ? left : 10))
	sleep "$step"
	left=$((left - step))
	cur=$(snapshot)
	windows="$windows $(paste <(echo "$prev") <(echo "$cur") | awk '{ s += $4 - $1 + $5 - $2 } END { print s }')"
	prev=$cur
done
b=$cur
idle_line=$(paste <(echo "$a") <(echo "$b") | awk '{ printf "node%d %d/%d/%d ", NR, $4 - $1, $5 - $2, ($6 - $3) * 10 }')
wakeups=$(paste <(echo "$a") <(echo "$b") | awk '{ s += $4 - $1 + $5 - $2 } END { print s }')
cpu_ms=$(paste <(echo "$a") <(echo "$b") | awk '{ s += ($6 - $3) * 10 } END { print s }')
result "idle for $idle s, per handoffd: voluntary/involuntary context switches/CPU ms (utime+stime, 10 ms ticks): $idle_line"
result "   context switches of all daemons in each 10 s window:$windows"
for i in $(seq 1 "$nodes"); do
	# what a daemon that woke up wrote in its log meanwhile
	new=$(tail -c +"$((${logsz[$((i - 1))]} + 1))" "$(hc path "$i")/var/log/handoff/handoffd.log" | head -n 5)
	[ -z "$new" ] || result "   node$i logged while idle: $(echo "$new" | tr '\n' '|')"
done

# ---- verdicts ----------------------------------------------------------------------------
v() { awk -v x="$1" -v t="$2" 'BEGIN { print (x < t ? "met" : "MISSED") }'; }
result "RESULT sync after a join $sync_med ms (target <= 200: $(v "$sync_med" 200.001)); handoffctl status $m_table ms (target <= 50: $(v "$m_table" 50.001)); peak RSS $((hwm_max / 1024)).$(((hwm_max % 1024) * 10 / 1024)) MiB on node$hwm_node (target < 16: $(v $((hwm_max)) 16384)); idle: $wakeups context switches, $cpu_ms ms CPU in $idle s over $nodes daemons (target 0 wakeups: $([ "$wakeups" -eq 0 ] && echo met || echo MISSED))"
