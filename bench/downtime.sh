#!/bin/bash
# bench/downtime.sh - downtime of a live migration (issue 8, part 2), in the
# VM tier: two qemu guests with Debian's kernel, real DRBD 8.4 (protocol C)
# and Debian's criu 3.17.1 (which does not work on the host's kernel).
#
# The workload is bench/memhog (built static, copied into the guests): a
# process holding SIZE MiB, every page written.  It runs as a criu
# resource on DRBD r0.  For each size, run by run, in the same guests:
#   - handoffctl migrate to the other guest: handoff's frozen time (from
#     the source's dump to the target's STARTED) and each phase, from the
#     history;
#   - the floor, on the guest that runs the workload: the same criu dump
#     (same options as handoff's criu agent) into the same filesystem,
#     sync -f, the page cache dropped (as on a target, whose restore reads
#     the dump from disk), criu restore.  Odd runs measure the floor after
#     the migration (on the target), even runs before it (on the source),
#     so that an order effect shows as a flip between runs.
# Ratio = frozen / floor.  See doc/benchmarks.md.
#
#   bench/downtime.sh [--sizes "64 256 1024"] [--runs 3] [--results FILE]
#                     [--builddir DIR]
. "$(dirname "$0")/lib.sh"
BENCH_COMMAND="bench/downtime.sh $*"

sizes="64" runs=2
while [ $# -gt 0 ]; do
	case $1 in
		--sizes) sizes=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		*) bench_common_opt "$1" "${2:-}" && shift 2 ||
			die "usage: downtime.sh [--sizes \"64 256 1024\"] [--runs N] [--results FILE] [--builddir DIR]" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x /usr/bin/qemu-system-x86_64 ] || die "qemu-system-x86_64 is missing (scripts/install-deps)"
[ -x "$HANDOFFD" ] || die "no handoffd at $HANDOFFD: build first (scripts/build)"

export HVM_PREFIX=bdown
max=0
for s in $sizes; do
	[[ $s =~ ^[1-9][0-9]*$ ]] || die "bad size '$s' (MiB)"
	[ "$s" -gt "$max" ] && max=$s
done
# the workload, the dump in the page cache, corosync, the initramfs
mem=$((640 + 2 * max)); [ "$mem" -lt 768 ] && mem=768
# handoff's last dump stays until the next one, and the floor's dump
# needs room beside it
disk=$((max * 23 / 10 + 200))

. "$HANDOFF_SRCDIR/test/vm/lib.sh"
bench_work=$(mktemp -d /var/tmp/bench-bdown.XXXXXX)
mkdir -p "$bench_work/bin"
REAL_HVM=$HVM
# lib.sh boots guests with `$HVM up N`: this wrapper gives them the memory
# and the disk the largest workload needs
cat >"$bench_work/hvm" <<EOF
#!/bin/sh
if [ "\$1" = up ]; then shift; exec "$REAL_HVM" up "\$@" --mem $mem --disk $disk; fi
exec "$REAL_HVM" "\$@"
EOF
chmod +x "$bench_work/hvm"
HVM=$bench_work/hvm
downtime_cleanup() {
	"$REAL_HVM" down >/dev/null 2>&1
	rm -rf "$bench_work"
	rm -f "$_out"
}
trap downtime_cleanup EXIT
trap 'exit 130' INT TERM

# linked against the host's glibc, which the guests carry (their programs are the host's)
gcc -O2 -s -o "$bench_work/bin/memhog" "$BENCH_DIR/memhog.c" || die "cannot build bench/memhog.c"

bench_header "downtime of a live migration, criu on real DRBD in qemu guests (issue 8, part 2)"
result "   guests: 2 x qemu TCG -smp 1, $mem MiB memory, $disk MiB DRBD disk; workload sizes: $sizes MiB; $runs runs each"

echo "booting 2 guests ($mem MiB, disk $disk MiB)" >&2
vm_cluster_up 2 >/dev/null

conf="[cluster]
log_file = /var/log/handoffd.log
debug = 1
self_fence_timeout = 10
fence_delay = 20

[resource mem]
storage = drbd
drbd_resource = r0
device = /dev/drbd0
mount_point = /srv/mem
workload = criu
command = /usr/local/bin/bench-memhog /srv/mem/size
nodes = node1 node2
timeout_start = 600
timeout_stop = 600
timeout_dump = 3600
timeout_restore = 3600"
for i in 1 2; do
	g "$i" "mkdir -p /usr/local/bin" >/dev/null && "$HVM" put "$i" "$bench_work/bin/memhog" /usr/local/bin/bench-memhog >&2 ||
		die "cannot copy memhog into guest $i"
	g "$i" "chmod 755 /usr/local/bin/bench-memhog && cat >/etc/handoff/handoff.conf <<'HVM'
$conf
HVM
(setsid handoffd -f -c /etc/handoff/handoff.conf >/var/log/handoffd.out 2>&1 &)" >/dev/null ||
		die "handoffd does not start on guest $i"
done
for i in 1 2; do
	gwait "$i" "handoffctl members -d ' ' | wc -l | grep -qx 2" 60 >/dev/null ||
		die "handoffd on guest $i does not see 2 members"
done
g 1 "handoffctl start mem node1 --wait=600" 700 >&2 || die "cannot start mem on node1"

owner() { g 1 "handoffctl status -d '|'" | awk -F'|' '$1 == "mem" && $2 == "RUNNING" { print $3 }'; }
# a clock with milliseconds in the guests (busybox's date may lack %N)
now_ms='$(awk "{ printf \"%d\", \$1 * 1000 }" /proc/uptime)'
g 1 "date +%s%N" | grep -q '^[0-9]\{19\}$' && now_ms='$(($(date +%s%N) / 1000000))'

