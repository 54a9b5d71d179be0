/*
 * handoff.pml - the handoff protocol (live migration, hand-back, failover,
 * self-fencing) as a Promela model, checked exhaustively with spin
 * (test/model/run-model; `make check-model`).  doc/protocol.md tells the
 * same story in words, rule by rule; the C state machine (plugin/rsm.c,
 * plugin/rsm_migrate.c) and the daemon's side of it (plugin/rm_migrate.c,
 * plugin/driver.c, plugin/self_fence.c) implement these rules.
 *
 * Scope: 3 nodes A, B, C (0, 1, 2 here; nodeids 1, 2, 3 in the C code), one
 * resource with the preference order A, B, C.  At the start the resource
 * RUNS on A at epoch 1, every node is up and connected, every disk UpToDate.
 *
 * What is modelled, and how:
 *  - CPG: one ordered queue per network side.  Delivering a message is one
 *    atomic step for every member of the side (agreed total order).  A
 *    confchg, the STATE round after it and the merge are one atomic step per
 *    side: every member delivers the confchg at the same point, and the
 *    barrier holds every other message until the merge.  At a network cut,
 *    messages still in flight are either delivered before the confchg, each
 *    on its sender's side only, or after it, in the sender's new side.  A
 *    crashed node's undelivered messages are either lost or delivered to the
 *    survivors before the confchg.
 *  - Quorum follows membership: a side is quorate with 2 of the 3 votes.
 *  - Faults: node crash (the workload, mount and Primary role vanish; the
 *    disk stays) and restart (a fresh handoffd: empty table, no pending
 *    step); one network cut that isolates one node, and its heal; a silent
 *    CPG process (not a handoffd, on a node without one: no vote) joins the
 *    main side's group while all three nodes are connected: its confchg
 *    opens a sync whose barrier holds until a FOREIGN, sent by a
 *    handoffd's timer and delivered to the side, marks it foreign; then the
 *    side merges (one atomic step, as every member decides at the same
 *    point of the order) and what was held follows.  Before issue 16 the
 *    barrier held the side's messages (fw) for ever, and no other
 *    membership change is modelled after that.
 *  - Steps that take time: a promote, restore or cold start begins
 *    (passes the gate) and ends (its effect) in two steps, so quorum can be
 *    lost while it runs; a running step holds the device or the filesystem
 *    (a stop cannot umount or demote under it).
 *  - Time, for fencing: the quorate side's fence_delay is not a clock but a
 *    condition on the lost node (FENCED below), one per way of fencing: a
 *    watchdog (-DWATCHDOG), none (the default), or today's timer without a
 *    watchdog (-DTIMER_FENCE_NO_WATCHDOG).  A self-fence may miss its
 *    deadline (a holder that cannot be stopped yet): with a watchdog, the
 *    node is reset then.
 *  - The operator's `handoffctl fence-confirm NODE` (FENCE_CONFIRM), taken
 *    only when the node is down or has finished self-fencing and holds
 *    nothing: the operator's promise, as with stonith_admin --confirm.
 *  - DRBD per node: role, disk UpToDate or not, connected = same side and
 *    up.  Promotion is refused while a connected peer is Primary or the
 *    local disk is not UpToDate; a Primary with quorum goes on writing
 *    (handoff-fence-peer lets it), so every disk it does not reach misses
 *    those writes; a handshake tells a reconnected disk whether it is
 *    UpToDate; a resync makes it so.
 *  - The dump markers, on the replicated filesystem: `complete` (the epoch
 *    of the dump, 0: none) and `consumed` (epoch and node, 0: none).  The
 *    source's first release step empties the dump directory (both markers
 *    gone).  One copy suffices: only a Primary writes them, and S1 makes it
 *    the only one.
 *  - The workload, per node: inst (an instance exists) and frz (it is
 *    dumped and frozen).
 *  - Each node's handoffd: its copy of the table (phase, owner, target,
 *    epoch), the step sequence it runs (PREPARE, RELEASE, ACQUIRE, TAKE_BACK,
 *    FAILOVER: emitted by the table's transition, like the C code's actions),
 *    its last report (sent again after a sync that still waits for it), its
 *    stop of everything it holds (self-fence, or release of what it does not
 *    own), and the dump epoch of its failover decision.
 *
 * Checked (test/model/run-model):
 *  - S1, S2 by a monitor, in every state; S3 asserted at every restore (the
 *    ghost `fresh`: no instance ran since the dump was completed); D1, DRBD's
 *    own guarantee that a Primary holds the newest data.
 *  - L1 (ltl L1) under weak fairness.  Without a watchdog it rests on the
 *    lost node's return (a cut heals, a crashed node restarts: weak fairness
 *    of env, whose other moves are bounded), not on the operator.
 * Each without a watchdog (the default) and with one (-DWATCHDOG).
 *
 * Variants: each must yield a counterexample (test/model/run-model):
 *   -DNO_QUORUM_GATE    decisions and steps need no quorum (S4 removed)
 *   -DNO_WAIT_PREPARED  the source releases as soon as MIGRATE is accepted
 *   -DIGNORE_CONSUMED   the dump check looks at the complete marker only
 *   -DNO_TIMING         drop TIMING_SELF_FENCE_BEFORE_FENCE_DELAY
 *   -DNO_CANCEL         quorum loss does not cancel a running step: it ends,
 *                       and counts (with -DWATCHDOG: the fixed deadline)
 *   -DTIMER_FENCE_NO_WATCHDOG  no watchdog, and fence_delay's timer alone
 *                       makes the lost node fenced
 *   -DBEFORE_ISSUE15    both, and no failed step: only a running step can
 *                       make a self-fence miss its deadline (issue 15's find)
 *   -DKEEP_CONFIRM      a FENCE_CONFIRM outlives the node's return
 *   -DBEFORE_ISSUE16    the barrier waits for every group member's STATE:
 *                       a silent member holds it for ever (no FOREIGN)
 * The real model is checked twice: without a watchdog and with -DWATCHDOG.
 */

/* ---- names shared with cpg/wire.h (test/model/check-names compares them) ---- */
/* enum wire_type */
#define MSG_STATE     1
#define MSG_START     2
#define MSG_STOP      3
#define MSG_CLEANUP   4
#define MSG_RESULT    5
#define MSG_MIGRATE   6
#define MSG_PREPARED  7
#define MSG_RELEASED  8
#define MSG_STARTED   9
#define MSG_ABORT     10
#define MSG_HANDBACK  11
#define MSG_STANDBY   12
#define MSG_FENCE_CONFIRM 13
#define MSG_HELLO     14
#define MSG_FOREIGN   15
#define MSG_FAILED    16   /* an owner's monitor report: not modelled yet (doc/protocol.md) */
#define MSG_MAINTENANCE 17 /* an operator's maintenance: not modelled (doc/protocol.md, rules 33-35) */
/* enum phase */
#define PHASE_STOPPED       0
#define PHASE_STARTING      1
#define PHASE_RUNNING       2
#define PHASE_STOPPING      3
#define PHASE_FAILED        4
#define PHASE_PREPARING     5
#define PHASE_RELEASING     6
#define PHASE_RESTORING     7
#define PHASE_HANDING_BACK  8
#define PHASE_FAILING_OVER  9
/* STATE is the atomic sync step (confchg below).  START, STOP, CLEANUP and
 * RESULT (and the phases STARTING, STOPPING) belong to the operator's
 * start/stop, not to this protocol; STANDBY asks every member to MIGRATE
 * each resource off a node, which the model covers by MIGRATE itself.
 * FENCE_CONFIRM is the operator's word that a lost node is fenced.
 * HELLO and FOREIGN say who speaks for a node (doc/protocol.md, rules
 * 17-22): a handoffd says HELLO in the atomic sync step; FOREIGN is the
 * ordered message whose delivery marks a silent group member foreign and
 * ends the barrier it held (the silent member below). */

