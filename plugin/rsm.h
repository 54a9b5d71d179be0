/*
 * rsm.h - the replicated state machine: the resource table that every
 * member computes identically from the same ordered CPG messages.
 *
 * It is a pure function of its inputs, (state, event) -> (state', actions):
 * no I/O, no clock, no corosync, so it is unit-tested transition by
 * transition and mirrors the protocol model.  The daemon feeds it
 * membership changes and delivered messages, and carries out the actions
 * addressed to the local node (run a driver op, send a message, answer a
 * waiting handoffctl).
 *
 * The sync barrier: after every confchg each member multicasts STATE (its
 * table, config digest, protocol range and local facts).  Until the STATE
 * of every current member has been delivered, every other message is held
 * in order; then all members run the same merge and replay the held
 * messages.  Because CPG delivers the confchg and the messages at the same
 * point of the total order on every member, all of them hold and replay the
 * same messages and reach the same table.
 *
 * A STATE flagged WIRE_STATE_RESYNC outside a sync opens a new one on
 * every member (a quorum that came late, a lost owner that let go).
 *
 * Who speaks for a node (doc/protocol.md, rules 17-22): the CPG group can
 * hold any libcpg process, so the rsm keeps every member as (nodeid, pid)
 * with a status.  A member is its node's handoffd once it announced itself
 * (HELLO, which a handoffd multicasts at once after every confchg, or a
 * STATE), and only if its node has no other handoffd member; every other
 * message must come from that (nodeid, pid), or it is dropped (n_dropped,
 * drop_why).  The barrier waits for the STATE of every node that has a
 * member not marked foreign, and for every member nobody knows yet to
 * announce itself (accepted or refused) or be marked foreign.  A member that announced nothing is marked
 * foreign only by a delivered FOREIGN message, never by a local clock: the
 * daemon's timer (FOREIGN_AFTER_MS) merely sends it, and every member
 * applies it at the same point of the order to the named members that have
 * announced nothing since the sync began.
 *
 * Statuses are a function of the ordered history since the last confchg in
 * which somebody joined, which every member of the group shares: at such a
 * confchg (a process joins, a partition heals) every member forgets every
 * status; at one where members only left, those that stay keep theirs.
 * Nobody has to learn what others knew before it came.  A second member of
 * a node announcing itself is refused once that node's handoffd is
 * settled (a sync ended with it); in the same sync as the handoffd's own
 * announcement, both are contested: neither speaks for the node until the
 * next confchg.  A foreign member that announces itself later, on a node
 * without a handoffd, is one again (re-admitted: a sync opens when none is
 * under way).
 *
 * The merge: per resource, the entry of the newest quorate table wins
 * (table_gen), then the one with the highest epoch (epochs only grow
 * through quorum-gated decisions, so it is the newest decision); ties go
 * to the further phase, then to the lower sender nodeid.  The dump the
 * entry names (dump_epoch, dump_id) and its lost owners come with it.  A
 * node that restarts seeds its table with the epochs and dumps it kept
 * (rsm_seed), so after a restart of every node the merge still takes the
 * newest.  Every node's standby flag (with its generation) and the
 * history are merged from the same STATEs first (doc/protocol.md, rules
 * 23, 24; rsm_admin.c), and seeded from local-state too; so is
 * maintenance (rules 33-35; rsm_maint.c), which withholds every decision
 * about what it names until a quorate merge adopts what runs.  Local
 * facts then repair it: a workload that runs on exactly one member is
 * adopted there; a member that runs or holds Primary for a resource it does
 * not own stops and demotes it at once.
 */
#ifndef HANDOFF_RSM_H
#define HANDOFF_RSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cpg/wire.h"
#include "handoff_conf.h"

#define RSM_MAX_NODES 64
#define RSM_MAX_MEMBERS WIRE_MEMBERS_MAX
/* How long a handoffd lets a group member stay silent (no HELLO, no STATE)
 * in a sync before it multicasts FOREIGN naming it.  A handoffd says HELLO
 * as it handles the confchg, before any probe, so only a member that is
 * not a handoffd (or one whose loop stalled this long) is named. */
#define FOREIGN_AFTER_MS 4000
/* Messages the barrier holds from one member (a wire_msg is ~0.9 KB): a
 * handoffd holds a few requests and reports per resource, a flooder no more
 * than this.  Every member counts alike (the group and the order are the
 * same everywhere, statuses need not be), and drops the rest. */
#define RSM_HELD_PER_MEMBER(n_res) (512 + 4 * (n_res))

