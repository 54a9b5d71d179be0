/*
 * rm_local_state.c - the daemon's use of local_state.h: the table is seeded
 * from the file when it is built (a new corosync connection), and the file
 * is written again when an epoch, a named dump, a node's standby, a
 * maintenance record, the history or a resource's fail or relocation
 * count changed.
 *
 * Not on the hot path more than needed: changes are compared per event
 * (a few compares a resource), and the write (the whole file, fsynced) is
 * coalesced over LOCAL_STATE_DELAY_MS, so a standby drain of a thousand
 * resources writes it a few times a second, not a thousand times.  That
 * delay costs no safety: S3 rests on the migration id the dump carries,
 * which a lagging file never reuses; the file only keeps epochs from
 * starting again at 0 (S4: they grow only through quorum-gated decisions,
 * and a lagging epoch merely loses the merge to a newer one).
 */
#include <errno.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handoffd.h"
#include "local_state.h"
#include "resource_manager.h"

#define LOCAL_STATE_DELAY_MS 100

static void state_path(const struct resource_manager *rm, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", rm->d->cfg.state_dir, LOCAL_STATE_FILE);
}

static void entry_of(const struct rsm_res *r, struct local_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", r->conf->name);
	e->epoch = r->epoch;
	e->dump_epoch = r->dump_epoch;
	memcpy(e->dump_id, r->dump_id, WIRE_ID_LEN);
}

static bool entry_differs(const struct rsm_res *r, const struct local_entry *e)
{
	return r->epoch != e->epoch || r->dump_epoch != e->dump_epoch ||
	       memcmp(r->dump_id, e->dump_id, WIRE_ID_LEN) != 0;
}

/* The table's standby records (every node ever set) into ST->nodes. */
static void nodes_of(const struct rsm *m, struct local_state *st)
{
	st->n_nodes = 0;
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].standby_gen)
			st->nodes[st->n_nodes++] = (struct local_node){ m->nodes[i].nodeid,
				m->nodes[i].standby, m->nodes[i].standby_gen };
}

static bool nodes_differ(const struct rsm *m, const struct local_state *st)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *x = &m->nodes[i];
		if (!x->standby_gen)
			continue;
		if (n == st->n_nodes || st->nodes[n].nodeid != x->nodeid ||
		    st->nodes[n].standby != x->standby || st->nodes[n].standby_gen != x->standby_gen)
			return true;
		n++;
	}
	return n != st->n_nodes;
}

static bool has_failures(const struct rsm_res *r)
{
	return r->fail_count || r->reloc_count || r->last_fail_ms || r->last_fail[0];
}

/* The table's recovery counts (resources that have any) into ST->fail. */
static void fails_of(const struct rsm *m, struct local_state *st)
{
	st->n_fail = 0;
	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_res *r = &m->res[i];
		struct local_fail *x = &st->fail[st->n_fail];
		if (!has_failures(r))
			continue;
		snprintf(x->name, sizeof(x->name), "%s", r->conf->name);
		x->fail_count = r->fail_count;
		x->reloc_count = r->reloc_count;
		x->last_fail_ms = r->last_fail_ms;
		snprintf(x->last_fail, sizeof(x->last_fail), "%s", r->last_fail);
		st->n_fail++;
	}
}

/* in the order fails_of() writes them */
static bool fails_differ(const struct rsm *m, const struct local_state *st)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_res *r = &m->res[i];
		const struct local_fail *x = &st->fail[n];
		if (!has_failures(r))
			continue;
		if (n == st->n_fail || x->fail_count != r->fail_count ||
		    x->reloc_count != r->reloc_count || x->last_fail_ms != r->last_fail_ms ||
		    strcmp(x->last_fail, r->last_fail) || strcmp(x->name, r->conf->name))
			return true;
		n++;
	}
	return n != st->n_fail;
}

/* The table's Kth maintenance record (the cluster's, then every node's,
 * then every resource's ever set) into *X, advancing *K; false at the end. */