/* the rules before issue 15, the running step the only fault */
#ifdef BEFORE_ISSUE15
#define NO_CANCEL
#define TIMER_FENCE_NO_WATCHDOG
#define MAXFAIL 0
#endif

/* ---- bounds (override with -D) ---- */
#ifndef MAXCRASH
#define MAXCRASH 1      /* node crashes (each may be followed by a restart) */
#endif
#ifndef MAXSPLIT
#define MAXSPLIT 1      /* network cuts (each may be followed by its heal) */
#endif
#ifndef MAXMIG
#define MAXMIG 1        /* MIGRATE requests */
#endif
#ifndef MAXFAIL
#define MAXFAIL 1       /* failed steps: readiness, a release step, an acquire step,
                           a self-fence that misses its deadline */
#endif
#ifndef MAXCONFIRM
#define MAXCONFIRM 1    /* handoffctl fence-confirm */
#endif
#ifndef MAXFOREIGN
#define MAXFOREIGN 1    /* silent CPG members that join (testcpg on a node without handoffd) */
#endif
#ifndef QCAP
#define QCAP 8
#endif

#define N    3
#define NONE 3          /* no node */

/* kinds of step sequences (the C code's actions) */
#define K_NONE     0
#define K_PREPARE  1    /* ACT_PREPARE: the target checks readiness */
#define K_RELEASE  2    /* ACT_MIGRATE_RELEASE: the source dumps, syncs, umounts, demotes */
#define K_ACQUIRE  3    /* ACT_MIGRATE_ACQUIRE: the target promotes, mounts, restores */
#define K_TAKEBACK 4    /* ACT_TAKE_BACK: the source takes its dump back */
#define K_FAILOVER 5    /* ACT_FAILOVER: the new owner, after fence_delay */

/* ---- the world ---- */
bit  up[N];             /* the node (machine and handoffd) is alive */
byte cut = NONE;        /* the node the network cut isolates, or NONE */
bit  pri[N];            /* DRBD Primary */
bit  utd[N];            /* DRBD's disk state as the node sees it: UpToDate or not */
bit  mnt[N];            /* the filesystem is mounted */
bit  inst[N];           /* an instance of the workload exists here */
bit  frz[N];            /* ... dumped and frozen */
byte complete;          /* marker: epoch of the dump in the dump directory, 0 none */
byte consumed;          /* marker: epoch it was consumed at, 0 none */
byte consumer = NONE;   /* ... and by which node */

/* ---- each node's handoffd ---- */
byte ph[N];             /* its copy of the table */
byte own[N];
byte tgt[N];
byte ep[N];
byte syn[N];            /* bitmask: members whose disk was UpToDate at the last sync */
bit  pq[N];             /* the partition was quorate at the last sync */
byte lq[N];             /* the ring of its last quorate sync (0: none), compressed:
                           only the order of the values matters */
byte dep[N];            /* the dump epoch of its last failover decision */
byte ak[N];             /* the step sequence it runs (K_*) ... */
byte aep[N];            /* ... for which epoch */
byte aarg[N];           /* ... its argument: the dump epoch (failover), the node handing back */
bit  ago[N];            /* ... and whether it passed its start (the gate check) */
bit  doomed[N];         /* ... and it lost quorum since: its gated steps fail */
bit  acons[N];          /* ... and it wrote the consumed marker itself */
byte lrt[N];            /* its last report: type (0 none), epoch, ok */
byte lre[N];
bit  lra[N];
bit  stp[N];            /* stopping everything it holds: self-fence or release */
bit  wq[N];             /* it was quorate since it last started fencing (self_fence.c) */
bit  fl[N];             /* its sequence's current step (promote, restore, cold start)
                           runs: it passed the gate, its effect comes at its end */
bit  late[N];           /* its self-fence missed its deadline, and goes on */
byte fc[N];             /* bitmask: lost nodes confirmed fenced (FENCE_CONFIRM), in its
                           copy of the table; a member's bit is cleared at every sync */

/* ---- CPG: one ordered queue per network side (0: main, 1: the cut node) ---- */
chan q[2] = [QCAP] of { byte, byte, byte, byte };   /* type, sender, epoch, arg */

bit  fw;                /* a silent member holds side 0's sync barrier (not named foreign yet) */

/* ---- environment budgets ---- */
byte crashes, splits, migs, fails, confirms, foreigns;

/* ---- ghosts (not part of the protocol) ---- */
bit  fresh;             /* S3: no instance ran since the complete marker was written */
bit  cur[N];            /* D1: the node's disk holds the newest data */
bit  macc;              /* L1: a migration was accepted */
bit  mdone;             /* L1: ... and ended running on its source or its target */
byte msrc = NONE, mtgt = NONE;
bit  dsrc, dtgt;        /* L1: its source / target died (crash, or left the quorate side) */
bit  dunfit;            /* L1: one end died, and the other could not take it over */

/* temporaries, never part of a state */
hidden byte x, i, j, k, w, w2, c2, nw, pref, r1, r2;
hidden byte t_ph, t_own, t_tgt, t_ep, t_syn, t_de, t_fc, t_re;
hidden byte mt, ms, me, ma, qf, em, em2, emk, emarg, t_run;
hidden byte ghostok = 1;

/* ---- derived predicates ---- */
#define COMP(n)       (((cut != NONE) && ((n) == cut)) -> 1 : 0)
#define MEMB(n, c)    ((n) != NONE && up[n] && COMP(n) == (c))
#define CONN(a, b)    ((b) != NONE && up[a] && up[b] && COMP(a) == COMP(b))
#define CNT(c)        ((MEMB(0, c) -> 1 : 0) + (MEMB(1, c) -> 1 : 0) + (MEMB(2, c) -> 1 : 0))
#define REALQ_C(c)    (CNT(c) >= 2)            /* votequorum: 2 of 3 votes */
#define REALQ(n)      (up[n] && REALQ_C(COMP(n)))
#ifdef NO_QUORUM_GATE
#define QD(c)         1                         /* decisions without quorum */
#define GATE(n)       1                         /* steps without quorum */
#else
#define QD(c)         REALQ_C(c)                /* the partition is quorate (STATE says so) */
#define GATE(n)       REALQ(n)                  /* S4: the local quorum gate */
#endif
/* the gate as a step of a sequence sees it: closed for good once this node
 * lost quorum after the sequence was asked for (driver.c's per-step check) */
#ifdef NO_QUORUM_GATE
#define SGATE(n)      1
#else
#define SGATE(n)      (GATE(n) && !doomed[n] && !stp[n])
#endif
#define HOLDS(n)      (pri[n] || mnt[n] || inst[n])
#define SYNCED(s, n)  ((((s) >> (n)) & 1) == 1)
#ifdef NO_WAIT_PREPARED
#define RELEASE_PHASE(p) ((p) == PHASE_RELEASING || (p) == PHASE_PREPARING)
#else
#define RELEASE_PHASE(p) ((p) == PHASE_RELEASING)
#endif
#ifdef NO_LAST_QUORATE
#define LQ_BEATS(a, b) 0
#define LQ_TIES(a, b)  1
#else
#define LQ_BEATS(a, b) (lq[a] > lq[b])
#define LQ_TIES(a, b)  (lq[a] == lq[b])
#endif
#define MIGRATING(p)  ((p) == PHASE_PREPARING || (p) == PHASE_RELEASING || (p) == PHASE_RESTORING \
                       || (p) == PHASE_HANDING_BACK)
/* DRBD: no connected peer is Primary */
#define NOPEER_PRI(n) (!((n) != 0 && CONN(n, 0) && pri[0]) && !((n) != 1 && CONN(n, 1) && pri[1]) \
                       && !((n) != 2 && CONN(n, 2) && pri[2]))
