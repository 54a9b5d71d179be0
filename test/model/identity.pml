/*
 * identity.pml - who speaks for a node (doc/protocol.md, "Who speaks for a
 * node"; plugin/rsm.c): the statuses every handoffd keeps of the CPG
 * group's members, checked with spin (test/model/run-model; `make
 * check-model`).  handoff.pml makes a whole sync one atomic step per side,
 * so it cannot show members that disagree about statuses; this model has
 * nothing but that, at the pace of each member.
 *
 * Scope: 3 nodes A, B, C (0, 1, 2 here; nodeids 1, 2, 3 in the C code).
 * On each node one handoffd (member 2k, "A.d") and at most one other CPG
 * process (member 2k+1, "A.x"): silent, or a forger that sends HELLO and
 * STATE (flagged RESYNC) as its node whenever it likes (-DMAXFORGE=0:
 * silent only).  At the start no sync is under way and the group is
 *   (default)          A.d, B.d, C.d, settled; A.x or C.x may join, leave;
 *   -DSTART_SILENT_C   A.d, B.d settled, C.x foreign: C's handoffd is down
 *                      (it may restart); a cut, its heal;
 *   -DSTART_OTHER_A    B.d, C.d settled, A.x foreign: A's handoffd is down
 *                      and restarts beside A.x;
 * with the bounds below (run-model picks them per configuration: every
 * event at every point of every other event's sync multiplies the states).
 *
 * What is modelled, and how:
 *  - CPG: one log of every delivery, in the agreed order, each entry with
 *    the nodes it is delivered to (its side of the network when it was
 *    sent or, for a confchg, the side it reports).  Each handoffd reads the
 *    log at its own pace (rd[k]), skipping what is not for its node, so
 *    members of one side handle the same entries in the same order but at
 *    different times.  A confchg is an entry too, with the side's new
 *    member list.  A message is appended when it is sent, after every
 *    confchg already in the log: it is delivered in the configuration it
 *    was ordered in (EVS); a sender that has not handled a confchg yet may
 *    so speak in a newer configuration than it knows, and its STATE,
 *    whose group is its own view, then counts for nobody (snap_current).
 *    What every live handoffd has read is dropped from the log.  A
 *    handoffd handles an entry and what follows up to the next confchg
 *    for it in one step: in between, its pace changes nothing it sends.
 *  - Faults: a handoffd crashes (it leaves the group; what it sent stays
 *    in the log) and restarts as a new pid (it joins, and knows nobody); a
 *    cut isolates one node, and heals; another process joins, and leaves.
 *  - Each handoffd k: its member list mem[k] (the last confchg it handled)
 *    and per member a status (MEMBER_UNKNOWN, MEMBER_DAEMON, MEMBER_FOREIGN)
 *    with SETTLED, CONTESTED, ANNOUNCED and REFUSED (the last two: in this
 *    sync, cleared at every sync start); syncing, and the nodes whose
 *    STATE it took in this sync (seen).  The rules (rsm.c):
 *    1. confchg: if somebody joined (from its own view; a joiner sees
 *       everyone join), every status is reset to unknown; else the members
 *       that stay keep status and SETTLED, and a contested one becomes
 *       unknown.  Every confchg starts a sync; the handoffd says HELLO at
 *       once and sends its STATE later (a probe).
 *    2. HELLO or STATE of X, on node N: refused if X is contested; if N
 *       has another handoffd Y, refused, and unless Y is SETTLED both are
 *       contested (foreign, not settled) and N's STATE of this sync is
 *       dropped; a refused X is REFUSED; else X is N's handoffd and
 *       ANNOUNCED (a foreign X: re-admitted, and outside a sync a new
 *       sync opens).
 *    3. FOREIGN from a handoffd (its timer: the members it sees unknown
 *       and silent since its sync began) marks each named member that is
 *       still unknown and silent since the sync began foreign; a handoffd
 *       that finds itself named says HELLO again.
 *    4. The barrier (all_states_seen): a sync ends when it took a STATE
 *       of this group from the handoffd of every node that has a member
 *       not foreign, and every member still unknown said something in
 *       this sync (ANNOUNCED or REFUSED) or was named foreign; then every
 *       handoffd member is SETTLED.  The second half is what keeps a
 *       forger's STATE, sent right after a join, from ending the sync
 *       before its node's handoffd's HELLO, which contests them.
 *    A STATE flagged RESYNC from a handoffd opens a sync where none is
 *    under way.
 *  - A handoffd sends its STATE whenever it likes after its confchg
 *    (no assumption about the probe's length against another handoffd's
 *    HELLO); the other processes send whenever they like.
 *  - TIMING_FOREIGN_AFTER_HELLO (an assumption of the properties, the
 *    only timing one): a timer sends FOREIGN once per sync, when its
 *    handoffd has handled everything and every handoffd of its side every
 *    confchg (FOREIGN_AFTER_MS, 4 s, is longer than a handoffd takes to
 *    say HELLO after a confchg): a handoffd is named foreign only after it
 *    had the chance to say HELLO.  -DSTALL drops it: a stalled handoffd
 *    is then named foreign, says HELLO again and is re-admitted; with the
 *    other process silent every property still holds, beside a forger
 *    no_settled_forger fails (the documented limit: the variant STALL).
 *  - -DXNODE=k: only node k has another process.
 *
 * Checked (test/model/run-model):
 *  - agreement: every handoffd that handles a log entry ends up with the
 *    same barrier (syncing, the STATEs taken, the nodes it waits for:
 *    agree_barrier) and the same member list and statuses, SETTLED,
 *    CONTESTED, ANNOUNCED and REFUSED included (agree_status; with the
 *    barrier's second half, the members it waits for), as the first one that
 *    handled it (the entry keeps that reference);
 *  - no takeover: another process becomes a node's handoffd in a view
 *    only when that view holds no settled handoffd of the node
 *    (no_takeover), and never ends a sync as its node's handoffd while its
 *    node's handoffd is in the group (no_settled_forger);
 *  - ltl sync_ends, <>[] quiet: every sync ends and every entry is
 *    handled, with the other processes silent where a node may lack its
 *    handoffd (a forger taken for the handoffd of a node without one can
 *    hold a sync as a handoffd could: a known limit), and with a forger
 *    beside running handoffds (id-join).  Every run of the model is finite, so pan -a without
 *    -f (weak fairness, which would hide the final state's stutter) is the
 *    stricter search.
 *
 * Variants: each must yield a counterexample (test/model/run-model):
 *   -DBEFORE_THIS_FIX   the rules before: statuses carried over for the
 *                       members that stay at every confchg, a heal
 *                       included; a joiner knows nobody; no contest, the
 *                       first announcer wins, no second half of the
 *                       barrier (checked: agree_barrier)
 *   -DNO_UNKNOWN_WAIT   drop the barrier's second half: a forger's STATE
 *                       right after a join ends the sync as its node,
 *                       before the handoffd's HELLO (no_settled_forger)
 *   -DSTALL             (with a forger) a handoffd stalled past
 *                       FOREIGN_AFTER_MS is named foreign, and the forger
 *                       beside it ends the sync as its node
 *                       (no_settled_forger): the documented limit
 *   -DNO_FOREIGN_TIMER  no handoffd sends FOREIGN
 *   -DNO_RESET_AT_JOIN  the members that stay keep their statuses at a
 *                       join too (the rest of the new rules as they are)
 *   -DLAST_ANNOUNCER_WINS  an announcement beside a settled handoffd
 *                       takes its node over (no_takeover)
 */

