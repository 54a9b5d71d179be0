#!/bin/bash
# t-random.sh - randomized faults, in the spirit of Pacemaker's CTS: random
# actions on a 3-node cluster (real corosync, handoffd, the DRBD stand-in,
# two resources of the sample agent), and after each one the cluster must
# settle and hold:
#
#   S1  the stand-in's violations log is empty (never two Primaries, never a
#       mount on a Secondary);
#   S2  at most one counter process per resource on the whole machine, at
#       each check and at every sample of a background watcher (0.3 s);
#   S3  no dump restored twice: the journal agent (randlib.sh) gives every
#       dump a random id and logs each restore with the id it restored;
#   and "as asked", within a bound: every live node shows the same table,
#       nothing in motion; a resource that should run is RUNNING on an
#       eligible live node (the one asked for, or where it ran before, unless
#       an action moved it), with exactly one counter, there, and that node
#       alone Primary and mounted; a stopped one has no counter, no Primary,
#       no mount.
#
# The actions (one fault at a time; each fault action also undoes itself,
# so the next action starts from three connected nodes):
#   start, stop, migrate (handoffctl ... --wait, from a random node),
#   standby / unstandby (at most one node in standby),
#   kill -9 of a node (corosync, handoffd, its counters; the stand-in's
#     standin-crash), then its restart,
#   kill -9 of one handoffd, then its restart: its workloads are adopted
#     (same pid),
#   kill -9 of a workload, see below,
#   isolate a node (hcluster isolate), then heal it,
#   kill -9 of every handoffd at once, then their restart: all adopted,
#   a migration cut by a crash, an isolation or a handoffd kill of its
#     source or target, after 0-0.4 s, or during a dump or restore made slow
#     (2 s, holding the filesystem as criu does): it ends running on a live
#     eligible node (L1), from a dump at most once.
# And, before one action in four, drawn apart from the main sequence (its
# own generator, so that a seed's actions stay what they were): a foreign
# CPG member (issue 16, test/cluster/cpg_inject --silent) joins the group
# on a live node for 6 s, either beside its handoffd while the next action
# runs, or while that node's handoffd is killed (it holds the sync barrier
# until a FOREIGN names it), after which the handoffd restarts and its
# workloads must have been adopted.
#
# What "as asked" means after a lost node (kill or isolate): its resources
# run on a live eligible node within fence_delay + 20 s.  Where
# `handoffctl fence-confirm` exists (issue 15: without a watchdog, no node
# counts as fenced on a timer), a failover that has not happened within
# fence_delay + 6 s is what an operator would unblock: the test checks that
# the lost node holds nothing, runs `handoffctl fence-confirm nodeN` on a
# live node, and then expects the failover within fence_delay + 20 s.
# Everything else stays strict.
#
# A killed workload: handoffd has no monitor yet (issue 17), so a killed
# counter is noticed only at the next sync (the resource becomes FAILED:
# doc/architecture.md, "The sync barrier"); until then the table still says
# RUNNING.  The test accepts RUNNING (stale) or FAILED with no counter, or
# a counter running again (a future monitor restarted it), and then does
# what an operator does: `handoffctl cleanup` if FAILED, else
# `handoffctl stop`, then `start` on the same node; "as asked" is then
# RUNNING there again.
#
# Every action is printed as a TAP comment, so a failure reads as a story.
# Seeds: T_RANDOM_SEED=N (one seed), T_RANDOM_SEEDS="1 2 3" (each on a fresh
# cluster; default: the CI set below), T_RANDOM_ACTIONS=N actions per seed,
# T_RANDOM_MINUTES=M: a soak, fresh random seeds until M minutes have passed.
# The seed (bash's RANDOM=seed) fixes the sequence of choices: every action
# draws the same number of random numbers whatever the cluster did.  Where
# an outcome depends on timing (a migration cut by a crash ends on its
# source or its target), a rerun of the seed may take another path.
. "$(dirname "$0")/lib.sh"
require_root
. "$HANDOFF_SRCDIR/test/cluster/randlib.sh"

