#!/bin/bash
# selftest.sh - the DRBD stand-in against its contract (README.md), as root:
#   test/drbd-standin/selftest.sh
#
# Two fake nodes, each a process holding its own network and mount
# namespace (as hcluster's keepers do), share one state directory and one
# loop device with a real ext4 on it.  Isolation is hcluster's own: the nft
# table inet hcluster_isolate in a node's network namespace.
#
# Speaks TAP (one "ok N - ..." per check, the plan at the end); exits 1 if
# any check failed.
set -u

DRBDADM=$(cd "$(dirname "$0")" && pwd -P)/drbdadm
ISO_TABLE=hcluster_isolate
n=0
failed=0

pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; failed=$((failed + 1)); }
note() { sed 's/^/#   /'; }

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the DRBD stand-in self-test needs root (losetup, namespaces)"
	exit 0
fi
for tool in losetup mkfs.ext4 nft nsenter unshare flock mount umount; do
	command -v "$tool" >/dev/null || { echo "Bail out! $tool is missing"; exit 1; }
done

T=$(mktemp -d /var/tmp/drbd-standin-selftest.XXXXXX) || { echo "Bail out! mktemp"; exit 1; }
STATE=$T/state
LOOP=
declare -A HOLDER=()

cleanup() {
	local pid
	for pid in "${HOLDER[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${HOLDER[@]}"; do
		# the holders' mount namespaces (and their mounts) die with them
		while [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
			sleep 0.05
		done
	done
	mountpoint -q "$T/mnt" 2>/dev/null && umount "$T/mnt"
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- setup ---------------------------------------------------------------------

truncate -s 64M "$T/disk.img"
LOOP=$(losetup --find --show "$T/disk.img") || { echo "Bail out! losetup"; exit 1; }
mkfs.ext4 -q -F "$LOOP" >/dev/null 2>&1 || { echo "Bail out! mkfs.ext4 $LOOP"; exit 1; }
mkdir -p "$T/mnt" "$STATE"

for i in 1 2; do
	cat >"$T/node$i.conf" <<EOF
# drbd-standin.conf of fake node $i
node = $i
state_dir = $STATE
resource r0 $LOOP
resource r1 /dev/null
EOF
	unshare --net --mount --propagation private sleep infinity &
	HOLDER[$i]=$!
done
self_net=$(stat -L -c %i /proc/self/ns/net)
for i in 1 2; do
	# wait until unshare has switched namespaces
	for _ in $(seq 100); do
		ino=$(stat -L -c %i "/proc/${HOLDER[$i]}/ns/net" 2>/dev/null)
		[ -n "$ino" ] && [ "$ino" != "$self_net" ] && break
		sleep 0.02
	done
done

# on I CMD...: run CMD inside fake node I's namespaces
on() {
	local i=$1
	shift
	nsenter --net="/proc/${HOLDER[$i]}/ns/net" --mount="/proc/${HOLDER[$i]}/ns/mnt" "$@"
}
# sa I ARGS...: the stand-in on node I; sets OUT, ERR, RC
sa() {
	local i=$1
	shift
	OUT=$(on "$i" env HANDOFF_DRBD_STANDIN_CONF="$T/node$i.conf" "$DRBDADM" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(<"$T/stderr")
}
# expect DESC RC OUT [ERR-first-line]: the last sa call's results
expect() {
	local desc=$1 rc=$2 out=$3 err=${4-}
	if [ "$RC" = "$rc" ] && [ "$OUT" = "$out" ] && { [ $# -lt 4 ] || [ "${ERR%%$'\n'*}" = "$err" ]; }; then
		pass "$desc"
	else
		fail "$desc"
		printf 'want rc %s stdout [%s] stderr [%s]\ngot  rc %s stdout [%s] stderr [%s]\n' \
			"$rc" "$out" "$err" "$RC" "$OUT" "$ERR" | note
	fi
}
check() { # check DESC COMMAND...
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc"
		[ -n "$out" ] && note <<<"$out"
	fi
}
isolate() { on "$1" nft add table inet "$ISO_TABLE"; }
heal() { on "$1" nft delete table inet "$ISO_TABLE"; }
no_violations() { [ ! -s "$STATE/violations.log" ] || { cat "$STATE/violations.log"; false; }; }
MULTI="0: State change failed: (-1) Multiple primaries not allowed by config"

# ---- formats and errors ----------------------------------------------------------

sa 1 sh-dev r0
expect "sh-dev prints the device" 0 "$LOOP"
sa 1 role r9
expect "unknown resource: DRBD's message, exit 10" 10 "" "'r9' not defined in your config (for this host)."
sa 1 frobnicate r0
expect "unknown command: exit 20" 20 "" "drbdadm: Unknown command 'frobnicate'"
sa 1 primary --force r0
expect "--force is refused, exit 20" 20 "" "drbdadm (stand-in): '--force' is not supported by the stand-in"
sa 1 role
expect "missing resource: usage, exit 20" 20 "" "USAGE: drbdadm role {all|resource...}"

sa 1 role r0
expect "a lone node: Secondary/Unknown" 0 "Secondary/Unknown"
sa 1 cstate r0
expect "a lone node waits for its peer: WFConnection" 0 "WFConnection"
sa 2 role r0
expect "node 2 sees node 1: Secondary/Secondary" 0 "Secondary/Secondary"
sa 1 cstate r0
expect "node 1 is Connected once node 2 exists" 0 "Connected"
sa 1 dstate r0
expect "dstate UpToDate/UpToDate" 0 "UpToDate/UpToDate"

# ---- promote, demote, the second Primary --------------------------------------------

sa 1 primary r0
expect "node 1 primary" 0 ""
sa 1 role r0
expect "node 1: Primary/Secondary" 0 "Primary/Secondary"
sa 2 role r0
expect "node 2: Secondary/Primary" 0 "Secondary/Primary"
sa 1 primary r0
expect "primary again is a no-op" 0 ""
sa 2 primary r0
expect "second Primary refused while connected, exit 11" 11 "" "$MULTI"
check "  ... and drbdadm's trailer follows DRBD's line" \
	grep -qx "Command 'drbdsetup-84 primary 0' terminated with exit code 11" <<<"$ERR"
sa 2 role r0
expect "node 2 stays Secondary" 0 "Secondary/Primary"
sa 1 status r0
expect "status in drbdsetup-84's format" 0 "r0 role:Primary
  disk:UpToDate
  peer role:Secondary
    replication:Established peer-disk:UpToDate"
sa 2 status
expect "status of all resources" 0 "r0 role:Secondary
  disk:UpToDate
  peer role:Primary
    replication:Established peer-disk:UpToDate

r1 role:Secondary
  disk:UpToDate
  peer role:Secondary
    replication:Established peer-disk:UpToDate"

on 1 mount "$LOOP" "$T/mnt"
sa 1 secondary r0
expect "demote refused while mounted, exit 11" 11 "" "0: State change failed: (-12) Device is held open by someone"
sa 1 role r0
expect "  ... and node 1 stays Primary" 0 "Primary/Secondary"
check "the filesystem is real ext4 and writable" on 1 sh -c "echo hello >'$T/mnt/f' && sync && [ \"\$(findmnt -no FSTYPE '$T/mnt')\" = ext4 ]"
check "node 2's mount namespace does not see node 1's mount" on 2 sh -c "! mountpoint -q '$T/mnt'"
on 1 umount "$T/mnt"
sa 1 secondary r0
expect "demote after umount" 0 ""
sa 1 secondary r0
expect "secondary again is a no-op" 0 ""
sa 2 primary r0
expect "node 2 primary once node 1 let go" 0 ""
check "  ... and sees node 1's data" on 2 sh -c "mount '$LOOP' '$T/mnt' && grep -qx hello '$T/mnt/f' && umount '$T/mnt'"
sa 2 secondary r0
expect "node 2 secondary" 0 ""
check "no violation so far" no_violations

# ---- the disk-state knob ------------------------------------------------------------------

echo Outdated >"$STATE/dstate.2.r0"
sa 2 dstate r0
expect "dstate.2.r0 = Outdated: node 2 sees Outdated/UpToDate" 0 "Outdated/UpToDate"
sa 1 dstate r0
expect "  ... node 1 sees UpToDate/Outdated" 0 "UpToDate/Outdated"
sa 2 primary r0
expect "  ... promoting an Outdated disk is refused, exit 17" 17 "" "0: State change failed: (-2) Need access to UpToDate data"
echo Inconsistent >"$STATE/dstate.2.r0"
sa 2 status r0
expect "  ... status shows Inconsistent" 0 "r0 role:Secondary
  disk:Inconsistent
  peer role:Secondary
    replication:Established peer-disk:UpToDate"
rm -f "$STATE/dstate.2.r0"

# ---- events2 (drbdsetup) -------------------------------------------------------------------

DRBDSETUP=${DRBDADM%/*}/drbdsetup
OUT=$(on 1 env HANDOFF_DRBD_STANDIN_CONF="$T/node1.conf" "$DRBDSETUP" events2 --now r0 2>"$T/stderr")
RC=$?
expect "drbdsetup events2 --now: the initial state, then exists -" 0 "exists resource name:r0 role:Secondary suspended:no
exists device name:r0 volume:0 minor:0 disk:UpToDate client:no
exists -"
on 1 env HANDOFF_DRBD_STANDIN_CONF="$T/node1.conf" "$DRBDSETUP" events2 r0 >"$T/events" 2>&1 &
ev=$!
sleep 0.5
sa 1 primary r0
echo Failed >"$STATE/dstate.1.r0"
sleep 0.5
rm -f "$STATE/dstate.1.r0"
sleep 0.5
sa 1 secondary r0
sleep 0.5
kill "$ev"; wait "$ev" 2>/dev/null
check "  ... then follows: role, disk, and back" diff -u - "$T/events" <<-EOF
	exists resource name:r0 role:Secondary suspended:no
	exists device name:r0 volume:0 minor:0 disk:UpToDate client:no
	exists -
	change resource name:r0 role:Primary
	change device name:r0 volume:0 minor:0 disk:Failed
	change device name:r0 volume:0 minor:0 disk:UpToDate
	change resource name:r0 role:Secondary
	EOF
OUT=$(on 1 env HANDOFF_DRBD_STANDIN_CONF="$T/node1.conf" "$DRBDSETUP" events2 --statistics all 2>"$T/stderr")
RC=$?
expect "  ... --statistics is refused, exit 20" 20 ""
OUT=$(on 1 env HANDOFF_DRBD_STANDIN_CONF="$T/node1.conf" "$DRBDSETUP" status 2>"$T/stderr")
RC=$?
expect "drbdsetup: any other verb is refused, exit 20" 20 ""

# ---- isolation and split brain ------------------------------------------------------------

sa 1 primary r0
expect "node 1 primary again" 0 ""
isolate 1
sa 1 cstate r0
expect "isolated node 1: WFConnection" 0 "WFConnection"
sa 1 role r0
expect "  ... Primary/Unknown" 0 "Primary/Unknown"
sa 1 dstate r0
expect "  ... UpToDate/DUnknown" 0 "UpToDate/DUnknown"
sa 2 cstate r0
expect "node 2 lost its peer too: WFConnection" 0 "WFConnection"
sa 2 status r0
expect "  ... status shows the connection, not the peer" 0 "r0 role:Secondary
  disk:UpToDate
  peer connection:Connecting"
check "no violation before the second Primary" no_violations
sa 2 primary r0
expect "unconnected, a second Primary is allowed (split brain)" 0 ""
check "  ... and the violations log says so" grep -q "resource r0 has 2 Primaries: nodes 1 2 (seen by node 2 during primary)" "$STATE/violations.log"
lines=$(wc -l <"$STATE/violations.log")
sa 1 role r0
check "every sighting adds a line (role on node 1)" test "$(wc -l <"$STATE/violations.log")" -gt "$lines"
heal 1
sa 1 cstate r0
expect "healed with two Primaries: StandAlone" 0 "StandAlone"
sa 1 secondary r0
sa 2 secondary r0
sa 2 cstate r0
expect "both demoted: Connected again" 0 "Connected"
: >"$STATE/violations.log"

isolate 2
sa 1 primary r0
expect "node 2 isolated: node 1 may promote" 0 ""
sa 2 primary r0
expect "isolating either side is enough to allow a second Primary" 0 ""
heal 2
sa 2 secondary r0
sa 1 secondary r0
: >"$STATE/violations.log"

on 2 mount "$LOOP" "$T/mnt"
sa 2 role r0
check "a mount on a Secondary node is a violation" grep -q "is mounted on node 2, which is Secondary" "$STATE/violations.log"
on 2 umount "$T/mnt"
: >"$STATE/violations.log"

# ---- a crash -------------------------------------------------------------------------------

sa 1 primary r0
on 1 mount "$LOOP" "$T/mnt"
sa 1 standin-crash
expect "standin-crash" 0 ""
check "  ... drops node 1's mount" on 1 sh -c "! mountpoint -q '$T/mnt'"
sa 2 cstate r0
expect "  ... node 2 has no peer left" 0 "WFConnection"
sa 2 primary r0
expect "  ... and fails over without a violation" 0 ""
check "  ... (violations log empty)" no_violations
sa 1 role r0
expect "the crashed node comes back Secondary" 0 "Secondary/Primary"
sa 2 secondary r0

# ---- concurrency ----------------------------------------------------------------------------

race() {
	local pids=()
	for _ in 1 2 3 4 5 6; do
		on 1 env HANDOFF_DRBD_STANDIN_CONF="$T/node1.conf" "$DRBDADM" primary r0 2>/dev/null &
		pids+=($!)
		on 2 env HANDOFF_DRBD_STANDIN_CONF="$T/node2.conf" "$DRBDADM" primary r0 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"   # not the holders
}
ok=1
for round in 1 2 3 4 5; do
	race
	p=0
	for i in 1 2; do
		sa "$i" role r0
		[[ $OUT == Primary/* ]] && p=$((p + 1))
	done
	[ "$p" = 1 ] || { ok=0; echo "round $round: $p Primaries" | note; }
	sa 1 secondary r0
	sa 2 secondary r0
done
if [ "$ok" = 1 ]; then
	pass "12 concurrent promotions x5: exactly one Primary each time"
else
	fail "12 concurrent promotions x5: exactly one Primary each time"
fi
check "  ... and no violation" no_violations

# ---- config errors ---------------------------------------------------------------------------

bad_conf() { # bad_conf DESC CONTENT WANT-IN-STDERR
	printf '%s\n' "$2" >"$T/bad.conf"
	OUT=$(HANDOFF_DRBD_STANDIN_CONF=$T/bad.conf "$DRBDADM" role r0 2>&1)
	RC=$?
	if [ "$RC" = 10 ] && [[ $OUT == *"$3"* ]]; then
		pass "$1"
	else
		fail "$1"
		echo "rc $RC: $OUT" | note
	fi
}
bad_conf "config without node" "state_dir = $STATE" "missing 'node = N'"
bad_conf "config with a bad line names it" $'node = 1\nstate_dir = '"$STATE"$'\nresource r0' "bad.conf:3:"
bad_conf "state_dir under /run is refused" $'node = 1\nstate_dir = /run/x' "private to each node"
bad_conf "unknown key" $'node = 1\nnodes = 1 2' "unknown key 'nodes'"
OUT=$(HANDOFF_DRBD_STANDIN_CONF=$T/none.conf "$DRBDADM" role r0 2>&1)
RC=$?
expect "missing config: exit 10" 10 "drbdadm (stand-in): cannot read $T/none.conf"

# ---- cost -------------------------------------------------------------------------------------

start=${EPOCHREALTIME/./}
for _ in 1 2 3 4 5; do sa 1 role r0; done
echo "# role takes $(( (${EPOCHREALTIME/./} - start) / 5000 )) ms per call"
check "history.log records role changes" grep -q "node 1 r0: Secondary -> Primary (primary)" "$STATE/history.log"

echo "1..$n"
[ "$failed" = 0 ]
