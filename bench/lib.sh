# bench/lib.sh - what the benchmarks share (bash; source it).
#
# A benchmark prints its figures and appends them to the results file
# ($BENCH_RESULTS, default bench/results/latest.txt; --results FILE).  It
# builds its own cluster under its own hcluster prefix (all start with "b",
# so they never meet the tests' clusters) and removes everything on exit,
# whatever happened (bench_cleanup, from the EXIT trap).
set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HANDOFF_SRCDIR=${HANDOFF_SRCDIR:-$(cd "$BENCH_DIR/.." && pwd)}
HANDOFF_BUILDDIR=${HANDOFF_BUILDDIR:-$HANDOFF_SRCDIR/build}
export HANDOFF_SRCDIR HANDOFF_BUILDDIR
export HANDOFFD=${HANDOFFD:-$HANDOFF_BUILDDIR/plugin/handoffd}
export HANDOFFCTL=${HANDOFFCTL:-$HANDOFF_BUILDDIR/tools/handoffctl}
HCLUSTER=$HANDOFF_SRCDIR/test/cluster/hcluster
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results/latest.txt}
NULL_AGENT=$BENCH_DIR/null-agent
SAMPLE_AGENT=$HANDOFF_SRCDIR/agents/handoff-sample-agent
STANDIN=$HANDOFF_SRCDIR/test/drbd-standin/drbdadm
bench_work=
bench_mounts=()
bench_loops=()
bench_perf_pid=
_bench_cleanups=()
_bench_after=()

die() {
	echo "bench: $*" >&2
	exit 1
}

hc() { "$HCLUSTER" "$@"; }
ctl() { local node=$1; shift; "$HCLUSTER" exec "$node" "$HANDOFFCTL" "$@"; }

# The results file gets what the benchmark prints with result().
result() {
	printf '%s\n' "$*"
	printf '%s\n' "$*" >>"$BENCH_RESULTS"
}

# bench_header TITLE: a section header with the machine and the commit.
bench_header() {
	local commit load
	commit=$(git -C "$HANDOFF_SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$HANDOFF_SRCDIR" diff --quiet HEAD -- plugin cpg quorum tools include 2>/dev/null ||
		commit="$commit+changes"
	read -r load _ </proc/loadavg
	mkdir -p "$(dirname "$BENCH_RESULTS")"
	result ""
	result "== $1"
	result "   $(date '+%Y-%m-%d %H:%M'), commit $commit, $(nproc) cpus, load average $load at the start"
	result "   command: $BENCH_COMMAND"
}

# bench_common_opt OPT VALUE: the options every benchmark takes; 0 when
# it was one of them (and consumed VALUE), 1 otherwise.
bench_common_opt() {
	case $1 in
		--results) BENCH_RESULTS=$2 ;;
		--builddir) HANDOFF_BUILDDIR=$2
			HANDOFFD=$2/plugin/handoffd HANDOFFCTL=$2/tools/handoffctl
			export HANDOFF_BUILDDIR HANDOFFD HANDOFFCTL ;;
		*) return 1 ;;
	esac
}

bench_require() {
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
	[ -x "$HANDOFFD" ] || die "no handoffd at $HANDOFFD: build first (scripts/build)"
	[ -x "$HANDOFFCTL" ] || die "no handoffctl at $HANDOFFCTL: build first (scripts/build)"
	command -v corosync >/dev/null || die "corosync is not installed (scripts/install-deps)"
	command -v gcc >/dev/null && pkg-config --exists libcpg libqb ||
		die "needs gcc and the corosync/libqb headers (scripts/install-deps)"
	command -v python3 >/dev/null || die "needs python3"
}