/* the dump check (driver.c): a complete dump of epoch E, not consumed, or
 * consumed by node B only (a take-back from B, whose restore failed) */
#ifdef IGNORE_CONSUMED
#define DUMP_OK(e, b) (complete != 0 && complete == (e))
#else
#define DUMP_OK(e, b) (complete != 0 && complete == (e) && (consumed == 0 || \
                       ((b) != NONE && consumed == (e) && consumer == (b))))
#endif
/*
 * When may the new owner n count node m as fenced (FENCE_DELAY_OVER)?
 * TIMING_SELF_FENCE_BEFORE_FENCE_DELAY, the model's timing assumption,
 * with a watchdog (-DWATCHDOG): the deadline other nodes count on is
 * self_fence_timeout + the watchdog's timeout, and fence_delay > that
 * deadline + token + consensus.  By then a node without quorum has either
 * finished self-fencing (holds nothing) or missed its deadline and been
 * reset by the watchdog (the node's `late` step below, a crash).  So when
 * fence_delay is over, no node n cannot see, and that lacks quorum, holds
 * the resource.
 * Without a watchdog no timer makes a node fenced: n waits until m is back
 * (connected: its STATE tells what it holds, and DRBD sees it) or an
 * operator confirmed m fenced (FENCE_CONFIRM in n's table).
 * -DTIMER_FENCE_NO_WATCHDOG, today's rule: no watchdog, and the timer
 * alone: m counts as fenced once it holds nothing or missed its deadline.
 */
#define UNFENCED(m, n)  (up[m] && !CONN(n, m) && !REALQ(m) && HOLDS(m))
#define CONFIRMED(n, m) (((fc[n] >> (m)) & 1) == 1)
#if defined(NO_TIMING)
#define FENCED(m, n)    1
#elif defined(TIMER_FENCE_NO_WATCHDOG)
#define FENCED(m, n)    (!UNFENCED(m, n) || late[m] || CONFIRMED(n, m))
#elif defined(WATCHDOG)
#define FENCED(m, n)    (!UNFENCED(m, n) || CONFIRMED(n, m))
#else
#define FENCED(m, n)    (CONN(n, m) || CONFIRMED(n, m))
#endif
#define FENCE_DELAY_OVER(n) (FENCED(0, n) && FENCED(1, n) && FENCED(2, n))
/* a self-fence can miss its deadline only where someone counts on it */
#if defined(WATCHDOG) || defined(TIMER_FENCE_NO_WATCHDOG)
#define DEADLINE 1
#endif
/* the operator's promise (fence-confirm): m is down, or it finished
 * self-fencing and holds nothing */
#define SEEN_FENCED(m)  (!up[m] || (!HOLDS(m) && !stp[m]))
/* ... and node x's failover waits (status says so), m is away from x */
#define CONFIRMABLE(x, m) (up[x] && GATE(x) && ak[x] == K_FAILOVER && !ago[x] && !CONN(x, m) \
                           && !CONFIRMED(x, m) && SEEN_FENCED(m))
/* a running step holds the device or the filesystem: no umount, no demote */
#define BUSY(n)         (fl[n] && HOLDS(n))
/* ACQUIRE, TAKE_BACK, FAILOVER: promote, mount, dump check, restore or start */
#define ACQUIRING(n) (up[n] && ago[n] && (ak[n] == K_ACQUIRE || ak[n] == K_TAKEBACK || ak[n] == K_FAILOVER))
#define DUMP_FROM(n) NONE
#define DUMP_EPOCH(n) ((ak[n] == K_FAILOVER) -> aarg[n] : aep[n])
/* the report the table waits for from node n (rsm_awaits_report_from) */
#define AWAITS(n)     ((ph[n] == PHASE_PREPARING && tgt[n] == (n)) || (ph[n] == PHASE_RESTORING && tgt[n] == (n)) \
                       || ((ph[n] == PHASE_RELEASING || ph[n] == PHASE_HANDING_BACK \
                            || ph[n] == PHASE_FAILING_OVER) && own[n] == (n)))
/* report type t answers phase p; the step sequence phase p asks for */
#define ANSWERS(t, p) (((p) == PHASE_PREPARING && (t) == MSG_PREPARED) \
                       || ((p) == PHASE_RELEASING && ((t) == MSG_RELEASED || (t) == MSG_ABORT)) \
                       || ((p) == PHASE_RESTORING && ((t) == MSG_STARTED || (t) == MSG_HANDBACK)) \
                       || (((p) == PHASE_HANDING_BACK || (p) == PHASE_FAILING_OVER) && (t) == MSG_STARTED))
#define PHASE_ACTION(p) ((p) == PHASE_PREPARING -> K_PREPARE : ((p) == PHASE_RELEASING -> K_RELEASE : \
                         ((p) == PHASE_RESTORING -> K_ACQUIRE : ((p) == PHASE_HANDING_BACK -> K_TAKEBACK : K_FAILOVER))))
/* what self_fence.c counts as held here */
#define HELD(n)       (HOLDS(n) || (own[n] == (n) && ph[n] != PHASE_STOPPED) || (tgt[n] == (n) && MIGRATING(ph[n])))
/* L1: node v (quorate) says RUNNING on m, and m runs it, not frozen */
#define RUNS_BY(v, m) (up[v] && REALQ(v) && ph[v] == PHASE_RUNNING && own[v] == (m) && up[m] && inst[m] && !frz[m])
#define RUNS(m)       ((m) != NONE && (RUNS_BY(0, m) || RUNS_BY(1, m) || RUNS_BY(2, m)))
/* node a is not UpToDate and a connected peer (b or c) has the newest data */
#define RESYNC(a, b, c) (up[a] && !utd[a] && ((CONN(a, b) && cur[b] && utd[b]) || (CONN(a, c) && cur[c] && utd[c])))

/* the disk check waits while a resync from a connected peer is under way */
#define RESYNCING(n)  ((n) == 0 && RESYNC(0, 1, 2) || (n) == 1 && RESYNC(1, 0, 2) || (n) == 2 && RESYNC(2, 0, 1))

/* ---- safety: S1, S2 (and D1) in every state ---- */
#define S1 ((pri[0] + pri[1] + pri[2]) <= 1)
#define S2 ((inst[0] + inst[1] + inst[2]) <= 1)
#ifdef NO_D1
#define D1 1
#else
#define D1 ((!pri[0] || cur[0]) && (!pri[1] || cur[1]) && (!pri[2] || cur[2]))
#endif
active proctype monitor()
{
end:	atomic { !(S1 && S2 && D1) -> assert(S1); assert(S2); assert(D1) }
}

/* -DREACH=expr: fails when expr becomes true (is it reachable?) */
#ifdef REACH
active proctype probe()
{
end:	atomic { (REACH) -> assert(!(REACH)) }
}
#endif

/* ---- L1: a migration ends running on its source or its target, unless both die ---- */
ltl L1 { [] (macc -> <> (mdone || (dsrc && dtgt) || dunfit)) }

inline latch()
{
	if
	:: macc && !mdone && (RUNS(msrc) || RUNS(mtgt)) -> mdone = 1
	:: else
	fi
}

/* phase_rank() of rsm.c: how far a resource got; breaks ties of one epoch */
inline rank(p, r)
{
	if
	:: p == PHASE_STOPPED -> r = 0
	:: p == PHASE_STARTING -> r = 1
	:: p == PHASE_RUNNING -> r = 2
	:: p == PHASE_PREPARING -> r = 3
	:: p == PHASE_RELEASING -> r = 4
	:: p == PHASE_RESTORING -> r = 5
	:: p == PHASE_HANDING_BACK -> r = 6
	:: p == PHASE_FAILING_OVER -> r = 7
	:: p == PHASE_STOPPING -> r = 8
	:: else -> r = 9        /* PHASE_FAILED */
	fi
}