/* ---- names shared with cpg/wire.h (test/model/check-names compares them) ---- */
/* enum wire_type: the messages that say who speaks for a node */
#define MSG_STATE     1
#define MSG_HELLO     14
#define MSG_FOREIGN   15
/* enum wire_member_status */
#define MEMBER_UNKNOWN 0
#define MEMBER_DAEMON  1
#define MEMBER_FOREIGN 2

/* ---- bounds (override with -D) ---- */
#ifndef MAXCRASH
#define MAXCRASH 1      /* handoffd crashes */
#endif
#ifndef MAXRESTART
#define MAXRESTART 1    /* ... restarts (a new pid) */
#endif
#ifndef MAXCUT
#define MAXCUT 1        /* network cuts that isolate one node, each may heal */
#endif
#ifndef MAXJOIN
#define MAXJOIN 1       /* other CPG processes that join */
#endif
#ifndef MAXLEAVE
#define MAXLEAVE 1      /* ... and leave again */
#endif
#ifndef MAXFORGE
#define MAXFORGE 2      /* HELLOs and STATEs the other processes send, in all */
#endif
#ifndef MAXRESYNC
#define MAXRESYNC 1     /* RESYNC STATEs */
#endif
#ifndef LOGCAP
#define LOGCAP 20       /* log entries not yet read by every handoffd */
#endif