# bench_setup PREFIX: the hcluster prefix, a work directory, the EXIT trap.
bench_setup() {
	export HCLUSTER_PREFIX=$1
	export HCLUSTER_DIR=/run/hcluster-$1
	hc down >/dev/null 2>&1    # leftovers of an interrupted run of this bench
	bench_work=$(mktemp -d "/var/tmp/bench-$1.XXXXXX")
	mkdir -p "$bench_work/bin"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# bench_on_cleanup CMD...: run CMD when the benchmark ends (before the cluster goes).
bench_on_cleanup() { _bench_cleanups+=("$*"); }
# bench_after_cleanup CMD...: run CMD once the cluster is gone.
bench_after_cleanup() { _bench_after+=("$*"); }

bench_cleanup() {
	local c m l
	set +e
	for c in "${_bench_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
	bench_perf_stop >/dev/null 2>&1
	hc down >/dev/null 2>&1 || hc down >&2
	for m in "${bench_mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	for l in "${bench_loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	for c in "${_bench_after[@]}"; do eval "$c" >/dev/null 2>&1; done
	[ -n "$bench_work" ] && rm -rf "$bench_work"
}

# bench_tmpfs DIR SIZE: a tmpfs at DIR on the host, mounted before the
# cluster comes up so that every node's mount namespace has it: a
# directory in it is the "shared storage" of the null resources, and a
# bind mount of it costs next to nothing.  Unmounted at the end.
bench_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" "bench-$HCLUSTER_PREFIX" "$1" || die "cannot mount a tmpfs at $1"
	bench_mounts+=("$1")
}

# bench_null_storage SIZE: $shm, a tmpfs of SIZE for the null resources'
# directories, and $mntdir, where the nodes bind-mount them (removed at the
# end); $bin for the compiled probes.
bench_null_storage() {
	bin=$bench_work/bin
	shm=$bench_work/shm
	bench_tmpfs "$shm" "$1"
	mntdir=/mnt/bench-$HCLUSTER_PREFIX
	mkdir -p "$mntdir"
	bench_after_cleanup "rm -rf --one-file-system $mntdir"
}

# bench_compile NAME LIBS...: bench/NAME.c -> $bench_work/bin/NAME
bench_compile() {
	local name=$1; shift
	local flags=""
	[ $# -eq 0 ] || flags=$(pkg-config --cflags --libs "$@") || die "pkg-config $*: not found"
	gcc -O2 -std=gnu11 -Wall -I"$HANDOFF_SRCDIR/include" -o "$bench_work/bin/$name" \
		"$BENCH_DIR/$name.c" $flags || die "cannot compile bench/$name.c"
}

# handoffd_pid I: the pid of node I's handoffd (hcluster's record)
handoffd_pid() { cut -d' ' -f1 "$(hc path "$1")/hcluster/handoffd.pid"; }

# bench_perf_start OUT PID...: record, system-wide, every fork by the given
# processes (handoffd) and every process exit, with CLOCK_MONOTONIC times
# (perf, its tracepoints through a tracefs mounted in a mount namespace of
# its own).  1 when perf cannot do it here.
bench_perf_start() {
	local out=$1 filt="" p i
	shift
	command -v perf >/dev/null || return 1
	for p in "$@"; do filt="$filt${filt:+ || }parent_pid == $p"; done
	unshare -m sh -c "mount -t tracefs none /sys/kernel/tracing 2>/dev/null ||
		mount -t debugfs none /sys/kernel/debug; exec perf record -q -k CLOCK_MONOTONIC -o '$out' \
		-e sched:sched_process_fork --filter '$filt' -e sched:sched_process_exit -a" \
		>"$out.log" 2>&1 &
	bench_perf_pid=$!
	for i in $(seq 1 50); do
		sleep 0.1
		kill -0 "$bench_perf_pid" 2>/dev/null || { bench_perf_pid=; return 1; }
		[ -s "$out" ] && [ "$i" -ge 10 ] && return 0
	done
	return 0
}

bench_perf_stop() {
	[ -n "$bench_perf_pid" ] || return 0
	kill -INT "$bench_perf_pid" 2>/dev/null
	wait "$bench_perf_pid" 2>/dev/null
	bench_perf_pid=
}

# bench_perf_script DATA: the events as text, one per line
bench_perf_script() {
	perf script --ns -i "$1" -F tid,time,event,trace 2>/dev/null
}

# null_resource NAME DIR MOUNT NODES: a resource section on the null agent,
# its storage a bind mount of DIR (on the shared tmpfs).
null_resource() {
	cat <<-EOF
	[resource $1]
	storage = shared
	device = $2
	mount_point = $3
	fstype = none
	mount_options = bind
	workload = exec
	agent = $NULL_AGENT
	nodes = $4
	EOF
}

# json_get EXPR: python EXPR over the JSON document d on stdin
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# retry SECONDS CMD...: until CMD succeeds
retry() {
	local t=$1 end; shift
	end=$(($(date +%s) + t))
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
