#!/bin/sh
# The libvirt agent's verbs (TAP): against the virsh look-alike (which can
# fail on demand), against the real virsh driving libvirt's test driver
# through a private libvirtd (so that the domains' state lasts from one
# virsh call to the next), and the look-alike's command line checks side by
# side with the real virsh's.  The test driver saves and restores domains
# for real (its own image format) but has no --bypass-cache: that gives a
# real failure to test too.
# shellcheck disable=SC2015,SC2016 # ok/not_ok always succeed; sh -c scripts
SRC=${HANDOFF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
AGENT=$SRC/agents/handoff-libvirt-agent
LK=$SRC/test/lookalike/virsh
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

tmp=$(mktemp -d /tmp/handoff-libvirt-test.XXXXXX)
daemon_pid='' holder_pid=''
# libvirtd (as root) writes its identity token to /run/libvirt/common: take
# it away again when it was not there before
run_dir_existed=no
[ -e /run/libvirt ] && run_dir_existed=yes
cleanup() {
	[ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		i=0; while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		if [ $run_dir_existed = no ]; then
			rm -f /run/libvirt/common/system.token
			rmdir /run/libvirt/common /run/libvirt 2>/dev/null
		fi
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
mnt=$tmp/mnt la=$tmp/virsh-lookalike
mkdir -p "$mnt" "$la/domains"
export VIRSH_LOOKALIKE_DIR="$la"
export HANDOFF_RESOURCE=vm HANDOFF_MOUNT="$mnt" HANDOFF_DUMP_DIR=.handoff
export HANDOFF_OPT_domain=vm1 HANDOFF_OPT_virsh="$LK" HANDOFF_OPT_shutdown_timeout=5
echo "state=shut off" >"$la/domains/vm1"
echo "state=shut off" >"$la/domains/vm2"
lk_state() { "$LK" domstate vm1 --reason | head -n 1; }
lk_session() { sed -n 's/^session=//p' "$la/domains/vm1" 2>/dev/null; }
calls() { grep -c -- "$1" "$la/calls"; }

# ---- the look-alike's command line, next to the real virsh's ---------------------
pl=$tmp/parity
mkdir -p "$pl/domains"
echo "state=running" >"$pl/domains/test"
# same CODE PATTERN DESCRIPTION ARGS...: the look-alike, and the real virsh
# where it is installed, exit CODE and say PATTERN; both on libvirt's test
# driver's "test" domain, running
same() {
	s_code=$1 s_pat=$2 s_desc=$3; shift 3
	expect_msg "$s_code" "$s_pat" "look-alike virsh $s_desc" env VIRSH_LOOKALIKE_DIR="$pl" "$LK" "$@"
	if command -v virsh >/dev/null 2>&1; then
		# virsh 9.0 sometimes hangs after a failed save on the test driver,
		# before its whole error is out: that case is a SKIP with the reason
		errs=$(timeout 10 virsh "$@" 2>&1 >/dev/null); rc=$?
		if [ "$rc" = 124 ]; then
			ok "real virsh $s_desc # SKIP virsh hung (killed after 10 s): $(printf '%s' "$errs" | tail -n 1)"
		elif [ "$rc" = "$s_code" ] && printf '%s\n' "$errs" | grep -q -- "$s_pat"; then
			ok "real virsh $s_desc"
		else
			not_ok "real virsh $s_desc (exit $rc, expected $s_code)"
			printf '%s\n' "$errs" | sed 's/^/#   /'
		fi
	fi
}
T="-c test:///default"
# shellcheck disable=SC2086
{
same 1 "requires <domain> option" "domstate without a domain: exit 1" $T domstate
same 1 "doesn't support option --bogus" "domstate test --bogus: exit 1" $T domstate test --bogus
same 1 "unexpected data 'extra'" "domstate test extra: exit 1" $T domstate test extra
same 1 "expected syntax: --domain <string>" "domstate --domain without a value: exit 1" $T domstate --domain
same 1 "option --domain already seen" "domstate test --domain test: exit 1" $T domstate test --domain test
same 1 "unknown command: 'frob'" "frob test: unknown command, exit 1" $T frob test
same 1 "unsupported option '--bogus'" "--bogus list: exit 1" --bogus list
same 1 "requires an argument" "-c without a URI: exit 1" -c
same 1 "requires <file> option" "save test without a file: exit 1" $T save test
same 1 "requires <file> option" "restore without a file: exit 1" $T restore
same 1 "Unknown mode extra" "shutdown test extra (not a mode): exit 1" $T shutdown test extra
same 1 "mutually exclusive" "save --running --paused: exit 1" $T save test "$tmp/p.img" --running --paused
same 1 "failed to get domain 'nope'" "domstate of an unknown domain: exit 1" $T domstate nope
same 1 "Domain is already active" "start of a running domain: exit 1" $T start test
same 1 "open failed: No such file or directory" "save into a missing directory: exit 1" $T save test "$tmp/no/dir/f"
same 1 "cannot read domain image" "restore from a missing file: exit 1" $T restore "$tmp/no/file"
}
out=$(VIRSH_LOOKALIKE_DIR="$pl" "$LK" -c test:///default domstate test --reason | head -n 1)
[ "$out" = "running (unknown)" ] && ok "look-alike virsh domstate --reason: 'running (unknown)'" || not_ok "look-alike virsh domstate --reason ($out)"

# ---- the agent: arguments and settings --------------------------------------------
expect 0 "meta" "$AGENT" meta
"$AGENT" meta | grep -q "^verbs: start stop monitor dump restore meta$" && ok "meta lists the verbs" || not_ok "meta lists the verbs"
env -i "$AGENT" meta >/dev/null && ok "meta needs no settings" || not_ok "meta needs no settings"
expect 2 "no verb is an invalid argument" "$AGENT"
expect 3 "an unknown verb is unimplemented" "$AGENT" frobnicate
expect 2 "dump needs a directory" "$AGENT" dump
expect 2 "restore needs an absolute directory" "$AGENT" restore rel/dir
expect 2 "stop takes no argument" "$AGENT" stop now
expect_msg 6 "agent_opt.domain is not set" "no agent_opt.domain: not configured, says so" env -u HANDOFF_OPT_domain "$AGENT" start
expect_msg 6 "not a usable domain name" "a domain name starting with '-': not configured" env HANDOFF_OPT_domain=-x "$AGENT" start
expect_msg 6 "bypass_cache = 'maybe'" "bypass_cache = maybe: not configured" env HANDOFF_OPT_bypass_cache=maybe "$AGENT" monitor
expect_msg 6 "shutdown_timeout" "a shutdown_timeout that is no number: not configured" env HANDOFF_OPT_shutdown_timeout=soon "$AGENT" stop
expect_msg 6 "HANDOFF_MOUNT is not set" "no HANDOFF_MOUNT: not configured" env -u HANDOFF_MOUNT "$AGENT" monitor
expect_msg 5 "virsh is not installed" "virsh missing: not installed, says so" env HANDOFF_OPT_virsh=/nonexistent/virsh "$AGENT" start
expect_msg 1 "cannot connect to libvirt at qemu:///system: Failed to connect socket" "libvirtd down: monitor fails, says why" env VIRSH_LOOKALIKE_DOWN=1 HANDOFF_OPT_uri=qemu:///system "$AGENT" monitor
expect 7 "agent_opt.uri is passed on" env HANDOFF_OPT_uri=qemu:///system "$AGENT" monitor
[ "$(calls "^-c qemu:///system domstate vm1 --reason\$")" -ge 1 ] && ok "... as virsh -c URI domstate vm1 --reason" || not_ok "... as virsh -c URI domstate vm1 --reason"
expect_msg 6 "domain nope is not defined" "an unknown domain: start refused, not configured" env HANDOFF_OPT_domain=nope "$AGENT" start
expect 7 "... monitor says not running" env HANDOFF_OPT_domain=nope "$AGENT" monitor
expect 0 "... stop has nothing to do" env HANDOFF_OPT_domain=nope "$AGENT" stop

# ---- start, stop, monitor -----------------------------------------------------------
expect 7 "monitor before start: not running" "$AGENT" monitor
expect_msg 1 "could not open disk image" "virsh start fails: error, with libvirt's reason" env VIRSH_LOOKALIKE_FAIL=start "$AGENT" start
expect 0 "start" "$AGENT" start
[ "$(lk_state)" = "running (booted)" ] && ok "the domain runs" || not_ok "the domain runs ($(lk_state))"
s1=$(lk_session) starts=$(calls "^start ")
expect 0 "monitor: running" "$AGENT" monitor
expect 0 "start again: idempotent" "$AGENT" start
[ "$(lk_session)" = "$s1" ] && [ "$(calls "^start ")" = "$starts" ] && ok "the same domain runs, virsh start not called again" ||
	not_ok "the same domain runs, virsh start not called again"
expect 0 "stop" "$AGENT" stop
[ "$(lk_state)" = "shut off (shutdown)" ] && [ "$(calls "^destroy ")" = 0 ] && ok "the guest shut down (virsh shutdown, no destroy)" ||
	not_ok "the guest shut down (virsh shutdown, no destroy) ($(lk_state))"
expect 7 "monitor after stop: not running" "$AGENT" monitor
expect 0 "stop again: idempotent" "$AGENT" stop
expect 0 "start" "$AGENT" start
t0=$(date +%s)
expect 0 "stop of a guest that ignores the shutdown" env VIRSH_LOOKALIKE_IGNORE_SHUTDOWN=1 HANDOFF_OPT_shutdown_timeout=1 "$AGENT" stop
t1=$(date +%s)
[ "$(lk_state)" = "shut off (destroyed)" ] && [ $((t1 - t0)) -ge 1 ] && [ $((t1 - t0)) -le 5 ] &&
	ok "... destroyed after shutdown_timeout (1 s)" || not_ok "... destroyed after shutdown_timeout ($(lk_state), $((t1 - t0)) s)"
expect 0 "start" "$AGENT" start
shutdowns=$(calls "^shutdown ")
expect 0 "stop with shutdown_timeout = 0" env HANDOFF_OPT_shutdown_timeout=0 "$AGENT" stop
[ "$(lk_state)" = "shut off (destroyed)" ] && [ "$(calls "^shutdown ")" = "$shutdowns" ] && ok "... destroyed at once" || not_ok "... destroyed at once ($(lk_state))"
expect 0 "start" "$AGENT" start
expect_msg 1 "Failed to terminate process" "virsh destroy fails: error, with libvirt's reason" env VIRSH_LOOKALIKE_IGNORE_SHUTDOWN=1 VIRSH_LOOKALIKE_FAIL=destroy HANDOFF_OPT_shutdown_timeout=1 "$AGENT" stop
# states set behind the agent's back
printf 'state=paused\nreason=user\n' >"$la/domains/vm1"
expect 0 "a paused domain (paused by a user) counts as running" "$AGENT" monitor
printf 'state=paused\nreason=ioerror\n' >"$la/domains/vm1"
expect_msg 1 "paused (ioerror)" "a domain paused on an I/O error: failed" "$AGENT" monitor
shutdowns=$(calls "^shutdown ")
expect 0 "stop of a paused domain" "$AGENT" stop
[ "$(lk_state)" = "shut off (destroyed)" ] && [ "$(calls "^shutdown ")" = "$shutdowns" ] && ok "... destroyed, without a shutdown request" || not_ok "... destroyed, without a shutdown request ($(lk_state))"
printf 'state=crashed\nreason=panicked\n' >"$la/domains/vm1"
expect_msg 1 "crashed (panicked)" "a crashed domain: monitor says failed" "$AGENT" monitor
expect_msg 1 "stop it first" "a crashed domain: start refused" "$AGENT" start
expect 0 "stop of a crashed domain" "$AGENT" stop
printf 'state=shut off\nreason=crashed\n' >"$la/domains/vm1"
expect_msg 1 "shut off (crashed)" "shut off after a crash: monitor says failed" "$AGENT" monitor
expect 0 "stop cleans up" "$AGENT" stop
expect 0 "start" "$AGENT" start
printf 'state=shut off\nreason=shutdown\n' >"$la/domains/vm1"
expect_msg 1 "went away without a stop" "guest shut down from inside: monitor says failed" "$AGENT" monitor
expect 0 "stop cleans up" "$AGENT" stop
expect 7 "monitor after that stop: not running" "$AGENT" monitor
echo "another-boot" >"$mnt/.handoff/libvirt-agent.started"
expect 7 "a start marker of another node or boot: not running" "$AGENT" monitor
rm -f "$mnt/.handoff/libvirt-agent.started"

# ---- dump and restore ------------------------------------------------------------------
d=$mnt/.handoff/dump1
mkdir -p "$d"
expect 7 "dump of a stopped domain: not running" "$AGENT" dump "$d"
expect 0 "start a domain to dump" "$AGENT" start
s1=$(lk_session)
expect_msg 1 "domain save job: unexpectedly failed" "virsh save fails: error, with libvirt's reason" env VIRSH_LOOKALIKE_FAIL=save "$AGENT" dump "$d"
[ ! -e "$d/libvirt.save" ] && ok "... no partial save file left" || not_ok "... no partial save file left"
expect 0 "... and the domain still runs" "$AGENT" monitor
saves=$(calls "^save vm1 $d/libvirt.save\$")
expect 0 "dump" "$AGENT" dump "$d"
[ "$(calls "^save vm1 $d/libvirt.save\$")" = $((saves + 1)) ] && ok "dump ran virsh save vm1 DIR/libvirt.save" || not_ok "dump ran virsh save vm1 DIR/libvirt.save"
[ -s "$d/libvirt.save" ] && ok "the save file is in DIR" || not_ok "the save file is in DIR"
[ "$(lk_state)" = "shut off (saved)" ] && ok "after the dump the domain is shut off (saved)" || not_ok "after the dump the domain is shut off ($(lk_state))"
expect 7 "monitor after the dump: not running" "$AGENT" monitor
expect 2 "restore from a directory without a save file" "$AGENT" restore "$mnt"
expect_msg 1 "qemu unexpectedly closed the monitor" "virsh restore fails: error, with libvirt's reason" env VIRSH_LOOKALIKE_FAIL=restore "$AGENT" restore "$d"
[ "$(lk_state)" = "shut off (saved)" ] && [ -s "$d/libvirt.save" ] && ok "... the domain stays off, the save file stays" || not_ok "... the domain stays off, the save file stays"
ls -a "$d" >"$tmp/before"
expect 0 "restore" "$AGENT" restore "$d"
[ "$(calls "^restore $d/libvirt.save\$")" -ge 1 ] && ok "restore ran virsh restore DIR/libvirt.save" || not_ok "restore ran virsh restore DIR/libvirt.save"
[ "$(lk_session)" = "$s1" ] && ok "the restored domain is the saved one (not a fresh boot)" || not_ok "the restored domain is the saved one ($(lk_session) != $s1)"
expect 0 "monitor after the restore: running" "$AGENT" monitor
ls -a "$d" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok "restore left DIR's contents as they were" || not_ok "restore left DIR's contents as they were"
expect_msg 1 "not restoring" "restore while the domain runs: error" "$AGENT" restore "$d"
export HANDOFF_OPT_bypass_cache=yes
expect 0 "dump with bypass_cache = yes" "$AGENT" dump "$d"
expect 0 "restore with bypass_cache = yes" "$AGENT" restore "$d"
[ "$(calls "^save vm1 $d/libvirt.save --bypass-cache\$")" = 1 ] && [ "$(calls "^restore $d/libvirt.save --bypass-cache\$")" = 1 ] &&
	ok "... both with --bypass-cache" || not_ok "... both with --bypass-cache"
unset HANDOFF_OPT_bypass_cache
expect 0 "dump again" "$AGENT" dump "$d"
# a node where the domain is not defined: the restore makes it transient
mv "$la/domains/vm1" "$tmp/vm1.def"
expect 0 "restore where the domain is not defined (transient)" "$AGENT" restore "$d"
expect 0 "monitor: running" "$AGENT" monitor
expect 0 "stop of the transient domain" "$AGENT" stop
expect 7 "monitor: it is gone, not running" "$AGENT" monitor
mv "$tmp/vm1.def" "$la/domains/vm1"
# a save file of another domain
d2=$mnt/.handoff/dump2
mkdir -p "$d2"
expect 0 "dump of another domain (vm2)" env HANDOFF_OPT_domain=vm2 sh -c '"$1" start && "$1" dump "$2"' sh "$AGENT" "$d2"
expect_msg 1 "hold another domain" "restore of vm1 from vm2's save file: error" "$AGENT" restore "$d2"
env HANDOFF_OPT_domain=vm2 "$AGENT" stop >/dev/null 2>&1

# ---- the real virsh: libvirt's test driver through a private libvirtd ------------------
REAL_TESTS="monitor stop shut-off monitor-stopped stop-again start running start-again dump save-file saved monitor-after-dump restore running-again dir-kept restore-running bypass-cache-refused still-running destroyed-behind-back stop-after-crash monitor-after-stop paused paused-stop unknown-domain unknown-monitor unreachable"
real_skip() { for t in $REAL_TESTS; do skip "real virsh: $t" "$why"; done; }
why=''
if ! command -v virsh >/dev/null 2>&1; then
	why="virsh is not installed (Debian package libvirt-clients)"
elif ! command -v libvirtd >/dev/null 2>&1 && [ ! -x /usr/sbin/libvirtd ]; then
	why="libvirtd is not installed (Debian package libvirt-daemon): the test driver keeps no state from one virsh call to the next without it"
fi
if [ -z "$why" ]; then
	ld=$tmp/libvirtd
	mkdir -p "$ld/nodrivers"
	cat >"$ld/libvirtd.conf" <<EOF
unix_sock_dir = "$ld"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
EOF
	# no hypervisor driver modules: only the built-in test driver
	LIBVIRT_DRIVER_DIR=$ld/nodrivers "$(command -v libvirtd || echo /usr/sbin/libvirtd)" \
		--config "$ld/libvirtd.conf" --pid-file "$ld/libvirtd.pid" >"$ld/log" 2>&1 &
	daemon_pid=$!
	i=0; while [ ! -S "$ld/libvirt-sock" ] && kill -0 $daemon_pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	U="test+unix:///default?socket=$ld/libvirt-sock"
	if [ ! -S "$ld/libvirt-sock" ]; then
		why="the private libvirtd did not start: $(grep -i error "$ld/log" | tail -n 1)"
	else
		# the test driver drops its state when its last connection closes: hold one
		virsh -c "$U" event --all --loop >/dev/null 2>&1 &
		holder_pid=$!
		i=0; while ! virsh -c "$U" domstate test >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		sleep 0.3
		virsh -c "$U" destroy test >/dev/null 2>&1
		if [ "$(virsh -c "$U" domstate test 2>&1 | head -n 1)" != "shut off" ]; then
			why="libvirt's test driver keeps no state between virsh calls here"
		fi
		virsh -c "$U" start test >/dev/null 2>&1
	fi
fi
if [ -n "$why" ]; then
	real_skip
else
	real_state() { virsh -c "$U" domstate test --reason | head -n 1; }
	export HANDOFF_OPT_domain=test HANDOFF_OPT_uri="$U"
	unset HANDOFF_OPT_virsh
	rd=$mnt/.handoff/realdump
	mkdir -p "$rd"
	expect 0 "real virsh: monitor of the running test domain: running" "$AGENT" monitor
	expect 0 "real virsh: stop (virsh shutdown)" "$AGENT" stop
	case $(real_state) in "shut off"*) ok "real virsh: the domain is shut off" ;; *) not_ok "real virsh: the domain is shut off ($(real_state))" ;; esac
	expect 7 "real virsh: monitor after stop: not running" "$AGENT" monitor
	expect 0 "real virsh: stop again: idempotent" "$AGENT" stop
	expect 0 "real virsh: start" "$AGENT" start
	case $(real_state) in running*) ok "real virsh: the domain runs" ;; *) not_ok "real virsh: the domain runs ($(real_state))" ;; esac
	expect 0 "real virsh: start again: idempotent" "$AGENT" start
	expect 0 "real virsh: dump (virsh save)" "$AGENT" dump "$rd"
	head -c 14 "$rd/libvirt.save" 2>/dev/null | grep -q TestGuestMagic && ok "real virsh: the test driver's save image is DIR/libvirt.save" ||
		not_ok "real virsh: the test driver's save image is DIR/libvirt.save"
	case $(real_state) in "shut off"*) ok "real virsh: after the dump the domain is $(real_state)" ;; *) not_ok "real virsh: after the dump the domain is shut off ($(real_state))" ;; esac
	expect 7 "real virsh: monitor after the dump: not running" "$AGENT" monitor
	ls -a "$rd" >"$tmp/rbefore"
	expect 0 "real virsh: restore (virsh restore)" "$AGENT" restore "$rd"
	case $(real_state) in running*) ok "real virsh: the restored domain runs" ;; *) not_ok "real virsh: the restored domain runs ($(real_state))" ;; esac
	ls -a "$rd" >"$tmp/rafter"
	cmp -s "$tmp/rbefore" "$tmp/rafter" && ok "real virsh: restore left DIR's contents as they were" || not_ok "real virsh: restore left DIR's contents as they were"
	expect_msg 1 "not restoring" "real virsh: restore while the domain runs: error" "$AGENT" restore "$rd"
	expect_msg 1 "unsupported flags (0x1) in function testDomainSaveFlags" "real virsh: bypass_cache = yes, which the test driver refuses: error with libvirt's reason" env HANDOFF_OPT_bypass_cache=yes "$AGENT" dump "$rd"
	expect 0 "real virsh: ... and the domain still runs" "$AGENT" monitor
	virsh -c "$U" destroy test >/dev/null 2>&1
	expect_msg 1 "went away without a stop" "real virsh: domain destroyed behind the agent's back: monitor says failed" "$AGENT" monitor
	expect 0 "real virsh: stop cleans up" "$AGENT" stop
	expect 7 "real virsh: monitor after that stop: not running" "$AGENT" monitor
	"$AGENT" start >/dev/null 2>&1
	virsh -c "$U" suspend test >/dev/null 2>&1
	expect 0 "real virsh: a paused domain counts as running" "$AGENT" monitor
	expect 0 "real virsh: stop of a paused domain (virsh destroy)" sh -c '"$1" stop && virsh -c "$2" domstate test | grep -q "shut off"' sh "$AGENT" "$U"
	expect_msg 6 "domain nope is not defined" "real virsh: an unknown domain: start refused" env HANDOFF_OPT_domain=nope "$AGENT" start
	expect 7 "real virsh: an unknown domain: not running" env HANDOFF_OPT_domain=nope "$AGENT" monitor
	expect_msg 1 "cannot connect to libvirt" "real virsh: an unreachable URI: monitor fails, says why" env HANDOFF_OPT_uri="test+unix:///default?socket=$ld/nosock" "$AGENT" monitor
fi
echo "1..$n"
[ $failed -eq 0 ]