#define N     3
#define NM    6         /* members: node k's handoffd is 2k, its other process 2k+1 */
#define NONE  3
#define ALLN  7
#define D(k)  (2 * (k))
#define O(k)  (2 * (k) + 1)
#define BIT(b) (1 << (b))

/* -DXNODE=k: only node k has another process (id-join: with no crash and
 * no cut, A and C are alike, so A alone shows what both would) */
#ifdef XNODE
#define XON(k) ((k) == XNODE)
#else
#define XON(k) true
#endif

/* the node whose handoffd may crash and restart */
#ifndef CRASHNODE
#ifdef START_OTHER_A
#define CRASHNODE 0
#else
#define CRASHNODE 2
#endif
#endif

#define CONFCHG 0       /* a log entry that is a confchg, not a message */
#define RESYNC  64      /* STATE: the flag, beside the sender's group (bits 0-5) */

/* a member's identity record in a handoffd's view: status and flags */
#define ST        3
#define SETTLED   4
#define CONTESTED 8
#define ANNOUNCED 16
#define REFUSED   32      /* its announcement was refused in this sync */

/* ---- the world ---- */
byte alive = 21;        /* the group's members (bitmask): A.d, B.d, C.d */
byte cut = NONE;        /* the node the cut isolates */
byte downd;             /* nodes whose handoffd crashed and did not restart yet */
byte ncrash, nrestart, ncut, njoin, nleave, nforge, nresync;

/* ---- the agreed order: one log, each entry for the nodes in ld ---- */
byte nlog;
byte lk[LOGCAP];        /* CONFCHG, MSG_HELLO, MSG_STATE, MSG_FOREIGN */
byte ls[LOGCAP];        /* the sender (member) */
byte ld[LOGCAP];        /* the nodes it is delivered to */
byte la[LOGCAP];        /* CONFCHG: the members; STATE: group | RESYNC; FOREIGN: the names */
bit  lref[LOGCAP];      /* a handoffd handled it: the reference below is set */
byte rbar[LOGCAP];      /* ... its barrier after it: syncing | seen << 1 | waits for << 4 */
byte rmem[LOGCAP];      /* ... its member list */
byte rid[LOGCAP * NM];  /* ... its identity records */

/* ---- each node's handoffd ---- */
byte rd[N];             /* its read index into the log */
byte pc[N];             /* confchgs in the log for it that it has not handled */
byte mem[N];            /* the group, as the last confchg it handled said */
byte id[N * NM];        /* its record of each member (status | flags) */
bit  syncing[N];
byte seen[N];           /* the nodes whose STATE it took in this sync */
bit  spend[N];          /* its STATE is due (the probe runs) */
bit  fsent[N];          /* its timer sent FOREIGN in this sync */

hidden byte ei, si, xi, yi, ui, lo, ti, wf, Li, sd, sa;
hidden byte ok, wasf, allseen;
hidden byte log_room, agree_barrier, agree_status, no_takeover, no_settled_forger;

#define STAT(k, m)   (id[(k) * NM + (m)] & ST)
#define ISMEM(k, m)  ((mem[k] & BIT(m)) != 0)
#define UP(k)        ((alive & BIT(D(k))) != 0)
/* the nodes of node j's side now, and their members */
#define SIDE(j)  (cut == NONE -> ALLN : (cut == (j) -> BIT(j) : (ALLN & ~BIT(cut))))
#define NMEM(S)  ((((S) & 1) -> 3 : 0) | (((S) & 2) -> 12 : 0) | (((S) & 4) -> 48 : 0))
/* the members k sees unknown and silent since its sync began (its timer's names) */
#define SIL(k, m) ((ISMEM(k, m) && (id[(k) * NM + (m)] & (ST | ANNOUNCED)) == 0) -> BIT(m) : 0)
#define SILENT(k) (SIL(k, 0) | SIL(k, 1) | SIL(k, 2) | SIL(k, 3) | SIL(k, 4) | SIL(k, 5))
/* every handoffd of k's side handled every confchg (and so said HELLO) */
#define HANDLED(k, j) (!(SIDE(k) & BIT(j)) || pc[j] == 0)
#define HELLO_SAID_ALL(k) (HANDLED(k, 0) && HANDLED(k, 1) && HANDLED(k, 2))