# CI: fixed seeds that pass on the current code, a few minutes in all;
# between them they take every kind of action.  11 and 25 are migrations
# whose target's handoffd (not its node) is killed while the source
# releases (11) or the target restores (25): before issue 15's failover
# rules the merge failed the resource over, the failover then refused (the
# node was still in corosync's membership) and the resource ended FAILED
# though neither node died (L1); now the lost owner is waited for until it
# is back, holding nothing, and the migration ends.
CI_SEEDS="4 5 8 11 25"
CI_ACTIONS=10
# Known failures, to rerun once the daemon is fixed (T_RANDOM_SEED=N):
#   27 (#9): migrate web node2 -> node3 with a slow dump, then node2's
#      handoffd (the source's) is killed during RELEASING.  Its agent's dump
#      has stopped the counter and then dies of SIGPIPE (the pipe to the
#      killed handoffd), so nothing was dumped; node2's handoffd restarts,
#      runs the release again (rule 11), the dump finds no counter (exit 7)
#      and it reports ABORT: web is RUNNING on node2, Primary and mounted,
#      and no counter runs (L1: the workload is lost without a node dying).
#      Needs an agent that outlives its handoffd, and a release that is run
#      again to see what the first one did (or the health monitor, issue 17).
# Seeds 13, 19 and 23 (the same kind as 11) failed before issue 15 and
# pass now (T_RANDOM_SEEDS="13 19 23", 3 min).
seeds=${T_RANDOM_SEED:-${T_RANDOM_SEEDS:-$CI_SEEDS}}
n_actions=${T_RANDOM_ACTIONS:-$CI_ACTIONS}
minutes=${T_RANDOM_MINUTES:-0}
BOUND=30                                  # an ordinary action settles within
LOSS_BOUND=$((RAND_FENCE_DELAY + 20))     # a failover settles within
CONFIRM_AFTER=$((RAND_FENCE_DELAY + 6))   # fence-confirm when nothing moved by then

trap 'rand_teardown_if_up; rm -f "$_out"' EXIT
rand_teardown_if_up() { [ -n "${work:-}" ] && rand_teardown; work=; }

have_fence_confirm=0
"$HANDOFFCTL" --help 2>&1 | grep -q 'fence-confirm' && have_fence_confirm=1

# ---- the model: what was asked ------------------------------------------------------
declare -A WANT WHERE PIDOF
STANDBY=             # the node in standby, or empty
LIVE="1 2 3"         # nodes up and connected
seed=0 k=0 seed_failed=0 failed_seeds=

say() { echo "# [seed $seed #$k] $*"; }
rnd() { R=$((RANDOM % $1)); }          # no subshell: the parent's RANDOM advances
pick() { local a=($2); echo "${a[$(($1 % ${#a[@]}))]}"; }   # pick DRAW "LIST"
without() { local x out=; for x in $1; do [ "$x" = "$2" ] || out="$out $x"; done; echo $out; }
eligible() { without "$LIVE" "$STANDBY"; }
first_eligible() {   # RES: the node handoff picks for a start without a node
	local n e
	e=" $(eligible) "
	for n in ${PREF[$1]}; do [[ $e == *" ${n#node} "* ]] && { echo "${n#node}"; return; }; done
}
res_in() { local r out=; for r in $RES; do [ "${WANT[$r]}" = "$1" ] && out="$out $r"; done; echo $out; }
owned_by() { local r out=; for r in $RES; do [ "${WANT[$r]}" = running ] && [ "${WHERE[$r]}" = "$1" ] && out="$out $r"; done; echo $out; }
requester() { pick "$1" "$LIVE"; }

