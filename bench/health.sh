#!/bin/bash
# bench/health.sh - workload health (issue 17): how soon a dead workload is
# noticed and runs again, with events and with polling, and what monitoring
# costs at scale.
#
#   - detection: 3 nodes; two resources on node 2, each the sample agent's
#     counter on a bind mount of a tmpfs directory: "ev" reports its pid
#     (pidfd) with monitor_interval = 10, "po" goes through bench/nopid-agent
#     (no pid: polling only) with monitor_interval = POLL.  Each run kills
#     one counter with SIGKILL and polls handoffctl status on node 1 every
#     ~10 ms: "noticed" when the table leaves RUNNING at the old epoch (the
#     owner's FAILED was delivered and decided: the restart began), "runs
#     again" when it is RUNNING at a newer epoch and a new counter runs.
#   - cost: NODES nodes, RES null-agent resources running, spread over
#     nodes 2..NODES (node 1 owns nothing), for each monitor_interval in
#     INTERVALS: over IDLE seconds (or the interval + 10%, if longer),
#     each handoffd's CPU % (utime + stime of
#     it and of its reaped children: the monitor processes) and its
#     wakeups per second (voluntary + involuntary context switches).
# See doc/benchmarks.md.
#
#   bench/health.sh [--runs 5] [--poll 10] [--nodes 8] [--resources 1000]
#                   [--intervals "10 60"] [--idle 30] [--only detect|cost]
#                   [--results FILE] [--builddir DIR]
. "$(dirname "$0")/lib.sh"
BENCH_COMMAND="bench/health.sh $*"

runs=5 poll=10 nodes=8 nres=1000 intervals="10 60" idle=30 only="detect cost"
while [ $# -gt 0 ]; do
	case $1 in
		--runs) runs=$2; shift 2 ;;
		--poll) poll=$2; shift 2 ;;
		--nodes) nodes=$2; shift 2 ;;
		--resources) nres=$2; shift 2 ;;
		--intervals) intervals=$2; shift 2 ;;
		--idle) idle=$2; shift 2 ;;
		--only) only=$2; shift 2 ;;
		*) bench_common_opt "$1" "${2:-}" && shift 2 ||
			die "usage: health.sh [--runs N] [--poll SECS] [--nodes N] [--resources N] [--intervals \"S ...\"] [--idle SECS] [--only detect|cost] [--results FILE] [--builddir DIR]" ;;
	esac
done
[ "$nodes" -ge 3 ] || die "--nodes must be 3 or more"
bench_require
bench_setup bhealth
bin=$bench_work/bin
shm=$bench_work/shm
bench_tmpfs "$shm" 64m
mntdir=/mnt/bench-bhealth
mkdir -p "$mntdir"
bench_after_cleanup "rm -rf --one-file-system $mntdir"
export HCLUSTER_DAEMON_TIMEOUT=60
med() { python3 "$BENCH_DIR/analyze.py" stats x "$@" | awk '{ print $3 }'; }
now_ms() { date +%s%3N; }

# ---- detection -------------------------------------------------------------------------
detect() {
	local i r e pid t0 t1 t2 line k
	local -A noticed=() again=()
	bench_header "health: detection of a killed workload, events vs polling (issue 17)"
	hc up 3 >"$bench_work/up.log" 2>&1 || { cat "$bench_work/up.log" >&2; die "hcluster up failed"; }
	mkdir -p "$shm/ev" "$shm/po"
	for i in 1 2 3; do
		{
			printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\n'
			for r in ev po; do
				cat <<-EOF
				[resource $r]
				storage = shared
				device = $shm/$r
				mount_point = $mntdir/$r
				fstype = none
				mount_options = bind
				workload = exec
				nodes = node2 node3
				max_restarts = 100
				failure_timeout = 1
				EOF
				if [ $r = ev ]; then
					printf 'agent = %s\nmonitor_interval = 10\n' "$SAMPLE_AGENT"
				else
					printf 'agent = %s\nagent_opt.sample = %s\nmonitor_interval = %s\n' \
						"$BENCH_DIR/nopid-agent" "$SAMPLE_AGENT" "$poll"
				fi
			done
		} >"$(hc path "$i")/etc/handoff/handoff.conf"
	done
	hc daemon all start >"$bench_work/daemon.log" 2>&1 || { cat "$bench_work/daemon.log" >&2; die "handoffd did not start"; }
	retry 60 sh -c "test \$('$HCLUSTER' exec 1 '$HANDOFFCTL' status -d '|' | grep -c '|STOPPED|') -eq 2" ||
		die "the resources do not show up"
	for r in ev po; do
		ctl 1 start "$r" node2 --wait=30 >/dev/null 2>&1 || die "cannot start $r on node2"
	done
	sleep 3   # the first check of each life has learnt ev's pid
	for k in $(seq 1 "$runs"); do
		for r in ev po; do
			line=$(ctl 1 status -d '|' | grep "^$r|")
			e=$(echo "$line" | cut -d'|' -f4)
			read -r pid _ <"$shm/$r/.sample-agent.pid" || die "no pid file of $r"
			# a random moment within the interval, as a real death
			sleep "$(awk -v s="$RANDOM" -v p="$poll" 'BEGIN { printf "%.2f", (s % 1000) / 1000 * (p > 3 ? 3 : p) }')"
			t0=$(now_ms)
			kill -9 "$pid"
			t1=
			while :; do
				line=$(ctl 1 status -d '|' | grep "^$r|")
				t=$(now_ms)
				[ $((t - t0)) -lt $((poll * 3000 + 30000)) ] || die "$r: no restart within $((poll * 3 + 30)) s"
				if [ -z "$t1" ] && [ "$(echo "$line" | cut -d'|' -f2,4)" != "RUNNING|$e" ]; then
					t1=$t
				fi
				if [ -n "$t1" ] && [ "$(echo "$line" | cut -d'|' -f2)" = RUNNING ] &&
				   [ "$(echo "$line" | cut -d'|' -f4)" -gt "$e" ]; then
					t2=$t
					break
				fi
				sleep 0.01
			done
			noticed[$r]="${noticed[$r]:-}$((t1 - t0)) "
			again[$r]="${again[$r]:-}$((t2 - t0)) "
			echo "run $k $r: noticed $((t1 - t0)) ms, runs again $((t2 - t0)) ms" >&2
			sleep 2   # the new life's first check (1 s) learns the new pid
		done
	done
	result "detection, events (pidfd; monitor_interval 10 s): kill -> noticed median $(med ${noticed[ev]}) ms (runs ${noticed[ev]% }); kill -> running again median $(med ${again[ev]}) ms (runs ${again[ev]% })"
	result "detection, polling (no pid; monitor_interval $poll s): kill -> noticed median $(med ${noticed[po]}) ms (runs ${noticed[po]% }); kill -> running again median $(med ${again[po]}) ms (runs ${again[po]% })"
	result "   (\"noticed\": handoffctl status on node 1, polled every ~10 ms plus its own ~5-15 ms, leaves RUNNING at the old epoch; \"running again\": RUNNING at a newer epoch)"
	hc down >/dev/null 2>&1
}

