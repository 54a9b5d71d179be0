# lib.sh - TAP helpers for the cluster tier.  Source it from a test:
#
#   . "$(dirname "$0")/lib.sh"
#   cluster_up 3
#   check "every node sees 3 members" members_are 1 "1 2 3"
#   finish
#
# Each test runs its own cluster under its own namespace prefix, and tears
# it down on exit whatever happened.
set -u

HANDOFF_SRCDIR=${HANDOFF_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HANDOFF_BUILDDIR=${HANDOFF_BUILDDIR:-$HANDOFF_SRCDIR/build}
export HANDOFF_SRCDIR HANDOFF_BUILDDIR
export HANDOFFD=${HANDOFFD:-$HANDOFF_BUILDDIR/plugin/handoffd}
export HANDOFFCTL=${HANDOFFCTL:-$HANDOFF_BUILDDIR/tools/handoffctl}
HCLUSTER=$HANDOFF_SRCDIR/test/cluster/hcluster

_test_name=$(basename "$0" .sh)
# short: it becomes part of namespace and interface names
export HCLUSTER_PREFIX=${HCLUSTER_PREFIX:-h${_test_name#t-}}
HCLUSTER_PREFIX=${HCLUSTER_PREFIX:0:6}
export HCLUSTER_DIR=${HCLUSTER_DIR:-/run/hcluster-$HCLUSTER_PREFIX}

. "$HANDOFF_SRCDIR/test/tap.sh"

hc() { "$HCLUSTER" "$@"; }
ctl() { local node=$1; shift; "$HCLUSTER" exec "$node" "$HANDOFFCTL" "$@"; }

bail() {
	echo "Bail out! $*"
	show_logs
	exit 1
}

show_logs() {
	local i
	for i in $(seq 1 "${_nodes:-0}"); do
		hc logs "$i" 2>&1 | tail -40 | diag
	done
}

# a run with a failed case keeps each node's handoffd log for a post-mortem
keep_logs() {
	local i dir=/tmp/handoff-test-logs/$HCLUSTER_PREFIX f
	[ "${_failed:-0}" -gt 0 ] && [ "${_nodes:-0}" -gt 0 ] || return 0
	rm -rf "$dir" && mkdir -p "$dir" || return 0
	for i in $(seq 1 "$_nodes"); do
		f=$(hc path "$i" 2>/dev/null)/var/log/handoff/handoffd.log
		[ -f "$f" ] && cp "$f" "$dir/node$i.log"
	done
	echo "# handoffd logs kept in $dir"
}

cleanup() {
	keep_logs
	hc down >/dev/null 2>&1 || hc down 2>&1 | diag
	rm -f "$_out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP the cluster tier needs root (network namespaces)"
		# a skip must still be visible: the suite's summary counts it
		exit 0
	fi
	[ -x "$HANDOFFD" ] || bail "no handoffd at $HANDOFFD: build first"
	[ -x "$HANDOFFCTL" ] || bail "no handoffctl at $HANDOFFCTL: build first"
	command -v corosync >/dev/null || bail "corosync is not installed (scripts/install-deps)"
}

# cluster_up N [hcluster up options]: a cluster with handoffd on every node.
cluster_up() {
	_nodes=$1
	hc down >/dev/null 2>&1
	hc up "$@" >"$_out" 2>&1 || { diag <"$_out"; bail "hcluster up $* failed"; }
	hc daemon all start >"$_out" 2>&1 || { diag <"$_out"; bail "handoffd did not start"; }
}

# members_are NODE "1 2 3": handoffctl members --json on NODE lists exactly these nodeids.
members_are() {
	local got
	got=$(ctl "$1" members --json | json '" ".join(str(m["nodeid"]) for m in d["members"])') || return 1
	[ "$got" = "$2" ] || { echo "node $1 lists members '$got', expected '$2'"; return 1; }
}

# quorate_is NODE true|false: handoffctl quorum --json on NODE.
quorate_is() {
	local got
	got=$(ctl "$1" quorum --json | json 'str(d["quorate"]).lower()+" "+str(d["gate"]["open"]).lower()') || return 1
	[ "$got" = "$2 $2" ] || { echo "node $1: quorate and gate open are '$got', expected '$2 $2'"; return 1; }
}

# no_violations: the DRBD stand-in ($state_dir) never saw a second Primary
no_violations() {
	[ ! -s "$state_dir/violations.log" ] || { cat "$state_dir/violations.log"; return 1; }
}

# expect_rejected NODE PATTERN ARGS...: handoffctl ARGS on NODE fails, saying PATTERN
expect_rejected() {
	local node=$1 pattern=$2 out rc
	shift 2
	out=$(ctl "$node" "$@" 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -ne 0 ] && echo "$out" | grep -q "$pattern"
}

finish() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ] || show_logs
	[ "$_failed" -eq 0 ]
}