/* TIMING_FOREIGN_AFTER_HELLO (an assumption of the properties):
 * FOREIGN_AFTER_MS is longer than any handoffd takes to handle a confchg
 * (-DSTALL: a handoffd may stall past it, the documented limit) */
#ifdef STALL
#define TIMER_LATE(k) true
#else
#define TIMER_LATE(k) HELLO_SAID_ALL(k)
#endif

/* every sync ended and every entry is handled (ltl sync_ends) */
#define QUIET(k) (!UP(k) || (!syncing[k] && !spend[k] && rd[k] == nlog))
#define quiet (QUIET(0) && QUIET(1) && QUIET(2))

inline append(kind, snd, dst, arg)
{
	log_room = (nlog < LOGCAP);
	assert(log_room);
	lk[nlog] = kind; ls[nlog] = snd; ld[nlog] = dst; la[nlog] = arg;
	nlog++
}

/* a confchg of the side sd (its nodes): its members as they are now */
inline confchg()
{
	sa = alive & NMEM(sd);
	append(CONFCHG, 0, sd, sa);
	ui = 0;
	do
	:: ui < N -> if :: UP(ui) && (sd & BIT(ui)) -> pc[ui]++ :: else fi; ui++
	:: else -> break
	od
}

/* every handoffd skips what is not for its node; drop what all have read */
inline normalize()
{
	ui = 0;
	do
	:: ui < N ->
		if
		:: UP(ui) ->
			do
			:: rd[ui] < nlog && !(ld[rd[ui]] & BIT(ui)) -> rd[ui]++
			:: else -> break
			od
		:: else -> rd[ui] = 0
		fi;
		ui++
	:: else -> break
	od;
	lo = nlog; ui = 0;
	do
	:: ui < N -> if :: UP(ui) && rd[ui] < lo -> lo = rd[ui] :: else fi; ui++
	:: else -> break
	od;
	if
	:: lo > 0 ->
		ui = 0;
		do
		:: ui + lo < nlog ->
			lk[ui] = lk[ui + lo]; ls[ui] = ls[ui + lo]; ld[ui] = ld[ui + lo]; la[ui] = la[ui + lo];
			lref[ui] = lref[ui + lo]; rbar[ui] = rbar[ui + lo]; rmem[ui] = rmem[ui + lo];
			ti = 0;
			do
			:: ti < NM -> rid[ui * NM + ti] = rid[(ui + lo) * NM + ti]; ti++
			:: else -> break
			od;
			ui++
		:: else -> break
		od;
		do
		:: ui < nlog ->
			lk[ui] = 0; ls[ui] = 0; ld[ui] = 0; la[ui] = 0; lref[ui] = 0; rbar[ui] = 0; rmem[ui] = 0;
			ti = 0;
			do
			:: ti < NM -> rid[ui * NM + ti] = 0; ti++
			:: else -> break
			od;
			ui++
		:: else -> break
		od;
		nlog = nlog - lo;
		ui = 0;
		do
		:: ui < N -> if :: UP(ui) -> rd[ui] = rd[ui] - lo :: else fi; ui++
		:: else -> break
		od
	:: else
	fi
}

inline start_sync(k)
{
	syncing[k] = 1; seen[k] = 0; spend[k] = 1; fsent[k] = 0;
	ti = 0;
	do
	:: ti < NM -> id[k * NM + ti] = id[k * NM + ti] & ~(ANNOUNCED | REFUSED); ti++
	:: else -> break
	od
}

/* the nodes k's barrier waits for: a member not foreign (into w) */
inline waits_for(k)
{
	wf = 0; ti = 0;
	do
	:: ti < NM ->
		if :: ISMEM(k, ti) && STAT(k, ti) != MEMBER_FOREIGN -> wf = wf | BIT(ti / 2) :: else fi;
		ti++
	:: else -> break
	od
}

