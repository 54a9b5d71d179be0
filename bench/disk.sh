#!/bin/bash
# bench/disk.sh - disk-size independence (issue 8, part 3).
#
# One resource per data size, each an ext4 on its own loop device (direct
# I/O to its image, so the host's page cache holds none of it) under the
# DRBD stand-in, holding SIZE of data written with O_DIRECT, the null
# agent as its workload.  The resources migrate between node1 and node2,
# the sizes interleaved run by run, so that a change in the machine's load
# hits every size alike.  Beside it, the copy that vzmigrate does: rsync of
# the same filesystem to a directory on another filesystem, a second rsync
# pass (what vzmigrate runs while the container is suspended) and the copy
# of the dump.  See doc/benchmarks.md.
#
#   bench/disk.sh [--sizes "0.1 1"] [--runs 5] [--results FILE] [--builddir DIR]
#   (sizes in GiB; the issue's figures: --sizes "0.1 1 4")
. "$(dirname "$0")/lib.sh"
BENCH_COMMAND="bench/disk.sh $*"

sizes="0.1 1" runs=5 warm=1
while [ $# -gt 0 ]; do
	case $1 in
		--sizes) sizes=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		*) bench_common_opt "$1" "${2:-}" && shift 2 ||
			die "usage: disk.sh [--sizes \"0.1 1 4\"] [--runs N] [--results FILE] [--builddir DIR]" ;;
	esac
done
bench_require
command -v rsync >/dev/null || die "needs rsync (apt-get install rsync)"
bench_setup bdisk
bench_compile hipc libqb
bin=$bench_work/bin
state_dir=$bench_work/drbd
mkdir -p "$state_dir"

mib_of() { awk -v g="$1" 'BEGIN { printf "%d", g * 1024 + 0.5 }'; }
k=0 loops=() mibs=()
for s in $sizes; do
	mib=$(mib_of "$s")
	[ "$mib" -gt 0 ] || die "bad size '$s' (GiB)"
	img=$bench_work/d$k.img
	# room for the data, ext4's own metadata and the dump
	truncate -s "$((mib + mib / 10 + 96))M" "$img"
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img" || die "mkfs.ext4 failed"
	loop=$(losetup -f --show --direct-io=on "$img") || die "no loop device"
	bench_loops+=("$loop")
	loops+=("$loop") mibs+=("$mib")
	bench_after_cleanup "rmdir /mnt/bench-bdisk-d$k"
	k=$((k + 1))
done
nres=$k

bench_header "disk-size independence of a migration (issue 8, part 3)"

hc up 3 >"$bench_work/up.log" 2>&1 || { cat "$bench_work/up.log" >&2; die "hcluster up failed"; }
for i in 1 2 3; do
	dir=$(hc path "$i")/etc/handoff
	{
		echo "node = $i"
		echo "state_dir = $state_dir"
		for k in $(seq 0 $((nres - 1))); do echo "resource r$k ${loops[$k]}"; done
	} >"$dir/drbd-standin.conf"
	{
		printf '[cluster]\nlog_file = /var/log/handoff/handoffd.log\ndrbdadm = %s\n' "$STANDIN"
		for k in $(seq 0 $((nres - 1))); do
			cat <<-EOF
			[resource d$k]
			storage = drbd
			drbd_resource = r$k
			device = ${loops[$k]}
			mount_point = /mnt/bench-bdisk-d$k
			workload = exec
			agent = $NULL_AGENT
			nodes = node1 node2
			EOF
		done
	} >"$dir/handoff.conf"
done
hc daemon all start >"$bench_work/daemon.log" 2>&1 || { cat "$bench_work/daemon.log" >&2; die "handoffd did not start"; }
bench_on_cleanup "for k in \$(seq 0 $((nres - 1))); do '$HCLUSTER' exec 3 '$HANDOFFCTL' stop d\$k --wait=30; done"

# the data, written on node1 with O_DIRECT in files of 64 MiB, then synced
for k in $(seq 0 $((nres - 1))); do
	ctl 3 start "d$k" node1 --wait=60 >/dev/null || die "cannot start d$k"
	m=/mnt/bench-bdisk-d$k
	echo "writing ${mibs[$k]} MiB into d$k" >&2
	hc exec 1 sh -c "mkdir -p $m/data && left=${mibs[$k]} j=0 &&
		while [ \$left -gt 0 ]; do
			n=\$((left > 64 ? 64 : left))
			dd if=/dev/zero of=$m/data/f\$j bs=1M count=\$n oflag=direct status=none || exit 1
			left=\$((left - n)); j=\$((j + 1))
		done && sync -f $m" || die "cannot write the data of d$k"
	used[$k]=$(hc exec 1 du -sm "$m/data" | cut -f1)