/*
 * Timings: what a node advertises in its STATE, so that the others can
 * tell whether its fence_delay covers their self-fence (S1, S2).  The
 * deadline another node may count on for node X is
 * X.self_fence_timeout + X.watchdog (only when X has an armed watchdog:
 * without one no timer makes X fenced, and a failover of what X ran waits
 * for X to come back or for a FENCE_CONFIRM).  A member A whose
 * fence_delay is not longer than some member B's deadline plus the
 * detection time (token + consensus, the larger of A's and B's) would
 * promote while B may still hold the volume: A is never a new owner or
 * target (rsm_ineligible says why).
 */
struct rsm_timing {
	uint32_t self_fence_timeout_ms;
	uint32_t fence_delay_ms;     /* 0: not advertised (no check) */
	uint32_t watchdog_ms;        /* the armed watchdog's own timeout; 0: none */
	uint32_t detect_ms;          /* corosync's token + consensus */
};

struct rsm_node {
	uint32_t nodeid;
	char name[64];
	bool member;
	bool state_seen;          /* its STATE arrived in the current sync */
	uint64_t digest;
	uint16_t proto_min, proto_max;
	bool eligible;            /* same config as the reference, protocol ok */
	bool standby;             /* no place for resources: what it runs moves away */
	/* how many STANDBY decisions about it the table knows of (kept in
	 * local-state, merged from every STATE: rule 23); 0: never set */
	uint64_t standby_gen;
	/* in maintenance: the table decides nothing about what it owns, and
	 * it is no place for a resource (rules 33-35); with its generation,
	 * merged like standby */
	bool maint;
	uint64_t maint_gen;
	bool quorate_now;         /* its STATE said: quorate in this ring */
	struct rsm_timing timing; /* from its last STATE (kept after it left) */
	bool timing_seen;
	/* its fence_delay does not cover another member's deadline: the reason */
	char timing_why[160];
	bool fence_confirmed;     /* a FENCE_CONFIRM since it was last a member */
	struct wire_state state;  /* its last STATE, until the merge */
	uint32_t state_pid;       /* ... sent by this member (its handoffd) */
};

/* A member of the CPG group (enum wire_member_status). */
struct rsm_member {
	uint32_t nodeid, pid;
	uint8_t status;
	bool announced;           /* HELLO or STATE since the current sync began */
	bool refused;             /* ... that was refused */
	/* a handoffd that a sync ended with: a second member of its node that
	 * announces itself is refused (before that, both are contested) */
	bool settled;
	/* it and another member of its node announced themselves in one sync:
	 * foreign, and refused, until the next confchg */
	bool contested;
	uint32_t n_held;          /* its messages held by the barrier now */
};

struct rsm_res {
	const struct resource_conf *conf;
	/* 0: none.  During a migration the source stays the owner until the
	 * target's STARTED; target is the node it moves to. */
	uint32_t owner;
	enum phase phase;
	uint64_t epoch;
	uint32_t target;
	char last_error[WIRE_STR_MAX + 1];
	bool owner_lost;          /* owner is not a member any more */
	uint32_t ms[WIRE_TIMES];  /* the running migration's phase times so far */
	bool drain_failed;        /* a move off a standby node failed: not again */
	/* The dump the table names (S3): a dump of dump_epoch whose markers
	 * carry dump_id may be restored, if it is complete and not consumed.
	 * A migration's target sets both in PREPARED; a failover keeps them
	 * from the phase it interrupted; a start clears them.  0: none. */
	uint64_t dump_epoch;
	uint8_t dump_id[WIRE_ID_LEN];
	bool fresh;               /* no request changed it since the cluster formed */
	uint32_t lost_owner;      /* FAILING_OVER: the owner that was lost last (history) */
	/* FAILING_OVER: every lost node that may still hold it, until it is
	 * fenced (enum wire_lost_fence) or back holding nothing; in STATE */
	struct wire_lost lost[WIRE_LOST_MAX];
	uint8_t n_lost;
	uint8_t disk[RSM_MAX_NODES];   /* each node's disk state at the last sync (by index in nodes[]) */
	/* each node's STATE at the last sync had an entry for it: its
	 * configuration has it (by index in nodes[]; rule 37) */
	bool known[RSM_MAX_NODES];
	/* Health (doc/protocol.md, "Monitoring and restart in place"): the
	 * failures the owners reported since the count began (a cleanup, or a
	 * failure more than failure_timeout after the one before starts it
	 * again), the last one's time on its reporter's clock and reason; in
	 * STATE, so that a joiner counts as everyone does. */
	uint16_t fail_count;
	uint64_t last_fail_ms;
	char last_fail[WIRE_STR_MAX + 1];
	bool restarting;          /* STOPPING to start again on the same owner */
	/* Relocation (rules 29-32): how many times the recovery policy moved
	 * it since the count began (reset with the fail count: a cleanup, or
	 * failure_timeout between two failures); in STATE. */
	uint16_t reloc_count;
	bool relocating;          /* STOPPING to start cold on target (rule 29) */
	/* Maintenance (doc/protocol.md rules 33-35): the resource itself, with
	 * how many MAINTENANCE decisions about it the table knows of (merged
	 * per resource by that generation, not with the entry); adopt: it
	 * left maintenance, and the next quorate merge adopts what runs */
	bool maint;
	uint64_t maint_gen;
	bool adopt;
};

