/*
 * notify_derive.h - which notify events (notify_event.h) a change of the
 * replicated table makes this node run.
 *
 * The events are decisions every member records the same way, seen by
 * comparing the table before and after each delivered message (after a
 * sync's merge too): a start or stop that ended (its RESULT), a migration
 * or failover that ended (its history entry), a resource that became
 * FAILED otherwise, an operator's fence-confirm, a node's standby flag.
 * Every member derives the same events; each is run by one of them only,
 * the node that acted: the owner for start and stop, the owner afterwards
 * for migrated and failover (the new owner, or the one it ended on), the
 * owner for failed (the lowest-numbered member when the owner is not a
 * member), the node that asked for fence-confirm, the node whose standby
 * flag changed.  Pure, so the rules are unit-tested (test_notify.c).
 *
 * A joiner's first merge is no decision of its own: the table it learns
 * is compared with nothing (notify_table_reset right after the rsm is set
 * up), and a history entry counts only when the table before it shows the
 * phase it ends, so entries learned with a table never run again.
 */
#ifndef HANDOFF_NOTIFY_DERIVE_H
#define HANDOFF_NOTIFY_DERIVE_H

#include "notify_event.h"
#include "rsm.h"

struct notify_seen_res {
	uint8_t phase;
	uint32_t owner;
	uint64_t epoch;
};

struct notify_table {
	struct notify_seen_res *res;
	size_t n_res;
	struct { bool member, standby; } nodes[RSM_MAX_NODES];
	size_t n_nodes;
	uint64_t hist_seq;          /* the newest history entry seen (its seq) */
};

/* EV is filled but for seq and time; H: the history entry it comes from
 * (migrated, failover, fence-confirm) and its seq. */
typedef void (*notify_emit_fn)(void *ctx, struct notify_event *ev,
			       const struct rsm_history *h, uint64_t hist_index);

/* Take M as the table seen last; -1 when out of memory (then nothing is
 * derived until a reset succeeds). */
int notify_table_reset(struct notify_table *t, const struct rsm *m);
void notify_table_free(struct notify_table *t);
/* EMIT every event for the local node since the last call, then take M. */
void notify_derive(struct notify_table *t, const struct rsm *m, notify_emit_fn emit, void *ctx);

#endif
