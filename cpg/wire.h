/*
 * wire.h - every message handoffd daemons multicast to each other in the
 * CPG group, and its encoding.  This header is the protocol's reference.
 *
 * All messages are delivered in agreed (total) order, so every member sees
 * the same sequence and computes the same resource table (rsm.h).
 *
 * Encoding: explicit little-endian, field by field, never a struct copy.
 * A string is a u16 length and that many bytes (no NUL, no control
 * characters).  Every message starts with this header:
 *
 *   off size field
 *   0   4    magic    0x464f4448 ("HDOF" read as bytes in LE order)
 *   4   2    version  protocol version the body is encoded in
 *   6   2    type     enum wire_type
 *   8   4    nodeid   sender; must equal the CPG sender's nodeid
 *   12  4    length   of the whole message, header included
 *   16  8    epoch    the resource epoch the message is about, or 0
 *
 * A message that fails any check (magic, version outside what we speak,
 * unknown type, length differing from what was delivered or from what the
 * body needs, nodeid that is not the CPG sender, bad string) is logged and
 * dropped; it never changes state.
 *
 * Version negotiation: every STATE carries the sender's [min, max].  The
 * cluster speaks the highest version that every member supports
 * (wire_negotiate()); a member whose range does not overlap is ineligible.
 * Version 2 added the dump identity (a STATE entry's flags, dump_epoch and
 * dump_id; PREPARED's migration_id); version 1 is no longer spoken.
 * Version 3 added who speaks for a node (HELLO, FOREIGN, a STATE's
 * members; doc/protocol.md, "Who speaks for a node"); version 2 is no
 * longer spoken: its members cannot tell a handoffd from a foreign CPG
 * process, so a cluster of both would not agree on the barrier.  A
 * version 2 handoffd's messages fail to decode here (it is shown as a
 * foreign member once the bound passes) and ours there: upgrade every
 * node's handoffd together.
 * Version 4 added admin state that outlives a restart (a STATE's standby
 * records and history, doc/protocol.md rules 23-24) and health (FAILED; a
 * STATE entry's fail count, last failure and the flag WIRE_ENTRY_RESTART,
 * rules 25-28); version 3 is no longer spoken: its members would merge
 * standby and history by other rules and would not carry the fail counts
 * through a merge, so the tables would differ.
 * Version 5 added relocation (rules 29-32: a STATE's clock_ms, a STATE
 * entry's reloc_count and the flag WIRE_ENTRY_RELOCATE, a FAILED's flags
 * (WIRE_FAIL_LIVE), the history kind 5 (relocate)), maintenance
 * (MAINTENANCE; a STATE entry's maint_gen and the flags WIRE_ENTRY_MAINT
 * and WIRE_ENTRY_ADOPT; a STATE's maintenance records; rules 33-35) and
 * the identity rules of issue 16's review (rule 17: statuses forgotten at
 * a join; no wire change, but a version 4 member would keep what version
 * 5 forgets).  Version 4 is no longer spoken: its members would restart
 * in place what version 5 relocates, act on what the others leave alone,
 * and disagree on who speaks for a node after a join.
 *
 * Messages (body fields in order):
 *
 * STATE    sent by every member after every confchg (the sync barrier);
 *          u16 proto_min, u16 proto_max, u64 config_digest,
 *          u32 flags (WIRE_STATE_*), u32 quorate_ring_nodeid (of the
 *          last ring in which the sender was quorate), u64 table_gen (how
 *          many quorate syncs the sender's table descends from: the merge
 *          takes the highest first, doc/protocol.md rule 5),
 *          u32 self_fence_timeout_ms, u32 fence_delay_ms,
 *          u32 watchdog_ms (the sender's armed watchdog's own timeout; 0:
 *          none), u32 detect_ms (its corosync token + consensus): the
 *          sender's timings, for the check across nodes (rsm.h, "Timings";
 *          0 in fence_delay_ms: not known, no check; each at most
 *          WIRE_TIMING_MAX_MS),
 *          u64 clock_ms (version 5: the sender's clock when it sent the
 *          STATE, ms since 1970; a workload found dead on its owner at
 *          the merge counts as a failure at its owner's clock_ms, rule 31),
 *          u16 n_entries, entries { str name, u32 owner,
 *          u8 phase, u64 epoch, u32 target, str last_error,
 *          u8 flags (WIRE_ENTRY_*), u64 dump_epoch, u8 dump_id[16] (the
 *          dump the table may restore, if it is complete and not consumed:
 *          both 0 when none; S3),
 *          u8 n_lost (at most WIRE_LOST_MAX), lost { u32 node, u8 fence
 *          (enum wire_lost_fence) } (the lost owners a failover waits
 *          for: each until it is fenced or back),
 *          u32 ms[WIRE_TIMES] (version 4: the running migration's phase
 *          times so far, from its reports: the history entry that ends it
 *          carries them, the same on every member, a joiner's too),
 *          u16 fail_count, u64 last_fail_ms, str last_fail (the recovery
 *          policy's count, the last failure's time on its reporter's
 *          clock and its reason; 0, 0, "" when none),
 *          u16 reloc_count (version 5: relocations since the count began,
 *          rule 29),
 *          u64 maint_gen (version 5: how many MAINTENANCE decisions about
 *          this resource the table descends from; 0: never set; the flag
 *          WIRE_ENTRY_MAINT is its maintenance, and gen 0 has it off) },
 *          u16 n_facts, facts { str name, u8 role, u8 disk, u8 mounted,
 *          u8 running, u8 connection },
 *          u8 n_members (at most WIRE_MEMBERS_MAX), members { u32 nodeid,
 *          u32 pid, u8 status (enum wire_member_status) }: the CPG group
 *          as the sender saw it when this sync began, each member with
 *          what it was then (a handoffd, foreign, not known yet: for
 *          the reader; no member takes statuses from another's list,
 *          rsm.h "Who speaks for a node").  A STATE whose list is not
 *          the receiver's current group is from an earlier sync and does
 *          not count.
 *          A STATE outside a sync with WIRE_STATE_RESYNC opens a new sync
 *          on every member: the sender's quorum notification came after
 *          it had sent its STATE as not quorate, or, a lost owner back,
 *          it let go of what a failover waits for (rsm.h).  Inside a sync
 *          the flag means nothing.
 *          Version 4, after members: u8 n_standby (at most
 *          WIRE_STANDBY_MAX), standby { u32 node, u8 on, u64 gen }: every
 *          node's standby as the sender knows it (only nodes ever set:
 *          gen > 0; each node once); the merge takes per node the highest
 *          gen, then the one of the highest table_gen, then on (rule 23).
 *          WIRE_STATE_STANDBY only tells the sender's own flag (logs).
 *          u8 n_history (at most WIRE_HISTORY_MAX), history { u64 seq,
 *          u8 kind, str resource, u64 epoch, u32 source, u32 target, u8 ok,
 *          str result, u32 ms[WIRE_TIMES] }, oldest first: the sender's
 *          history ring; the merge keeps the newest RSM_HISTORY of the
 *          union (rule 24).  seq > 0, kind > 0, ok 0 or 1.
 *          Version 5, after history: u8 n_maint (at most WIRE_MAINT_MAX),
 *          maint { u32 node (0: the whole cluster), u8 on, u64 gen }: the
 *          maintenance of the cluster and of every node ever set (gen > 0;
 *          each once), merged like standby (rule 33).
 * START    u32 req_id, str resource, u32 node (0: first eligible)
 * STOP     u32 req_id, str resource
 * CLEANUP  u32 req_id, str resource
 * RESULT   str resource, u8 op (WIRE_OP_*), u8 ok, str error; epoch in the
 *          header: the owner reports how a START or STOP it ran ended.
 * MIGRATE  u32 req_id, str resource, u32 target: a request, like START.
 * FENCE_CONFIRM
 *          u32 req_id, u32 node: an operator says NODE is down (handoffctl
 *          fence-confirm, like stonith_admin --confirm).  Accepted from a
 *          sender that was quorate at the last sync, about a node that is
 *          not a member; every lost-owner entry of NODE counts as fenced
 *          from then on, and every member records it in its history.
 * FAILED   str resource, u8 kind (enum wire_fail_kind: 1 workload, 2
 *          storage), u64 at_ms (the sender's clock, ms since 1970),
 *          str reason, u8 flags (version 5: WIRE_FAIL_LIVE, the workload
 *          still runs on a mounted Primary: a dump can still be written);
 *          epoch in the header: the owner's monitor found the
 *          RUNNING resource of that epoch failed.  Only the owner's report
 *          for the current epoch of a RUNNING resource counts; every member
 *          decides the same restart or FAILED from it (doc/protocol.md,
 *          "Monitoring and restart in place", and rules 29-32: relocation).
 * MAINTENANCE
 *          u32 req_id, u8 scope (enum wire_maint_scope), u8 on, u32 node
 *          (MAINT_NODE: the node; otherwise 0), str resource (MAINT_RESOURCE:
 *          its name; otherwise ""): the operator puts the cluster, a node
 *          or a resource in (on = 1) or out of maintenance: the table
 *          decides nothing about what it names until it is out; leaving
 *          probes every node and adopts what runs (rules 33-35).
 * HELLO    (no body) a handoffd announces itself: at once when it sees a
 *          confchg that has it in the group, before it probes for its
 *          STATE, so that a bound can tell a silent member from a busy
 *          handoffd.  Accepted from a member of a node that has no other
 *          handoffd member; from then on that (nodeid, pid) speaks for
 *          the node (STATE counts as the same announcement).
 * FOREIGN  u8 n, members { u32 nodeid, u32 pid }: sent by a handoffd when a
 *          member stayed silent (neither HELLO nor STATE) for
 *          FOREIGN_AFTER_MS after a sync began.  Every member marks each
 *          named member that has announced nothing since the current
 *          sync began as foreign, at the same point of the order, and
 *          the barrier no longer waits for it.
 * STANDBY  u32 req_id, u32 node, u8 on, u16 parallel: NODE is (on = 1) or
 *          is no longer a place for resources; everything it runs migrates
 *          away, at most PARALLEL at a time (the requester's
 *          standby_parallel, so that every member drains alike).
 * PREPARED, RELEASED, STARTED, ABORT, HANDBACK
 *          str resource, u8 ok, str error, u32 ms[WIRE_TIMES] (the phases'
 *          durations: dump, sync, umount, demote, promote, mount, restore;
 *          0 where the sender ran no such phase); epoch in the header: the
 *          migration's.  One report per step of a migration, sent by the
 *          node that did the step (doc/protocol.md says who and when).
 *          PREPARED only, after ms: u8 migration_id[16], drawn at random
 *          (getrandom) by the target when it is ready (ok = 1; all zero
 *          otherwise): every migration gets one, a standby drain's too,
 *          and the source's dump carries it beside the epoch (S3).
 *
 * req_id lets the requesting node answer its waiting handoffctl when its
 * request is delivered (accepted, or rejected with the reason that every
 * member computes identically).
 */