# ---- observation ------------------------------------------------------------------
# as_asked: prints what it sees; 0 when every live node agrees and each
# resource is as asked (see the header)
as_asked() {
	local i r lines ref= phase owner rest c p m bad=0 el
	for i in $LIVE; do
		lines=$(ctl "$i" status -d '|' 2>&1 | grep -E "^($(echo $RES | tr ' ' '|'))\|")
		echo "node$i: $(echo $lines)"
		[ -n "$lines" ] || return 1
		[ -z "$ref" ] && ref=$lines
		[ "$lines" = "$ref" ] || { echo "live nodes disagree"; return 1; }
	done
	el=" $(eligible) "
	for r in $RES; do
		IFS='|' read -r _ phase owner rest <<<"$(grep "^$r|" <<<"$ref")"
		c=$(counters_of "$r" | tr '\n' ' '); c=${c% }
		p=$(primaries_of "$r" | tr '\n' ' '); p=${p% }
		m=
		for i in 1 2 3; do mounted_on "$i" "$r" && m="$m $i"; done
		m=${m# }
		echo "$r: want ${WANT[$r]}${WHERE[$r]:+ on node${WHERE[$r]}}; $phase owner $owner; counters [$c] Primary [$p] mounted [$m]"
		case ${WANT[$r]} in
		stopped)
			[ "$phase" = STOPPED ] && [ -z "$c" ] && [ -z "$p" ] && [ -z "$m" ] || bad=1 ;;
		running)
			[ "$phase" = RUNNING ] && [[ $el == *" $owner "* ]] || { bad=1; continue; }
			[ -z "${WHERE[$r]}" ] || [ "${WHERE[$r]}" = "$owner" ] || bad=1
			[[ $c =~ ^$owner:[0-9]+$ ]] && [ "$p" = "$owner" ] && [ "$m" = "$owner" ] || bad=1 ;;
		esac
	done
	return $bad
}

