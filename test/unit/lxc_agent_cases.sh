#!/bin/sh
# The LXC agent's verbs (TAP): against the LXC look-alike (test/lookalike,
# which can fail on demand), against the real LXC tools where they run (as
# root, with a container whose rootfs is an empty directory with /usr bound
# in), and the look-alike's command line checks, side by side with the real
# tools'.  A real checkpoint needs a criu that works on the running kernel:
# where `criu check` fails, the real dump is tested as a failure and the
# real dump/restore round trip is reported as skipped, with criu's reason.
# shellcheck disable=SC2015,SC2016,SC2010 # ok/not_ok always succeed; sh -c scripts; ls of a dump dir
SRC=${HANDOFF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
AGENT=$SRC/agents/handoff-lxc-agent
LK=$SRC/test/lookalike
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
# expect_msg CODE PATTERN DESCRIPTION CMD...: exits CODE and its stderr
# matches PATTERN (for the agent: its last non-empty line, which handoffctl
# status shows)
expect_msg() {
	want=$1 pat=$2 desc=$3; shift 3
	errs=$("$@" 2>&1 >/dev/null); rc=$?
	last=$(printf '%s\n' "$errs" | grep -v '^[[:space:]]*$' | tail -n 1)
	case $1 in "$AGENT") hay=$last ;; *) hay=$errs ;; esac
	if [ "$rc" = "$want" ] && printf '%s\n' "$hay" | grep -q -- "$pat"; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, expected $want; last line: $last)"
		printf '%s\n' "$errs" | sed 's/^/#   /'
	fi
}

