#!/bin/sh
# The OpenVZ agent's verbs against the vzctl look-alike (TAP), and the
# look-alike's own command line checks.  There is no OpenVZ kernel (nor vzctl)
# here: the real vzctl is reported as skipped.
# shellcheck disable=SC2015,SC2016 # ok/not_ok always succeed; sh -c scripts
SRC=${HANDOFF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
AGENT=$SRC/agents/handoff-openvz-agent
VZ=$SRC/test/lookalike/vzctl
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# expect CODE DESCRIPTION CMD...: the command exits CODE
expect() {
	want=$1 desc=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, expected $want)"; echo "$out" | sed 's/^/#   /'; fi
}
# expect_msg CODE PATTERN DESCRIPTION CMD...: exits CODE and the last
# non-empty line of its stderr (what handoffctl status shows) matches PATTERN
expect_msg() {
	want=$1 pat=$2 desc=$3; shift 3
	errs=$("$@" 2>&1 >/dev/null); rc=$?
	last=$(printf '%s\n' "$errs" | grep -v '^[[:space:]]*$' | tail -n 1)
	if [ "$rc" = "$want" ] && printf '%s\n' "$last" | grep -q -- "$pat"; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, expected $want; last line: $last)"
		printf '%s\n' "$errs" | sed 's/^/#   /'
	fi
}
check() { # DESCRIPTION COMMAND...: the command succeeds
	desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

tmp=$(mktemp -d /tmp/handoff-openvz-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mnt=$tmp/mnt la=$tmp/vz
mkdir -p "$mnt/private/101" "$la/conf"
printf 'VE_PRIVATE="%s"\nNAME="web"\n' "$mnt/private/101" >"$la/conf/101.conf"
printf 'VE_PRIVATE="%s"\n' "$tmp/not-mounted/102" >"$la/conf/102.conf"
export VZCTL_LOOKALIKE_DIR="$la"
export HANDOFF_RESOURCE=ct HANDOFF_MOUNT="$mnt" HANDOFF_DUMP_DIR=.handoff
export HANDOFF_OPT_ctid=101 HANDOFF_OPT_vzctl="$VZ"
vzstatus() { "$VZ" status 101; }
session() { sed -n 's/^session=//p' "$la/run/101" 2>/dev/null; }

# ---- the look-alike checks its command line like vzctl ---------------------
expect 20 "vzctl without a command: usage, exit 20" "$VZ"
expect_msg 20 "Bad command: 101" "vzctl 101 start (wrong order): Bad command, exit 20" "$VZ" 101 start
expect_msg 20 "Bad command: frob" "vzctl frob 101: Bad command, exit 20" "$VZ" frob 101
expect_msg 21 "CT ID missing" "vzctl start without CTID: exit 21" "$VZ" start
expect_msg 20 "unrecognized option '--bogus'" "vzctl start 101 --bogus: exit 20" "$VZ" start 101 --bogus
expect_msg 20 "invalid option -- 'd'" "vzctl chkpnt 101 -d F (no short options): exit 20" "$VZ" chkpnt 101 -d "$tmp/x"
expect_msg 20 "not applicable to start" "vzctl start 101 --fast: not applicable, exit 20" "$VZ" start 101 --fast
expect_msg 20 "requires an argument" "vzctl chkpnt 101 --dumpfile (no file): exit 20" "$VZ" chkpnt 101 --dumpfile
expect_msg 20 "Invalid options: extra" "vzctl status 101 extra: exit 20" "$VZ" status 101 extra
expect 20 "vzctl start 101 extra (stray word): exit 20" "$VZ" start 101 extra
expect_msg 21 "Bad CT ID nosuch" "vzctl start nosuch (unknown name): exit 21" "$VZ" start nosuch
expect_msg 21 "Bad CT ID" "vzctl start 2147483645 (above the maximum): exit 21" "$VZ" start 2147483645
expect_msg 14 "config file does not exist" "vzctl start 103 (no config): exit 14" "$VZ" start 103
out=$("$VZ" status 103); rc=$?
[ $rc -eq 0 ] && [ "$out" = "CTID 103 deleted unmounted down" ] && ok "vzctl status of an unknown CT: deleted, exit 0" ||
	not_ok "vzctl status of an unknown CT: deleted, exit 0 (exit $rc: $out)"
[ "$(vzstatus)" = "CTID 101 exist unmounted down" ] && ok "vzctl status 101: exist unmounted down" ||
	not_ok "vzctl status 101: exist unmounted down ($(vzstatus))"
[ "$("$VZ" status web)" = "CTID 101 exist unmounted down" ] && ok "vzctl accepts the CT's name" ||
	not_ok "vzctl accepts the CT's name"
expect_msg 31 "container is not running" "vzctl chkpnt of a stopped CT: exit 31" "$VZ" chkpnt 101 --dumpfile "$tmp/d"
expect 0 "vzctl start 101 --w (a unique prefix of --wait)" "$VZ" start 101 --w
expect_msg 32 "already running" "vzctl start of a running CT: exit 32" "$VZ" start 101
expect 0 "vzctl chkpnt --dumpfile=F" "$VZ" chkpnt 101 --dumpfile="$tmp/lk/dump"
[ -s "$tmp/lk/dump" ] && [ "$(vzstatus)" = "CTID 101 exist unmounted down" ] &&
	ok "chkpnt wrote the dump file, stopped and unmounted the CT" || not_ok "chkpnt wrote the dump file, stopped and unmounted the CT ($(vzstatus))"
expect_msg 17 "Unable to open" "vzctl restore from a missing file: exit 17" "$VZ" restore 101 --dumpfile "$tmp/nofile"
expect 0 "vzctl restore --dumpfile F" "$VZ" restore 101 --dumpfile "$tmp/lk/dump"
[ ! -e "$tmp/lk/dump" ] && ok "vzctl restore removes the dump file, as vzctl 4.x does" || not_ok "vzctl restore removes the dump file, as vzctl 4.x does"
expect_msg 0 "container is not running" "vzctl stop twice: the second says so and exits 0" sh -c '"$1" stop 101 >/dev/null 2>&1; "$1" stop 101' sh "$VZ"
expect_msg 5 "vzdev kernel module" "not an OpenVZ kernel: exit 5" env VZCTL_LOOKALIKE_KERNEL=no "$VZ" start 101

# ---- the agent: arguments and settings --------------------------------------
expect 0 "meta" "$AGENT" meta
"$AGENT" meta | grep -q "^verbs: start stop monitor dump restore meta$" && ok "meta lists the verbs" || not_ok "meta lists the verbs"
env -i "$AGENT" meta >/dev/null && ok "meta needs no settings" || not_ok "meta needs no settings"
expect 2 "no verb is an invalid argument" "$AGENT"
expect 3 "an unknown verb is unimplemented" "$AGENT" frobnicate
expect 2 "dump needs a directory" "$AGENT" dump
expect 2 "dump needs an absolute directory" "$AGENT" dump relative/dir
expect 2 "restore of a directory that does not exist" "$AGENT" restore "$tmp/nodir"
expect 2 "start takes no argument" "$AGENT" start extra
expect_msg 6 "agent_opt.ctid is not set" "no agent_opt.ctid: not configured, says so" env -u HANDOFF_OPT_ctid "$AGENT" monitor
expect_msg 6 "neither a container ID nor" "agent_opt.ctid with a space: not configured" env HANDOFF_OPT_ctid="1 01" "$AGENT" monitor
expect_msg 6 "out of range" "agent_opt.ctid = 0: not configured" env HANDOFF_OPT_ctid=0 "$AGENT" start
expect_msg 6 "HANDOFF_MOUNT is not set" "no HANDOFF_MOUNT: not configured" env -u HANDOFF_MOUNT "$AGENT" monitor
expect_msg 5 "vzctl is not installed" "vzctl missing: not installed, says so" env HANDOFF_OPT_vzctl=/nonexistent/vzctl "$AGENT" start
expect_msg 5 "not an OpenVZ kernel" "not an OpenVZ kernel: not installed, with the reason" env VZCTL_LOOKALIKE_KERNEL=no "$AGENT" monitor
expect_msg 6 "Bad CT ID nosuch" "an unknown container name: not configured, with vzctl's reason" env HANDOFF_OPT_ctid=nosuch "$AGENT" start
expect_msg 6 "103 does not exist on this node" "a CT without config: not configured" env HANDOFF_OPT_ctid=103 "$AGENT" start
expect_msg 6 "does not exist on this node" "a CT whose private area is missing: start refused" env HANDOFF_OPT_ctid=102 "$AGENT" start
expect 7 "... and monitor says not running" env HANDOFF_OPT_ctid=102 "$AGENT" monitor

# ---- start, stop, monitor ----------------------------------------------------
expect 7 "monitor before start: not running" "$AGENT" monitor
expect 0 "start" "$AGENT" start
[ "$(vzstatus)" = "CTID 101 exist mounted running" ] && ok "the CT runs" || not_ok "the CT runs ($(vzstatus))"
s1=$(session)
expect 0 "monitor: running" "$AGENT" monitor
calls=$(grep -c '^start ' "$la/calls")
expect 0 "start again: idempotent" "$AGENT" start
[ "$(session)" = "$s1" ] && [ "$(grep -c '^start ' "$la/calls")" = "$calls" ] &&
	ok "the same CT still runs, vzctl start not called again" || not_ok "the same CT still runs, vzctl start not called again"
expect 0 "stop" "$AGENT" stop
[ "$(vzstatus)" = "CTID 101 exist unmounted down" ] && ok "the CT is down and unmounted" || not_ok "the CT is down and unmounted ($(vzstatus))"
expect 7 "monitor after stop: not running" "$AGENT" monitor
expect 0 "stop again: idempotent" "$AGENT" stop
expect 0 "start by name (agent_opt.ctid = web)" env HANDOFF_OPT_ctid=web "$AGENT" start
expect 0 "monitor by number sees it" "$AGENT" monitor
expect 0 "stop by name" env HANDOFF_OPT_ctid=web "$AGENT" stop

# crashes: down without a stop
expect 0 "start for a crash" "$AGENT" start
rm -f "$la/run/101"
expect_msg 1 "still mounted" "CT died, private area mounted: monitor says failed" "$AGENT" monitor
rm -f "$la/mnt/101"
expect_msg 1 "stopped without a stop" "CT died, unmounted: monitor says failed (started here, this boot)" "$AGENT" monitor
expect 0 "stop cleans up after a crash" "$AGENT" stop
expect 7 "monitor after that stop: not running" "$AGENT" monitor
echo "some-other-boot" >"$mnt/.handoff/openvz-agent.started"
expect 7 "a start marker of another node or boot: not running" "$AGENT" monitor
rm -f "$mnt/.handoff/openvz-agent.started"

# error paths
expect_msg 1 "Container start failed" "vzctl start fails: error, with vzctl's reason" env VZCTL_LOOKALIKE_FAIL=start "$AGENT" start
expect 7 "... and nothing runs" "$AGENT" monitor
expect_msg 1 "locked" "CT locked by another vzctl: error, says so" env VZCTL_LOOKALIKE_LOCKED=1 "$AGENT" start
expect 0 "start" "$AGENT" start
expect_msg 1 "Unable to stop container" "vzctl stop fails: error, with vzctl's reason" env VZCTL_LOOKALIKE_FAIL=stop "$AGENT" stop
expect 0 "stop where vzctl leaves the private area mounted" env VZCTL_LOOKALIKE_STOP_LEAVES_MOUNTED=1 "$AGENT" stop
[ "$(vzstatus)" = "CTID 101 exist unmounted down" ] && grep -q '^umount 101' "$la/calls" &&
	ok "... the agent unmounted it (vzctl umount)" || not_ok "... the agent unmounted it (vzctl umount) ($(vzstatus))"

# ---- dump and restore --------------------------------------------------------
mkdir -p "$mnt/.handoff/dump1"
d=$mnt/.handoff/dump1
expect 7 "dump of a stopped CT: not running" "$AGENT" dump "$d"
expect 0 "start a CT to dump" "$AGENT" start
s1=$(session)
expect_msg 1 "Checkpointing failed" "vzctl chkpnt fails: error, with vzctl's reason" env VZCTL_LOOKALIKE_FAIL=chkpnt "$AGENT" dump "$d"
expect 0 "... and the CT still runs" "$AGENT" monitor
expect 0 "dump" "$AGENT" dump "$d"
grep -q "^chkpnt 101 --dumpfile $d/openvz.dump\$" "$la/calls" && ok "dump ran vzctl chkpnt 101 --dumpfile DIR/openvz.dump" ||
	not_ok "dump ran vzctl chkpnt 101 --dumpfile DIR/openvz.dump"
[ -s "$d/openvz.dump" ] && ok "the dump file is in DIR" || not_ok "the dump file is in DIR"
[ "$(vzstatus)" = "CTID 101 exist unmounted down" ] && ok "after the dump the CT is down and unmounted" || not_ok "after the dump the CT is down and unmounted ($(vzstatus))"
expect 7 "monitor after the dump: not running" "$AGENT" monitor
expect 2 "restore from a directory without a dump" "$AGENT" restore "$mnt"
expect_msg 1 "undump failed" "vzctl restore fails: error, with vzctl's reason" env VZCTL_LOOKALIKE_FAIL=restore "$AGENT" restore "$d"
[ -s "$d/openvz.dump" ] && [ "$(vzstatus)" = "CTID 101 exist unmounted down" ] &&
	ok "... the CT stays down, the dump stays" || not_ok "... the CT stays down, the dump stays ($(vzstatus))"
ls -a "$d" >"$tmp/before"
expect 0 "restore" "$AGENT" restore "$d"
[ "$(session)" = "$s1" ] && ok "the restored CT is the dumped one (not a fresh start)" || not_ok "the restored CT is the dumped one ($(session) != $s1)"
expect 0 "monitor after the restore: running" "$AGENT" monitor
ls -a "$d" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && [ -s "$d/openvz.dump" ] &&
	ok "restore left DIR's contents as they were (vzctl removed only its own link)" || not_ok "restore left DIR's contents as they were"
expect_msg 1 "already runs" "restore while the CT runs: error" "$AGENT" restore "$d"
expect 0 "stop" "$AGENT" stop

# ---- the real vzctl ------------------------------------------------------------
if command -v vzctl >/dev/null 2>&1 && [ -e /dev/vzctl ]; then
	skip "the agent against the real vzctl" "an OpenVZ node: run the agent by hand (doc/driver-openvz.md)"
else
	skip "the agent against the real vzctl" "no OpenVZ kernel and no vzctl here (vzctl is not in Debian)"
fi
echo "1..$n"
[ $failed -eq 0 ]