#ifndef HANDOFF_WIRE_H
#define HANDOFF_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC        0x464f4448u
#define WIRE_HEADER_LEN   24
#define WIRE_VERSION_MIN  5
#define WIRE_VERSION_MAX  5
#define WIRE_STR_MAX      255     /* error texts are cut to this */
#define WIRE_NAME_MAX     63
#define WIRE_MAX_MSG      (1024 * 1024)
#define WIRE_ID_LEN       16      /* a migration (dump) id: 128 random bits */

enum wire_type {
	MSG_STATE = 1,
	MSG_START = 2,
	MSG_STOP = 3,
	MSG_CLEANUP = 4,
	MSG_RESULT = 5,
	/* Migration (doc/protocol.md); the protocol model (test/model) uses
	 * the same words. */
	MSG_MIGRATE = 6,    /* request: move resource to a node */
	MSG_PREPARED = 7,   /* target: ready (or not, with the reason) */
	MSG_RELEASED = 8,   /* source: dumped, synced, unmounted, demoted */
	MSG_STARTED = 9,    /* new owner: promoted, mounted, restored/started */
	MSG_ABORT = 10,     /* source: gave up before demote, runs it again */
	MSG_HANDBACK = 11,  /* target: failed after RELEASED, demoted again */
	MSG_STANDBY = 12,   /* request: a node in (or out of) standby */
	MSG_FENCE_CONFIRM = 13, /* request: an operator says a lost node is down */
	MSG_HELLO = 14,     /* a handoffd announces itself (who speaks for a node) */
	MSG_FOREIGN = 15,   /* these silent group members are not handoffds */
	MSG_FAILED = 16,    /* owner: its monitor found the running resource failed */
	MSG_MAINTENANCE = 17, /* request: the cluster, a node or a resource in (or out of) maintenance */
	MSG__MAX
};

