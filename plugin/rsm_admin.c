/*
 * rsm_admin.c - admin state that outlives a restart of handoffd: every
 * node's standby flag and the history.  Each member keeps them in its
 * local-state file (plugin/local_state.h), seeds its table with them,
 * sends them in its STATE, and every member merges the STATEs of a sync
 * by the same rules (doc/protocol.md, rules 23 and 24), so that all of
 * them hold the same standby flags and the same history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsm_priv.h"

/* ---- standby (rule 23) ------------------------------------------------------ */

void rsm_seed_standby(struct rsm *m, uint32_t nodeid, bool on, uint64_t gen)
{
	struct rsm_node *n = nodeid ? rsm_node_add(m, nodeid) : NULL;

	if (n && gen > n->standby_gen) {
		n->standby = on;
		n->standby_gen = gen;
	}
}

/* How many standby records (or history entries) the STATEs of this sync
 * carry in all. */
static size_t synced_total(const struct rsm *m, bool history)
{
	size_t total = 0;

	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].member && m->nodes[i].state_seen)
			total += history ? m->nodes[i].state.n_history : m->nodes[i].state.n_standby;
	return total;
}

struct standby_vote {
	const struct wire_standby *b;
	uint64_t table_gen;       /* of the STATE that carried it */
};

/* Which of two records of one node is the newer decision: the higher
 * generation, then the one of the newer quorate table, then standby on
 * (the safe side: a node in standby only hosts nothing). */
static bool newer(const struct standby_vote *a, const struct standby_vote *b)
{
	if (a->b->gen != b->b->gen)
		return a->b->gen > b->b->gen;
	if (a->table_gen != b->table_gen)
		return a->table_gen > b->table_gen;
	return a->b->on > b->b->on;
}

void rsm_merge_standby(struct rsm *m)
{
	size_t total = synced_total(m, false), nb = 0;
	struct standby_vote *best = malloc((total ? total : 1) * sizeof(*best));

	if (!best)
		return;   /* the flags stay as they were (out of memory, logged by none) */
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		if (!n->member || !n->state_seen)
			continue;
		for (size_t k = 0; k < n->state.n_standby; k++) {
			struct standby_vote v = { &n->state.standby[k], n->state.table_gen };
			size_t j = 0;
			while (j < nb && best[j].b->node != v.b->node)
				j++;
			if (j == nb)
				best[nb++] = v;
			else if (newer(&v, &best[j]))
				best[j] = v;
		}
	}
	/* a node no STATE names was never set: not in standby */
	for (size_t i = 0; i < m->n_nodes; i++) {
		m->nodes[i].standby = false;
		m->nodes[i].standby_gen = 0;
	}
	for (size_t j = 0; j < nb; j++) {
		struct rsm_node *n = rsm_node_add(m, best[j].b->node);
		if (n) {
			n->standby = best[j].b->on;
			n->standby_gen = best[j].b->gen;
		}
	}
	free(best);
}

/* ---- history (rule 24) ----------------------------------------------------- */

struct rsm_history *rsm_history_push(struct rsm *m)
{
	struct rsm_history *h = &m->history[m->n_history++ % RSM_HISTORY];

	memset(h, 0, sizeof(*h));
	h->seq = ++m->hist_seq;
	m->hist_changes++;
	return h;
}

/* H as a STATE carries it (its strings borrowed). */
static void view(const struct rsm_history *h, struct wire_hist *w)
{
	w->seq = h->seq;
	w->kind = (uint8_t)h->kind;
	w->ok = h->ok;
	w->resource = h->resource;
	w->epoch = h->epoch;
	w->source = h->source;
	w->target = h->target;
	w->result = h->result;
	memcpy(w->ms, h->ms, sizeof(w->ms));
}

/* A total order on every field: seq first (older first); equal only for
 * copies of one entry. */
static int hist_cmp(const struct wire_hist *a, const struct wire_hist *b)
{
	int c;

#define CMP(x) if (a->x != b->x) return a->x < b->x ? -1 : 1
	CMP(seq); CMP(kind); CMP(epoch); CMP(source); CMP(target); CMP(ok);
	for (int k = 0; k < WIRE_TIMES; k++) {
		CMP(ms[k]);
	}
#undef CMP
	if ((c = strcmp(a->resource, b->resource)))
		return c;
	return strcmp(a->result, b->result);
}

static int hist_cmp_q(const void *a, const void *b)
{
	return hist_cmp(*(const struct wire_hist *const *)a, *(const struct wire_hist *const *)b);
}