static bool maint_next(const struct rsm *m, size_t *k, struct local_maint *x)
{
	for (; *k < 1 + m->n_nodes + m->n_res; (*k)++) {
		size_t i = *k;
		memset(x, 0, sizeof(*x));
		if (i == 0 && m->maint_all_gen) {
			*x = (struct local_maint){ .scope = MAINT_CLUSTER, .on = m->maint_all,
						   .gen = m->maint_all_gen };
		} else if (i >= 1 && i < 1 + m->n_nodes && m->nodes[i - 1].maint_gen) {
			const struct rsm_node *n = &m->nodes[i - 1];
			*x = (struct local_maint){ .scope = MAINT_NODE, .nodeid = n->nodeid,
						   .on = n->maint, .gen = n->maint_gen };
		} else if (i >= 1 + m->n_nodes && m->res[i - 1 - m->n_nodes].maint_gen) {
			const struct rsm_res *r = &m->res[i - 1 - m->n_nodes];
			x->scope = MAINT_RESOURCE;
			snprintf(x->name, sizeof(x->name), "%s", r->conf->name);
			x->on = r->maint;
			x->gen = r->maint_gen;
		} else {
			continue;
		}
		(*k)++;
		return true;
	}
	return false;
}

static bool maint_differs(const struct rsm *m, const struct local_state *st)
{
	struct local_maint x;
	size_t k = 0, n = 0;

	while (maint_next(m, &k, &x)) {
		const struct local_maint *y = n < st->n_maint ? &st->maint[n] : NULL;
		if (!y || y->scope != x.scope || y->nodeid != x.nodeid || strcmp(y->name, x.name) ||
		    y->on != x.on || y->gen != x.gen)
			return true;
		n++;
	}
	return n != st->n_maint;
}

/* Everything the file keeps, from the table, into rm->kept. */
static void kept_of(struct resource_manager *rm)
{
	const struct rsm *m = &rm->rsm;

	for (size_t r = 0; r < m->n_res; r++)
		entry_of(&m->res[r], &rm->kept.res[r]);
	rm->kept.n_res = m->n_res;
	nodes_of(m, &rm->kept);
	fails_of(m, &rm->kept);
	rm->kept.n_hist = 0;
	for (size_t i = RSM_HISTORY; i-- > 0;) {       /* oldest first */
		const struct rsm_history *h = rsm_history_get(m, i);
		if (h)
			rm->kept.hist[rm->kept.n_hist++] = *h;
	}
	rm->kept_hist_changes = m->hist_changes;
	{
		size_t k = 0;
		rm->kept.n_maint = 0;
		while (maint_next(m, &k, &rm->kept.maint[rm->kept.n_maint]))
			rm->kept.n_maint++;
	}
}

void rm_local_state_flush(struct resource_manager *rm)
{
	char path[RES_PATH_MAX + 32], why[256];

	if (rm->kept_timer_armed) {
		qb_loop_timer_del(rm->d->loop, rm->kept_timer);
		rm->kept_timer_armed = false;
	}
	if (!rm->kept_dirty || !rm->kept.res || !rm->kept.hist || !rm->kept.fail || !rm->kept.maint)
		return;
	kept_of(rm);
	state_path(rm, path, sizeof(path));
	if (local_state_save(path, &rm->kept, why, sizeof(why)) < 0) {
		/* tried again at the next change; loud, for it weakens S4 */
		qb_log(LOG_ERR, "cannot keep the epochs, standby, history and fail counts in %s: %s",
		       path, why);
		return;
	}
	rm->kept_dirty = false;
}

static void flush_timer(void *data)
{
	struct resource_manager *rm = data;

	rm->kept_timer_armed = false;
	rm_local_state_flush(rm);
}