/* ---- trail output (simulation only) ---- */
inline pmsg(t)
{
	if
	:: t == MSG_MIGRATE -> printf("MIGRATE")
	:: t == MSG_PREPARED -> printf("PREPARED")
	:: t == MSG_RELEASED -> printf("RELEASED")
	:: t == MSG_STARTED -> printf("STARTED")
	:: t == MSG_ABORT -> printf("ABORT")
	:: t == MSG_HANDBACK -> printf("HANDBACK")
	:: t == MSG_FENCE_CONFIRM -> printf("FENCE_CONFIRM")
	:: else -> printf("MSG_%d", t)
	fi
}

inline pphase(p)
{
	if
	:: p == PHASE_STOPPED -> printf("STOPPED")
	:: p == PHASE_RUNNING -> printf("RUNNING")
	:: p == PHASE_FAILED -> printf("FAILED")
	:: p == PHASE_PREPARING -> printf("PREPARING")
	:: p == PHASE_RELEASING -> printf("RELEASING")
	:: p == PHASE_RESTORING -> printf("RESTORING")
	:: p == PHASE_HANDING_BACK -> printf("HANDING_BACK")
	:: p == PHASE_FAILING_OVER -> printf("FAILING_OVER")
	:: else -> printf("PHASE_%d", p)
	fi
}

inline ptable(n)
{
	pphase(ph[n]);
	printf(" owner %c target %c epoch %d", (own[n] == NONE -> 45 : 65 + own[n]),
	       (tgt[n] == NONE -> 45 : 65 + tgt[n]), ep[n]);
	if :: fc[n] & 1 -> printf(" A confirmed fenced") :: else fi;
	if :: fc[n] & 2 -> printf(" B confirmed fenced") :: else fi;
	if :: fc[n] & 4 -> printf(" C confirmed fenced") :: else fi
}

/* node n multicasts (t, e, a) in its side */
inline send(n, t, e, a)
{
	printf("MODEL: %c sends ", 65 + n); pmsg(t);
	if
	:: t == MSG_MIGRATE -> printf(" to %c\n", 65 + a)
	:: t == MSG_FENCE_CONFIRM -> printf(" of %c\n", 65 + a)
	:: else -> printf(" epoch %d", e); if :: !a -> printf(" not ok") :: else fi; printf("\n")
	fi;
	assert(nfull(q[COMP(n)]));
	q[COMP(n)]!t, n, e, a
}

/* a step sequence's last word: the report, kept to be sent again */
inline report(n, t, a)
{
	send(n, t, aep[n], a);
	lrt[n] = t; lre[n] = aep[n]; lra[n] = a;
	ak[n] = K_NONE; ago[n] = 0; doomed[n] = 0
}

/* DRBD: a Primary with quorum goes on writing; disks it does not reach miss it */
inline writes_go_on()
{
	j = 0;
	do
	:: j < N ->
		if
		:: up[j] && pri[j] && REALQ(j) ->
			k = 0;
			do
			:: k < N -> if :: !CONN(j, k) -> cur[k] = 0 :: else fi; k++
			:: else -> break
			od
		:: else
		fi;
		j++
	:: else -> break
	od
}

/* a restore (S3: at most once, only the dump of the epoch asked for) */
inline restore(n, e)
{
	printf("MODEL: %c restores the dump of epoch %d\n", 65 + n, e);
	assert(fresh && complete == e);
	fresh = 0; inst[n] = 1; frz[n] = 0
}

inline consume(n, e)
{
	printf("MODEL: %c writes marker consumed=%d\n", 65 + n, e);
	consumed = e; consumer = n
}

/* undo of an acquiring sequence, newest first: the consumed marker it wrote
 * goes (nothing was restored from it), umount, demote.  Where the self-fence
 * has already unmounted it, the marker stays (driver.c's rm -f then finds
 * no marker under the bare mount point): a consumed dump is never restored */
inline let_go(n)
{
	if
	:: acons[n] && mnt[n] -> printf("MODEL: %c removes its consumed marker\n", 65 + n);
		consumed = 0; consumer = NONE; acons[n] = 0
	:: acons[n] && !mnt[n] -> acons[n] = 0
	:: else
	fi;
	mnt[n] = 0; pri[n] = 0
}

/* the end of node n's running step (fl: a promote, restore or cold start):
 * what it did.  The caller lets a new Primary's writes go on (not here:
 * writes_go_on() uses j and k, the merge's loop variables) */
inline step_effect(n)
{
	if
	:: !pri[n] ->
		if
		:: utd[n] && NOPEER_PRI(n) -> printf("MODEL: %c is Primary\n", 65 + n); pri[n] = 1
		:: else -> printf("MODEL: %c: DRBD refuses the promote\n", 65 + n)
		fi
	:: mnt[n] && !inst[n] && acons[n] ->
		t_re = DUMP_EPOCH(n); restore(n, t_re);
		acons[n] = 0            /* the marker stays: it was restored */
	:: mnt[n] && !inst[n] && !acons[n] ->
		printf("MODEL: %c has started it cold\n", 65 + n);
		fresh = 0; inst[n] = 1
	:: else -> assert(false)
	fi
}

/* failover_choice() + rsm_fail_over(): the table t_* of side c2 fails over;
 * pref: the surviving end of an interrupted migration, tried first */
inline fail_over(dump)
{
	nw = NONE;
	if
	:: pref != NONE && MEMB(pref, c2) && SYNCED(t_syn, pref) -> nw = pref
	:: else
	fi;
	k = 0;
	do
	:: k < N && nw == NONE -> if :: MEMB(k, c2) && SYNCED(t_syn, k) -> nw = k :: else fi; k++
	:: else -> break
	od;
	/* L1: the surviving end was not fit (its disk not UpToDate) */
	if :: macc && !mdone && qf && pref != NONE && nw != pref -> dunfit = 1 :: else fi;
	t_de = dump;        /* before t_ep++: dump may be t_ep (inline arguments are text) */
	t_ep++; t_tgt = NONE;
	if
	:: nw != NONE -> t_ph = PHASE_FAILING_OVER; t_own = nw; emk = K_FAILOVER; em = nw; emarg = t_de
	:: else -> t_ph = PHASE_FAILED      /* no member with UpToDate data */
	fi
}

