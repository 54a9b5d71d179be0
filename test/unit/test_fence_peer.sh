#!/bin/sh
# tools/handoff-fence-peer: its exit codes, as DRBD reads them, for each
# answer handoffctl can give (a stand-in handoffctl plays them).  7, "the
# peer is fenced", only for handoffctl's exit 0 with the verdict "fenced";
# a refused IPC server (exit 2) or any other answer is 1, never 7.
# Speaks TAP.

here=$(cd "$(dirname "$0")" && pwd)
FENCE_PEER=${HANDOFF_SRCDIR:-$here/../..}/tools/handoff-fence-peer
T=$(mktemp -d "${TMPDIR:-/tmp}/test_fence_peer.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
n=0
failed=0

# the stand-in: prints $FAKE_OUT, exits $FAKE_RC
cat >"$T/handoffctl" <<'EOF'
#!/bin/sh
[ -n "$FAKE_OUT" ] && echo "$FAKE_OUT"
exit "$FAKE_RC"
EOF
chmod +x "$T/handoffctl"

# expect CODE DESCRIPTION RC OUT
expect() {
	want=$1 desc=$2
	FAKE_RC=$3 FAKE_OUT=$4 HANDOFFCTL=$T/handoffctl PATH=$T:$PATH \
		"$FENCE_PEER" --peer node2 --timeout 0 >"$T/out" 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc (exit $rc, wanted $want)"
		sed 's/^/# /' "$T/out"
	fi
}

expect 7 "handoffd says fenced: 7" 0 "2|fenced|node 2 left the quorate membership 9000 ms ago"
expect 1 "exit 0 without the verdict 'fenced': 1, not 7" 0 "fenced: said by someone"
expect 1 "exit 0 and no output: 1, not 7" 0 ""
expect 1 "exit 0 and 'not-fenced': 1, not 7" 0 "2|not-fenced|node 2 is a member"
expect 1 "the IPC server is not root's handoffd (handoffctl exit 2): 1" 2 \
	"handoffctl: IPC service 'handoff' is served by uid 65534 (pid 99), not by handoffd"
expect 1 "handoffd not running (exit 2): 1" 2 "handoffctl: handoffd is not running"
expect 6 "not fenced: 6" 1 "2|not-fenced|node 2 is a member of the quorate membership"
expect 6 "the deadline did not pass in time: 6" 1 "2|not-fenced|node 2 left 10 ms ago; its self-fence deadline passes in 5000 ms"
expect 1 "an error from handoffd: 1" 1 "handoffctl: fence-peer: unknown node 'node2'"

echo "1..$n"
[ "$failed" -eq 0 ]
