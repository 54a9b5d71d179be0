/*
 * notify_derive.c - the notify events a table change makes this node run
 * (notify_derive.h).
 */
#include "notify_derive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void take(struct notify_table *t, const struct rsm *m)
{
	for (size_t i = 0; i < t->n_res && i < m->n_res; i++) {
		t->res[i].phase = (uint8_t)m->res[i].phase;
		t->res[i].owner = m->res[i].owner;
		t->res[i].epoch = m->res[i].epoch;
	}
	for (size_t i = 0; i < m->n_nodes && i < RSM_MAX_NODES; i++) {
		t->nodes[i].member = m->nodes[i].member;
		t->nodes[i].standby = m->nodes[i].standby;
	}
	t->n_nodes = m->n_nodes;
	/* the table's hist_seq is its newest entry's seq (rule 24) */
	if (m->hist_seq > t->hist_seq)
		t->hist_seq = m->hist_seq;
}

int notify_table_reset(struct notify_table *t, const struct rsm *m)
{
	struct notify_seen_res *res = m->n_res ? calloc(m->n_res, sizeof(*res)) : NULL;

	free(t->res);
	memset(t, 0, sizeof(*t));
	if (m->n_res && !res)
		return -1;
	t->res = res;
	t->n_res = m->n_res;
	take(t, m);
	return 0;
}

void notify_table_free(struct notify_table *t)
{
	free(t->res);
	memset(t, 0, sizeof(*t));
}

static bool is_member(const struct rsm *m, uint32_t node)
{
	const struct rsm_node *n = rsm_node(m, node);

	return n && n->member;
}

/* The lowest-numbered member: who runs an event whose actor is away. */
static uint32_t lowest_member(const struct rsm *m)
{
	uint32_t low = 0;

	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].member && (!low || m->nodes[i].nodeid < low))
			low = m->nodes[i].nodeid;
	return low;
}

static uint32_t actor_of(const struct rsm *m, uint32_t node)
{
	return node && is_member(m, node) ? node : lowest_member(m);
}

static void name_of(const struct rsm *m, uint32_t node, char *buf, size_t len)
{
	const struct rsm_node *n = node ? rsm_node(m, node) : NULL;

	snprintf(buf, len, "%s", n ? n->name : "");
}

static void event_init(struct notify_event *ev, const struct rsm *m, enum notify_kind kind,
		       const struct rsm_res *r, uint32_t node)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->nodeid = node;
	name_of(m, node, ev->node, sizeof(ev->node));
	if (r) {
		snprintf(ev->resource, sizeof(ev->resource), "%s", r->conf->name);
		snprintf(ev->phase, sizeof(ev->phase), "%s", phase_name(r->phase));
		ev->epoch = r->epoch;
		ev->ok = r->phase != PHASE_FAILED;
		snprintf(ev->reason, sizeof(ev->reason), "%s", r->last_error);
	}
}

/* A history entry's event, when the table before it shows what it ends. */
static bool from_history(struct notify_table *t, const struct rsm *m, const struct rsm_history *h,
			 uint64_t index, bool *handled, notify_emit_fn emit, void *ctx)
{
	struct notify_event ev;
	const struct rsm_res *r = h->kind == HIST_FENCE_CONFIRM || !h->resource[0] ? NULL :
				  rsm_find((struct rsm *)m, h->resource);
	size_t i = r ? (size_t)(r - m->res) : 0;
	enum notify_kind kind;
	uint32_t actor;

	switch (h->kind) {
	case HIST_MIGRATION:
		if (!r || i >= t->n_res || !rsm_migrating((enum phase)t->res[i].phase))
			return false;
		kind = NE_MIGRATED;
		break;
	case HIST_FAILOVER:
		if (!r || i >= t->n_res || t->res[i].phase != PHASE_FAILING_OVER)
			return false;
		kind = NE_FAILOVER;
		break;
	case HIST_RESTART:
	case HIST_RELOCATE:
		/* decided from RUNNING at the failure's epoch; a restart that
		 * was not (FAILED) is the phase's event, failed */
		if (!r || i >= t->n_res || t->res[i].phase != PHASE_RUNNING ||
		    t->res[i].epoch != h->epoch || (h->kind == HIST_RESTART && !h->ok))
			return false;
		handled[i] = true;
		/* the owner that failed acts first: it stops or dumps it */
		if (actor_of(m, h->source) != m->local_nodeid)
			return false;
		event_init(&ev, m, h->kind == HIST_RESTART ? NE_RESTART : NE_RELOCATED, r,
			   h->source);
		ev.epoch = h->epoch;
		ev.ok = h->ok;
		snprintf(ev.reason, sizeof(ev.reason), "%s", h->result);
		name_of(m, h->source, ev.source, sizeof(ev.source));
		name_of(m, h->target, ev.target, sizeof(ev.target));
		emit(ctx, &ev, h, index);
		return true;
	case HIST_FENCE_CONFIRM:
		if (actor_of(m, h->source) != m->local_nodeid)
			return false;
		event_init(&ev, m, NE_FENCE_CONFIRM, NULL, h->target);
		ev.ok = h->ok;
		snprintf(ev.reason, sizeof(ev.reason), "%s", h->result);
		emit(ctx, &ev, h, index);
		return true;
	case HIST_MAINTENANCE:
		/* on the node that asked (its lowest member when it is gone):
		 * about the node named, else the asker; the resource if one */
		if (actor_of(m, h->source) != m->local_nodeid)
			return false;
		event_init(&ev, m, NE_MAINTENANCE, r, h->target ? h->target : h->source);
		snprintf(ev.resource, sizeof(ev.resource), "%s", h->resource);
		ev.ok = true;
		snprintf(ev.reason, sizeof(ev.reason), "%s", h->result);
		emit(ctx, &ev, h, index);
		return true;
	default:           /* a kind of a later version: no event of this one */
		return false;
	}
	handled[i] = true;
	actor = actor_of(m, r->owner);
	if (actor != m->local_nodeid)
		return false;
	event_init(&ev, m, kind, r, r->owner);
	ev.epoch = h->epoch;
	ev.ok = h->ok;
	snprintf(ev.reason, sizeof(ev.reason), "%s", h->result);
	ev.has_times = true;
	memcpy(ev.ms, h->ms, sizeof(ev.ms));
	name_of(m, h->source, ev.source, sizeof(ev.source));
	name_of(m, h->target, ev.target, sizeof(ev.target));
	emit(ctx, &ev, h, index);
	return true;
}