/* Phases of a resource; the protocol model uses the same names. */
enum phase {
	PHASE_STOPPED = 0,
	PHASE_STARTING = 1,
	PHASE_RUNNING = 2,
	PHASE_STOPPING = 3,
	PHASE_FAILED = 4,
	PHASE_PREPARING = 5,    /* MIGRATE accepted; the target checks readiness */
	PHASE_RELEASING = 6,    /* source dumps, syncs, unmounts, demotes */
	PHASE_RESTORING = 7,    /* target promotes, mounts, restores */
	PHASE_HANDING_BACK = 8, /* target failed; source takes the dump back */
	PHASE_FAILING_OVER = 9, /* owner lost; the new owner waits fence_delay */
	PHASE__MAX
};

enum wire_op { WIRE_OP_START = 1, WIRE_OP_STOP = 2 };

enum drbd_role_fact { ROLE_UNKNOWN = 0, ROLE_SECONDARY = 1, ROLE_PRIMARY = 2 };

/* DRBD's connection to the peer, as the probe saw it */
enum conn_fact { CONN_UNKNOWN = 0, CONN_CONNECTED = 1, CONN_DISCONNECTED = 2 };

#define WIRE_STATE_QUORATE_SEEN 0x1   /* quorate_ring_nodeid is meaningful */
#define WIRE_STATE_STANDBY      0x2   /* the sender is in standby */
#define WIRE_STATE_QUORATE_NOW  0x4   /* quorate in the ring of this sync */
#define WIRE_STATE_RESYNC       0x8   /* outside a sync: open one (facts or quorum changed) */