/* ---- delivery of (mt, ms, me, ma) at node n: rsm_process_migrate/_report ---- */
inline deliver_at(n)
{
	em2 = NONE;
	em = NONE; emk = K_NONE; emarg = 0;
	t_ph = ph[n]; t_own = own[n]; t_tgt = tgt[n]; t_ep = ep[n]; t_syn = syn[n]; t_de = dep[n];
	c2 = COMP(n);
	if
	:: mt == MSG_MIGRATE ->
		if
		:: t_ph == PHASE_RUNNING && ma != t_own && MEMB(t_own, c2) && MEMB(ma, c2) ->
			t_ph = PHASE_PREPARING; t_ep++; t_tgt = ma; em = ma; emk = K_PREPARE;
#ifdef NO_WAIT_PREPARED
			em2 = t_own;        /* the source does not wait for PREPARED */
#endif
			if
			:: ghostok && REALQ_C(c2) && inst[t_own] && !frz[t_own] && !stp[t_own] -> macc = 1; mdone = 0; msrc = t_own; mtgt = ma; dsrc = 0; dtgt = 0; dunfit = 0
			:: else
			fi
		:: else -> skip  /* refused alike everywhere: busy, the owner, not a member */
		fi
	:: mt == MSG_PREPARED && t_ph == PHASE_PREPARING && me == t_ep && ms == t_tgt ->
		if
		:: ma -> t_ph = PHASE_RELEASING; em = t_own; emk = K_RELEASE
		:: else -> t_ph = PHASE_RUNNING; t_tgt = NONE
		fi
	:: (mt == MSG_RELEASED || mt == MSG_ABORT) && RELEASE_PHASE(t_ph) && me == t_ep && ms == t_own ->
		if
		:: mt == MSG_ABORT && ma -> t_ph = PHASE_RUNNING; t_tgt = NONE
		:: mt == MSG_ABORT && !ma -> t_ph = PHASE_FAILED; t_tgt = NONE
		:: mt == MSG_RELEASED && MEMB(t_tgt, c2) -> t_ph = PHASE_RESTORING; em = t_tgt; emk = K_ACQUIRE
		:: mt == MSG_RELEASED && !MEMB(t_tgt, c2) ->
			/* the target left while the source released: nobody runs it */
			if
			:: pq[n] -> pref = t_own; fail_over(t_ep)
			:: else -> t_ph = PHASE_FAILED; t_tgt = NONE
			fi
		fi
	:: mt == MSG_HANDBACK && t_ph == PHASE_RESTORING && me == t_ep && ms == t_tgt ->
		if
		:: ma -> t_ph = PHASE_HANDING_BACK; em = t_own; emk = K_TAKEBACK; emarg = t_tgt
		:: else -> t_ph = PHASE_FAILED; t_own = t_tgt; t_tgt = NONE
		fi
	:: mt == MSG_STARTED && t_ph == PHASE_RESTORING && me == t_ep && ms == t_tgt ->
		t_own = t_tgt; t_tgt = NONE; t_ph = (ma -> PHASE_RUNNING : PHASE_FAILED)
	:: mt == MSG_STARTED && (t_ph == PHASE_HANDING_BACK || t_ph == PHASE_FAILING_OVER) && me == t_ep && ms == t_own ->
		t_tgt = NONE; t_ph = (ma -> PHASE_RUNNING : PHASE_FAILED)
	:: mt == MSG_FENCE_CONFIRM ->
		/* recorded while the node is away; a member speaks for itself */
		if :: !MEMB(ma, c2) -> fc[n] = fc[n] | (1 << ma) :: else fi
	:: else -> skip     /* stale: another epoch, sender or phase */
	fi;
	ph[n] = t_ph; own[n] = t_own; tgt[n] = t_tgt; ep[n] = t_ep; dep[n] = t_de;
	if
	:: em == n ->       /* the transition's action is this node's: its steps begin */
		assert(!fl[n]);
		ak[n] = emk; aep[n] = t_ep; aarg[n] = emarg; ago[n] = 0; doomed[n] = 0; acons[n] = 0
	:: em2 == n -> ak[n] = K_RELEASE; aep[n] = t_ep; aarg[n] = 0; ago[n] = 0; doomed[n] = 0; acons[n] = 0
	:: else
	fi
}

/* deliver (mt, ms, me, ma) to every member of side c2 except node w */
inline deliver_side()
{
	printf("MODEL:   side %d delivers ", c2); pmsg(mt);
	printf(" from %c epoch %d", 65 + ms, me);
	if
	:: mt == MSG_FENCE_CONFIRM -> printf(" of %c", 65 + ma)
	:: mt != MSG_MIGRATE && mt != MSG_FENCE_CONFIRM && !ma -> printf(" not ok")
	:: else
	fi;
	printf("\n");
	r2 = c2;
	i = 0;
	do
	:: i < N ->
		if
		:: MEMB(i, r2) && i != w ->
			deliver_at(i); printf("MODEL:     %c: ", 65 + i); ptable(i); printf("\n")
		:: else
		fi;
		i++
	:: else -> break
	od;
	latch()
}

/* lq: keep the order of the values, close the gaps (1, 2, 3 at most) */
inline compress()
{
	do
	:: true ->
		w2 = 0;
		k = 2;
		do
		:: k <= 4 && !w2 ->
			if
			:: (lq[0] == k || lq[1] == k || lq[2] == k) && !(lq[0] == k - 1 || lq[1] == k - 1 || lq[2] == k - 1) ->
				w2 = 1;
				i = 0;
				do
				:: i < N -> if :: lq[i] >= k -> lq[i]-- :: else fi; i++
				:: else -> break
				od
			:: else -> k++
			fi
		:: else -> break
		od;
		if :: !w2 -> break :: else fi
	od
}