inline merge(k)
{
	printf("MODEL: %c.d's sync ends\n", 65 + k);
	syncing[k] = 0; seen[k] = 0;
	ti = 0;
	do
	:: ti < NM ->
#ifndef BEFORE_THIS_FIX
		if
		:: STAT(k, ti) == MEMBER_DAEMON -> id[k * NM + ti] = id[k * NM + ti] | SETTLED
		:: else -> id[k * NM + ti] = id[k * NM + ti] & ~SETTLED
		fi;
#endif
		ti++
	:: else -> break
	od;
	/* no_settled_forger: a sync never ends with another process speaking
	 * for a node whose handoffd is in the group */
	ti = 0;
	do
	:: ti < N ->
		no_settled_forger = !(ISMEM(k, D(ti)) && STAT(k, O(ti)) == MEMBER_DAEMON);
		if
		:: !no_settled_forger ->
			printf("MODEL: %c.x is node %c's settled handoffd in %c.d's view, beside %c.d\n",
			       65 + ti, 65 + ti, 65 + k, 65 + ti)
		:: else
		fi;
		assert(no_settled_forger);
		ti++
	:: else -> break
	od
}

/* the barrier's second half (rule 19): every member k knows nothing of
 * said something in this sync, accepted or refused, or was named foreign.
 * It keeps a forger that races its node's handoffd after a join from
 * ending the sync before that handoffd's HELLO, which contests them. */
#if defined(NO_UNKNOWN_WAIT) || defined(BEFORE_THIS_FIX)
#define UNHEARD(k, m) false
#else
#define UNHEARD(k, m) (ISMEM(k, m) && (id[(k) * NM + (m)] & (ST | ANNOUNCED | REFUSED)) == 0)
#endif
#define ALL_HEARD(k) !(UNHEARD(k, 0) || UNHEARD(k, 1) || UNHEARD(k, 2) || \
		       UNHEARD(k, 3) || UNHEARD(k, 4) || UNHEARD(k, 5))

inline barrier(k)
{
	waits_for(k);
	allseen = ((wf & seen[k]) == wf) && ALL_HEARD(k);
	if :: syncing[k] && allseen -> merge(k) :: else fi
}

/* the variant LAST_ANNOUNCER_WINS: an announcement beside a settled
 * handoffd takes the node over (it falls through to the accepting branch) */
#ifdef LAST_ANNOUNCER_WINS
#define LAST_WINS(k) ((id[(k) * NM + yi] & SETTLED) != 0)
#else
#define LAST_WINS(k) false
#endif

/* X announces itself to k (HELLO or STATE): ok when accepted */
inline announce(k, X)
{
	yi = X ^ 1;     /* the other member of X's node */
	if
	:: id[k * NM + X] & CONTESTED -> ok = 0
	:: !(id[k * NM + X] & CONTESTED) && ISMEM(k, yi) && STAT(k, yi) == MEMBER_DAEMON &&
	   !LAST_WINS(k) ->
		ok = 0;
#ifndef BEFORE_THIS_FIX
		if
		:: !(id[k * NM + yi] & SETTLED) ->
			id[k * NM + X] = (id[k * NM + X] & (ANNOUNCED | REFUSED)) | MEMBER_FOREIGN | CONTESTED;
			id[k * NM + yi] = (id[k * NM + yi] & (ANNOUNCED | REFUSED)) | MEMBER_FOREIGN | CONTESTED;
			seen[k] = seen[k] & ~BIT(X / 2)
		:: else
		fi
#endif
	:: else ->
		ok = 1;
		if
		:: STAT(k, X) != MEMBER_DAEMON ->
			/* no_takeover: the other process is no node's handoffd while
			 * that node's settled handoffd is in the view */
			no_takeover = !((X & 1) && ISMEM(k, yi) && STAT(k, yi) == MEMBER_DAEMON &&
					(id[k * NM + yi] & SETTLED));
			assert(no_takeover);
			wasf = (STAT(k, X) == MEMBER_FOREIGN);
			id[k * NM + X] = (id[k * NM + X] & ~ST) | MEMBER_DAEMON;
			if :: wasf && !syncing[k] -> start_sync(k) :: else fi
		:: else
		fi
	fi
}

