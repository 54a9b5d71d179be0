#!/bin/bash
# t-reload.sh - handoffctl reload and SIGHUP (issue 17): a rolling reload
# that adds a resource (then started), one that changes a running
# resource's policy (seen in status and in how fast a dead workload comes
# back), the removal of a running resource refused and of a stopped one
# done, an invalid file and a [cluster] key that needs a restart refused
# with nothing applied, on every node of a 3-node cluster.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/reslib.sh"
fault_web_setup

# db: a second resource, on shared storage, that the reloads add and remove
truncate -s 16M "$work/db.img"
mkfs.ext4 -q -F "$work/db.img" || bail "mkfs.ext4 failed"
dbloop=$(losetup -f --show "$work/db.img") || bail "no loop device"
dbmnt=/mnt/handoff-$HCLUSTER_PREFIX-db
reload_cleanup() {
	local i
	for i in 1 2 3; do
		hc exec "$i" sh -c "HANDOFF_MOUNT='$dbmnt' '$SAMPLE' stop; umount '$dbmnt'" >/dev/null 2>&1
	done
	fault_web_cleanup
	losetup -d "$dbloop" 2>/dev/null
}
trap reload_cleanup EXIT

fault_cluster_up 3 "node1 node2 node3"
conf() { echo "$(hc path "$1")/etc/handoff/handoff.conf"; }
for i in 1 2 3; do cp "$(conf "$i")" "$work/base$i.conf"; done
add_db() {   # NODE: db in NODE's handoff.conf
	cat >>"$(conf "$1")" <<-EOF
	[resource db]
	storage = shared
	device = $dbloop
	mount_point = $dbmnt
	workload = exec
	agent = $SAMPLE
	nodes = node1 node2 node3
	EOF
}
digest() { ctl "$1" status --json | json 'd["config_digest"]'; }
node_config() {   # NODE OF: what NODE's status says of OF's config
	ctl "$1" status --json | json "[n['config'] for n in d['nodes'] if n['nodeid'] == $2][0]"
}
res_field() {     # NODE RES KEY: a field of RES in NODE's status --json
	ctl "$1" status --json | json "[r['$3'] for r in d['resources'] if r['name'] == '$2'][0]"
}
has_db() { ctl "$1" status -d '|' | grep -q '^db|'; }
db_phase_is() {   # NODE PHASE OWNER
	local got
	got=$(ctl "$1" status -d '|' | grep '^db|' | cut -d'|' -f2,3)
	[ "$got" = "$2|$3" ] || { echo "node $1 sees db as '$got', expected '$2|$3'"; return 1; }
}
hup() {           # NODE: SIGHUP to NODE's handoffd
	local pid _
	read -r pid _ <"$HCLUSTER_DIR/node$1/hcluster/handoffd.pid" || return 1
	kill -HUP "$pid"
}
logged() {        # NODE PATTERN: in NODE's handoffd log
	grep -q -- "$2" "$(hc path "$1")/var/log/handoff/handoffd.log" ||
		{ echo "not in node $1's log: $2"; return 1; }
}
alive() {         # every handoffd still answers
	local i
	for i in 1 2 3; do ctl "$i" status >/dev/null || { echo "node $i: no answer"; return 1; }; done
}
same_digest() {   # every node announces the same digest, and sees everyone's config ok
	local i j a b c
	a=$(digest 1) && b=$(digest 2) && c=$(digest 3) || return 1
	echo "digests: $a $b $c"
	[ "$a" = "$b" ] && [ "$b" = "$c" ] || return 1
	for i in 1 2 3; do for j in 1 2 3; do
		[ "$(node_config "$i" "$j")" = ok ] || { echo "node $i: node $j's config $(node_config "$i" "$j")"; return 1; }
	done; done
}

check "start web on node1" ctl 1 start web node1 --wait=30
check "RUNNING on node1 everywhere" retry 20 all_agree
d0=$(digest 1)