void rm_local_state_note(struct resource_manager *rm)
{
	if (!rm->ready || !rm->kept.res || !rm->kept.fail)
		return;
	for (size_t i = 0; i < rm->rsm.n_res && !rm->kept_dirty; i++)
		rm->kept_dirty = entry_differs(&rm->rsm.res[i], &rm->kept.res[i]);
	rm->kept_dirty |= rm->kept_hist_changes != rm->rsm.hist_changes ||
			  nodes_differ(&rm->rsm, &rm->kept) || fails_differ(&rm->rsm, &rm->kept);
	if (maint_differs(&rm->rsm, &rm->kept)) {
		/* an operator's word, and rare: kept at once, not LOCAL_STATE_DELAY_MS
		 * later (a restart of every node right after it must not undo it) */
		rm->kept_dirty = true;
		rm_local_state_flush(rm);
		return;
	}
	if (!rm->kept_dirty || rm->kept_timer_armed)
		return;
	if (qb_loop_timer_add(rm->d->loop, QB_LOOP_LOW, LOCAL_STATE_DELAY_MS * 1000000ULL, rm,
			      flush_timer, &rm->kept_timer) == 0)
		rm->kept_timer_armed = true;
	else
		rm_local_state_flush(rm);
}

void rm_local_state_seed(struct resource_manager *rm)
{
	char path[RES_PATH_MAX + 32], why[256];
	struct local_state st;
	size_t seeded = 0;
	int rc;

	local_state_free(&rm->kept);
	rm->kept.res = calloc(rm->rsm.n_res ? rm->rsm.n_res : 1, sizeof(*rm->kept.res));
	rm->kept.hist = calloc(RSM_HISTORY, sizeof(*rm->kept.hist));
	rm->kept.fail = calloc(rm->rsm.n_res ? rm->rsm.n_res : 1, sizeof(*rm->kept.fail));
	/* the cluster, every node and every resource at most once each */
	rm->kept.maint = calloc(1 + RSM_MAX_NODES + rm->rsm.n_res, sizeof(*rm->kept.maint));
	rm->kept_dirty = false;
	state_path(rm, path, sizeof(path));
	rc = local_state_load(path, &st, why, sizeof(why));
	if (rc < 0) {
		/* hostile or broken: never half-used; the merge brings the
		 * other nodes' epochs, standby and history, and the next change
		 * rewrites it */
		qb_log(LOG_ERR, "ignoring %s: %s", path, why);
	} else if (rc == 1) {
		qb_log(LOG_INFO, "no %s yet: epochs start at 0", path);
	}
	for (size_t i = 0; i < st.n_res; i++)
		seeded += rsm_seed(&rm->rsm, st.res[i].name, st.res[i].epoch, st.res[i].dump_epoch,
				   st.res[i].dump_id);
	for (size_t i = 0; i < st.n_nodes; i++)
		rsm_seed_standby(&rm->rsm, st.nodes[i].nodeid, st.nodes[i].standby,
				 st.nodes[i].standby_gen);
	rsm_seed_history(&rm->rsm, st.hist, st.n_hist);
	for (size_t i = 0; i < st.n_fail; i++)
		rsm_seed_failures(&rm->rsm, st.fail[i].name, st.fail[i].fail_count,
				  st.fail[i].reloc_count, st.fail[i].last_fail_ms, st.fail[i].last_fail);
	for (size_t i = 0; i < st.n_maint; i++)
		if (!rsm_seed_maint(&rm->rsm, st.maint[i].scope, st.maint[i].nodeid, st.maint[i].name,
				    st.maint[i].on, st.maint[i].gen))
			qb_log(LOG_NOTICE, "%s: maintenance of resource '%s', no longer configured: "
			       "dropped", path, st.maint[i].name);
	if (rc == 0)
		qb_log(LOG_NOTICE, "%zu of the %zu resources, %zu standby records, %zu maintenance "
		       "records, %zu history entries and %zu fail counts in %s seeded the table",
		       seeded, st.n_res, st.n_nodes, st.n_maint, st.n_hist, st.n_fail, path);
	local_state_free(&st);
	if (rm->kept.res && rm->kept.hist && rm->kept.fail && rm->kept.maint)
		kept_of(rm);
	/* a broken file is replaced as soon as possible */
	rm->kept_dirty = rc < 0;
}
