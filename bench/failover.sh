#!/bin/bash
# bench/failover.sh - failover time (issue 8, part 4): a real corosync
# cluster in network namespaces (hcluster), one resource on the null agent
# (storage: a bind mount of a directory on a tmpfs) owned by node 2, node 3
# next in its preference.  Each run crashes node 2 (corosync and handoffd
# killed with SIGKILL: the machine dies) and measures:
#
#   - total: from the kill to node 3 reporting the resource RUNNING
#     (handoffctl status on node 1, polled every 10 ms);
#   - corosync's detection: from the kill to the CPG confchg that drops
#     node 2, as node 3's handoffd logs it (logwatch reads node 3's log as
#     it is written; a marker line appended to that log at the kill is its
#     time 0);
#   - fence_delay (the configured wait) and the drivers' own time (the
#     same mount, umount and agent verbs run alone, timed here);
#   - what handoff adds: total - detection - fence_delay - drivers.
#
# Node 2 is started again after each run and the resource migrated back.
# See doc/benchmarks.md.
#
#   bench/failover.sh [--nodes 3] [--runs 5] [--fence-delay 4]
#                     [--results FILE] [--builddir DIR]
. "$(dirname "$0")/lib.sh"
BENCH_COMMAND="bench/failover.sh $*"

nodes=3 runs=5 fd=4
while [ $# -gt 0 ]; do
	case $1 in
		--nodes) nodes=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--fence-delay) fd=$2; shift 2 ;;
		*) bench_common_opt "$1" "${2:-}" && shift 2 ||
			die "usage: failover.sh [--nodes N] [--runs N] [--fence-delay SECS] [--results FILE] [--builddir DIR]" ;;
	esac
done
[ "$nodes" -ge 3 ] || die "--nodes must be 3 or more"
[ "$fd" -ge 4 ] || die "--fence-delay must be 4 or more (longer than self_fence_timeout 1 s + token 1 s + consensus 1.2 s)"
bench_require
bench_setup bfail
bench_compile logwatch
bin=$bench_work/bin
shm=$bench_work/shm
bench_tmpfs "$shm" 16m
mntdir=/mnt/bench-bfail
mkdir -p "$mntdir" "$shm/r0"
bench_after_cleanup "rm -rf --one-file-system $mntdir"

bench_header "failover: $nodes nodes, the owner crashes (issue 8, part 4)"

export HCLUSTER_DAEMON_TIMEOUT=60
hc up "$nodes" >"$bench_work/up.log" 2>&1 || { cat "$bench_work/up.log" >&2; die "hcluster up failed"; }
prefs=""
for i in $(seq 2 "$nodes"); do prefs="$prefs node$i"; done
for i in $(seq 1 "$nodes"); do
	{
		printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\ndebug = 1\n'
		printf 'self_fence_timeout = 1\nfence_delay = %s\n' "$fd"
		null_resource r0 "$shm/r0" "$mntdir/r0" "${prefs# }"
	} >"$(hc path "$i")/etc/handoff/handoff.conf"
done
hc daemon all start >"$bench_work/daemon.log" 2>&1 || { cat "$bench_work/daemon.log" >&2; die "handoffd did not start"; }
state() { ctl 1 status -d '|' 2>/dev/null | grep '^r0|'; }
retry 60 sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' status -d '|' | grep -q '^r0|'" || die "r0 does not show up"
ctl 1 start r0 node2 --wait >/dev/null 2>&1 || die "cannot start r0 on node2"

# the drivers' own time: the steps node 3 runs to take r0 over, alone
drv=$(
	d=$bench_work/drv; mkdir -p "$d"
	t0=$(date +%s%N)
	for k in $(seq 1 10); do
		mount --bind "$shm/r0" "$d" && "$NULL_AGENT" monitor && "$NULL_AGENT" start &&
			"$NULL_AGENT" monitor && umount "$d"
	done
	echo $((($(date +%s%N) - t0) / 100000))   # ms x 100 per run (10 runs)
)
drv_ms=$(awk -v x="$drv" 'BEGIN { printf "%.2f", x / 100 }')

log3=$(hc path 3)/var/log/handoff/handoffd.log
rt=""; command -v chrt >/dev/null && rt="chrt -f 10"
totals=() dets=() adds=()
for j in $(seq 1 "$runs"); do
	state | grep -q '^r0|RUNNING|2|' ||
		die "run $j: r0 is not RUNNING on node2: $(state)"
	sleep 2
	out=$bench_work/watch.$j
	$rt "$bin/logwatch" "$log3" "bench-failover-kill-$j" "group handoff has $((nodes - 1)) members" 1 120 >"$out" &
	w=$!
	for s in $(seq 1 50); do grep -q ready "$out" && break; sleep 0.1; done
	t0=$(date +%s%N)
	echo "bench-failover-kill-$j" >>"$log3"
	hc kill 2 >/dev/null 2>&1
	t1=""
	for s in $(seq 1 6000); do
		if state | grep -q '^r0|RUNNING|3|'; then t1=$(date +%s%N); break; fi
		sleep 0.01
	done
	[ -n "$t1" ] || die "run $j: r0 not RUNNING on node3 within 60 s: $(state)"
	wait "$w" || { cat "$out" >&2; die "run $j: no confchg in node 3's log"; }
	det=$(awk '$1 != 0 && $1 ~ /^[0-9]+$/ { printf "%.1f", $1 / 1000; exit }' "$out")
	tot=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
	add=$(awk -v t="$tot" -v d="$det" -v f="$fd" -v x="$drv_ms" 'BEGIN { printf "%.1f", t - d - f * 1000 - x }')
	totals+=("$tot") dets+=("$det") adds+=("$add")
	echo "run $j: total $tot ms, detection $det ms, handoff adds $add ms" >&2
	# node 2 comes back (a fresh machine) and gets r0 back
	hc start 2 >/dev/null 2>&1 || hc up "$nodes" >/dev/null 2>&1
	hc daemon 2 start >/dev/null 2>&1 || die "run $j: handoffd does not start again on node 2"
	retry 60 sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -q '^r0|'" || die "node 2 does not come back"
	ok=0
	for s in $(seq 1 30); do
		ctl 1 migrate r0 node2 --wait >/dev/null 2>&1 && { ok=1; break; }
		sleep 1
	done
	[ $ok = 1 ] || die "run $j: cannot migrate r0 back to node2: $(state)"
done

med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m_tot=$(med "${totals[@]}") m_det=$(med "${dets[@]}") m_add=$(med "${adds[@]}")
result "kill to RUNNING on node3 (status polled every 10 ms from node 1), $runs runs: median $m_tot ms; runs: ${totals[*]}"
result "corosync's detection (kill to the confchg in node 3's log): median $m_det ms; runs: ${dets[*]}"
result "fence_delay $fd s; the drivers' steps alone (mount, monitor, start, monitor, umount): $drv_ms ms"
result "handoff adds (total - detection - fence_delay - drivers) per run, ms: ${adds[*]}"
result "RESULT failover $m_tot ms = detection $m_det + fence_delay $((fd * 1000)) + drivers $drv_ms + handoff $m_add ms (target: handoff adds <= 100 ms: $(awk -v x="$m_add" 'BEGIN { print (x <= 100 ? "met" : "MISSED") }'))"