enum rsm_action_type {
	ACT_SEND_STATE,           /* multicast our STATE now */
	ACT_SEND_HELLO,           /* multicast HELLO now (before probing for STATE) */
	ACT_START,                /* local: promote, mount, start (epoch) */
	ACT_STOP,                 /* local: stop, umount, demote (epoch) */
	ACT_RELEASE,              /* local: we hold it without owning it: stop it */
	ACT_REPLY,                /* answer our handoffctl request req_id */
	ACT_LOG,                  /* something every node logs the same way */
	/* migration (doc/protocol.md); node: the other side */
	ACT_PREPARE,              /* target: check readiness, send PREPARED */
	ACT_MIGRATE_RELEASE,      /* source: dump ... demote, send RELEASED or ABORT */
	ACT_MIGRATE_ACQUIRE,      /* target: promote ... restore, send STARTED or HANDBACK */
	ACT_TAKE_BACK,            /* source: promote ... restore the handed-back dump, STARTED */
	ACT_FAILOVER,             /* new owner: wait fence_delay (only when ok: a lost
				   * owner is fenced by its watchdog's deadline, not
				   * confirmed or back), promote, mount, restore the
				   * dump the action names if it may, else start cold */
};

struct rsm_action {
	enum rsm_action_type type;
	char resource[WIRE_NAME_MAX + 1];
	uint64_t epoch;
	uint32_t req_id;
	bool ok;
	uint32_t node;
	char text[WIRE_STR_MAX + 1];
	/* migration and failover actions: the dump the table names */
	uint64_t dump_epoch;
	uint8_t dump_id[WIRE_ID_LEN];
};

/*
 * One finished migration (or, later, failover), as every member saw it
 * in the same order: the same entries on every node that was a member
 * throughout.  ms: the phases' durations from the reports.
 */
#define RSM_HISTORY WIRE_HISTORY_MAX
enum rsm_history_kind { HIST_MIGRATION = 1, HIST_FAILOVER = 2,
	HIST_FENCE_CONFIRM = 3, /* source: who asked, target: the node confirmed down */
	/* an owner's FAILED report: source = target = the owner; ok: restarted
	 * in place, else left FAILED (past max_restarts); result: the reason */
	HIST_RESTART = 4,
	/* the recovery policy moved it (rule 29): source the owner, target
	 * where it goes; result: "live: ..." or "cold: ..." and the reason */
	HIST_RELOCATE = 5,
	/* MAINTENANCE: source: who asked, target: the node (0: a resource or
	 * the cluster), resource: the resource (""), ok: always, result:
	 * "maintenance on|off: WHAT" */
	HIST_MAINTENANCE = 6,
	HIST__MAX                 /* new kinds above: the merge keeps kinds below it */
};

/*
 * seq: the cluster's count of entries when it was recorded (the members'
 * highest at the merge, + 1 for each entry since).  It orders the union
 * of every member's history at the merge (doc/protocol.md, rule 24):
 * copies of one entry are equal in every field, so the union drops them.
 */
struct rsm_history {
	uint64_t seq;
	char resource[WIRE_NAME_MAX + 1];
	uint64_t epoch;
	enum rsm_history_kind kind;
	uint32_t source, target;
	bool ok;                  /* the workload ended up on the target */
	char result[WIRE_STR_MAX + 1];
	uint32_t ms[WIRE_TIMES];
};

struct rsm_actions {
	struct rsm_action *v;
	size_t n, cap;
};

