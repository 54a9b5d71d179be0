#!/bin/bash
# bench/coord.sh - the coordination overhead of a migration (issue 8, part 1).
#
# For each cluster size: real corosync nodes (hcluster), handoffd on each,
# one resource on the null agent (every verb exits 0) whose storage is a
# bind mount of a directory on a tmpfs (storage = shared: no DRBD step).
# In the same run:
#   - cpg_latency measures the raw AGREED delivery latency of that cluster,
#     before and after the migrations;
#   - hipc, on the last node (neither source nor target), migrates the
#     resource back and forth between node1 and node2, timing its request
#     and reading handoffd's total from the history;
#   - perf records every child process of every handoffd (fork and exit,
#     microseconds), which is the drivers' own time.
# Overhead = end to end - drivers; compared with 4 deliveries (MIGRATE,
# PREPARED, RELEASED, STARTED).  See doc/benchmarks.md.
#
#   bench/coord.sh [--nodes "3 8"] [--runs 10] [--probe-count 500]
#                  [--profile] [--results FILE] [--builddir DIR]
# --profile: perf samples the source's and target's handoffd during the
# measured runs and prints where their CPU time went (stderr only).
. "$(dirname "$0")/lib.sh"
BENCH_COMMAND="bench/coord.sh $*"

sizes="3 8" runs=10 warm=2 probe_count=500 profile=0
while [ $# -gt 0 ]; do
	case $1 in
		--nodes) sizes=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--probe-count) probe_count=$2; shift 2 ;;
		--profile) profile=1; shift ;;
		*) bench_common_opt "$1" "${2:-}" && shift 2 ||
			die "usage: coord.sh [--nodes \"3 8\"] [--runs N] [--probe-count N] [--results FILE] [--builddir DIR]" ;;
	esac
done
bench_require
bench_setup bcoord
bench_compile cpg_latency libcpg
bench_compile hipc libqb
bin=$bench_work/bin
shm=$bench_work/shm
bench_tmpfs "$shm" 16m
mkdir -p "$shm/web"
mnt=/mnt/bench-bcoord-web
bench_after_cleanup "rmdir $mnt"

bench_header "coordination overhead of a migration (issue 8, part 1)"

# probe N OUT: cpg_latency on every node, node1 leading, node2 echoing
probe() {
	local n=$1 out=$2 i role pids=()
	for i in $(seq 2 "$n"); do
		role=member; [ "$i" -eq 2 ] && role=echo
		hc exec "$i" "$bin/cpg_latency" -g bench-latency -m "$n" -r "$role" -t 120 & pids+=($!)
	done
	hc exec 1 "$bin/cpg_latency" -g bench-latency -m "$n" -r lead -c "$probe_count" -t 120 >"$out" ||
		die "cpg_latency failed on $n nodes"
	wait "${pids[@]}"
	cat "$out" >&2
}

owner() { ctl "$1" status -d '|' | awk -F'|' '$1 == "web" && $2 == "RUNNING" { print $3 }'; }
# cpu_ms PID...: utime+stime of the processes, and of their reaped children, in ms
cpu_ms() {
	local p
	for p in "$@"; do sed 's/.*) //' "/proc/$p/stat"; done |
		awk '{ own += $12 + $13; kids += $14 + $15 } END { print own * 10, kids * 10 }'
}