# settled: record where everything runs, for the next action's expectations
note_placement() {
	local r c
	for r in $RES; do
		[ "${WANT[$r]}" = running ] || { WHERE[$r]=; PIDOF[$r]=; continue; }
		c=$(counters_of "$r")
		WHERE[$r]=${c%%:*}
		PIDOF[$r]=${c#*:}
	done
}
same_pids() {   # the workloads were adopted, not restarted
	local r c bad=0
	for r in $RES; do
		[ "${WANT[$r]}" = running ] || continue
		c=$(counters_of "$r")
		echo "$r: counter pid ${PIDOF[$r]} before, ${c#*:} now"
		[ "${c#*:}" = "${PIDOF[$r]}" ] || bad=1
	done
	return $bad
}
members_settled() {   # every live node's handoffd lists the live nodes
	local i n
	n=$(wc -w <<<"$LIVE")
	for i in $LIVE; do hc wait "$i" "members=$n" 30 || return 1; done
}

# ---- checks (a failed one ends the seed: what follows would not mean much) --------
step_check() {   # DESCRIPTION COMMAND...
	local before=$_failed desc=$1
	shift
	check "seed $seed #$k: $desc" "$@"
	[ "$_failed" -eq "$before" ] || seed_failed=1
}
safety() {
	step_check "S1: no second Primary" s1_ok
	step_check "S2: at most one instance of each workload" s2_ok
	step_check "S3: no dump restored twice" s3_ok
}
settle() {   # WHAT [BOUND]: every resource as asked within the bound
	local t0=$SECONDS
	members_settled >"$_out" 2>&1 || diag <"$_out"
	step_check "$1: as asked within ${2:-$BOUND} s" retry "${2:-$BOUND}" as_asked
	[ $seed_failed = 1 ] && return
	note_placement
	say "settled in $((SECONDS - t0)) s:$(for r in $RES; do echo -n " $r ${WANT[$r]}${WHERE[$r]:+ on node${WHERE[$r]}}"; done)"
}
# after_loss NODE WHAT: the lost node's resources fail over.  Where the
# daemon waits for an operator (fence-confirm) and nothing moved by
# fence_delay + 6 s, the test confirms the node down, as an operator would
# once sure it holds nothing, and the failover must follow.
after_loss() {
	local q
	members_settled >"$_out" 2>&1 || diag <"$_out"
	if [ $have_fence_confirm = 1 ] && ! retry "$CONFIRM_AFTER" as_asked >"$_out" 2>&1; then
		diag <"$_out"
		q=$(requester 0)
		say "not as asked after $CONFIRM_AFTER s: the operator checks that node$1 holds nothing and runs fence-confirm node$1 on node$q"
		step_check "node$1 holds nothing (no Primary, no counter, no mount)" holds_nothing "$1"
		confirm "$q" "$1"
	fi
	settle "$2" "$LOSS_BOUND"
}
confirm() {   # FROM NODE: handoffctl fence-confirm, until FROM accepts it (30 s)
	local end=$((SECONDS + 30)) out
	until out=$(ctl "$1" fence-confirm "node$2" 2>&1); do
		[ $SECONDS -lt $end ] || break
		sleep 1
	done
	echo "$out" | sed 's/^/#     /'
}
holds_nothing() {
	local r
	for r in $RES; do
		primaries_of "$r" | grep -qx "$1" && { echo "node$1 is Primary for $r"; return 1; }
		counters_of "$r" | grep -q "^$1:" && { echo "node$1 runs $r"; return 1; }
		mounted_on "$1" "$r" && { echo "node$1 has $r mounted"; return 1; }
	done
	return 0
}

run_ctl() {   # NODE ARGS...: handoffctl, its output as the story
	say "node$1: handoffctl ${*:2}"
	ctl "$@" 2>&1 | sed 's/^/#     /'
}

# ---- the actions ------------------------------------------------------------------
# each takes the draws B C D (0..99), so every action consumes the same
act_start() {
	local r n
	r=$(pick "$1" "$(res_in stopped)")
	if [ $(($2 % 3)) = 0 ]; then
		n=$(first_eligible "$r")
		run_ctl "$(requester "$3")" start "$r" --wait=30
	else
		n=$(pick "$2" "$(eligible)")
		run_ctl "$(requester "$3")" start "$r" "node$n" --wait=30
	fi
	WANT[$r]=running; WHERE[$r]=$n
	settle "start $r"
}
act_stop() {
	local r
	r=$(pick "$1" "$(res_in running)")
	run_ctl "$(requester "$3")" stop "$r" --wait=30
	WANT[$r]=stopped
	settle "stop $r"
}
act_migrate() {
	local r n
	r=$(pick "$1" "$(res_in running)")
	n=$(pick "$2" "$(without "$(eligible)" "${WHERE[$r]}")")
	run_ctl "$(requester "$3")" migrate "$r" "node$n" --wait=60
	WHERE[$r]=$n
	settle "migrate $r to node$n"
}
act_standby() {
	local n r
	if [ -n "$STANDBY" ]; then
		n=$STANDBY
		run_ctl "$(requester "$3")" unstandby "node$n"
		STANDBY=
		settle "unstandby node$n"
		return
	fi
	n=$(pick "$2" "$LIVE")
	run_ctl "$(requester "$3")" standby "node$n" --wait=60
	STANDBY=$n
	for r in $(owned_by "$n"); do WHERE[$r]=; done
	settle "standby node$n"
}
lose() {   # NODE: what was asked of a node that is gone
	local r
	LIVE=$(without "$LIVE" "$1")
	for r in $(owned_by "$1"); do WHERE[$r]=; done
}
restart_node() {   # NODE
	say "node$1 comes back: corosync, then handoffd"
	hc start "$1" >"$_out" 2>&1 || diag <"$_out"
	hc wait all nodes=3 30 >"$_out" 2>&1 || diag <"$_out"
	hc daemon "$1" start >"$_out" 2>&1 || diag <"$_out"
	LIVE="1 2 3"
	settle "node$1 back"
}
heal_node() {   # NODE
	say "heal node$1"
	hc heal "$1" >"$_out" 2>&1 || diag <"$_out"
	hc wait all nodes=3 30 >"$_out" 2>&1 || diag <"$_out"
	LIVE="1 2 3"
	settle "node$1 healed"
}
cut_off() {   # crash|isolate|daemon NODE
	case $1 in
	crash) rand_crash "$2" ;;
	isolate) hc isolate "$2" >"$_out" 2>&1 || diag <"$_out" ;;
	daemon) hc daemon "$2" kill >"$_out" 2>&1 || diag <"$_out" ;;
	esac
}
# node_lost crash|isolate NODE WHAT: after NODE was cut off: the failover,
# the safety checks, and NODE back
node_lost() {
	lose "$2"
	after_loss "$2" "$3"
	safety
	[ $seed_failed = 1 ] && return
	case $1 in
	crash) restart_node "$2" ;;
	isolate) heal_node "$2" ;;
	esac
}
act_kill_node() {
	local n
	n=$(pick "$2" "$LIVE")
	say "kill -9 node$n (corosync, handoffd, its workloads; its DRBD state lost); it owned: $(owned_by "$n")"
	cut_off crash "$n"
	node_lost crash "$n" "node$n killed"
}
act_isolate() {
	local n
	n=$(pick "$2" "$LIVE")
	say "isolate node$n; it owned: $(owned_by "$n")"
	cut_off isolate "$n"
	node_lost isolate "$n" "node$n isolated"
}
act_kill_daemon() {
	local n
	n=$(pick "$2" "$LIVE")
	say "kill -9 handoffd on node$n (its corosync and workloads live on); it owned: $(owned_by "$n")"
	cut_off daemon "$n"
	sleep $((1 + $3 % 4))
	safety
	[ $seed_failed = 1 ] && return
	say "handoffd on node$n restarts"
	hc daemon "$n" start >"$_out" 2>&1 || diag <"$_out"
	settle "handoffd on node$n back"
	step_check "its workloads were adopted, not restarted" same_pids
}
act_restart_all() {
	say "kill -9 every handoffd at once, then start them again"
	hc daemon all kill >"$_out" 2>&1 || diag <"$_out"
	hc daemon all start >"$_out" 2>&1 || diag <"$_out"
	settle "every handoffd restarted"
	step_check "the workloads were adopted, not restarted" same_pids
}
workload_seen() {   # RES NODE: the table and the processes after the kill
	local line c
	line=$(ctl "$2" status -d '|' | grep "^$1|")
	c=$(counters_of "$1")
	echo "$line counters [$c]"
	case $line in
	"$1|RUNNING|"*|"$1|FAILED|"*) [ -z "$c" ] || [[ $line == "$1|RUNNING|"* ]] ;;
	*) return 1 ;;
	esac
}
act_kill_workload() {
	local r n q line
	r=$(pick "$1" "$(res_in running)")
	n=${WHERE[$r]}
	q=$(requester "$3")
	say "kill -9 the workload of $r on node$n (pid ${PIDOF[$r]}); no monitor yet (issue 17)"
	kill -9 -- "-${PIDOF[$r]}" 2>/dev/null
	sleep 1
	step_check "$r: RUNNING (stale) or FAILED with no counter, or running again" workload_seen "$r" "$q"
	safety
	[ $seed_failed = 1 ] && return
	line=$(ctl "$q" status -d '|' | grep "^$r|")
	say "the table says: $line; counters: $(counters_of "$r" | tr '\n' ' ')"
	if [ -z "$(counters_of "$r")" ]; then
		case $line in
		"$r|FAILED|"*) run_ctl "$q" cleanup "$r" --wait=30 ;;
		*) run_ctl "$q" stop "$r" --wait=30 ;;
		esac
		run_ctl "$q" start "$r" "node$n" --wait=30
	fi
	settle "$r killed and started again on node$n"
}
# a migration cut by a fault: the source or the target (D % 2) is killed,
# isolated or loses its handoffd (D / 10 % 3) after a delay (D / 2 % 5);
# one step of it may be slow and hold the filesystem (C / 10 % 3: none, the
# dump, the restore), as criu does while it writes or reads its images
act_migrate_fault() {
	local r s t v kind slow delay line
	r=$(pick "$1" "$(res_in running)")
	s=${WHERE[$r]}
	t=$(pick "$2" "$(without "$(eligible)" "$s")")
	v=$s; [ $(($3 % 2)) = 0 ] && v=$t
	kind=$(pick $(($3 / 10)) "crash isolate daemon")
	slow=$(pick $(($2 / 10)) "none dump restore")
	delay=0.$((($3 / 2) % 5))
	# a slow step holds from ~0.1 s to ~2.1 s after the request
	[ "$slow" = none ] || { delay=$(((3 + ($3 / 2) % 5 * 4) / 10)).$(((3 + ($3 / 2) % 5 * 4) % 10)); : >"$work/slow.$slow"; }
	say "migrate $r from node$s to node$t ($([ "$slow" = none ] && echo "no slow step" || echo "a slow $slow holding the filesystem 2 s")), and after $delay s $kind node$v"
	say "node$s: handoffctl migrate $r node$t"
	ctl "$s" migrate "$r" "node$t" 2>&1 | sed 's/^/#     /'
	sleep "$delay"
	line=$(ctl "$v" status -d '|' 2>/dev/null | grep "^$r|")
	cut_off "$kind" "$v"
	rm -f "$work/slow.$slow"
	say "$kind node$v; $r was ${line:-?} as node$v saw it"
	if [ "$kind" = daemon ]; then
		WHERE[$r]=
		sleep 2
		safety
		[ $seed_failed = 1 ] && return
		say "handoffd on node$v restarts"
		hc daemon "$v" start >"$_out" 2>&1 || diag <"$_out"
		settle "migration of $r cut by the loss of node$v's handoffd"
		return
	fi
	WHERE[$r]=
	node_lost "$kind" "$v" "migration of $r cut by: $kind node$v"
}