/* How a lost owner of a resource counts as fenced (STATE's lost entries). */
enum wire_lost_fence {
	LOST_UNFENCED = 0,    /* no watchdog: waits for it to come back or a FENCE_CONFIRM */
	LOST_WATCHDOG = 1,    /* its watchdog bounds its self-fence: fenced after fence_delay */
	LOST_CONFIRMED = 2,   /* an operator's FENCE_CONFIRM */
};
#define WIRE_LOST_MAX 8
/* STATE's timings above this (a day) are refused: no configuration allows
 * them, and their sums must not wrap */
#define WIRE_TIMING_MAX_MS (24u * 3600u * 1000u)

/* A CPG group member as a STATE's members list names it. */
enum wire_member_status {
	MEMBER_UNKNOWN = 0,   /* announced nothing yet */
	MEMBER_DAEMON = 1,    /* its node's handoffd: it said HELLO or sent a STATE */
	MEMBER_FOREIGN = 2,   /* silent past the bound (a FOREIGN named it) */
};
/* CPG_SESSION_MAX_MEMBERS: every process a confchg can hold (libcpg's
 * CPG_MEMBERS_MAX); members are processes, not nodes, so a node may have
 * many (a handle per CPG client). */
#define WIRE_MEMBERS_MAX 128
#define WIRE_STANDBY_MAX 64   /* RSM_MAX_NODES */
#define WIRE_HISTORY_MAX 64   /* RSM_HISTORY */

/* STATE: a node's standby flag and the count of decisions that set it. */
struct wire_standby {
	uint32_t node;
	uint8_t on;
	uint64_t gen;
};

struct wire_member {
	uint32_t nodeid;
	uint32_t pid;
	uint8_t status;       /* enum wire_member_status (STATE only) */
};

struct wire_lost {
	uint32_t node;
	uint8_t fence;        /* enum wire_lost_fence */
};

/* a STATE entry's flags */
#define WIRE_ENTRY_FRESH        0x1   /* no request changed it since the cluster
				       * formed: autostart may start it */
#define WIRE_ENTRY_RESTART      0x2   /* STOPPING to restart in place: the owner
				       * starts it again after the stop */
#define WIRE_ENTRY_RELOCATE     0x4   /* STOPPING to relocate (rule 29): after the
				       * stop the entry's target starts it cold */
#define WIRE_ENTRY_MAINT        0x8   /* the resource itself is in maintenance */
#define WIRE_ENTRY_ADOPT        0x10  /* out of maintenance: the next merge adopts
				       * what the facts say runs (rule 35) */