# floor_on I: the plain criu dump + sync + restore on guest I; prints
# "dump sync restore" in ms
floor_on() {
	g "$1" "P=\$(cut -d' ' -f1 /srv/mem/.handoff/criu-agent.pid) && D=/srv/mem/.handoff/floor &&
		rm -rf \$D && mkdir -p \$D && t0=$now_ms &&
		criu dump -t \$P -D \$D -o dump.log -v4 --file-locks 2>\$D/err && t1=$now_ms &&
		sync -f /srv/mem && t2=$now_ms && echo 3 >/proc/sys/vm/drop_caches && t3=$now_ms &&
		criu restore -D \$D -d -o restore.log -v4 --file-locks --pidfile \$D/pid 2>>\$D/err && t4=$now_ms &&
		test \"\$(cat \$D/pid)\" = \"\$P\" && rm -rf \$D &&
		echo \$((t1 - t0)) \$((t2 - t1)) \$((t4 - t3))" 3700
}
fmt_ms() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
for s in $sizes; do
	o=$(owner)
	[ -n "$o" ] || die "mem does not run"
	echo "--- $s MiB" >&2
	g "$o" "echo $s >/srv/mem/size && rm -f /srv/mem/size.ready && handoffctl stop mem --wait=600 &&
		handoffctl start mem node$o --wait=600" 1300 >&2 || die "cannot restart mem with $s MiB"
	gwait "$o" "grep -qx 'ready $s' /srv/mem/size.ready" 600 >/dev/null || die "memhog did not fill $s MiB"
	# criu restores the workload with its pid: move both guests' pid
	# counters past it, so that no process a step or a floor starts (on the
	# small guests they run near it) can hold it when a restore needs it
	wpid=$(g "$o" "cut -d' ' -f1 /srv/mem/.handoff/criu-agent.pid")
	for i in 1 2; do
		g "$i" "echo 4194304 >/proc/sys/kernel/pid_max; l=\$(cat /proc/sys/kernel/ns_last_pid);
			[ \$l -lt $wpid ] && l=$wpid; echo \$((l + 10000)) >/proc/sys/kernel/ns_last_pid" >/dev/null ||
			die "cannot move the pid counter of guest $i"
	done
	frozen=() floors=() ratios=()
	for r in $(seq 1 "$runs"); do
		o=$(owner) to=2
		[ "$o" = 2 ] && to=1
		if [ $((r % 2)) = 0 ]; then
			order="floor first, on node$o"
			fl=$(floor_on "$o") || { echo "$fl" >&2; die "the plain criu dump/sync/restore failed on node$o"; }
		fi
		off_o=$(g "$o" "wc -l </var/log/handoffd.log") off_t=$(g "$to" "wc -l </var/log/handoffd.log")
		g "$o" "handoffctl migrate mem node$to --wait=3600" 3700 >"$bench_work/mig" 2>&1 ||
			{ cat "$bench_work/mig" >&2; die "migration $r of $s MiB failed"; }
		# every step as handoffd timed it (its debug log): source, then target
		steps=$( { g "$o" "tail -n +$((off_o + 1)) /var/log/handoffd.log"; g "$to" "tail -n +$((off_t + 1)) /var/log/handoffd.log"; } |
			sed -n 's/.* mem: \(.*\) took \([0-9]*\) ms (exit 0)$/\1 \2/p' | tr '\n' ',' | sed 's/,$//; s/,/, /g')
		h=$(g "$o" "handoffctl history mem --json") || die "no history"
		line=$(echo "$h" | json_get '"%d %d %s" % (d["history"][0]["frozen_ms"], d["history"][0]["total_ms"], " ".join("%s %d" % (k[:-3], v) for k, v in d["history"][0]["phases"].items()))')
		f=${line%% *}
		rest=${line#* }
		echo "migration $r to node$to: frozen $f ms, total ${rest%% *} ms, phases ${rest#* }" >&2
		if [ $((r % 2)) = 1 ]; then
			order="floor after, on node$to"
			fl=$(floor_on "$to") || { echo "$fl" >&2; die "the plain criu dump/sync/restore failed on node$to"; }
		fi
		read -r fd fs frs <<<"$fl"
		floor=$((fd + fs + frs))
		echo "floor ($order): dump $fd + sync $fs + restore $frs = $floor ms" >&2
		frozen+=("$f") floors+=("$floor")
		ratios+=("$(awk -v a="$f" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')")
		phases_of[$r]="${rest#* }"
		steps_of[$r]=$steps
		floor_parts[$r]="dump $fd sync $fs restore $frs ($order)"
	done
	mf=$(python3 "$BENCH_DIR/analyze.py" stats x "${frozen[@]}" | awk '{ print $3 }')
	mfl=$(python3 "$BENCH_DIR/analyze.py" stats x "${floors[@]}" | awk '{ print $3 }')
	mr=$(python3 "$BENCH_DIR/analyze.py" stats x "${ratios[@]}" | awk '{ print $3 }')
	result "$s MiB: handoff frozen median $(fmt_ms "$mf") ms (runs ${frozen[*]}); floor (criu dump + sync + restore) median $(fmt_ms "$mfl") ms (runs ${floors[*]})"
	for r in $(seq 1 "$runs"); do
		result "   run $r: handoff phases (ms): ${phases_of[$r]}; floor (ms): ${floor_parts[$r]}"
		result "      handoff's steps (ms): ${steps_of[$r]}"
	done
	result "RESULT $s MiB: frozen / floor = $mr (per run: ${ratios[*]}; target <= 1.15: $(awk -v r="$mr" 'BEGIN { print (r <= 1.15 ? "met" : "MISSED") }'))"
done