# ---- a foreign CPG member (issue 16) -------------------------------------------------------
# A side generator (an LCG of its own, seeded from the seed) decides, so
# that RANDOM, and with it every seed's actions, stays as it was.
INJECT=$HANDOFF_BUILDDIR/test/cluster/cpg_inject
FRAND=0
frnd() { FRAND=$(( (FRAND * 1103515245 + 12345) % 2147483648 )); R=$(( (FRAND / 65536) % $1 )); }
FOREIGN_PID=
maybe_foreign() {
	local n mode
	frnd 4; [ $R = 0 ] && [ -x "$INJECT" ] || return 0
	frnd 3; n=$(pick $R "$LIVE")
	frnd 2; mode=$R
	if [ $mode = 0 ]; then
		say "a silent foreign CPG member joins on node$n, beside its handoffd, for 6 s"
		hc exec "$n" "$INJECT" handoff --silent 6 >/dev/null 2>&1 &
		FOREIGN_PID=$!
		return 0
	fi
	say "kill -9 handoffd on node$n, and a silent foreign CPG member joins there for 6 s; node$n owned: $(owned_by "$n")"
	cut_off daemon "$n"
	hc exec "$n" "$INJECT" handoff --silent 6 >/dev/null 2>&1 &
	FOREIGN_PID=$!
	sleep 1
	# the barrier waits for it at most FOREIGN_AFTER_MS (4 s)
	step_check "the others' sync ends despite it (members answer within 10 s)" \
		retry 10 members_foreign "$n"
	safety
	wait "$FOREIGN_PID" 2>/dev/null; FOREIGN_PID=
	[ $seed_failed = 1 ] && return
	say "handoffd on node$n restarts"
	hc daemon "$n" start >"$_out" 2>&1 || diag <"$_out"
	settle "handoffd on node$n back after the foreign member"
	step_check "its workloads were adopted, not restarted" same_pids
}
members_foreign() {   # NODE: a live node's handoffd shows the member on NODE as foreign
	local q out
	q=$(pick 0 "$(without "$LIVE" "$1")")
	out=$(ctl "$q" members -d ,) || return 1
	echo "$out" | tr '\n' ' '
	echo "$out" | grep -q "^$1,[0-9]*,[^,]*,foreign,[01]\$" && ! echo "$out" | grep -q ',unknown,[01]$'
}
foreign_gone() {
	[ -n "$FOREIGN_PID" ] || return 0
	wait "$FOREIGN_PID" 2>/dev/null; FOREIGN_PID=
	settle "the foreign member left"
}