/* ---- confchg + STATE barrier + merge, atomically, for side c (merge_resource) ---- */
inline confchg(c)
{
	c2 = c;
	/* DRBD's handshake: where a connected member holds the newest data, the
	 * others learn whether they do (UpToDate) or must resync (not) */
	if
	:: CNT(c2) >= 2 && ((MEMB(0, c2) && cur[0]) || (MEMB(1, c2) && cur[1]) || (MEMB(2, c2) && cur[2])) ->
		j = 0;
		do
		:: j < N -> if :: MEMB(j, c2) -> utd[j] = cur[j] :: else fi; j++
		:: else -> break
		od
	:: else
	fi;
	/* best_entry(): the table of the last quorate sync, then the highest
	 * epoch, then the phase that got further, then the lowest nodeid */
	w = NONE;
	j = 0;
	do
	:: j < N ->
		if
		:: MEMB(j, c2) ->
			if
			:: w == NONE -> w = j
			:: else ->
				rank(ph[j], r1); rank(ph[w], r2);
				if
				:: LQ_BEATS(j, w) || (LQ_TIES(j, w) && (ep[j] > ep[w] || (ep[j] == ep[w] && r1 > r2))) -> w = j
				:: else
				fi
			fi
		:: else
		fi;
		j++
	:: else -> break
	od;
	if
	:: w != NONE ->
		t_ph = ph[w]; t_own = own[w]; t_tgt = tgt[w]; t_ep = ep[w]; t_fc = fc[w];
		qf = QD(c2);
		/* facts: which members' disks are UpToDate, which run it */
		t_syn = 0; t_run = NONE;
		j = 0;
		do
		:: j < N ->
			if
			:: MEMB(j, c2) ->
#ifndef KEEP_CONFIRM
				t_fc = t_fc & (7 - (1 << j));   /* back: it speaks for itself */
#endif
				if :: utd[j] -> t_syn = t_syn | (1 << j) :: else fi;
				if :: inst[j] && !stp[j] && (t_run == NONE || j == t_own) -> t_run = j :: else fi   /* a node letting go is not running it */
			:: else
			fi;
			j++
		:: else -> break
		od;
		em = NONE; emk = K_NONE; emarg = 0; t_de = 0; pref = NONE;
		if
		:: MIGRATING(t_ph) ->
			/* rsm_merge_migration(): the reports decide, unless an end left */
			if
			:: MEMB(t_own, c2) && MEMB(t_tgt, c2) -> skip
			:: t_ph == PHASE_RELEASING && MEMB(t_own, c2) -> skip
			:: t_ph == PHASE_RESTORING && MEMB(t_tgt, c2) -> skip
			:: else ->
				if
				:: t_ph == PHASE_PREPARING && MEMB(t_own, c2) ->
					t_ph = PHASE_RUNNING; t_tgt = NONE      /* nothing was dumped */
				:: !(t_ph == PHASE_PREPARING && MEMB(t_own, c2)) && qf ->
					pref = (MEMB(t_own, c2) -> t_own : (MEMB(t_tgt, c2) -> t_tgt : NONE));
					fail_over(t_ep)
				:: else -> skip   /* without quorum, nothing is decided */
				fi
			fi
		:: !MIGRATING(t_ph) && t_run != NONE ->
			t_own = t_run; t_ph = PHASE_RUNNING                 /* found running: adopted */
		:: !MIGRATING(t_ph) && t_run == NONE && t_ph == PHASE_RUNNING ->
			if
			:: MEMB(t_own, c2) -> t_ph = PHASE_FAILED       /* not running on its owner */
			:: !MEMB(t_own, c2) && qf -> fail_over(t_ep)
			:: else -> skip
			fi
		:: !MIGRATING(t_ph) && t_run == NONE && t_ph == PHASE_FAILING_OVER && !MEMB(t_own, c2) && qf ->
			t_de = 255                                      /* each member's own dump epoch */
			fail_over(t_de)
		:: else -> skip
		fi;
		r1 = (lq[0] > lq[1] -> lq[0] : lq[1]);
		r1 = (lq[2] > r1 -> lq[2] : r1) + 1;
		j = 0;
		do
		:: j < N ->
			if
			:: MEMB(j, c2) ->
				ph[j] = t_ph; own[j] = t_own; tgt[j] = t_tgt; ep[j] = t_ep; syn[j] = t_syn; pq[j] = qf; fc[j] = t_fc;
				if :: qf -> lq[j] = r1 :: else -> lq[j] = lq[w] fi;   /* table_gen: max + 1, or max */
				if
				:: t_de == 255 -> skip          /* it keeps its own dump epoch */
				:: t_de != 255 && t_ph == PHASE_FAILING_OVER && em != NONE -> dep[j] = t_de
				:: else
				fi;
				if
				:: em == j ->
					if
					:: fl[j] ->   /* a step of its old sequence runs: it ends first, or fails */
						printf("MODEL:   %c: the running step of its old sequence ends", 65 + j);
						if
						:: printf(" (failed)\n")
						:: printf(" (done; its report will be stale)\n"); step_effect(j)
						fi;
						fl[j] = 0
					:: else
					fi;
					ak[j] = emk; aep[j] = t_ep; ago[j] = 0; doomed[j] = 0; acons[j] = 0;
					aarg[j] = (t_de == 255 -> dep[j] : emarg)
				:: em != j && ak[j] == K_NONE && AWAITS(j) && lre[j] == t_ep && ANSWERS(lrt[j], t_ph) ->
					/* rm_resend_reports(): the report may have been dropped */
					assert(nfull(q[c2])); q[c2]!lrt[j], j, lre[j], lra[j]
				:: em != j && ak[j] == K_NONE && AWAITS(j) && !(lre[j] == t_ep && ANSWERS(lrt[j], t_ph)) ->
					/* the table came from another side: its step was never asked of this node */
					ak[j] = PHASE_ACTION(t_ph); aep[j] = t_ep; ago[j] = 0; doomed[j] = 0; acons[j] = 0;
					aarg[j] = (t_ph == PHASE_FAILING_OVER -> dep[j] : (t_ph == PHASE_HANDING_BACK -> t_tgt : 0))
				:: else
				fi;
				/* whoever holds it without owning it lets go (not while it fails over) */
				if
				:: (t_ph != PHASE_FAILING_OVER && HOLDS(j) && !(j == t_own && t_ph != PHASE_STOPPED)
				    && !(j == t_tgt && MIGRATING(t_ph))) -> stp[j] = 1
				:: else
				fi;
				/* quorum lost: every running step is cancelled (its process
				 * group killed); one that ended just before counts as done,
				 * and the self-fence below undoes it */
#ifndef NO_CANCEL
				if
				:: !REALQ_C(c2) && fl[j] ->
					printf("MODEL:   %c: quorum lost: its running step is cancelled", 65 + j);
					if
					:: printf(" before its end\n")
					:: printf(" (it had just ended)\n"); step_effect(j)
					fi;
					fl[j] = 0
				:: else
				fi;
#endif
				/* quorum lost (votequorum's word, not the merge's): self-fence */
				if
				:: REALQ_C(c2) -> wq[j] = 1
				:: !REALQ_C(c2) && wq[j] -> wq[j] = 0; if :: HELD(j) && HOLDS(j) -> stp[j] = 1 :: else fi
				:: else
				fi;
				if
				:: !REALQ_C(c2) && ak[j] != K_NONE && (ago[j] || ak[j] != K_FAILOVER) -> doomed[j] = 1
				:: else
				fi;
				/* L1: a party without quorum counts as dead */
				if :: !REALQ_C(c2) && macc && j == msrc -> dsrc = 1 :: else fi;
				if :: !REALQ_C(c2) && macc && j == mtgt -> dtgt = 1 :: else fi
			:: else
			fi;
			j++
		:: else -> break
		od;
		compress();
		printf("MODEL:   confchg side %d, members", c2);
		j = 0;
		do
		:: j < N -> if :: MEMB(j, c2) -> printf(" %c", 65 + j) :: else fi; j++
		:: else -> break
		od;
		if :: REALQ_C(c2) -> printf(", quorate") :: else -> printf(", NOT quorate") fi;
		printf("; merged: "); ptable(w); printf("\n")
	:: else
	fi;
	latch()
}

/* ---- the environment: requests, cuts, heals, crashes, restarts, resyncs ---- */

/* deliver everything side c has in flight, now, to its members */
inline flush(c)
{
	do
	:: nempty(q[c]) -> q[c]?mt, ms, me, ma; c2 = c; w = NONE; deliver_side()
	:: empty(q[c]) -> break
	od
}

/* node x goes down (a crash, or the watchdog's reset): its workload, mount
 * and Primary role vanish, its handoffd with them */
inline node_down()
{
	c2 = COMP(x);
	if
	:: flush(COMP(x))   /* what it sent reached the others first */
	:: k = len(q[COMP(x)]);     /* or it never left the node */
	   do
	   :: k > 0 -> q[COMP(x)]?mt, ms, me, ma; if :: ms != x -> q[COMP(x)]!mt, ms, me, ma :: else fi; k--
	   :: else -> break
	   od
	fi;
	c2 = COMP(x);
	up[x] = 0; pri[x] = 0; mnt[x] = 0; inst[x] = 0; frz[x] = 0;
	ph[x] = PHASE_STOPPED; own[x] = NONE; tgt[x] = NONE; ep[x] = 0; syn[x] = 0; pq[x] = 0; dep[x] = 0;
	ak[x] = K_NONE; ago[x] = 0; doomed[x] = 0; aep[x] = 0; aarg[x] = 0; lrt[x] = 0; lre[x] = 0; lra[x] = 0;
	stp[x] = 0; wq[x] = 0; lq[x] = 0; acons[x] = 0; fl[x] = 0; late[x] = 0; fc[x] = 0;
	if :: macc && x == msrc -> dsrc = 1 :: else fi;
	if :: macc && x == mtgt -> dtgt = 1 :: else fi;
	utd[x] = 0;             /* when it comes back: Consistent until a handshake */
	writes_go_on();
	confchg(c2);
}