# ---- a rolling reload that adds db ---------------------------------------------------
for i in 1 2 3; do add_db "$i"; done
unprivileged_denied() {
	local out rc
	out=$(hc exec 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$HANDOFFCTL" reload 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "permission denied: 'reload' needs root"
}
check "reload by an unprivileged user is denied" unprivileged_denied
check "... nothing applied" eval '! has_db 1 && [ "$(digest 1)" = "$d0" ]'
check "node1: reload adds db" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' reload | tee /dev/stderr |
	grep -q '^  added    db\$'"
node_digest() {   # NODE OF: the digest NODE's status shows for OF
	ctl "$1" status --json | json "[n['config_digest'] for n in d['nodes'] if n['nodeid'] == $2][0]"
}
check "... node2 sees node1 announce a new digest" retry 10 eval '[ "$(node_digest 2 1)" = "$(digest 1)" ] && [ "$(digest 1)" != "$d0" ]'
check "... and node1's config differ" retry 10 eval '[ "$(node_config 2 1)" = differs ]'
check "... web still RUNNING on node1 everywhere" retry 10 all_agree
check "... db is known on node1 only" sh -c "! '$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep -q '^db|'"
check "... and node1 may not start it (its config differs)" expect_rejected 1 "configuration differs" start db
check "node2: reload (--json) adds db" sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' reload --json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"ok\"] and {\"kind\": \"added\", \"resource\": \"db\", \"keys\": \"\"} in d[\"changes\"], d'"
check "... node3, not reloaded, is the one that differs now" retry 10 eval '[ "$(node_config 1 3)" = differs ] && [ "$(node_config 1 1)" = ok ]'
check "node3: SIGHUP reloads too" hup 3
check "... and logs what it added" retry 10 logged 3 "reload: added db"
check "... every node holds one config again" retry 15 same_digest
check "start db" ctl 2 start db --wait=30
check "... RUNNING on node1 (first by preference) everywhere" retry 20 eval 'db_phase_is 1 RUNNING 1 && db_phase_is 2 RUNNING 1 && db_phase_is 3 RUNNING 1'
# pgrep from this shell: one run by sh -c would find the sh, whose command
# line holds the pattern
db_counters() { pgrep -fc "handoff-sample-agent run-counter $dbmnt"; }
check "... its counter runs, once" retry 10 eval '[ "$(db_counters)" = 1 ]'


# ---- a running resource's policy changes ------------------------------------------------
check "web counts failures up to 3 restarts (the default)" eval '[ "$(res_field 3 web max_restarts)" = 3 ]'
for i in 1 2 3; do
	sed -i 's/^timeout_start = 20$/timeout_start = 25\nmonitor_interval = 1\nmax_restarts = 5/' "$(conf "$i")"
done
check "node1: reload changes web's keys" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' reload -d '|' | tee /dev/stderr |
	grep -qx 'changed|web|timeout_start, monitor_interval, max_restarts'"
check "node2: reload" ctl 2 reload
check "node3: reload" ctl 3 reload
check "... every node holds one config again" retry 15 same_digest
check "... status shows max_restarts 5 on every node" eval '[ "$(res_field 1 web max_restarts)" = 5 ] && [ "$(res_field 2 web max_restarts)" = 5 ] && [ "$(res_field 3 web max_restarts)" = 5 ]'
check "... web still RUNNING on node1" all_agree
e=$(status_line 1 | cut -d'|' -f4)
kill_web() { local pid; pid=$(workload_pid 1 | cut -d" " -f1) && [ -n "$pid" ] && kill -9 "$pid"; }
check "kill -9 web's workload" kill_web
# monitor_interval was 10 s: seen within 1 s (+10%) now, restarted at once
check "... restarted on node1 within 6 s (monitor_interval = 1)" retry 6 sh -c \
	"'$HCLUSTER' exec 2 '$HANDOFFCTL' status -d '|' | grep '^web|RUNNING|1|' | cut -d'|' -f4 | grep -qv '^$e\$'"
check "... failure 1 of at most 5" retry 5 sh -c "'$HCLUSTER' exec 2 '$HANDOFFCTL' status |
	grep -q 'failures: 1 of at most 5 restarts'"

# ---- refusals: nothing applied, daemon alive -------------------------------------------
before=$(digest 1)
cp "$(conf 1)" "$work/good1.conf"
# db removed while it runs, and web's max_restarts changed in the same file
cp "$work/base1.conf" "$(conf 1)"
sed -i 's/^timeout_start = 20$/timeout_start = 25\nmonitor_interval = 1\nmax_restarts = 7/' "$(conf 1)"
check "removing db while it runs is refused, saying stop it first" \
	expect_rejected 1 "cannot remove db while it is RUNNING: stop it first" reload
check "... nothing applied: the same digest" eval '[ "$(digest 1)" = "$before" ]'
check "... nor web's max_restarts" eval '[ "$(res_field 1 web max_restarts)" = 5 ]'
check "... db still in the table" has_db 1
cp "$work/good1.conf" "$(conf 1)"
echo "bogus_key = 1" >>"$(conf 1)"
check "an invalid file is refused, naming the key" expect_rejected 1 "invalid, nothing applied: .*bogus_key" reload
check "... nothing applied" eval '[ "$(digest 1)" = "$before" ]'
check "... SIGHUP with it: refused in the log" sh -c "kill -HUP \$(cut -d' ' -f1 '$HCLUSTER_DIR/node1/hcluster/handoffd.pid')"
check "... logged" retry 10 logged 1 "reload: .*invalid, nothing applied"
cp "$work/good1.conf" "$(conf 1)"
sed -i 's/^\[cluster\]$/[cluster]\ncpg_group = elsewhere/' "$(conf 1)"
check "a new cpg_group is refused: it needs a restart" expect_rejected 1 "cpg_group: set at start; restart handoffd" reload
cp "$work/good1.conf" "$(conf 1)"
check "... the same file again changes nothing" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' reload | grep -q 'nothing changed'"
check "every handoffd is alive, with one config" eval 'alive && same_digest'
check "db and web run as before" eval 'db_phase_is 3 RUNNING 1 && all_agree'

# ---- a stopped resource is removed --------------------------------------------------------
check "stop db" ctl 3 stop db --wait=30
check "... STOPPED everywhere" retry 20 eval 'db_phase_is 1 STOPPED 0 && db_phase_is 2 STOPPED 0 && db_phase_is 3 STOPPED 0'
for i in 1 2 3; do
	cp "$work/base$i.conf" "$(conf "$i")"
	sed -i 's/^timeout_start = 20$/timeout_start = 25\nmonitor_interval = 1\nmax_restarts = 5/' "$(conf "$i")"
done
check "node1: reload removes db" sh -c "'$HCLUSTER' exec 1 '$HANDOFFCTL' reload | grep -q '^  removed  db\$'"
check "node2: reload" ctl 2 reload
check "node3: SIGHUP" hup 3
check "... and logs it" retry 10 logged 3 "reload: removed db"
check "... every node holds one config again" retry 15 same_digest
check "... db is in no node's table" eval '! has_db 1 && ! has_db 2 && ! has_db 3'
check "... web runs on as before" all_agree
check "... nothing of db runs" eval '[ "$(db_counters)" = 0 ]'
# ---- without corosync: applied at once, the table follows at the reconnect ----------------
not_connected() {
	local out rc
	out=$(ctl 3 members 2>&1); rc=$?
	echo "exit $rc: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -q "not connected to corosync"
}
pid3=$(cut -d' ' -f1 "$HCLUSTER_DIR/node3/hcluster/handoffd.pid")
hc exec 3 corosync-cfgtool -H >/dev/null 2>&1
check "node3's corosync stops: its handoffd is not connected" retry 15 not_connected
add_db 3
check "node3: a reload without corosync applies at once" sh -c "'$HCLUSTER' exec 3 '$HANDOFFCTL' reload |
	tee /dev/stderr | grep -q '^  added    db\$'"
hc wait 3 corosync-down 15 >/dev/null
hc start 3 >"$_out" 2>&1 || diag <"$_out"
check "corosync back: node3 reconnects, quorate" retry 30 quorate_is 3 true
check "... the same handoffd" test "$(cut -d' ' -f1 "$HCLUSTER_DIR/node3/hcluster/handoffd.pid")" = "$pid3"
check "... node3's config differs from the cluster's (db only there)" retry 20 eval '[ "$(node_config 1 3)" = differs ]'
check "... db in node3's table, STOPPED" retry 10 db_phase_is 3 STOPPED 0
for i in 1 2; do add_db "$i"; done
check "node1: reload adds db" ctl 1 reload
check "node2: reload adds db" ctl 2 reload
check "... every node holds one config again" retry 15 same_digest
check "... db STOPPED everywhere" eval 'db_phase_is 1 STOPPED 0 && db_phase_is 2 STOPPED 0 && db_phase_is 3 STOPPED 0'
check "... web runs on as before" retry 10 all_agree
check "no invariant was violated" no_violations
finish