ACTIONS=(start start start stop stop migrate migrate migrate migrate standby
	kill_node kill_node kill_daemon kill_workload isolate isolate restart_all
	migrate_fault migrate_fault migrate_fault)
one_action() {
	local a b c d kind
	rnd ${#ACTIONS[@]}; a=$R
	rnd 100; b=$R
	rnd 100; c=$R
	rnd 100; d=$R
	kind=${ACTIONS[$a]}
	case $kind in
	start) [ -n "$(res_in stopped)" ] || kind=migrate ;;
	esac
	case $kind in
	stop|migrate|kill_workload|migrate_fault) [ -n "$(res_in running)" ] || kind=start ;;
	esac
	"act_$kind" "$b" "$c" "$d"
}

run_seed() {
	local r t0
	seed=$1 k=0 seed_failed=0
	t0=$SECONDS
	STANDBY= LIVE="1 2 3"
	echo "# ==== seed $seed: $n_actions actions (T_RANDOM_SEED=$seed T_RANDOM_ACTIONS=$n_actions reproduces it)"
	rand_setup
	if ! rand_cluster_up; then
		not_ok "seed $seed: the cluster came up"
		rand_teardown; work=
		return
	fi
	s2_watch_start
	for r in $RES; do WANT[$r]=stopped; WHERE[$r]=; PIDOF[$r]=; done
	say "start web and db, each on its first node"
	for r in $RES; do
		ctl 1 start "$r" --wait=30 2>&1 | sed 's/^/#     /'
		WANT[$r]=running
		WHERE[$r]=$(first_eligible "$r")
	done
	settle "both started"
	RANDOM=$seed
	FRAND=$((seed * 7919 + 1)) FOREIGN_PID=
	while [ $seed_failed = 0 ] && [ $k -lt "$n_actions" ]; do
		k=$((k + 1))
		maybe_foreign
		[ $seed_failed = 1 ] && break
		one_action
		[ $seed_failed = 1 ] && break
		foreign_gone
	done
	if [ $seed_failed = 1 ]; then
		failed_seeds="$failed_seeds $seed"
		echo "# ==== seed $seed FAILED at action #$k: rerun with T_RANDOM_SEED=$seed T_RANDOM_ACTIONS=$k"
		show_logs
		rand_keep_logs "/tmp/handoff-test-logs/$HCLUSTER_PREFIX-seed$seed"
		diag <"$journal"
	else
		safety
		echo "# ==== seed $seed: $k actions in $((SECONDS - t0)) s"
	fi
	rand_teardown; work=; _nodes=0
}

echo "# t-random: fence-confirm in handoffctl: $([ $have_fence_confirm = 1 ] && echo yes || echo no)"
if [ "$minutes" -gt 0 ]; then
	[ -n "${T_RANDOM_ACTIONS:-}" ] || n_actions=25
	end=$((SECONDS + minutes * 60))
	while [ $SECONDS -lt $end ]; do run_seed $((SRANDOM % 1000000)); done
else
	for s in $seeds; do run_seed "$s"; done
fi
[ -z "$failed_seeds" ] || echo "# failing seeds:$failed_seeds"
finish
