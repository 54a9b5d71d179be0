/*
 * rsm_admin.c - admin state that outlives a restart of handoffd: every
 * node's standby flag, the maintenance records and the history.  Each member keeps them in its
 * local-state file (plugin/local_state.h), seeds its table with them,
 * sends them in its STATE, and every member merges the STATEs of a sync
 * by the same rules (doc/protocol.md, rules 23, 24 and 33), so that all of
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

/* How many standby (or maintenance) records, or history entries, the
 * STATEs of this sync carry in all. */
enum admin_kind { ADMIN_STANDBY, ADMIN_MAINT, ADMIN_HISTORY };

static size_t synced_total(const struct rsm *m, enum admin_kind k)
{
	size_t total = 0;

	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct wire_state *s = &m->nodes[i].state;
		if (m->nodes[i].member && m->nodes[i].state_seen)
			total += k == ADMIN_HISTORY ? s->n_history :
				 k == ADMIN_MAINT ? s->n_maint : s->n_standby;
	}
	return total;
}

struct standby_vote {
	const struct wire_standby *b;
	uint64_t table_gen;       /* of the STATE that carried it */
};

/* Which of two records of one node is the newer decision: the higher
 * generation, then the one of the newer quorate table, then on (the safe
 * side: a node in standby only hosts nothing; one in maintenance is left
 * alone). */
static bool newer(const struct standby_vote *a, const struct standby_vote *b)
{
	if (a->b->gen != b->b->gen)
		return a->b->gen > b->b->gen;
	if (a->table_gen != b->table_gen)
		return a->table_gen > b->table_gen;
	return a->b->on > b->b->on;
}

/* The newest record per node among the STATEs of the sync into BEST (as
 * many as synced_total); how many nodes. */
static size_t newest_records(const struct rsm *m, enum admin_kind k, struct standby_vote *best)
{
	size_t nb = 0;

	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		const struct wire_standby *v = k == ADMIN_MAINT ? n->state.maint : n->state.standby;
		size_t nv = k == ADMIN_MAINT ? n->state.n_maint : n->state.n_standby;
		if (!n->member || !n->state_seen)
			continue;
		for (size_t j = 0; j < nv; j++) {
			struct standby_vote vote = { &v[j], n->state.table_gen };
			size_t x = 0;
			while (x < nb && best[x].b->node != vote.b->node)
				x++;
			if (x == nb)
				best[nb++] = vote;
			else if (newer(&vote, &best[x]))
				best[x] = vote;
		}
	}
	return nb;
}

void rsm_merge_standby(struct rsm *m)
{
	size_t total = synced_total(m, ADMIN_STANDBY), nb;
	struct standby_vote *best = malloc((total ? total : 1) * sizeof(*best));

	if (!best)
		return;   /* the flags stay as they were (out of memory, logged by none) */
	nb = newest_records(m, ADMIN_STANDBY, best);
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

/* ---- maintenance (rule 33) -------------------------------------------------- */

bool rsm_seed_maint(struct rsm *m, uint8_t scope, uint32_t id, const char *name, bool on,
		    uint64_t gen)
{
	struct rsm_node *n;
	struct rsm_res *r;

	switch (scope) {
	case MAINT_CLUSTER:
		if (gen > m->maint_all_gen) {
			m->maint_all = on;
			m->maint_all_gen = gen;
		}
		return true;
	case MAINT_NODE:
		if ((n = id ? rsm_node_add(m, id) : NULL) && gen > n->maint_gen) {
			n->maint = on;
			n->maint_gen = gen;
		}
		return true;
	case MAINT_RESOURCE:
		if (!(r = rsm_find(m, name)))
			return false;
		if (gen > r->maint_gen) {
			r->maint = on;
			r->maint_gen = gen;
		}
		return true;
	}
	return false;
}

/* R's own record: the entry of the highest maint_gen among the STATEs,
 * then of the newest quorate table, then on (rule 33, as standby). */
static void merge_res_maint(struct rsm *m, struct rsm_res *r)
{
	struct wire_standby best_b = { 0 }, b;
	struct standby_vote best = { NULL, 0 }, v;
	const size_t hint = (size_t)(r - m->res);

	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		if (!n->member || !n->state_seen)
			continue;
		/* same configuration, same order: the entry at R's index first */
		for (size_t j = 0; j <= n->state.n_entries; j++) {
			size_t k = j == 0 ? hint : j - 1;
			const struct wire_entry *e = k < n->state.n_entries ? &n->state.entries[k] : NULL;
			if (!e || strcmp(e->name, r->conf->name))
				continue;
			if (!e->maint_gen)
				break;
			b = (struct wire_standby){ 0, (e->flags & WIRE_ENTRY_MAINT) != 0, e->maint_gen };
			v = (struct standby_vote){ &b, n->state.table_gen };
			if (!best.b || newer(&v, &best)) {
				best_b = b;
				best = (struct standby_vote){ &best_b, v.table_gen };
			}
			break;
		}
	}
	r->maint = best.b && best.b->on;
	r->maint_gen = best.b ? best.b->gen : 0;
}

void rsm_merge_maint(struct rsm *m)
{
	size_t total = synced_total(m, ADMIN_MAINT), nb;
	struct standby_vote *best = malloc((total ? total : 1) * sizeof(*best));

	if (!best)
		return;   /* the flags stay as they were (out of memory) */
	nb = newest_records(m, ADMIN_MAINT, best);
	m->maint_all = false;
	m->maint_all_gen = 0;
	for (size_t i = 0; i < m->n_nodes; i++) {
		m->nodes[i].maint = false;
		m->nodes[i].maint_gen = 0;
	}
	for (size_t j = 0; j < nb; j++) {
		struct rsm_node *n = best[j].b->node ? rsm_node_add(m, best[j].b->node) : NULL;
		if (!best[j].b->node) {
			m->maint_all = best[j].b->on;
			m->maint_all_gen = best[j].b->gen;
		} else if (n) {
			n->maint = best[j].b->on;
			n->maint_gen = best[j].b->gen;
		}
	}
	free(best);
	for (size_t i = 0; i < m->n_res; i++)
		merge_res_maint(m, &m->res[i]);
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
	size_t total = synced_total(m, ADMIN_HISTORY), n = 0;
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
			if (n->maint != (o && o->maint) || n->maint_gen != (o ? o->maint_gen : 0))
				return "a node's maintenance";
		}
	}
	if (a->maint_all != b->maint_all || a->maint_all_gen != b->maint_all_gen)
		return "the cluster's maintenance";
	for (size_t i = 0; i < a->n_res && i < b->n_res; i++)
		if (a->res[i].maint != b->res[i].maint || a->res[i].maint_gen != b->res[i].maint_gen ||
		    a->res[i].adopt != b->res[i].adopt)
			return "a resource's maintenance";
	nx = rsm_history_views(a, x);
	ny = rsm_history_views(b, y);
	if (nx != ny)
		return "the number of history entries";
	for (size_t i = 0; i < nx; i++)
		if (hist_cmp(&x[i], &y[i]))
			return "a history entry";
	return NULL;
}