proctype env()
{
end:	do
	/* handoffctl migrate, through a node whose gate is open (elsewhere it is
	 * refused locally) */
	:: atomic {
		migs < MAXMIG && (GATE(0) || GATE(1) || GATE(2)) ->
		if :: up[0] && GATE(0) -> x = 0 :: up[1] && GATE(1) -> x = 1 :: up[2] && GATE(2) -> x = 2 fi;
		migs++;
		if
		:: own[x] != 0 -> send(x, MSG_MIGRATE, 0, 0)
		:: own[x] != 1 -> send(x, MSG_MIGRATE, 0, 1)
		:: own[x] != 2 -> send(x, MSG_MIGRATE, 0, 2)
		fi;
		x = 0
	   }
	/* the network cuts node x off */
	:: atomic {
		cut == NONE && splits < MAXSPLIT && !fw ->
		if :: x = 0 :: x = 1 :: x = 2 fi;
		splits++;
		printf("MODEL: cut %c off\n", 65 + x);
		if
		:: printf("MODEL:   in flight: delivered before the confchg, on the sender's side only\n");
		   do
		   :: nempty(q[0]) ->
			q[0]?mt, ms, me, ma;
			if
			:: ms == x -> ghostok = 0;
				if
				:: up[x] -> c2 = 0; w = NONE;
					printf("MODEL:   %c alone delivers ", 65 + x); pmsg(mt); printf("\n");
					deliver_at(x)
				:: else
				fi
			:: else -> c2 = 0; w = x;
				ghostok = ((up[0] && x != 0 -> 1 : 0) + (up[1] && x != 1 -> 1 : 0) + (up[2] && x != 2 -> 1 : 0) >= 2);
				deliver_side()
			fi;
			ghostok = 1
		   :: empty(q[0]) -> break
		   od
		:: printf("MODEL:   in flight: delivered after the confchg, in the sender's new side\n");
		   k = len(q[0]);
		   do
		   :: k > 0 ->
			q[0]?mt, ms, me, ma;
			if :: ms == x -> q[1]!mt, ms, me, ma :: else -> q[0]!mt, ms, me, ma fi;
			k--
		   :: else -> break
		   od
		fi;
		cut = x;
		writes_go_on();
		if :: up[x] -> confchg(0); confchg(1) :: else fi;
		x = 0
	   }
	/* the cut heals: what the cut side had not delivered follows the merge */
	:: atomic {
		cut != NONE && !fw ->
		x = cut;
		printf("MODEL: heal (%c rejoins)\n", 65 + x);
		cut = NONE;
		if :: up[x] -> confchg(0) :: else fi;
		do
		:: nempty(q[1]) -> q[1]?mt, ms, me, ma; assert(nfull(q[0])); q[0]!mt, ms, me, ma
		:: empty(q[1]) -> break
		od;
		x = 0
	   }
	/* a node crashes: its workload, mount and Primary role vanish */
	:: atomic {
		crashes < MAXCRASH && (up[0] || up[1] || up[2]) && !fw ->
		if :: up[0] -> x = 0 :: up[1] -> x = 1 :: up[2] -> x = 2 fi;
		crashes++;
		printf("MODEL: crash %c\n", 65 + x);
		node_down();
		x = 0
	   }
	/* it restarts: a fresh handoffd, the disk as it was */
	:: atomic {
		(!up[0] || !up[1] || !up[2]) && !fw ->
		if :: !up[0] -> x = 0 :: !up[1] -> x = 1 :: !up[2] -> x = 2 fi;
		printf("MODEL: restart %c\n", 65 + x);
		up[x] = 1;
		confchg(COMP(x));
		x = 0
	   }
#ifndef WATCHDOG
	/* handoffctl fence-confirm NODE, through the node whose failover waits
	 * for it: the operator's promise is that NODE is down, or finished
	 * self-fencing and holds nothing (SEEN_FENCED).  (With a watchdog it
	 * could only shorten a wait that ends anyway: left out.) */
	:: atomic {
		confirms < MAXCONFIRM && (CONFIRMABLE(0, 1) || CONFIRMABLE(0, 2) || CONFIRMABLE(1, 0) ||
		                          CONFIRMABLE(1, 2) || CONFIRMABLE(2, 0) || CONFIRMABLE(2, 1)) ->
		if
		:: CONFIRMABLE(0, 1) -> x = 0; k = 1
		:: CONFIRMABLE(0, 2) -> x = 0; k = 2
		:: CONFIRMABLE(1, 0) -> x = 1; k = 0
		:: CONFIRMABLE(1, 2) -> x = 1; k = 2
		:: CONFIRMABLE(2, 0) -> x = 2; k = 0
		:: CONFIRMABLE(2, 1) -> x = 2; k = 1
		fi;
		confirms++;
		printf("MODEL: the operator confirms %c fenced\n", 65 + k);
		send(x, MSG_FENCE_CONFIRM, 0, k);
		x = 0; k = 0
	   }
#endif
	/* a silent CPG process joins the main side's group: its confchg opens
	 * a sync, which waits for it.  A handoffd's timer names it in a
	 * FOREIGN; its delivery marks it foreign on every member at the same
	 * point and ends the barrier (the merge).  The model makes the three
	 * one step: the barrier holding the side's messages meanwhile is no
	 * more than a delivery that comes later, which the interleavings
	 * already hold.  Before issue 16 (-DBEFORE_ISSUE16) nothing names it
	 * and the barrier holds the side's messages for ever (fw). */
	:: atomic {
		foreigns < MAXFOREIGN && cut == NONE && up[0] && up[1] && up[2] ->
		foreigns++;
		printf("MODEL: a silent CPG process joins side 0: the sync waits for it\n");
#ifdef BEFORE_ISSUE16
		fw = 1
#else
		printf("MODEL: side 0 delivers FOREIGN: the silent member is foreign, the sync ends\n");
		confchg(0)
#endif
	   }
	/* DRBD: a resync from a connected peer with the newest data finishes */
	:: atomic {
		(RESYNC(0, 1, 2) || RESYNC(1, 0, 2) || RESYNC(2, 0, 1)) ->
		if
		:: RESYNC(0, 1, 2) -> x = 0
		:: RESYNC(1, 0, 2) -> x = 1
		:: RESYNC(2, 0, 1) -> x = 2
		fi;
		printf("MODEL: %c: DRBD resync done, UpToDate\n", 65 + x);
		cur[x] = 1; utd[x] = 1;
		x = 0
	   }
	od
}

/* ---- CPG: the head of a side's queue, delivered to every member ---- */
proctype cpg()
{
end:	do
	:: atomic { nempty(q[0]) && !fw -> q[0]?mt, ms, me, ma; c2 = 0; w = NONE; deliver_side() }
	:: atomic { nempty(q[1]) -> q[1]?mt, ms, me, ma; c2 = 1; w = NONE; deliver_side() }
	od
}

/* ---- a node's handoffd and its step sequences (driver.c) ---- */

#define RUNS_STEPS(n, kind) (up[n] && ak[n] == (kind) && ago[n])