struct rsm {
	uint32_t local_nodeid;
	uint64_t local_digest;
	uint16_t version;          /* negotiated; 0 while unknown */
	uint64_t reference_digest;
	struct rsm_node nodes[RSM_MAX_NODES];
	size_t n_nodes;
	struct rsm_res *res;       /* one per configured resource, in config order */
	size_t n_res;
	bool syncing;
	struct wire_msg *held;     /* messages delivered during the sync */
	size_t n_held, cap_held;
	uint32_t quorate_ring_nodeid;   /* last ring the local node saw quorate */
	uint64_t quorate_ring_seq;
	/* How many quorate syncs this table descends from (STATE's table_gen):
	 * a quorate merge makes it the members' highest + 1, any other merge
	 * their highest.  Majorities overlap, so the table of the newest
	 * quorate partition always carries the highest value. */
	uint64_t table_gen;
	struct rsm_history history[RSM_HISTORY];   /* a ring, oldest overwritten */
	uint64_t n_history;        /* entries ever put into the ring here */
	uint64_t hist_seq;         /* the newest entry's seq (rule 24) */
	uint64_t hist_changes;     /* bumped whenever the ring changes (local-state) */
	uint16_t standby_parallel; /* from the last STANDBY: migrations at once */
	bool maint_all;            /* the whole cluster is in maintenance (rule 33) */
	uint64_t maint_all_gen;
	bool quorate_now;          /* set by the daemon before each STATE */
	/* set by the daemon before each STATE: its clock (ms since 1970),
	 * the time of a failure a merge finds (rule 31) */
	uint64_t clock_ms;
	bool resync;               /* set by the daemon: the next STATE opens a sync */
	struct rsm_timing timing;  /* ours; watchdog_ms and detect_ms set by the daemon */
	bool partition_quorate;    /* the last merge: some member was quorate */
	/* who speaks for a node (above) */
	uint32_t local_pid;        /* set by the daemon: getpid() */
	struct rsm_member members[RSM_MAX_MEMBERS];   /* the CPG group */
	size_t n_members;
	struct wire_member snap[RSM_MAX_MEMBERS];     /* ... when this sync began (STATE) */
	size_t n_snap;
	uint64_t n_dropped;        /* messages dropped: not from their node's handoffd */
	char drop_why[320];        /* the last one's reason */
};

/* PREPARING, RELEASING, RESTORING or HANDING_BACK. */
bool rsm_migrating(enum phase p);
/* Does R, in its current phase, wait for a report from NODEID? */
bool rsm_awaits_report_from(const struct rsm_res *r, uint32_t nodeid);
/* Is NODE among R's lost owners? */
bool rsm_lost_has(const struct rsm_res *r, uint32_t node);
/* Does a failover of R wait for a lost owner that is neither fenced nor back? */
bool rsm_failover_gated(const struct rsm_res *r);
/*
 * Does a lost owner of R count as fenced only by a wait (its watchdog's
 * deadline, counted by the new owner's timer) or not at all?  While one
 * does, R may not be stopped or cleaned up: either would let a start
 * elsewhere skip that wait (S1, S2).  Only its return holding nothing
 * (the merge drops it) or an operator's FENCE_CONFIRM ends that, or the
 * failover that waited for it ends well.
 */
bool rsm_lost_unconfirmed(const struct rsm *m, const struct rsm_res *r);
/* Must its new owner wait fence_delay (a lost owner fenced by its watchdog)? */
bool rsm_failover_waits_delay(const struct rsm_res *r);
/* The Ith newest history entry (0: newest), or NULL. */
const struct rsm_history *rsm_history_get(const struct rsm *m, size_t i);

/* names: the cluster's nodelist (nodeid -> name), used to map a
 * resource's `nodes` to nodeids. */
int rsm_init(struct rsm *m, const struct handoff_config *cfg, uint32_t local_nodeid,
	     const uint32_t *ids, const char *const *names, size_t n_names);
void rsm_free(struct rsm *m);
/*
 * A reloaded configuration (rsm_reload.c): the table follows CFG by
 * resource name (entries of kept resources live on, new ones are STOPPED
 * and fresh, removed ones go) and local_digest becomes CFG's.  All or
 * nothing: -1 with WHY when a removed resource is not STOPPED.  Call it at
 * the delivery of this node's own STATE that announces CFG's digest
 * (doc/protocol.md, rule 36); CFG must outlive the table.
 */
int rsm_reconfigure(struct rsm *m, const struct handoff_config *cfg, char *why, size_t len);
/*
 * Before the first sync: resource NAME's epoch and dump as this node kept
 * them through a restart (local_state.h), so that they enter the merge in
 * its STATE and epochs never start again at 0 when every node restarts.
 * Values that do not fit together are ignored.  False: unknown resource.
 */
bool rsm_seed(struct rsm *m, const char *name, uint64_t epoch, uint64_t dump_epoch,
	      const uint8_t dump_id[WIRE_ID_LEN]);