#define WIRE_ENTRY_FLAGS        (WIRE_ENTRY_FRESH | WIRE_ENTRY_RESTART | WIRE_ENTRY_RELOCATE | \
				 WIRE_ENTRY_MAINT | WIRE_ENTRY_ADOPT)

/* What a MAINTENANCE names. */
enum wire_maint_scope { MAINT_CLUSTER = 1, MAINT_NODE = 2, MAINT_RESOURCE = 3 };
/* STATE's maintenance records: the cluster's and every node's */
#define WIRE_MAINT_MAX (WIRE_STANDBY_MAX + 1)

/* What a FAILED report says broke (enum wire_fail_kind). */
enum wire_fail_kind { FAIL_WORKLOAD = 1, FAIL_STORAGE = 2 };
/* a FAILED's flags: the reporter saw the workload running on a mounted
 * Primary, so a live migration can still dump it (rule 30) */
#define WIRE_FAIL_LIVE  0x1
#define WIRE_FAIL_FLAGS WIRE_FAIL_LIVE

struct wire_header {
	uint16_t version;
	uint16_t type;
	uint32_t nodeid;
	uint32_t length;
	uint64_t epoch;
};

/* the phases a migration report times, in wire order */
enum wire_time {
	WT_DUMP, WT_SYNC, WT_UMOUNT, WT_DEMOTE, WT_PROMOTE, WT_MOUNT, WT_RESTORE, WIRE_TIMES
};

/*
 * The strings of a STATE's entries and facts are pointers.  In a decoded
 * STATE they point into its `strings` block (one allocation, sized by the
 * message); in one being built they point to the sender's own strings and
 * `strings` is NULL.  With fixed arrays (64 + 256 bytes a resource) a
 * STATE of 1000 resources took 416 KB, and every member holds the STATE
 * of every member until the sync's merge.
 */
struct wire_entry {
	const char *name;             /* at most WIRE_NAME_MAX */
	uint32_t owner;
	uint8_t phase;
	uint8_t flags;                /* WIRE_ENTRY_* (on the wire after last_error) */
	uint8_t n_lost;               /* lost owners: state->lost[lost_first ...] */
	uint64_t epoch;
	uint32_t target;
	uint32_t lost_first;
	const char *last_error;       /* at most WIRE_STR_MAX; "" when none */
	uint64_t dump_epoch;
	uint8_t dump_id[WIRE_ID_LEN];
	uint32_t ms[WIRE_TIMES];      /* version 4: the migration's phase times so far */
	/* the recovery policy's count (version 4): failures since the count
	 * began, the last one's time (its reporter's clock, ms since 1970)
	 * and reason; 0 and "" when none */
	uint16_t fail_count;
	uint64_t last_fail_ms;
	const char *last_fail;        /* at most WIRE_STR_MAX */
	uint16_t reloc_count;         /* version 5: relocations since the count began */
	uint64_t maint_gen;           /* version 5: MAINTENANCE decisions about it */
};

/* STATE: one history entry (rsm.h, struct rsm_history); strings as entries' */
struct wire_hist {
	uint64_t seq;
	uint8_t kind;
	uint8_t ok;
	const char *resource;         /* at most WIRE_NAME_MAX; "" when none */
	uint64_t epoch;
	uint32_t source, target;
	const char *result;           /* at most WIRE_STR_MAX */
	uint32_t ms[WIRE_TIMES];
};

struct wire_fact {
	const char *name;             /* at most WIRE_NAME_MAX */
	uint8_t role;
	uint8_t disk;
	uint8_t mounted;
	uint8_t running;
	uint8_t connection;   /* enum conn_fact */
};

