#!/bin/bash
# selftest.sh - quick self-test of the hcluster harness (corosync only, no
# handoffd).  Run as root:  test/cluster/selftest.sh [--transport knet|udpu]
#
# 3 nodes up and quorate; kill node 3 (nodes 1, 2 stay quorate with 2 nodes);
# restart node 3; isolate node 1 (1 loses quorum, 2 and 3 keep it); heal
# (3 nodes everywhere); down, and nothing of the cluster is left.
#
# Speaks TAP (one "ok N - ..." line per check, the plan at the end), so the
# cluster tier counts each check; exits 1 if any check failed.
set -u

HC=$(cd "$(dirname "$0")" && pwd -P)/hcluster
export HCLUSTER_PREFIX=${HCLUSTER_PREFIX:-hcself}
export HCLUSTER_DIR=${HCLUSTER_DIR:-/run/hcluster-$HCLUSTER_PREFIX}
TRANSPORT=knet
case ${1:-} in
	--transport) TRANSPORT=${2:?--transport needs knet or udpu} ;;
	'') ;;
	*) echo "usage: $0 [--transport knet|udpu]" >&2; exit 2 ;;
esac

failed=0
started=$SECONDS
n=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: a TAP line, with the command's output on failure
check() {
	local desc=$1 out; shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc"
		[ -n "$out" ] && sed 's/^/#   /' <<<"$out"
	fi
}

cleanup() { "$HC" down >/dev/null 2>&1 || "$HC" down; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! selftest needs root"
	exit 1
fi

"$HC" down >/dev/null 2>&1   # leftovers of an earlier, interrupted run

# fd 3 stays open to a pipe during `up`: if a started process inherited it,
# this command substitution would never return.
if ! out=$("$HC" up 3 --transport "$TRANSPORT" 3>&1 2>&1); then
	fail "up 3 ($TRANSPORT)"
	sed 's/^/#   /' <<<"$out"
	echo "1..$n"
	exit 1
fi
pass "up 3 ($TRANSPORT) returned, $((SECONDS - started)) s"

check "up refuses while a cluster is up" bash -c '! "$1" up 3' _ "$HC"
check "all nodes quorate" "$HC" wait all quorate 1
check "all nodes see 3 nodes" "$HC" wait all nodes=3 1
check "exec passes the exit status through" bash -c '"$1" exec 2 sh -c "exit 7"; [ $? = 7 ]' _ "$HC"
check "exec runs in the node's network namespace" \
	bash -c '"$1" exec 2 ip -4 -o addr show dev eth0 | grep -q "10.77.0.2/"' _ "$HC"
check "the node has a private /run with its own corosync.pid" \
	bash -c 'p=$("$1" exec 1 cat /run/corosync.pid) && [ "$p" = "$(cut -d" " -f1 "$("$1" path 1)/hcluster/corosync.pid")" ]' _ "$HC"
check "path 1 holds the node's corosync log" test -s "$("$HC" path 1)/var/log/corosync/corosync.log"
check "path 1 holds the default handoff.conf" \
	grep -qx 'log_file = /var/log/handoff/handoffd.log' "$("$HC" path 1)/etc/handoff/handoff.conf"
check "the node sees /etc/handoff/handoff.conf" "$HC" exec 3 test -s /etc/handoff/handoff.conf
check "wait times out with exit 1 and says what it saw" \
	bash -c 'out=$("$1" wait 1 nodes=5 0.3 2>&1); [ $? = 1 ] && grep -q "last seen: Quorate: Yes, Nodes: 3" <<<"$out"' _ "$HC"
check "wait cmd: condition" "$HC" wait all 'cmd:test -d /var/log/corosync' 2
check "unknown command exits 2" bash -c '"$1" frobnicate 2>/dev/null; [ $? = 2 ]' _ "$HC"

# a node crash
check "kill 3" "$HC" kill 3
check "node 3's corosync is down" "$HC" wait 3 corosync-down 1
check "nodes 1, 2 see 2 nodes after kill 3" bash -c '"$1" wait 1 nodes=2 10 && "$1" wait 2 nodes=2 10' _ "$HC"
check "nodes 1, 2 stay quorate after kill 3" bash -c '"$1" wait 1 quorate 1 && "$1" wait 2 quorate 1' _ "$HC"

# the crashed node comes back
check "start 3" "$HC" start 3
check "3 nodes everywhere after start 3" "$HC" wait all nodes=3 15
check "all quorate after start 3" "$HC" wait all quorate 5

# a partition
check "isolate 1" "$HC" isolate 1
check "node 1 loses quorum when isolated" "$HC" wait 1 not-quorate 10
check "node 1 sees only itself" "$HC" wait 1 nodes=1 5
check "nodes 2, 3 quorate with 2 nodes while 1 is isolated" \
	bash -c '"$1" wait 2 nodes=2 10 && "$1" wait 3 nodes=2 10 && "$1" wait 2 quorate 1 && "$1" wait 3 quorate 1' _ "$HC"
check "heal 1" "$HC" heal 1
check "3 nodes everywhere after heal" "$HC" wait all nodes=3 20
check "all quorate after heal" "$HC" wait all quorate 5

# a clean stop
check "stop 2" "$HC" stop 2
check "node 2's corosync is down after stop" "$HC" wait 2 corosync-down 1
check "nodes 1, 3 see 2 nodes after stop 2" bash -c '"$1" wait 1 nodes=2 10 && "$1" wait 3 nodes=2 10' _ "$HC"

# teardown: nothing may be left
pids=$(cut -d' ' -f1 "$HCLUSTER_DIR"/node*/hcluster/*.pid 2>/dev/null)
check "down" "$HC" down
check "down again (idempotent)" "$HC" down
leftover_ns() {
	local n
	n=$(ip netns list | awk -v p="$HCLUSTER_PREFIX" '$1 ~ "^" p "-(br|n[0-9]+)$" {print $1}')
	[ -z "$n" ] || { echo "namespaces left: $n"; return 1; }
}
check "no namespaces left" leftover_ns
leftover_procs() {
	local p s left=
	for p in $pids; do
		s=$(awk '{sub(/.*\) /, ""); print $1}' /proc/"$p"/stat 2>/dev/null) || continue
		case $s in Z|X|'') ;; *) left="$left $p($s)";; esac
	done
	[ -z "$left" ] || { echo "processes left:$left"; return 1; }
}
check "no processes left (by recorded pid)" leftover_procs
check "state dir removed" test ! -e "$HCLUSTER_DIR"

echo "# selftest: $failed failure(s), $((SECONDS - started)) s"
echo "1..$n"
[ "$failed" -eq 0 ]