/*
 * Before the first sync, from local-state: node NODEID's standby as this
 * node knew it (with its generation, rule 23), and the history this node
 * kept (N entries, any order; the newest RSM_HISTORY by seq are kept).
 * Both enter the merge in this node's STATE.
 */
void rsm_seed_standby(struct rsm *m, uint32_t nodeid, bool on, uint64_t gen);
void rsm_seed_history(struct rsm *m, const struct rsm_history *v, size_t n);
/* Before the first sync, from local-state: resource NAME's fail count,
 * relocation count, last failure time and reason (rules 26, 29, 32).
 * False: unknown resource. */
bool rsm_seed_failures(struct rsm *m, const char *name, uint16_t fail_count,
		       uint16_t reloc_count, uint64_t last_fail_ms, const char *last_fail);
/* The same for maintenance: SCOPE (enum wire_maint_scope) names the
 * cluster, node ID or resource NAME; false: unknown resource. */
bool rsm_seed_maint(struct rsm *m, uint8_t scope, uint32_t id, const char *name, bool on,
		    uint64_t gen);
/*
 * Is R in maintenance: by itself, its owner's (or a migration's target's)
 * or the whole cluster's?  NULL, or why, in BUF (LEN bytes).  The table
 * decides nothing about it meanwhile (no restart, failover, migration,
 * start or stop), and its owner does not monitor it.
 */
const char *rsm_maint_why(const struct rsm *m, const struct rsm_res *r, char *buf, size_t len);
/* Where A's admin state (standby records, history) differs from B's, or
 * NULL: members that saw the same order hold the same (test_rsm, fuzz_rsm). */
const char *rsm_admin_differs(const struct rsm *a, const struct rsm *b);

/* A CPG confchg: MEMBERS is the new group ((nodeid, pid); status ignored). */
void rsm_confchg_members(struct rsm *m, const struct wire_member *members, size_t n,
			 struct rsm_actions *out);
/* The same with one member of pid 0 per node (the unit tests' cluster). */
void rsm_confchg(struct rsm *m, const uint32_t *members, size_t n,
		 struct rsm_actions *out);
/* A delivered, already validated message from the group member (its
 * hdr.nodeid, PID) (ownership of MSG's allocations passes to the rsm). */
void rsm_deliver_from(struct rsm *m, uint32_t pid, struct wire_msg *msg,
		      struct rsm_actions *out);
/* The same from pid 0. */
void rsm_deliver(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);
/* The group member (NODEID, PID), or NULL. */
const struct rsm_member *rsm_member(const struct rsm *m, uint32_t nodeid, uint32_t pid);
/* "handoffd", "foreign" or "unknown" (not announced yet). */
const char *rsm_member_status_name(uint8_t status);
/* The members a FOREIGN may name now: announced nothing since the last
 * sync began and not known as a handoffd (at most MAX into OUT). */
size_t rsm_silent(const struct rsm *m, struct wire_member *out, size_t max);

/* Build our STATE message: table + FACTS (local facts, one per resource). */
void rsm_fill_state(const struct rsm *m, struct wire_state *s,
		    const struct wire_fact *facts, size_t n_facts);

struct rsm_res *rsm_find(struct rsm *m, const char *name);
/* The first resource of A whose part of the table differs in B (owner,
 * phase, epoch, target, last error, dump, freshness, lost owners, phase
 * times), or
 * NULL: the promise above, that members which saw the same order hold the
 * same table, as the tests check it (test_rsm.c, test/fuzz/fuzz_rsm.c). */
const struct rsm_res *rsm_differs(const struct rsm *a, const struct rsm *b);
/* Do A and B disagree on who is who (the group's members and their
 * statuses) or on which node is a member or in standby?  WHY (LEN bytes)
 * says where.  The same promise: the drain and every eligibility check
 * read these, so members that differ here may decide apart. */
bool rsm_identity_differs(const struct rsm *a, const struct rsm *b, char *why, size_t len);
const struct rsm_node *rsm_node(const struct rsm *m, uint32_t nodeid);
/* Preference order of R, as nodeids (unknown names skipped). */
size_t rsm_preference(const struct rsm *m, const struct rsm_res *r, uint32_t *ids, size_t max);
/* May NODEID own R now?  Returns NULL, or the reason it may not. */
const char *rsm_ineligible(const struct rsm *m, const struct rsm_res *r, uint32_t nodeid);

void rsm_actions_clear(struct rsm_actions *a);
void rsm_actions_free(struct rsm_actions *a);

#endif