/* somebody joined, in k's view (rule 1) */
#ifdef NO_RESET_AT_JOIN
#define JOINED(k) false
#else
#define JOINED(k) ((Li & ~mem[k]) != 0)
#endif

inline on_confchg(k, Lm)
{
	Li = Lm;
	xi = 0;
	do
	:: xi < NM ->
		if
		:: !(Li & BIT(xi)) -> id[k * NM + xi] = 0
#ifndef BEFORE_THIS_FIX
		:: (Li & BIT(xi)) && (JOINED(k) || !ISMEM(k, xi)) -> id[k * NM + xi] = 0
		:: (Li & BIT(xi)) && !JOINED(k) && ISMEM(k, xi) ->
			if
			:: id[k * NM + xi] & CONTESTED -> id[k * NM + xi] = 0
			:: else -> id[k * NM + xi] = id[k * NM + xi] & (ST | SETTLED)
			fi
#else
		:: (Li & BIT(xi)) && !ISMEM(k, xi) -> id[k * NM + xi] = 0
		:: (Li & BIT(xi)) && ISMEM(k, xi) -> id[k * NM + xi] = id[k * NM + xi] & ST
#endif
		fi;
		xi++
	:: else -> break
	od;
	mem[k] = Li;
	pc[k]--;
	start_sync(k);
	sd = SIDE(k);
	append(MSG_HELLO, D(k), sd, 0)
}

inline on_hello(k, X)
{
	if
	:: ISMEM(k, X) ->
		announce(k, X);
		if
		:: ok -> id[k * NM + X] = id[k * NM + X] | ANNOUNCED
		:: else -> id[k * NM + X] = id[k * NM + X] | REFUSED; barrier(k)
		fi
	:: else
	fi
}

inline on_state(k, X, a)
{
	if
	:: ISMEM(k, X) ->
		if
		:: STAT(k, X) == MEMBER_DAEMON && !syncing[k] && (a & RESYNC) -> start_sync(k)
		:: else
		fi;
		announce(k, X);
		if
		:: !ok -> id[k * NM + X] = id[k * NM + X] | REFUSED; barrier(k)
		:: ok ->
			id[k * NM + X] = id[k * NM + X] | ANNOUNCED;
			if
			:: syncing[k] && (a & ~RESYNC) == mem[k] -> seen[k] = seen[k] | BIT(X / 2); barrier(k)
			:: else
			fi
		fi
	:: else
	fi
}

inline on_foreign(k, X, F)
{
	if
	:: ISMEM(k, X) && STAT(k, X) == MEMBER_DAEMON ->
		xi = 0;
		do
		:: xi < NM ->
			if
			:: (F & BIT(xi)) && ISMEM(k, xi) && (id[k * NM + xi] & (ST | ANNOUNCED)) == 0 ->
				id[k * NM + xi] = id[k * NM + xi] | MEMBER_FOREIGN;
				if :: xi == D(k) -> sd = SIDE(k); append(MSG_HELLO, D(k), sd, 0) :: else fi
			:: else
			fi;
			xi++
		:: else -> break
		od;
		barrier(k)
	:: else
	fi
}

/* k's result of entry E equals the first handler's */
inline agree(k, E)
{
	waits_for(k);
	if
	:: lref[E] ->
		agree_barrier = (rbar[E] == (syncing[k] | seen[k] << 1 | wf << 4));
		if
		:: !agree_barrier ->
			printf("MODEL: %c.d's barrier waits for nodes %d (syncing %d, STATEs of %d; 1 A, 2 B, 4 C); ",
			       65 + k, wf, syncing[k], seen[k]);
			printf("the first to handle this entry's: nodes %d (syncing %d, STATEs of %d)\n",
			       rbar[E] >> 4, rbar[E] & 1, (rbar[E] >> 1) & 7)
		:: else
		fi;
		assert(agree_barrier);
#ifndef BEFORE_THIS_FIX
		agree_status = (rmem[E] == mem[k]);
		ti = 0;
		do
		:: ti < NM -> agree_status = agree_status && rid[E * NM + ti] == id[k * NM + ti]; ti++
		:: else -> break
		od;
		assert(agree_status)
#endif
	:: else ->
		lref[E] = 1;
		rbar[E] = syncing[k] | seen[k] << 1 | wf << 4;
		rmem[E] = mem[k];
		ti = 0;
		do
		:: ti < NM -> rid[E * NM + ti] = id[k * NM + ti]; ti++
		:: else -> break
		od
	fi
}