proctype node(byte n)
{
end:	do
	/* ---- stop everything held: self-fence, or release of what it does not own ---- */
	:: atomic {
		up[n] && stp[n] && HOLDS(n) && !BUSY(n) ->
		printf("MODEL: %c stops, kills what holds the filesystem, umounts, demotes (self-fence or release)\n", 65 + n);
		inst[n] = 0; frz[n] = 0; mnt[n] = 0; pri[n] = 0
	   }
	:: atomic { up[n] && stp[n] && !HOLDS(n) -> stp[n] = 0; late[n] = 0 }
#ifdef DEADLINE
	/* the self-fence misses its deadline: a holder cannot be stopped yet
	 * (one failure of the budget; with a watchdog, the reset is the one
	 * node going down of the crash budget), or a running step keeps the
	 * filesystem busy (-DNO_CANCEL) */
	:: atomic {
		up[n] && stp[n] && HOLDS(n) && !REALQ(n) && !late[n] && (BUSY(n) || (fails < MAXFAIL
#ifdef WATCHDOG
		&& crashes < MAXCRASH && !fw    /* the reset is a membership change */
#endif
		)) ->
		if :: !BUSY(n) -> fails++ :: else fi;
#ifdef WATCHDOG
		if :: !BUSY(n) -> crashes++ :: else fi;
		printf("MODEL: %c: the self-fence misses its deadline; the watchdog resets %c\n", 65 + n, 65 + n);
		x = n; node_down(); x = 0
#else
		printf("MODEL: %c: the self-fence misses its deadline (it holds on)\n", 65 + n);
		late[n] = 1
#endif
	   }
#endif

	/* ---- a sequence's start: the gate (rm_migration_action, failover_now) ---- */
	:: atomic {
		up[n] && ak[n] == K_FAILOVER && !ago[n] && !(ph[n] == PHASE_FAILING_OVER && ep[n] == aep[n] && own[n] == n) ->
		printf("MODEL: %c: the failover of epoch %d is no longer this node's\n", 65 + n, aep[n]);
		ak[n] = K_NONE
	   }
	:: atomic {
		up[n] && ak[n] != K_NONE && !ago[n] && !stp[n] && (ak[n] != K_FAILOVER || (FENCE_DELAY_OVER(n) &&
		ph[n] == PHASE_FAILING_OVER && ep[n] == aep[n] && own[n] == n)) ->
		if
		:: SGATE(n) -> ago[n] = 1
		:: else ->
			printf("MODEL: %c: quorum gate closed, the step reports failure\n", 65 + n);
			if
			:: ak[n] == K_PREPARE -> report(n, MSG_PREPARED, 0)
			:: ak[n] == K_RELEASE -> report(n, MSG_ABORT, 1)
			:: ak[n] == K_ACQUIRE -> report(n, MSG_HANDBACK, 1)
			:: else -> report(n, MSG_STARTED, 0)
			fi
		fi
	   }

	/* ---- PREPARE: the target checks that DRBD is connected and UpToDate ---- */
	:: atomic {
		RUNS_STEPS(n, K_PREPARE) ->
		if
		:: utd[n] && CONN(n, own[n]) -> report(n, MSG_PREPARED, 1)
		:: fails < MAXFAIL -> fails++; report(n, MSG_PREPARED, 0)
		:: !(utd[n] && CONN(n, own[n])) -> report(n, MSG_PREPARED, 0)
		fi
	   }

	/* ---- RELEASE: empty dump dir + dump, sync + complete, stop + umount, demote ---- */
	:: atomic {
		RUNS_STEPS(n, K_RELEASE) && inst[n] && !frz[n] && mnt[n] ->
		printf("MODEL: %c empties the dump directory, freezes and dumps\n", 65 + n);
		complete = 0; consumed = 0; consumer = NONE; frz[n] = 1
	   }
	:: atomic {
		RUNS_STEPS(n, K_RELEASE) && frz[n] && complete != aep[n] ->
		printf("MODEL: %c syncs, writes marker complete=%d\n", 65 + n, aep[n]);
		complete = aep[n]; fresh = 1
	   }
	:: atomic {
		RUNS_STEPS(n, K_RELEASE) && frz[n] && complete == aep[n] ->
		printf("MODEL: %c stops the frozen instance, umounts\n", 65 + n);
		inst[n] = 0; frz[n] = 0; mnt[n] = 0
	   }
	:: atomic {
		RUNS_STEPS(n, K_RELEASE) && !inst[n] && !mnt[n] && pri[n] && complete == aep[n] ->
		printf("MODEL: %c demotes\n", 65 + n);
		pri[n] = 0;
		report(n, MSG_RELEASED, 1)
	   }
	/* a release step fails (a driver failure, nothing to dump, or the
	 * self-fence took it all down meanwhile): undo, newest first */
	:: atomic {
		RUNS_STEPS(n, K_RELEASE) && ((pri[n] && fails < MAXFAIL) || (!inst[n] && complete != aep[n]) || !pri[n]) ->
		if :: pri[n] && fails < MAXFAIL -> fails++ :: else fi;
		printf("MODEL: %c: a release step fails; undo\n", 65 + n);
		if
		:: SGATE(n) && pri[n] ->
			mnt[n] = 1;
			if
			:: frz[n] -> frz[n] = 0;                /* thaw: it never stopped */
				if :: complete == aep[n] -> t_de = aep[n]; consume(n, t_de); fresh = 0 :: else fi
			:: !frz[n] && !inst[n] && complete == aep[n] && consumed == 0 ->
				t_de = aep[n]; consume(n, t_de); restore(n, t_de)
			:: else
			fi;
			report(n, MSG_ABORT, inst[n])
		:: else ->                                      /* no mount, no restore without quorum */
			inst[n] = 0; frz[n] = 0;
			report(n, MSG_ABORT, 0)
		fi
	   }

	/* ---- ACQUIRE (target), TAKE_BACK (source), FAILOVER (new owner):
	 *      check disk, promote, mount, dump check, consumed marker, restore ---- */
	/* a gated step begins (promote, restore, cold start) or is one step (mount) */
	:: atomic {
		ACQUIRING(n) && !fl[n] && !pri[n] && SGATE(n) && utd[n] && NOPEER_PRI(n) ->
		printf("MODEL: %c promotes ...\n", 65 + n);
		fl[n] = 1
	   }
	:: atomic {
		ACQUIRING(n) && !fl[n] && pri[n] && !mnt[n] && SGATE(n) ->
		printf("MODEL: %c mounts\n", 65 + n);
		mnt[n] = 1
	   }
	:: atomic {
		ACQUIRING(n) && !fl[n] && mnt[n] && !inst[n] && SGATE(n) && !acons[n] &&
		DUMP_OK(DUMP_EPOCH(n), DUMP_FROM(n)) ->
		t_de = DUMP_EPOCH(n); consume(n, t_de); acons[n] = 1
	   }
	:: atomic {
		ACQUIRING(n) && !fl[n] && mnt[n] && !inst[n] && SGATE(n) && acons[n] ->
		printf("MODEL: %c restores ...\n", 65 + n);
		fl[n] = 1
	   }
	:: atomic {
		ACQUIRING(n) && !fl[n] && ak[n] == K_FAILOVER && mnt[n] && !inst[n] && SGATE(n) &&
		!acons[n] && !DUMP_OK(DUMP_EPOCH(n), NONE) ->
		printf("MODEL: %c starts it cold (no dump it may restore) ...\n", 65 + n);
		fl[n] = 1
	   }
	/* ... and ends.  Quorum lost meanwhile cancelled it (confchg); with
	 * -DNO_CANCEL it ends anyway, and its success counts */
	:: atomic {
		ACQUIRING(n) && fl[n] ->
		step_effect(n); fl[n] = 0;
		if
		:: inst[n] -> report(n, MSG_STARTED, 1)
		:: !inst[n] && pri[n] -> writes_go_on()
		:: else
		fi
	   }
	/* a step fails: promote refused (peer Primary, disk), no quorum, no dump, or a
	 * driver failure (budget; never in a failover); undo: umount, demote */
	:: atomic {
		ACQUIRING(n) && !fl[n] && !inst[n] &&
		(!SGATE(n) || (!pri[n] && ((!utd[n] && !(ak[n] != K_ACQUIRE && RESYNCING(n)))
		                           || (!NOPEER_PRI(n) && ak[n] != K_FAILOVER)))
		 || (ak[n] != K_FAILOVER && mnt[n] && !acons[n]
		     && !DUMP_OK(DUMP_EPOCH(n), DUMP_FROM(n)))
		 || (ak[n] == K_ACQUIRE && fails < MAXFAIL)) ->
		if :: ak[n] == K_ACQUIRE && fails < MAXFAIL -> fails++ :: else fi;
		printf("MODEL: %c: a step fails; umounts, demotes\n", 65 + n);
		let_go(n);
		if
		:: ak[n] == K_ACQUIRE -> report(n, MSG_HANDBACK, 1)
		:: else -> report(n, MSG_STARTED, 0)
		fi
	   }
	od
}

init
{
	atomic {
		i = 0;
		do
		:: i < N ->
			up[i] = 1; utd[i] = 1; cur[i] = 1; syn[i] = 7; pq[i] = 1; wq[i] = 1; lq[i] = 1;
			ph[i] = PHASE_RUNNING; own[i] = 0; tgt[i] = NONE; ep[i] = 1;
			i++
		:: else -> break
		od;
		pri[0] = 1; mnt[0] = 1; inst[0] = 1;
		run env(); run cpg(); run node(0); run node(1); run node(2)
	}
}
