/*
 * rsm_priv.h - what the parts of the replicated state machine share
 * (rsm.c: membership, sync and start/stop; rsm_migrate.c: migration).
 * Not for the daemon: it uses rsm.h.
 */
#ifndef HANDOFF_RSM_PRIV_H
#define HANDOFF_RSM_PRIV_H

#include "rsm.h"

struct rsm_action *rsm_push(struct rsm_actions *a, enum rsm_action_type type, const char *res);
void rsm_push_text(struct rsm_actions *a, enum rsm_action_type type, const char *res,
		   uint64_t epoch, uint32_t req_id, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* A new decision about R: its epoch grows (S4: only ever by a delivered,
 * quorum-gated request or sync), and it is no longer fresh. */
void rsm_new_epoch(struct rsm_res *r);
void rsm_set_error(struct rsm_res *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool rsm_is_member(const struct rsm *m, uint32_t nodeid);
/* Answer the request MSG (only its sender has a handoffctl waiting). */
void rsm_reply(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out,
	       bool ok, uint64_t epoch, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The sender may change resources and the resource exists (*RP). */
bool rsm_requester_ok(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out,
		      struct rsm_res **rp);
/* ... and the resource has not FAILED (that needs a cleanup first). */
bool rsm_requester_ok_not_failed(struct rsm *m, const struct wire_msg *msg,
				 struct rsm_actions *out, struct rsm_res **rp);
void rsm_busy(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out,
	      const struct rsm_res *r);

/* rsm_health.c: the recovery policy (doc/protocol.md, rules 25-32) */
/* A counted failure of R on its owner at AT_MS (the reporter's clock):
 * restart in place, relocate, or FAILED.  FLAGS: WIRE_FAIL_*. */
void rsm_count_failure(struct rsm *m, struct rsm_res *r, uint8_t kind, uint8_t flags,
		       uint64_t at_ms, const char *reason, struct rsm_actions *out);
/* The stop of a restart or a cold relocation ended well: start it. */
void rsm_recovery_stopped(struct rsm *m, struct rsm_res *r, struct rsm_actions *out);
void rsm_process_failed(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);

/* rsm_migrate.c */
/* R (RUNNING on its owner) migrates to TARGET: PREPARING, a new epoch. */
void rsm_begin_migration(struct rsm *m, struct rsm_res *r, uint32_t target,
			 struct rsm_actions *out);
/* Where a relocation of R goes: the first member by R's preference, not
 * its owner, that may take it over (eligible; DRBD: UpToDate at the last
 * sync), or 0. */
uint32_t rsm_relocation_target(struct rsm *m, const struct rsm_res *r);
void rsm_process_migrate(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);
void rsm_process_report(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);
void rsm_process_standby(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);
/* R's holder LOST is gone: the first eligible member takes it over (FAILING_OVER),
 * restoring the dump the table names (R's dump_epoch and dump_id) if it is
 * complete and not consumed. */
void rsm_fail_over(struct rsm *m, struct rsm_res *r, uint32_t lost, struct rsm_actions *out);
/* The same, trying PREFER first: the end of an interrupted migration that is
 * still here (doc/protocol.md, rule 6). */
void rsm_fail_over_to(struct rsm *m, struct rsm_res *r, uint32_t lost, uint32_t prefer,
		      struct rsm_actions *out);
/* Start the next migrations off nodes in standby, up to standby_parallel. */
void rsm_drain(struct rsm *m, struct rsm_actions *out);
/* After the merge: a migration whose source or target left is decided. */
void rsm_merge_migration(struct rsm *m, struct rsm_res *r, struct rsm_actions *out);

/* NODEID's entry in nodes[], added when new (NULL when full). */
struct rsm_node *rsm_node_add(struct rsm *m, uint32_t nodeid);

/* rsm_admin.c: standby and history (doc/protocol.md, rules 23, 24) */
/* A new history entry, zeroed but for its seq (the oldest is overwritten). */
struct rsm_history *rsm_history_push(struct rsm *m);
/* The ring as a STATE carries it, oldest first, into OUT (RSM_HISTORY). */
size_t rsm_history_views(const struct rsm *m, struct wire_hist *out);
/* At the merge, before the resources: every node's standby and the
 * history from the STATEs of the sync. */
void rsm_merge_standby(struct rsm *m);
void rsm_merge_history(struct rsm *m);

/* ... and the maintenance records of the cluster, the nodes and the
 * resources (rule 33) */
void rsm_merge_maint(struct rsm *m);

/* rsm_maint.c: maintenance (doc/protocol.md, rules 33-35) */
void rsm_process_maintenance(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);
/* A request or report about a resource in maintenance: refused (answered)
 * or ignored (logged); false when MSG may go on. */
bool rsm_maint_refuses(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out);
/* At the merge, R left maintenance: adopt what the facts say runs (RUNNING
 * on: node ids of members whose facts say it runs; HOLDING: that hold it).
 * False when it cannot decide yet (not quorate, or its owner is away: the
 * usual rules apply then). */
bool rsm_adopt(struct rsm *m, struct rsm_res *r, const uint32_t *running, size_t n_running,
	       struct rsm_actions *out);
/* rsm.c: R starts on NODE, a decision of its own (a new epoch, cold: S3). */
void rsm_start_on(struct rsm_res *r, uint32_t node);
/* rsm.c: every member sends a fresh STATE (a probe of every node). */
void rsm_resync(struct rsm *m, struct rsm_actions *out);

/* rsm_fence.c: lost owners (doc/failover.md) */
/* Add LOST to R's lost owners, fenced by its watchdog only when NEW_OWNER's
 * fence_delay covers its deadline; false when the set is full. */
bool rsm_lost_add(struct rsm *m, struct rsm_res *r, uint32_t lost, uint32_t new_owner);
/* After the merge: drop the lost owners that are back holding nothing
 * (FACTS: by index in nodes[]); a failover no longer gated goes ahead. */
void rsm_lost_prune(struct rsm *m, struct rsm_res *r, const struct wire_fact *const *facts,
		    struct rsm_actions *out);
/* ACT_FAILOVER for R's new owner, if that is this node. */
void rsm_failover_act(struct rsm *m, struct rsm_res *r, struct rsm_actions *out);
/* R waits for a lost owner: say so in its last error and the log. */
void rsm_failover_log_gate(struct rsm *m, struct rsm_res *r, struct rsm_actions *out);
/* Which members' fence_delay does not cover another member's deadline. */
void rsm_check_timings(struct rsm *m);
void rsm_process_fence_confirm(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);

#endif