size_t rsm_history_views(const struct rsm *m, struct wire_hist *out)
{
	size_t n = 0;

	for (size_t i = RSM_HISTORY; i-- > 0;) {
		const struct rsm_history *h = rsm_history_get(m, i);
		if (h)
			view(h, &out[n++]);
	}
	return n;
}

/*
 * V: N entries (any order, duplicates allowed).  The ring becomes the
 * newest RSM_HISTORY of them by hist_cmp, oldest first, copies dropped;
 * it is rewritten only when that differs from what it holds.
 */
static void install(struct rsm *m, const struct wire_hist **v, size_t n)
{
	struct wire_hist cur[RSM_HISTORY];
	size_t u = 0, first, k, nc;
	bool same;

	qsort(v, n, sizeof(*v), hist_cmp_q);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || hist_cmp(v[u - 1], v[i]))
			v[u++] = v[i];
	first = u > RSM_HISTORY ? u - RSM_HISTORY : 0;
	k = u - first;
	nc = rsm_history_views(m, cur);
	same = nc == k;
	for (size_t i = 0; same && i < k; i++)
		same = !hist_cmp(&cur[i], v[first + i]);
	m->hist_seq = k ? v[u - 1]->seq : 0;
	if (same)
		return;
	{
		/* V may point into the ring itself: build the new one apart */
		struct rsm_history ring[RSM_HISTORY];
		for (size_t i = 0; i < k; i++) {
			const struct wire_hist *w = v[first + i];
			struct rsm_history *h = &ring[i];
			memset(h, 0, sizeof(*h));
			h->seq = w->seq;
			h->kind = (enum rsm_history_kind)w->kind;
			h->ok = w->ok;
			snprintf(h->resource, sizeof(h->resource), "%s", w->resource);
			h->epoch = w->epoch;
			h->source = w->source;
			h->target = w->target;
			snprintf(h->result, sizeof(h->result), "%s", w->result);
			memcpy(h->ms, w->ms, sizeof(h->ms));
		}
		memcpy(m->history, ring, k * sizeof(ring[0]));
	}
	m->n_history = k;
	m->hist_changes++;
}

void rsm_seed_history(struct rsm *m, const struct rsm_history *v, size_t n)
{
	struct wire_hist *w = malloc((n + RSM_HISTORY) * sizeof(*w));
	const struct wire_hist **p = malloc((n + RSM_HISTORY) * sizeof(*p));
	size_t np = 0;

	if (w && p) {
		/* what the ring holds already, and V */
		np = rsm_history_views(m, w);
		for (size_t i = 0; i < n; i++)
			if (v[i].seq && v[i].kind > 0 && v[i].kind < HIST__MAX)
				view(&v[i], &w[np++]);
		for (size_t i = 0; i < np; i++)
			p[i] = &w[i];
		install(m, p, np);
	}
	free(w);
	free(p);
}

void rsm_merge_history(struct rsm *m)
{
	size_t total = synced_total(m, true), n = 0;
	const struct wire_hist **v = malloc((total ? total : 1) * sizeof(*v));

	if (!v)
		return;   /* the ring stays as it was (out of memory) */
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *nd = &m->nodes[i];
		if (!nd->member || !nd->state_seen)
			continue;
		for (size_t k = 0; k < nd->state.n_history; k++)
			if (nd->state.history[k].kind < HIST__MAX)
				v[n++] = &nd->state.history[k];
	}
	install(m, v, n);
	free(v);
}

const char *rsm_admin_differs(const struct rsm *a, const struct rsm *b)
{
	struct wire_hist x[RSM_HISTORY], y[RSM_HISTORY];
	size_t nx, ny;

	for (int pass = 0; pass < 2; pass++) {
		const struct rsm *p = pass ? b : a, *q = pass ? a : b;
		for (size_t i = 0; i < p->n_nodes; i++) {
			const struct rsm_node *n = &p->nodes[i], *o = rsm_node(q, n->nodeid);
			bool on = o && o->standby;
			uint64_t gen = o ? o->standby_gen : 0;
			if (n->standby != on || n->standby_gen != gen)
				return "a node's standby";
		}
	}
	nx = rsm_history_views(a, x);
	ny = rsm_history_views(b, y);
	if (nx != ny)
		return "the number of history entries";
	for (size_t i = 0; i < nx; i++)
		if (hist_cmp(&x[i], &y[i]))
			return "a history entry";
	return NULL;
}