for n in $sizes; do
	echo "--- $n nodes" >&2
	hc up "$n" >"$bench_work/up.log" 2>&1 || { cat "$bench_work/up.log" >&2; die "hcluster up $n failed"; }
	for i in $(seq 1 "$n"); do
		{
			printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\n'
			null_resource web "$shm/web" "$mnt" "node1 node2"
		} >"$(hc path "$i")/etc/handoff/handoff.conf"
	done
	hc daemon all start >"$bench_work/daemon.log" 2>&1 || { cat "$bench_work/daemon.log" >&2; die "handoffd did not start"; }
	ctl "$n" start web node1 --wait=30 >/dev/null || die "cannot start web on node1"

	probe "$n" "$bench_work/probe.$n.a"

	# what the corosyncs cost while nothing happens: they run at real-time
	# priority and pass the token all the time, on the same 2 cores
	cpids=()
	for i in $(seq 1 "$n"); do cpids+=("$(cut -d' ' -f1 "$(hc path "$i")/hcluster/corosync.pid")"); done
	c0=$(cpu_ms "${cpids[@]}"); sleep 5; c1=$(cpu_ms "${cpids[@]}")
	coro_idle=$(awk -v a="${c0%% *}" -v b="${c1%% *}" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / 5000 * 100 / n }')

	pids=()
	for i in $(seq 1 "$n"); do pids+=("$(handoffd_pid "$i")"); done
	perf_data=$bench_work/perf.$n.data
	if bench_perf_start "$perf_data" "${pids[@]}"; then have_perf=1; else
		have_perf=0
		echo "bench: perf cannot record here ($(tail -n 1 "$perf_data.log" 2>/dev/null)); falling back to handoffd's phase times" >&2
	fi
	runfiles=()
	for k in $(seq 1 $((warm + runs))); do
		if [ "$k" = $((warm + 1)) ]; then
			h0=$(cpu_ms "${pids[@]:0:2}") r0=$(cpu_ms "${pids[@]:2}")
			if [ "$profile" = 1 ]; then
				perf record -q -F 4000 -g --no-inherit -p "${pids[0]},${pids[1]}" \
					-o "$bench_work/profile.$n.data" >/dev/null 2>&1 &
				prof=$!
				sleep 0.5
			fi
		fi
		cur=$(owner "$n")
		to=node2; [ "$cur" = 2 ] && to=node1
		out=$bench_work/run.$n.$k
		hc exec "$n" "$bin/hipc" migrate web "$to" 25 60 >"$out" || { cat "$out" >&2; die "migration $k failed"; }
		[ "$k" -gt "$warm" ] && runfiles+=("$out")
		sed -n 1p "$out" >&2
		sleep 0.3
	done
	h1=$(cpu_ms "${pids[@]:0:2}") r1=$(cpu_ms "${pids[@]:2}")
	bench_perf_stop
	if [ "$profile" = 1 ]; then
		kill -INT "$prof"; wait "$prof"
		perf report -i "$bench_work/profile.$n.data" --stdio --children --sort symbol -g none \
			--percent-limit 3 2>/dev/null | grep "%" | head -40 >&2
	fi
	probe "$n" "$bench_work/probe.$n.b"

	perf_args=()
	if [ "$have_perf" = 1 ]; then
		bench_perf_script "$perf_data" >"$perf_data.txt"
		perf_args=(--perf "$perf_data.txt")
	fi
	python3 "$BENCH_DIR/analyze.py" coord "${perf_args[@]}" --nodes "$n" \
		--probe "$bench_work/probe.$n.a" --probe "$bench_work/probe.$n.b" "${runfiles[@]}" \
		>"$bench_work/analysis.$n" || die "analysis failed"
	while IFS= read -r line; do
		case $line in SUMMARY*) ;; *) result "$line" ;; esac
	done <"$bench_work/analysis.$n"
	read -r o0 k0 <<<"$h0"; read -r o1 k1 <<<"$h1"
	result "nodes=$n CPU per migration: the source's and target's handoffd $(awk -v a="$o0" -v b="$o1" -v r="$runs" 'BEGIN { printf "%.1f", (b - a) / r }') ms, their children $(awk -v a="$k0" -v b="$k1" -v r="$runs" 'BEGIN { printf "%.1f", (b - a) / r }') ms; the other $((n - 2)) handoffd $(awk -v a="${r0%% *}" -v b="${r1%% *}" -v r="$runs" 'BEGIN { printf "%.1f", (b - a) / r }') ms (10 ms ticks over $runs runs)"
	result "nodes=$n the $n corosyncs, idle: $coro_idle% of a core each (real-time priority, on the same $(nproc) cores as everything else)"
	ctl "$n" stop web --wait=30 >/dev/null
	hc down >/dev/null 2>&1
done