/* A start or stop that ended, or a resource that failed otherwise. */
static void from_phase(const struct notify_seen_res *p, const struct rsm *m,
		       const struct rsm_res *r, notify_emit_fn emit, void *ctx)
{
	struct notify_event ev;
	bool ended = (r->phase == PHASE_RUNNING || r->phase == PHASE_STOPPED ||
		      r->phase == PHASE_FAILED) && p->epoch == r->epoch &&
		     is_member(m, p->owner);

	if (ended && p->phase == PHASE_STARTING && r->phase != PHASE_STOPPED) {
		if (p->owner == m->local_nodeid) {
			event_init(&ev, m, NE_START, r, p->owner);
			emit(ctx, &ev, NULL, 0);
		}
		return;
	}
	if (ended && p->phase == PHASE_STOPPING && r->phase != PHASE_RUNNING) {
		if (p->owner == m->local_nodeid) {
			event_init(&ev, m, NE_STOP, r, p->owner);
			emit(ctx, &ev, NULL, 0);
		}
		return;
	}
	if (r->phase == PHASE_FAILED && p->phase != PHASE_FAILED &&
	    actor_of(m, r->owner) == m->local_nodeid) {
		event_init(&ev, m, NE_FAILED, r, r->owner);
		emit(ctx, &ev, NULL, 0);
	}
}

void notify_derive(struct notify_table *t, const struct rsm *m, notify_emit_fn emit, void *ctx)
{
	bool handled_buf[64] = { false }, *handled = handled_buf;

	if (t->n_res != m->n_res) {    /* not set up for this table */
		notify_table_reset(t, m);
		return;
	}
	if (m->n_res > sizeof(handled_buf) / sizeof(handled_buf[0]) &&
	    !(handled = calloc(m->n_res, sizeof(*handled)))) {
		take(t, m);
		return;
	}
	/* the entries newer than the last seen, oldest first: by seq, since a
	 * merge rewrites the ring (doc/protocol.md rule 24), and only what the
	 * ring still holds */
	for (size_t k = RSM_HISTORY; k-- > 0;) {
		const struct rsm_history *h = rsm_history_get(m, k);
		if (h && h->seq > t->hist_seq)
			from_history(t, m, h, h->seq, handled, emit, ctx);
	}
	for (size_t i = 0; i < m->n_res; i++)
		if (!handled[i])
			from_phase(&t->res[i], m, &m->res[i], emit, ctx);
	for (size_t i = 0; i < m->n_nodes && i < t->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		struct notify_event ev;
		if (!n->member || !t->nodes[i].member || n->standby == t->nodes[i].standby ||
		    n->nodeid != m->local_nodeid)
			continue;
		event_init(&ev, m, NE_STANDBY, NULL, n->nodeid);
		ev.ok = true;
		snprintf(ev.reason, sizeof(ev.reason), "standby %s", n->standby ? "on" : "off");
		emit(ctx, &ev, NULL, 0);
	}
	if (handled != handled_buf)
		free(handled);
	take(t, m);
}
