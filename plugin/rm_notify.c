/*
 * rm_notify.c - the daemon's side of the notify events: what the table's
 * changes ask of this node (notify_derive.h), with this node's timings of
 * a migration, and the self-fence, which is this node's act alone.
 */
#include <qb/qblog.h>
#include <stdio.h>

#include "handoffd.h"
#include "resource_manager.h"

static void emit(void *ctx, struct notify_event *ev, const struct rsm_history *h,
		 uint64_t hist_index)
{
	struct resource_manager *rm = ctx;

	/* rm_observe timed the entries it has just seen end (by seq) */
	if (h && ev->has_times) {
		const struct rm_seen_times *t = &rm->seen[hist_index % RSM_HISTORY];
		if (t->seq == h->seq) {
			ev->total_ms = t->total_ms;
			ev->frozen_ms = t->frozen_ms;
		}
	}
	notify_submit(&rm->d->notify, ev);
}

void rm_notify_reset(struct resource_manager *rm)
{
	if (notify_table_reset(&rm->d->notify_seen, &rm->rsm) < 0)
		qb_log(LOG_ERR, "notify: out of memory: no events until the next connection");
}

/* Derived even without a program (notify_submit drops the events): the
 * table seen stays current, so a program that a reload adds never runs
 * for a change made before it. */
void rm_notify_observe(struct resource_manager *rm)
{
	if (rm->ready)
		notify_derive(&rm->d->notify_seen, &rm->rsm, emit, rm);
}

void rm_notify_self_fence(struct resource_manager *rm, bool ok, const char *reason)
{
	struct notify_event ev = { .kind = NE_SELF_FENCE, .ok = ok,
				   .nodeid = rm->d->link.local_nodeid };
	const struct rsm_node *me = rm->ready ? rsm_node(&rm->rsm, ev.nodeid) : NULL;

	snprintf(ev.node, sizeof(ev.node), "%s", me ? me->name : "");
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	notify_submit_urgent(&rm->d->notify, &ev);
}
