#!/bin/bash
# t-symlink.sh - a workload that can write its filesystem plants symbolic
# links where handoffd (root) keeps the dump: dump_dir itself pointing at a
# directory off the DRBD filesystem, and the markers' temporary names
# (complete.new, consumed.new) pointing at a file there.  Each migration
# refuses, names the link, leaves the workload running where it was, and
# the outside file stays as it was.  The old shell steps followed them: the
# release's rm -rf removed OUTSIDE/dump through the link, and printf
# >complete.new overwrote OUTSIDE/precious.  Then: a filesystem root others
# may write (they could swap dump_dir while the agent dumps) is refused too,
# and once all is clean the migration goes through.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

fault_cluster_up 3 "node1 node2 node3"

outside=$work/outside               # the host's /etc, say: off the DRBD filesystem
mkdir -p "$outside/dump"
echo keep >"$outside/precious"
echo keep >"$outside/dump/precious"
untouched() {
	ls -la "$outside" "$outside/dump"
	[ "$(cat "$outside/precious")" = keep ] && [ "$(cat "$outside/dump/precious")" = keep ] &&
		[ -z "$(ls -A "$outside/dump" | grep -v '^precious$')" ]
}
last_error() { ctl "$1" status --json | json '[r["last_error"] for r in d["resources"] if r["name"] == "web"][0]'; }
error_says() {   # NODE TEXT: web's last error on NODE says TEXT
	local e
	e=$(last_error "$1"); echo "last error: $e"
	echo "$e" | grep -qF "$2"
}
only_primary() {
	local i got=""
	for i in 1 2 3; do [ "$(role_of $i)" = Primary ] && got="$got $i"; done
	echo "Primary:$got counters: $(counters)"
	[ "$got" = " $1" ] && [ "$(counters)" -eq 1 ]
}
runs_on() { retry 20 phase_is 1 RUNNING "$1" && all_agree && only_primary "$1" && no_violations; }
migrate_fails() {   # TO: handoffctl migrate web TO --wait does not succeed
	! ctl 3 migrate web "$1" --wait=60
}

check "the cluster sees web STOPPED" retry 30 all_agree
check "start web on node1" ctl 1 start web node1 --wait=30
check "web runs on node1" runs_on 1

# ---- dump_dir is a link to a directory off the filesystem ----------------------
hc exec 1 sh -c "rm -rf '$mnt/.handoff' && ln -s '$outside' '$mnt/.handoff'" ||
	bail "cannot plant the link"
check "a migration with .handoff a link to $outside fails" migrate_fails node2
check "web runs on node1 still (rolled back: nothing was dumped)" runs_on 1
check "the error names the link" error_says 1 \
	"dump directory: exit 1: $mnt/.handoff is a symbolic link, not a directory: refusing to follow it"
check "nothing outside the filesystem was removed or written" untouched
check "the counter goes on on node1" counter_grows 1

# ---- the markers' temporary names are links to a file off the filesystem ------
# planted while the agent dumps (the dump directory was emptied just before)
hc exec 1 rm -f "$mnt/.handoff" || bail "cannot remove the link"
cat >"$faults/run.dump.1" <<-PLANT
	ln -s '$outside/precious' "\$2/complete.new"
	ln -s '$outside/precious' "\$2/consumed.new"
PLANT
check "a migration with complete.new a link to $outside/precious fails" migrate_fails node2
check "web runs on node1 again (restored from its dump)" runs_on 1
check "the error names the link" error_says 1 \
	"complete marker: exit 1: $mnt/.handoff/dump/complete.new is a symbolic link, not a marker"
check "nothing outside the filesystem was written" untouched
check "no complete marker was written" hc exec 1 test ! -e "$mnt/.handoff/dump/complete"
rm -f "$faults/run.dump.1"

# ---- a filesystem root that others may write -----------------------------------
hc exec 1 chmod 0777 "$mnt" || bail "cannot chmod"
check "a migration from a filesystem root of mode 0777 fails" migrate_fails node2
check "web runs on node1 still" runs_on 1
check "the error says why" error_says 1 \
	"$mnt (the filesystem's root) is owned by uid 0, mode 0777: only root may write there"
hc exec 1 chmod 0755 "$mnt" || bail "cannot chmod"

# ---- all clean: it migrates, and the dump directory is root's alone ---------------
check "with nothing planted, web migrates to node2" ctl 3 migrate web node2 --wait=60
check "web runs on node2" runs_on 2
check "the dump directory is root's, mode 0700" \
	sh -c "test \"\$('$HCLUSTER' exec 2 stat -c '%U %a' '$mnt/.handoff/dump')\" = 'root 700'"
check "the counter goes on on node2" counter_grows 2
check "nothing outside the filesystem changed" untouched
finish