inline show_member(m)
{
	if
	:: (m) & 1 -> printf("%c.x", 65 + (m) / 2)
	:: else -> printf("%c.d", 65 + (m) / 2)
	fi
}

/* k handles the next entry for it */
inline handle_one(k)
{
	ei = rd[k];
	printf("MODEL: %c.d handles ", 65 + k);
	if
	:: lk[ei] == CONFCHG ->
		printf("confchg {"); si = 0;
		do
		:: si < NM -> if :: la[ei] & BIT(si) -> printf(" "); show_member(si) :: else fi; si++
		:: else -> break
		od;
		printf(" }\n");
		on_confchg(k, la[ei])
	:: lk[ei] == MSG_HELLO ->
		printf("HELLO from "); show_member(ls[ei]); printf("\n");
		on_hello(k, ls[ei])
	:: lk[ei] == MSG_STATE ->
		printf("STATE from "); show_member(ls[ei]);
		if :: la[ei] & RESYNC -> printf(" (RESYNC)\n") :: else -> printf("\n") fi;
		on_state(k, ls[ei], la[ei])
	:: lk[ei] == MSG_FOREIGN ->
		printf("FOREIGN from "); show_member(ls[ei]); printf(" naming %d\n", la[ei]);
		on_foreign(k, ls[ei], la[ei])
	fi;
	agree(k, ei);
	rd[k]++
}

/* k handles the next entry for it and what follows up to the next
 * confchg for it, in one step: between confchgs its pace changes nothing
 * it sends (a STATE's group is its view of the group; FOREIGN waits for
 * it to have handled everything) */
inline handle(k)
{
	handle_one(k);
	do
	:: rd[k] < nlog && (ld[rd[k]] & BIT(k)) && lk[rd[k]] != CONFCHG -> handle_one(k)
	:: rd[k] < nlog && !(ld[rd[k]] & BIT(k)) -> rd[k]++
	:: else -> break
	od;
	normalize()
}

proctype handoffd(byte k)
{
end:	do
	:: d_step { UP(k) && rd[k] < nlog -> handle(k) }
	:: d_step { UP(k) && spend[k] ->
		spend[k] = 0;
		printf("MODEL: %c.d sends STATE\n", 65 + k);
		sd = SIDE(k);
		append(MSG_STATE, D(k), sd, mem[k]);
		normalize() }
	:: d_step { UP(k) && !syncing[k] && !spend[k] && nresync < MAXRESYNC ->
		nresync++;
		printf("MODEL: %c.d sends STATE (RESYNC)\n", 65 + k);
		sd = SIDE(k);
		append(MSG_STATE, D(k), sd, mem[k] | RESYNC);
		normalize() }
#ifndef NO_FOREIGN_TIMER
	:: d_step { UP(k) && !fsent[k] && rd[k] == nlog && TIMER_LATE(k) && SILENT(k) != 0 ->
		fsent[k] = 1;
		sd = SIDE(k); sa = SILENT(k);
		printf("MODEL: %c.d's timer sends FOREIGN naming %d\n", 65 + k, sa);
		append(MSG_FOREIGN, D(k), sd, sa);
		normalize() }
#endif
	od
}

inline crash(k)
{
	d_step { ncrash < MAXCRASH && UP(k) ->
		ncrash++; alive = alive & ~BIT(D(k)); downd = downd | BIT(k);
		rd[k] = 0; pc[k] = 0; mem[k] = 0; syncing[k] = 0; seen[k] = 0; spend[k] = 0; fsent[k] = 0;
		ti = 0;
		do
		:: ti < NM -> id[k * NM + ti] = 0; ti++
		:: else -> break
		od;
		printf("MODEL: %c.d crashes\n", 65 + k);
		sd = SIDE(k);
		confchg();
		normalize() }
}

