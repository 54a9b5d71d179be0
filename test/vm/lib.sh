# lib.sh - helpers for the VM tier's tests (bash): a cluster of qemu guests
# (test/vm/hvm) running Debian's kernel with real DRBD 8.4, corosync,
# criu and this build of handoffd.  Source it from a test:
#
#   . "$(dirname "$0")/lib.sh"
#   vm_cluster_up 3          # guests, corosync quorate, DRBD r0 on 1 and 2
#   vm_handoff_up            # handoff.conf with resource "counter", handoffd
#   check "..." g 1 'handoffctl status'
#   finish
#
# Each test runs its own guests under its own prefix and kills them on
# exit (by pid), whatever happened; a failure prints the guests' logs.
set -u

HANDOFF_SRCDIR=${HANDOFF_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HANDOFF_BUILDDIR=${HANDOFF_BUILDDIR:-$HANDOFF_SRCDIR/build}
export HANDOFF_SRCDIR HANDOFF_BUILDDIR
HVM=$HANDOFF_SRCDIR/test/vm/hvm
_test_name=$(basename "$0" .sh)
export HVM_PREFIX=${HVM_PREFIX:-v${_test_name#t-}}

. "$HANDOFF_SRCDIR/test/tap.sh"

# g NODE SCRIPT [TIMEOUT]: run SCRIPT on guest NODE; its output and status.
g() { "$HVM" exec -t "${3:-60}" "$1" "$2"; }
gwait() { "$HVM" wait "$1" "$2" "$3"; }

_nodes=0
show_logs() { "$HVM" logs 2>&1 | tail -n 400 | diag; }
bail() {
	echo "Bail out! $*"
	show_logs
	exit 1
}
cleanup() {
	"$HVM" down >/dev/null 2>&1
	rm -f "$_out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	[ "$_failed" -eq 0 ] || show_logs
	tap_plan
}

# skip_case REASON DESCRIPTION: a case that a known bug (REASON, in words,
# found by its signature) keeps from being checked: TAP's "# SKIP".
skip_case() {
	_n=$((_n + 1))
	echo "ok $_n - $2 # SKIP $1"
}

# The tier must not skip silently: what it cannot run is a failure that
# says why (issue 4).
require_vm() {
	[ "$(id -u)" -eq 0 ] || bail "the VM tier needs root (it reads Debian's kernel package with apt-get)"
	[ -x /usr/bin/qemu-system-x86_64 ] || bail "qemu-system-x86_64 is missing: run scripts/install-deps"
	[ -x "$HANDOFF_BUILDDIR/plugin/handoffd" ] || bail "no handoffd in $HANDOFF_BUILDDIR: build first"
	command -v python3 >/dev/null || bail "python3 is missing: run scripts/install-deps"
}

VM_TOKEN=${VM_TOKEN:-3000}   # TCG guests on 2 cores: a generous token
DRBD_NODES="1 2"             # DRBD 8.4 resources have two nodes
# The self-fence deadline and what other nodes wait for (S1): a node cut
# off stops, unmounts and demotes within self_fence_timeout (the stop
# path's timeouts below add up to it); softdog resets a node whose
# self-fence fails.  softdog is loaded with its own soft_margin
# (VM_SOFTDOG_MARGIN) and handoffd sets the timeout it wants
# (watchdog_timeout, WDIOC_SETTIMEOUT) and reads it back: the kernel's
# timeout then shows handoffd's, not the module's.  fence_delay covers the
# deadline plus corosync's detection: 10 + 7 + token 3 + consensus 3.6
# (1.2 token) = 23.6 < 30.
VM_SELF_FENCE=10
VM_SOFTDOG_MARGIN=60
VM_WATCHDOG=7
VM_FENCE_DELAY=30

# vm_cluster_up N: boot N guests, corosync on each, quorate everywhere;
# DRBD resource r0 on guests 1 and 2 (/dev/vda), UpToDate on both, ext4
# on it, both Secondary.
vm_cluster_up() {
	local n=$1 i net conf
	_nodes=$n
	require_vm
	"$HVM" down >/dev/null 2>&1
	"$HVM" up "$n" --append "softdog.soft_margin=$VM_SOFTDOG_MARGIN" >"$_out" 2>&1 ||
		{ diag <"$_out"; bail "hvm up $n failed"; }
	net=$(cat "${HVM_DIR:-/var/tmp/handoff-vm/$HVM_PREFIX}/net")
	conf="totem {
	version: 2
	cluster_name: hvm-$HVM_PREFIX
	transport: knet
	token: $VM_TOKEN
	token_coefficient: 0
	crypto_cipher: none
	crypto_hash: none
}
logging {
	to_logfile: yes
	logfile: /var/log/corosync.log
	to_stderr: no
	timestamp: on
}
quorum {
	provider: corosync_votequorum
}
nodelist {"
	for i in $(seq 1 "$n"); do
		conf="$conf
	node {
		ring0_addr: $net.$i
		name: node$i
		nodeid: $i
	}"
	done
	conf="$conf
}"
	for i in $(seq 1 "$n"); do
		g "$i" "cat >/etc/corosync/corosync.conf <<'HVM'
$conf
HVM
(setsid corosync -f >/var/log/corosync.out 2>&1 &)" >"$_out" 2>&1 ||
			{ diag <"$_out"; bail "corosync does not start on guest $i"; }
	done
	for i in $(seq 1 "$n"); do
		gwait "$i" "corosync-quorumtool -s | grep -q 'Quorate: *Yes'" 120 >"$_out" 2>&1 ||
			{ diag <"$_out"; bail "guest $i is not quorate"; }
	done
	vm_drbd_up "$net"
}

# r0 fenced by handoff: DRBD asks handoff-fence-peer before it promotes
# without its peer (resource-only: handoff's self-fence, not DRBD, stops
# the other side's writes), and resolves the split brain a healed
# partition leaves without an operator (doc/failover.md justifies each
# policy).  DRBD runs handlers with PATH=/sbin:/usr/sbin:/bin:/usr/bin,
# and this build installs under /usr/local: handoff-fence-peer is told
# where handoffctl is.
vm_drbd_up() {
	local net=$1 i res
	res="resource r0 {
	device /dev/drbd0;
	disk /dev/vda;
	meta-disk internal;
	disk { fencing resource-only; }
	net {
		protocol C;
		after-sb-0pri discard-zero-changes;
		after-sb-1pri discard-secondary;
		after-sb-2pri disconnect;
	}
	handlers {
		fence-peer \"/usr/local/sbin/handoff-fence-peer\";
		unfence-peer \"/usr/local/sbin/handoff-unfence-peer\";
	}
	on node1 { address $net.1:7789; }
	on node2 { address $net.2:7789; }
}"
	for i in $DRBD_NODES; do
		g "$i" "cat >/etc/drbd.conf <<'HVM'
global { usage-count no; }
$res
HVM
drbdadm create-md --force r0 </dev/null >/var/log/drbd-create-md.log 2>&1 || { cat /var/log/drbd-create-md.log; exit 1; }
drbdadm up r0" 120 >"$_out" 2>&1 || { diag <"$_out"; bail "drbdadm up r0 failed on guest $i"; }
	done
	gwait 1 "drbdadm cstate r0 | grep -qx Connected" 60 >"$_out" 2>&1 ||
		{ diag <"$_out"; bail "DRBD r0 does not connect"; }
	# fresh, empty disks: no initial sync needed (DRBD's documented way)
	g 1 "drbdadm -- --clear-bitmap new-current-uuid r0 && drbdadm primary r0 &&
mkfs.ext4 -q -F /dev/drbd0 && drbdadm secondary r0" 120 >"$_out" 2>&1 ||
		{ diag <"$_out"; bail "cannot make a filesystem on r0"; }
	gwait 2 "drbdadm dstate r0 | grep -qx UpToDate/UpToDate" 60 >"$_out" 2>&1 ||
		{ diag <"$_out"; bail "DRBD r0 is not UpToDate on guest 2"; }
}

# vm_handoff_up [EXTRA RESOURCE LINES]: the same handoff.conf on every
# guest (resource "counter": a criu workload on r0, nodes node1 node2),
# handoffd started, every node listing every member.
vm_handoff_up() {
	local i conf
	conf="[cluster]
log_file = /var/log/handoffd.log
debug = 1
self_fence_timeout = $VM_SELF_FENCE
fence_delay = $VM_FENCE_DELAY
watchdog_device = /dev/watchdog
watchdog_timeout = $VM_WATCHDOG

[resource counter]
storage = drbd
drbd_resource = r0
device = /dev/drbd0
mount_point = /srv/counter
workload = criu
command = /usr/bin/hvm-counter /srv/counter/count
nodes = node1 node2
timeout_start = 60
timeout_stop = 4
timeout_umount = 3
timeout_demote = 3
${1:-}"
	for i in $(seq 1 "$_nodes"); do
		g "$i" "cat >/etc/handoff/handoff.conf <<'HVM'
$conf
HVM
handoffd --check-config -c /etc/handoff/handoff.conf &&
(setsid handoffd -f -c /etc/handoff/handoff.conf >/var/log/handoffd.out 2>&1 &)" >"$_out" 2>&1 ||
			{ diag <"$_out"; bail "handoffd does not start on guest $i"; }
	done
	for i in $(seq 1 "$_nodes"); do
		gwait "$i" "handoffctl members -d ' ' | wc -l | grep -qx $_nodes" 60 >"$_out" 2>&1 ||
			{ diag <"$_out"; bail "handoffd on guest $i does not see $_nodes members"; }
	done
}

# watchdog_armed NODE: handoffd on NODE opened /dev/watchdog (softdog,
# loaded with soft_margin=$VM_SOFTDOG_MARGIN), set its timeout to
# watchdog_timeout ($VM_WATCHDOG s) and read it back, and keeps it armed:
# its log says so, and the kernel reports the device active with
# handoffd's timeout, not the module's.
watchdog_armed() {
	g "$1" "grep 'watchdog /dev/watchdog: timeout $VM_WATCHDOG s (read back; asked for $VM_WATCHDOG s' /var/log/handoffd.log || exit 1
w=/sys/class/watchdog/watchdog0
echo \"kernel: \$(cat \$w/identity), \$(cat \$w/state), timeout \$(cat \$w/timeout) s\"
[ \"\$(cat \$w/state)\" = active ] && [ \"\$(cat \$w/timeout)\" = $VM_WATCHDOG ]"
}

# primaries: the DRBD nodes that are Primary for r0, from DRBD itself.
primaries() {
	local i out=""
	for i in $DRBD_NODES; do
		g "$i" "drbdadm role r0" 20 2>/dev/null | grep -q '^Primary' && out="$out $i"
	done
	echo "${out# }"
}

# instances: guests where a counter process runs, from the process table.
instances() {
	local i out=""
	for i in $(seq 1 "$_nodes"); do
		# busybox-static has no pgrep
		[ "$(g "$i" "ps -o args | grep -c '[h]vm-counter'" 20 2>/dev/null)" -gt 0 ] 2>/dev/null &&
			out="$out $i"
	done
	echo "${out# }"
}

# s1_s2 [NODE]: at most one Primary and one instance, on NODE if given (S1, S2).
s1_s2() {
	local p i
	p=$(primaries) i=$(instances)
	echo "Primary for r0: '${p}'; counter runs on: '${i}'"
	case $p in *" "*) return 1 ;; esac
	case $i in *" "*) return 1 ;; esac
	[ -z "${1:-}" ] || { [ "$p" = "$1" ] && [ "$i" = "$1" ]; }
}

# phase_is NODE "RUNNING 1": counter's phase and owner in NODE's status.
phase_is() {
	local got
	got=$(g "$1" "handoffctl status --json" | json '" ".join("%s %s" % (r["phase"], r["owner"]) for r in d["resources"] if r["name"] == "counter")') || return 1
	[ "$got" = "$2" ] || { echo "guest $1: counter is '$got', expected '$2'"; return 1; }
}