# ---- cost ------------------------------------------------------------------------------
cost() {
	local iv i r a b conf n s line
	bench_header "health: monitoring cost, $nodes nodes, $nres resources (issue 17)"
	bench_compile hipc libqb
	for r in $(seq 0 $((nres - 1))); do mkdir -p "$shm/c$r"; done
	owners=$((nodes - 1))
	for iv in $intervals; do
		hc up "$nodes" >"$bench_work/up.log" 2>&1 || { cat "$bench_work/up.log" >&2; die "hcluster up failed"; }
		conf=$bench_work/resources.conf
		for r in $(seq 0 $((nres - 1))); do
			a=$((2 + r % owners)) b=$((2 + (r + 1) % owners))
			null_resource "c$r" "$shm/c$r" "$mntdir/c$r" "node$a node$b"
			echo "monitor_interval = $iv"
		done >"$conf"
		for i in $(seq 1 "$nodes"); do
			{ printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\n'; cat "$conf"; } \
				>"$(hc path "$i")/etc/handoff/handoff.conf"
		done
		hc daemon all start >"$bench_work/daemon.log" 2>&1 || { cat "$bench_work/daemon.log" >&2; die "handoffd did not start"; }
		retry 60 sh -c "test \$('$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -c '|STOPPED|') -eq $nres" ||
			die "the resources did not all show up STOPPED"
		hc exec 1 "$bin/hipc" each 4 '{"resource":"c%d"}' 0 $((nres - 1)) >/dev/null || die "cannot start the resources"
		for s in $(seq 1 600); do
			n=$(ctl 2 status -d '|' | grep -c '|RUNNING|')
			[ "$n" -eq "$nres" ] && break
			sleep 0.5
		done
		[ "$n" -eq "$nres" ] || die "only $n of $nres resources RUNNING"
		# past the first checks of the new lives (1 s + 10%) and one interval
		sleep "$(awk -v x="$iv" 'BEGIN { print (x < 15 ? x + 5 : 15) }')"
		snap() {
			for i in $(seq 1 "$nodes"); do
				p=$(handoffd_pid "$i")
				echo "$(awk '/^voluntary_ctxt_switches:/ { v = $2 } /^nonvoluntary_ctxt_switches:/ { n = $2 } END { print v + n }' "/proc/$p/status") $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 + $14 + $15 }')"
			done
		}
		# a whole interval and its jitter at least: every resource checked once or more
		w=$(awk -v x="$iv" -v i="$idle" 'BEGIN { w = int(x * 1.1 + 0.999); print (w > i ? w : i) }')
		a=$(snap); sleep "$w"; b=$(snap)
		line=$(paste <(echo "$a") <(echo "$b") | awk -v t="$w" '{ printf "node%d %.1f/%.2f%% ", NR, ($3 - $1) / t, ($4 - $2) / t }')
		result "monitor_interval $iv s, $nres resources RUNNING on nodes 2-$nodes (~$(((nres + owners - 1) / owners)) each), $w s: wakeups/s / CPU % (handoffd and its monitor children, 10 ms ticks): $line"
		hc down >/dev/null 2>&1
	done
}

for part in $only; do
	case $part in
		detect) detect ;;
		cost) cost ;;
		*) die "unknown part '$part'" ;;
	esac
done