struct wire_state {
	uint16_t proto_min, proto_max;
	uint64_t config_digest;
	uint32_t flags;
	uint32_t quorate_ring_nodeid;
	uint64_t table_gen;
	uint32_t self_fence_timeout_ms, fence_delay_ms, watchdog_ms, detect_ms;
	uint64_t clock_ms;            /* version 5: the sender's clock (ms since 1970) */
	struct wire_entry *entries;   /* malloc'd by wire_decode */
	size_t n_entries;
	struct wire_fact *facts;
	size_t n_facts;
	char *strings;                /* wire_decode: what the names point into */
	/* every entry's lost owners, one after the other (wire_decode
	 * malloc's it; a STATE being built may point into its entries'
	 * allocation) */
	struct wire_lost *lost;
	size_t n_lost;
	/* the group when the sender's sync began (version 3) */
	struct wire_member members[WIRE_MEMBERS_MAX];
	size_t n_members;
	/* version 4: admin state (wire_decode malloc's both; a STATE being
	 * built points into its entries' allocation) */
	struct wire_standby *standby;
	size_t n_standby;
	struct wire_hist *history;
	size_t n_history;
	/* version 5: maintenance of the cluster (node 0) and of nodes, as
	 * standby records (malloc'd by wire_decode; borrowed when built) */
	struct wire_standby *maint;
	size_t n_maint;
};

struct wire_foreign {            /* FOREIGN: the silent members it names */
	struct wire_member m[WIRE_MEMBERS_MAX];
	size_t n;
};

struct wire_request {            /* START, STOP, CLEANUP, MIGRATE (node: the target), STANDBY,
				  FENCE_CONFIRM (node: the one confirmed down),
				  MAINTENANCE (scope, on; node or resource) */
	uint32_t req_id;
	char resource[WIRE_NAME_MAX + 1];   /* "" for STANDBY */
	uint32_t node;
	uint8_t on;                         /* STANDBY only */
	uint16_t parallel;                  /* STANDBY only */
	uint8_t scope;                      /* MAINTENANCE only: enum wire_maint_scope */
};

struct wire_failure {            /* FAILED */
	char resource[WIRE_NAME_MAX + 1];
	uint8_t kind;                /* enum wire_fail_kind */
	uint64_t at_ms;              /* the reporter's clock (ms since 1970) */
	char reason[WIRE_STR_MAX + 1];
	uint8_t flags;               /* WIRE_FAIL_* */
};

struct wire_result {
	char resource[WIRE_NAME_MAX + 1];
	uint8_t op;
	uint8_t ok;
	char error[WIRE_STR_MAX + 1];
};


struct wire_report {             /* PREPARED, RELEASED, STARTED, ABORT, HANDBACK */
	char resource[WIRE_NAME_MAX + 1];
	uint8_t ok;
	char error[WIRE_STR_MAX + 1];
	uint32_t ms[WIRE_TIMES];
	uint8_t id[WIRE_ID_LEN];     /* PREPARED: the migration's id */
};

static inline bool wire_is_report(unsigned type)
{
	return type >= MSG_PREPARED && type <= MSG_HANDBACK;
}

struct wire_msg {
	struct wire_header hdr;
	uint32_t pid;                /* the CPG sender's pid: not on the wire (rsm_deliver_from) */
	union {
		struct wire_state state;
		struct wire_request req;
		struct wire_result result;
		struct wire_report report;
		struct wire_foreign foreign;
		struct wire_failure failure;
	} u;
};

const char *wire_type_name(unsigned type);
const char *phase_name(unsigned phase);

/*
 * Encode MSG (its hdr.type, hdr.nodeid, hdr.epoch; version and length are
 * filled in) into a malloc'd buffer.  Returns the length, or 0 when a field
 * does not fit the protocol's limits.
 */
size_t wire_encode(const struct wire_msg *msg, uint16_t version, uint8_t **out);

/*
 * Decode BUF of LEN bytes delivered from CPG sender SENDER.  Returns 0, or
 * -1 with a one-line reason in WHY.  On success release with wire_free().
 */
int wire_decode(const uint8_t *buf, size_t len, uint32_t sender,
		struct wire_msg *msg, char *why, size_t why_len);
void wire_free(struct wire_msg *msg);

/* Is ID all zero (no dump named)? */
bool wire_id_is_zero(const uint8_t id[WIRE_ID_LEN]);
/* ID as 32 lowercase hex digits into HEX (33 bytes). */
void wire_id_hex(const uint8_t id[WIRE_ID_LEN], char hex[2 * WIRE_ID_LEN + 1]);
/* Parse 32 hex digits; 0, or -1 when HEX is anything else. */
int wire_id_parse(const char *hex, uint8_t id[WIRE_ID_LEN]);

/* The version every member of RANGES speaks: the highest common one, or 0. */
uint16_t wire_negotiate(const uint16_t (*ranges)[2], size_t n);

#endif