inline restart(k)
{
	d_step { nrestart < MAXRESTART && (downd & BIT(k)) ->
		nrestart++; downd = downd & ~BIT(k); alive = alive | BIT(D(k));
		rd[k] = nlog;
		printf("MODEL: %c.d restarts (a new pid)\n", 65 + k);
		sd = SIDE(k);
		confchg();
		normalize() }
}

inline join(k)
{
	d_step { XON(k) && njoin < MAXJOIN && !(alive & BIT(O(k))) ->
		njoin++; alive = alive | BIT(O(k));
		printf("MODEL: %c.x joins the group\n", 65 + k);
		sd = SIDE(k);
		confchg();
		normalize() }
}

inline leave(k)
{
	d_step { nleave < MAXLEAVE && (alive & BIT(O(k))) ->
		nleave++; alive = alive & ~BIT(O(k));
		printf("MODEL: %c.x leaves the group\n", 65 + k);
		sd = SIDE(k);
		confchg();
		normalize() }
}

inline cut_off(k)
{
	d_step { ncut < MAXCUT && cut == NONE ->
		ncut++; cut = k;
		printf("MODEL: the network cuts %c off\n", 65 + k);
		sd = BIT(k);
		confchg();
		sd = ALLN & ~BIT(k);
		confchg();
		normalize() }
}

proctype env()
{
end:	do
	:: cut_off(0)
	:: cut_off(1)
	:: cut_off(2)
	:: d_step { cut != NONE ->
		printf("MODEL: the network heals\n");
		cut = NONE;
		sd = ALLN;
		confchg();
		normalize() }
	:: join(0)
	:: join(2)
	:: leave(0)
	:: leave(2)
	:: crash(CRASHNODE)
	:: restart(CRASHNODE)
	od
}

/* another process's forgery: HELLO, or a STATE of the group as it is,
 * flagged RESYNC (outside a sync it opens one if the forger is taken for
 * its node's handoffd; without the flag it would be an announcement, as
 * HELLO) */
inline forge(k)
{
	d_step { nforge < MAXFORGE && (alive & BIT(O(k))) ->
		nforge++;
		printf("MODEL: %c.x sends HELLO\n", 65 + k);
		sd = SIDE(k);
		append(MSG_HELLO, O(k), sd, 0);
		normalize() }
}

inline forge_state(k)
{
	d_step { nforge < MAXFORGE && (alive & BIT(O(k))) ->
		nforge++;
		printf("MODEL: %c.x sends STATE (RESYNC)\n", 65 + k);
		sd = SIDE(k); sa = (alive & NMEM(sd)) | RESYNC;
		append(MSG_STATE, O(k), sd, sa);
		normalize() }
}

proctype other()
{
end:	do
	:: forge(0)
	:: forge(2)
	:: forge_state(0)
	:: forge_state(2)
	od
}

init
{
	atomic {
#if defined(START_SILENT_C)
		/* C's handoffd is down (it may restart), C.x was named foreign */
		alive = BIT(D(0)) | BIT(D(1)) | BIT(O(2));
		downd = BIT(2);
		ncrash = MAXCRASH;
		njoin = MAXJOIN;
#elif defined(START_OTHER_A)
		/* A's handoffd is down (it may restart), A.x was named foreign */
		alive = BIT(O(0)) | BIT(D(1)) | BIT(D(2));
		downd = BIT(0);
		ncrash = MAXCRASH;
		njoin = MAXJOIN;
#endif
		xi = 0;
		do
		:: xi < N ->
			if
			:: UP(xi) ->
				mem[xi] = alive;
				yi = 0;
				do
				:: yi < NM ->
					if
					:: (alive & BIT(yi)) && !(yi & 1) -> id[xi * NM + yi] = MEMBER_DAEMON | SETTLED
					:: (alive & BIT(yi)) && (yi & 1) -> id[xi * NM + yi] = MEMBER_FOREIGN
					:: else
					fi;
					yi++
				:: else -> break
				od
			:: else
			fi;
			xi++
		:: else -> break
		od;
		xi = 0; yi = 0;
		run env();
		run handoffd(0);
		run handoffd(1);
		run handoffd(2);
#if MAXFORGE > 0
		run other()
#endif
	}
}

ltl sync_ends { <> [] quiet }