tmp=$(mktemp -d /tmp/handoff-lxc-test.XXXXXX)
mnt=$tmp/mnt la=$tmp/lxc-lookalike
REALNAME=hct
cleanup() {
	for f in "$la"/run/*; do
		[ -f "$f" ] && read -r pid _ <"$f" && kill -9 "$pid" 2>/dev/null
	done
	command -v lxc-stop >/dev/null 2>&1 && lxc-stop -n $REALNAME -P "$mnt/reallxc" -k >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$la" "$mnt/lxc/c1/rootfs" "$tmp/empty"
echo "lxc.rootfs.path = dir:$mnt/lxc/c1/rootfs" >"$mnt/lxc/c1/config"
mkdir -p "$mnt/lxc/norootfs"
echo "lxc.rootfs.path = dir:$mnt/lxc/norootfs/rootfs" >"$mnt/lxc/norootfs/config"
export LXC_LOOKALIKE_DIR="$la"
export HANDOFF_RESOURCE=ct HANDOFF_MOUNT="$mnt" HANDOFF_DUMP_DIR=.handoff
export HANDOFF_OPT_name=c1 HANDOFF_OPT_lxcpath=lxc HANDOFF_OPT_lxc_bindir="$LK" HANDOFF_OPT_stop_timeout=1
lk_state() { "$LK/lxc-info" -n c1 -P "$mnt/lxc" -sH; }
lk_pid() { "$LK/lxc-info" -n c1 -P "$mnt/lxc" -pH; }
lk_session() { cut -d' ' -f2 "$la"/run/* 2>/dev/null; }

# ---- the look-alike's command line, next to the real tools' ------------------
# same CODE PATTERN DESCRIPTION TOOL ARGS...: the look-alike, and the real
# tool where it is installed, exit CODE and say PATTERN on stderr
same() {
	s_code=$1 s_pat=$2 s_desc=$3 s_tool=$4; shift 4
	expect_msg "$s_code" "$s_pat" "look-alike $s_tool $s_desc" "$LK/$s_tool" "$@"
	if command -v "$s_tool" >/dev/null 2>&1; then
		expect_msg "$s_code" "$s_pat" "real $s_tool $s_desc" "$s_tool" "$@"
	fi
}
P="$tmp/empty"
same 1 "No container name specified" "without -n: exit 1" lxc-info -s -P "$P"
same 1 "invalid option -- 'Z'" "-Z: invalid option, exit 1" lxc-info -n c1 -Z -P "$P"
same 1 "unrecognized option '--bogus'" "--bogus: unrecognized, exit 1" lxc-info -n c1 --bogus -P "$P"
same 1 "ambiguous" "--st: ambiguous (--state, --stats), exit 1" lxc-info -n c1 --st -P "$P"
same 1 "requires an argument -- 't'" "-t without a value: exit 1" lxc-stop -n c1 -P "$P" -t
same 1 "could not parse command line" "-t abc: exit 1" lxc-stop -n c1 -t abc -P "$P"
same 1 "could not parse command line" "without -D: exit 1" lxc-checkpoint -n c1 -s -P "$P"
same 1 "could not parse command line" "-s with -r: exit 1" lxc-checkpoint -n c1 -D "$tmp/d" -s -r -P "$P"
same 1 "could not parse command line" "-d without -r: exit 1" lxc-checkpoint -n c1 -D "$tmp/d" -d -P "$P"
same 1 "nope doesn't exist" "of an unknown container: exit 1" lxc-info -n nope -s -P "$P"
same 1 "No container config specified" "of an unknown container: exit 1" lxc-start -n nope -d -P "$P"
same 2 "nope is not running" "of an unknown container: exit 2" lxc-stop -n nope -P "$P"
same 1 "nope is not defined" "of an unknown container: exit 1" lxc-checkpoint -n nope -D "$tmp/d" -s -P "$P"
expect_msg 1 "unexpected argument 'extra'" "look-alike lxc-info refuses a stray word (the real one ignores it)" "$LK/lxc-info" -n c1 -s extra
out=$("$LK/lxc-info" -n c1 -P "$mnt/lxc" --state)
[ "$out" = "State:          STOPPED" ] && ok "look-alike lxc-info --state: 'State:          STOPPED'" || not_ok "look-alike lxc-info --state ($out)"
expect_msg 2 "c1 is not running" "look-alike lxc-stop of a stopped container: exit 2" "$LK/lxc-stop" -n c1 -P "$mnt/lxc"
expect_msg 1 "not running, not checkpointing" "look-alike lxc-checkpoint of a stopped container: exit 1" "$LK/lxc-checkpoint" -n c1 -P "$mnt/lxc" -D "$tmp/d" -s
expect 0 "look-alike lxc-start -n c1 -d" "$LK/lxc-start" -n c1 -d -P "$mnt/lxc"
[ "$(lk_state)" = RUNNING ] && ok "look-alike lxc-info -sH: RUNNING" || not_ok "look-alike lxc-info -sH: RUNNING ($(lk_state))"
expect_msg 0 "Container is already running" "look-alike lxc-start again: says so, exit 0 (as LXC 5.0)" "$LK/lxc-start" -n c1 -d -P "$mnt/lxc"
expect_msg 1 "is running, not restoring" "look-alike lxc-checkpoint -r of a running container: exit 1" "$LK/lxc-checkpoint" -n c1 -P "$mnt/lxc" -D "$tmp/d" -r
expect 0 "look-alike lxc-stop -k" "$LK/lxc-stop" -n c1 -k -P "$mnt/lxc"
[ "$(lk_state)" = STOPPED ] && ok "look-alike: stopped" || not_ok "look-alike: stopped ($(lk_state))"

# ---- the agent: arguments and settings --------------------------------------
expect 0 "meta" "$AGENT" meta
"$AGENT" meta | grep -q "^verbs: start stop monitor dump restore meta$" && ok "meta lists the verbs" || not_ok "meta lists the verbs"
env -i "$AGENT" meta >/dev/null && ok "meta needs no settings" || not_ok "meta needs no settings"
expect 2 "no verb is an invalid argument" "$AGENT"
expect 3 "an unknown verb is unimplemented" "$AGENT" frobnicate
expect 2 "dump needs a directory" "$AGENT" dump
expect 2 "dump needs an absolute directory" "$AGENT" dump rel/dir
expect 2 "monitor takes no argument" "$AGENT" monitor extra
expect_msg 6 "agent_opt.name is not set" "no agent_opt.name: not configured, says so" env -u HANDOFF_OPT_name "$AGENT" start
expect_msg 6 "is not a container name" "a name with a slash: not configured" env HANDOFF_OPT_name=a/b "$AGENT" start
expect_msg 6 "stop_timeout" "a stop_timeout that is no number: not configured" env HANDOFF_OPT_stop_timeout=soon "$AGENT" stop
expect_msg 6 "HANDOFF_MOUNT is not set" "no HANDOFF_MOUNT: not configured" env -u HANDOFF_MOUNT "$AGENT" monitor
expect_msg 5 "LXC is not installed" "lxc tools missing: not installed, says so" env HANDOFF_OPT_lxc_bindir=/nonexistent "$AGENT" start
expect_msg 6 "not defined in $mnt/lxc" "an unknown container: start refused, not configured" env HANDOFF_OPT_name=nope "$AGENT" start
expect 7 "... and monitor says not running" env HANDOFF_OPT_name=nope "$AGENT" monitor
expect 7 "lxcpath missing (filesystem not mounted): monitor says not running" env HANDOFF_OPT_lxcpath=not-mounted "$AGENT" monitor
expect_msg 1 "lxc-start -n norootfs failed (exit 1): No such file or directory - Failed to open" "lxc-start fails (no rootfs): error, with the cause from lxc's log" env HANDOFF_OPT_name=norootfs "$AGENT" start

# ---- start, stop, monitor ------------------------------------------------------
expect 7 "monitor before start: not running" "$AGENT" monitor
expect 0 "start" "$AGENT" start
[ "$(lk_state)" = RUNNING ] && ok "the container runs" || not_ok "the container runs ($(lk_state))"
grep -q "^lxc-start -n c1 -P $mnt/lxc -d -o " "$la/calls" && ok "start ran lxc-start -n c1 -P MOUNT/lxc -d" || not_ok "start ran lxc-start -n c1 -P MOUNT/lxc -d"
pid=$(lk_pid)
expect 0 "monitor: running" "$AGENT" monitor
expect 0 "start again: idempotent" "$AGENT" start
[ "$(lk_pid)" = "$pid" ] && ok "the same container still runs" || not_ok "the same container still runs"
expect 0 "stop" "$AGENT" stop
[ "$(lk_state)" = STOPPED ] && ok "the container is stopped" || not_ok "the container is stopped ($(lk_state))"
[ "$(grep "^lxc-stop " "$la/calls" | tail -n 1)" = "lxc-stop -n c1 -P $mnt/lxc -t 1" ] && ok "stop ran lxc-stop -n c1 -P MOUNT/lxc -t STOP_TIMEOUT" ||
	not_ok "stop ran lxc-stop -n c1 -P MOUNT/lxc -t STOP_TIMEOUT"
expect 7 "monitor after stop: not running" "$AGENT" monitor
expect 0 "stop again: idempotent" "$AGENT" stop
expect 0 "start" "$AGENT" start
kill -9 "$(lk_pid)"; sleep 0.2
expect_msg 1 "stopped without a stop" "init killed: monitor says failed" "$AGENT" monitor
expect 0 "stop cleans up after the crash" "$AGENT" stop
expect 7 "monitor after that stop: not running" "$AGENT" monitor
echo "another-boot" >"$mnt/.handoff/lxc-agent.started"
expect 7 "a start marker of another node or boot: not running" "$AGENT" monitor
rm -f "$mnt/.handoff/lxc-agent.started"
expect 0 "start" "$AGENT" start
kill -STOP "$(lk_pid)"
expect_msg 1 "is FROZEN" "a frozen container: monitor says failed" "$AGENT" monitor
expect 0 "stop of a frozen container (killed)" "$AGENT" stop
[ "$(lk_state)" = STOPPED ] && ok "... it is stopped" || not_ok "... it is stopped ($(lk_state))"
expect 0 "start" "$AGENT" start
t0=$(date +%s)
expect 0 "stop of a container that ignores the shutdown request" env LXC_LOOKALIKE_IGNORE_SHUTDOWN=1 "$AGENT" stop
t1=$(date +%s)
[ "$(lk_state)" = STOPPED ] && [ $((t1 - t0)) -ge 1 ] && [ $((t1 - t0)) -le 5 ] &&
	ok "... killed after stop_timeout (1 s)" || not_ok "... killed after stop_timeout ($((t1 - t0)) s, $(lk_state))"
expect 0 "start" "$AGENT" start
expect 0 "stop with stop_timeout = 0" env HANDOFF_OPT_stop_timeout=0 LXC_LOOKALIKE_IGNORE_SHUTDOWN=1 "$AGENT" stop
[ "$(lk_state)" = STOPPED ] && [ "$(grep "^lxc-stop " "$la/calls" | tail -n 1)" = "lxc-stop -n c1 -P $mnt/lxc -k" ] &&
	ok "... killed at once (lxc-stop -k)" || not_ok "... killed at once ($(lk_state))"
expect 0 "start" "$AGENT" start
expect_msg 0 "" "lxc-stop fails: the agent kills the container" env LXC_LOOKALIKE_FAIL=stop "$AGENT" stop
[ "$(lk_state)" = STOPPED ] && ok "... it is stopped" || not_ok "... it is stopped ($(lk_state))"

# ---- dump and restore ------------------------------------------------------------
d=$mnt/.handoff/dump1
mkdir -p "$d"
expect 7 "dump of a stopped container: not running" "$AGENT" dump "$d"
expect 0 "start a container to dump" "$AGENT" start
s1=$(lk_session)
expect_msg 1 "criu: Could not initialize kernel features detection" "criu cannot work: dump fails with lxc's and criu's reasons" env LXC_LOOKALIKE_CRIU=broken "$AGENT" dump "$d"
expect 0 "... and the container still runs" "$AGENT" monitor
rm -f "$d"/*
expect 0 "dump" "$AGENT" dump "$d"
grep -q "^lxc-checkpoint -n c1 -P $mnt/lxc -D $d -s\$" "$la/calls" && ok "dump ran lxc-checkpoint -n c1 -D DIR -s" || not_ok "dump ran lxc-checkpoint -n c1 -D DIR -s"
[ -s "$d/inventory.img" ] && ok "the criu images are in DIR" || not_ok "the criu images are in DIR"
[ "$(lk_state)" = STOPPED ] && ok "after the dump the container is stopped" || not_ok "after the dump the container is stopped ($(lk_state))"
expect 7 "monitor after the dump: not running" "$AGENT" monitor
expect 2 "restore from a directory without images" "$AGENT" restore "$tmp/empty"
expect_msg 1 "criu: Could not initialize" "criu cannot work: restore fails with criu's reason" env LXC_LOOKALIKE_CRIU=broken "$AGENT" restore "$d"
[ "$(lk_state)" = STOPPED ] && ok "... the container stays stopped" || not_ok "... the container stays stopped"
ls "$d" | grep -v '^restore.log$' >"$tmp/before"
expect 0 "restore" "$AGENT" restore "$d"
grep -q "^lxc-checkpoint -n c1 -P $mnt/lxc -D $d -r\$" "$la/calls" && ok "restore ran lxc-checkpoint -n c1 -D DIR -r" || not_ok "restore ran lxc-checkpoint -n c1 -D DIR -r"
[ "$(lk_session)" = "$s1" ] && ok "the restored container is the dumped one (not a fresh start)" || not_ok "the restored container is the dumped one ($(lk_session) != $s1)"
expect 0 "monitor after the restore: running" "$AGENT" monitor
ls "$d" | grep -v '^restore.log$' >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok "restore left DIR's contents (lxc adds restore.log)" || not_ok "restore left DIR's contents"
expect_msg 1 "RUNNING: not restoring" "restore while the container runs: error" "$AGENT" restore "$d"
expect 0 "stop" "$AGENT" stop

# ---- the real LXC tools ------------------------------------------------------------
real_skip() { for t in "$@"; do skip "real LXC: $t" "$why"; done; }
REAL_TESTS="monitor-stopped start running start-again monitor init-killed stop-after-crash monitor-after-stop stop-killed-after-timeout stopped unknown-container dump restore stop"
why=''
if [ "$(id -u)" != 0 ]; then
	why="needs root"
elif ! command -v lxc-start >/dev/null 2>&1; then
	why="LXC is not installed (Debian package lxc)"
elif [ ! -x /usr/bin/sleep ]; then
	why="no /usr/bin/sleep for the container's init"
fi
rp=$mnt/reallxc
if [ -z "$why" ]; then
	r=$rp/$REALNAME/rootfs
	mkdir -p "$r/usr" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
	for l in bin lib lib64 sbin; do ln -s "usr/$l" "$r/$l"; done
	cat >"$rp/$REALNAME/config" <<EOF
lxc.uts.name = $REALNAME
lxc.rootfs.path = dir:$r
lxc.mount.entry = /usr usr none ro,bind 0 0
lxc.init.cmd = /usr/bin/sleep 100000
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
lxc.mount.auto = proc:mixed sys:ro
lxc.autodev = 1
EOF
	# can containers run here at all?
	if ! probe=$(cd / && lxc-start -n $REALNAME -d -P "$rp" 2>&1); then
		why="lxc-start cannot start a container here: $(printf '%s\n' "$probe" | tail -n 1)"
	fi
	lxc-stop -n $REALNAME -P "$rp" -k >/dev/null 2>&1
fi
if [ -n "$why" ]; then
	# shellcheck disable=SC2086
	real_skip $REAL_TESTS
else
	real_state() { lxc-info -n $REALNAME -P "$rp" -sH; }
	real_pid() { lxc-info -n $REALNAME -P "$rp" -pH; }
	export HANDOFF_OPT_name=$REALNAME HANDOFF_OPT_lxcpath=reallxc
	unset HANDOFF_OPT_lxc_bindir
	expect 7 "real LXC: monitor of a stopped container: not running" "$AGENT" monitor
	expect 0 "real LXC: start" "$AGENT" start
	[ "$(real_state)" = RUNNING ] && ok "real LXC: lxc-info says RUNNING" || not_ok "real LXC: lxc-info says RUNNING ($(real_state))"
	pid=$(real_pid)
	expect 0 "real LXC: start again: idempotent, the same init" sh -c '"$1" start && [ "$(lxc-info -n "$2" -P "$3" -pH)" = "$4" ]' sh "$AGENT" $REALNAME "$rp" "$pid"
	expect 0 "real LXC: monitor: running" "$AGENT" monitor
	kill -9 "$pid"
	i=0; while [ "$(real_state)" != STOPPED ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	expect_msg 1 "stopped without a stop" "real LXC: init killed: monitor says failed" "$AGENT" monitor
	expect 0 "real LXC: stop cleans up after the crash" "$AGENT" stop
	expect 7 "real LXC: monitor after stop: not running" "$AGENT" monitor
	"$AGENT" start >/dev/null 2>&1
	t0=$(date +%s)
	# the container's init (sleep) ignores SIGPWR: lxc-stop kills it after 1 s
	expect 0 "real LXC: stop of a running container (killed after stop_timeout)" "$AGENT" stop
	t1=$(date +%s)
	[ "$(real_state)" = STOPPED ] && [ $((t1 - t0)) -le 10 ] && ok "real LXC: stopped ($((t1 - t0)) s)" || not_ok "real LXC: stopped ($(real_state), $((t1 - t0)) s)"
	expect_msg 6 "not defined in $rp" "real LXC: an unknown container: start refused" env HANDOFF_OPT_name=nope "$AGENT" start
	"$AGENT" start >/dev/null 2>&1
	rd=$mnt/.handoff/realdump
	mkdir -p "$rd"
	if criu_why=$(criu check 2>&1); then
		expect 0 "real LXC: dump (lxc-checkpoint -s)" "$AGENT" dump "$rd"
		expect 0 "real LXC: restore (lxc-checkpoint -r)" sh -c '"$1" restore "$2" && "$1" monitor' sh "$AGENT" "$rd"
	else
		criu_why=$(printf '%s\n' "$criu_why" | grep -v '^[[:space:]]*$' | tail -n 1)
		expect_msg 1 "lxc-checkpoint .* failed" "real LXC: dump where criu cannot work: error, with the reason" "$AGENT" dump "$rd"
		expect 0 "real LXC: ... and the container still runs" "$AGENT" monitor
		"$AGENT" stop >/dev/null 2>&1
		echo "not an image" >"$rd/inventory.img"
		expect_msg 1 "Restoring $REALNAME failed" "real LXC: restore where criu cannot work: error, with the reason" "$AGENT" restore "$rd"
		expect 7 "real LXC: ... and the container stays stopped" "$AGENT" monitor
		why="criu cannot checkpoint on this kernel ($(uname -r)): criu check: $criu_why"
		real_skip "dump and restore round trip"
	fi
	expect 0 "real LXC: stop" "$AGENT" stop
fi
echo "1..$n"
[ $failed -eq 0 ]