done

owner() { ctl 3 status -d '|' | awk -F'|' -v r="$1" '$1 == r && $2 == "RUNNING" { print $3 }'; }
migrate() {   # K OUT
	local to=node2
	[ "$(owner "d$1")" = 2 ] && to=node1
	hc exec 3 "$bin/hipc" migrate "d$1" "$to" 5 120 >"$2" || { cat "$2" >&2; die "migration of d$1 failed"; }
}
for r in $(seq 1 $((warm + runs))); do
	for k in $(seq 0 $((nres - 1))); do
		out=$bench_work/run.$k.$r
		migrate "$k" "$out"
		echo "d$k (${mibs[$k]} MiB) run $r: $(sed -n 2p "$out" | json_get '"total %d ms, frozen %d ms" % (d["total_ms"], d["frozen_ms"])')" >&2
		[ "$r" -gt "$warm" ] || rm -f "$out"
		sleep 0.2
	done
done

# vzmigrate's copy, on the node that holds each filesystem now
copy=$bench_work/copy
timed() {   # NODE CMD: seconds CMD took inside the node
	hc exec "$1" bash -c 't0=$EPOCHREALTIME; '"$2"' || exit 1; t1=$EPOCHREALTIME; echo "$t0 $t1" | awk "{ printf \"%.3f\", \$2 - \$1 }"'
}
declare -A medians
for k in $(seq 0 $((nres - 1))); do
	m=/mnt/bench-bdisk-d$k
	node=$(owner "d$k")
	rm -rf "$copy"; mkdir -p "$copy"; sync -f "$bench_work"
	full=$(timed "$node" "rsync -a $m/ $copy/") || die "rsync failed"
	second=$(timed "$node" "rsync -a --exclude=/.handoff $m/ $copy/") || die "rsync failed"
	dump=$(timed "$node" "rsync -a $m/.handoff/ $copy/.handoff/") || die "rsync failed"
	flush=$(timed "$node" "sync -f $copy") || die "sync failed"
	rm -rf "$copy"; sync -f "$bench_work"
	files=(); for r in $(seq $((warm + 1)) $((warm + runs))); do files+=("$bench_work/run.$k.$r"); done
	total=$(python3 "$BENCH_DIR/analyze.py" history total_ms "${files[@]}" | tr '\n' ' ')
	frozen=$(python3 "$BENCH_DIR/analyze.py" history frozen_ms "${files[@]}" | tr '\n' ' ')
	med_total=$(python3 "$BENCH_DIR/analyze.py" stats x $total | awk '{ print $3 }')
	medians[$k]=$med_total
	phase_line=""
	for p in dump_ms sync_ms umount_ms demote_ms promote_ms mount_ms restore_ms; do
		v=$(python3 "$BENCH_DIR/analyze.py" stats x $(python3 "$BENCH_DIR/analyze.py" history "$p" "${files[@]}") | awk '{ print $3 }')
		phase_line="$phase_line ${p%_ms} $v"
	done
	result "data ${used[$k]} MiB (d$k): migration total median $med_total ms, frozen median $(python3 "$BENCH_DIR/analyze.py" stats x $frozen | awk '{ print $3 }') ms; runs (total ms): $total"
	result "data ${used[$k]} MiB (d$k): phases (medians, ms):$phase_line"
	all=$(awk -v a="$full" -v b="$second" -v c="$dump" 'BEGIN { printf "%.3f", a + b + c }')
	result "data ${used[$k]} MiB (d$k): vzmigrate-style copy $all s = rsync $full s + second rsync pass $second s + dump copy $dump s (then sync of the copy: $flush s)"
	copies[$k]=$all
done
last=$((nres - 1))
if [ "$nres" -ge 2 ]; then
	ratio=$(awk -v a="${medians[$last]}" -v b="${medians[0]}" 'BEGIN { printf "%.3f", a / b }')
	grow=$(awk -v a="${copies[$last]}" -v b="${copies[0]}" 'BEGIN { printf "%.1f", a / b }')
	verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.10 ? "met" : "MISSED") }')
	result "RESULT migration time at ${used[$last]} MiB / at ${used[0]} MiB = $ratio (target <= 1.10: $verdict); the rsync copy grew $grow x"
fi
