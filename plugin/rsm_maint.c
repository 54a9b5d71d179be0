/*
 * rsm_maint.c - maintenance (doc/protocol.md, rules 33-35): the operator
 * takes the cluster, a node or a resource out of handoffd's hands to work
 * by hand, as Pacemaker's maintenance-mode or Proxmox's disarm do.
 *
 * While a resource is in maintenance the table decides nothing about it:
 * no restart, failover, migration, start, stop or cleanup, no repair at a
 * merge; its owner does not monitor it.  Leaving maintenance probes every
 * node (a sync: every member sends a STATE of freshly probed facts) and
 * the merge adopts what runs, never starting a second instance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsm_priv.h"

const char *rsm_maint_why(const struct rsm *m, const struct rsm_res *r, char *buf, size_t len)
{
	const struct rsm_node *o = r->owner ? rsm_node(m, r->owner) : NULL;
	const struct rsm_node *t = r->target && rsm_migrating(r->phase) ? rsm_node(m, r->target) : NULL;

	if (!r->maint && !m->maint_all && !(o && o->maint) && !(t && t->maint))
		return NULL;
	if (!buf)
		return "";
	if (r->maint)
		snprintf(buf, len, "%s is in maintenance", r->conf->name);
	else if (m->maint_all)
		snprintf(buf, len, "the cluster is in maintenance");
	else if (o && o->maint)
		snprintf(buf, len, "its owner, node %u, is in maintenance", o->nodeid);
	else
		snprintf(buf, len, "its migration's target, node %u, is in maintenance", t->nodeid);
	return buf;
}

bool rsm_maint_refuses(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out)
{
	const char *name;
	struct rsm_res *r;
	char why[160];

	switch (msg->hdr.type) {
	case MSG_START: case MSG_STOP: case MSG_CLEANUP: case MSG_MIGRATE:
		name = msg->u.req.resource;
		break;
	case MSG_FAILED:
		name = msg->u.failure.resource;
		break;
	default:
		return false;
	}
	if (!(r = rsm_find(m, name)) || !rsm_maint_why(m, r, why, sizeof(why)))
		return false;
	if (msg->hdr.type == MSG_FAILED) {
		rsm_push_text(out, ACT_LOG, name, msg->hdr.epoch, 0, false,
			      "ignored a FAILED for %s from node %u: %s", name, msg->hdr.nodeid, why);
		return true;
	}
	rsm_reply(m, msg, out, false, r->epoch, "%s: %s; handoffd does not act on it until "
		  "handoffctl maintenance off", name, why);
	return true;
}

/* What MSG names, for its answer and its history entry. */
static void scope_text(const struct wire_request *q, char *buf, size_t len)
{
	if (q->scope == MAINT_CLUSTER)
		snprintf(buf, len, "the cluster");
	else if (q->scope == MAINT_NODE)
		snprintf(buf, len, "node %u", q->node);
	else
		snprintf(buf, len, "%s", q->resource);
}

void rsm_process_maintenance(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	const struct wire_request *q = &msg->u.req;
	const struct rsm_node *sender = rsm_node(m, msg->hdr.nodeid);
	struct rsm_node *n = NULL;
	struct rsm_res *res = NULL;
	struct rsm_history *h;
	bool *before;
	size_t named = 0, adopt = 0;
	char what[WIRE_NAME_MAX + 16];

	if (!sender || !sender->eligible) {
		rsm_reply(m, msg, out, false, 0, "%s",
			  "this node's configuration differs from the cluster's; it may not change resources");
		return;
	}
	if (q->scope == MAINT_NODE && !(n = (struct rsm_node *)rsm_node(m, q->node))) {
		rsm_reply(m, msg, out, false, 0, "unknown node %u", q->node);
		return;
	}
	if (q->scope == MAINT_RESOURCE && !(res = rsm_find(m, q->resource))) {
		rsm_reply(m, msg, out, false, 0, "unknown resource '%s'", q->resource);
		return;
	}
	before = calloc(m->n_res ? m->n_res : 1, sizeof(*before));
	if (!before) {
		rsm_reply(m, msg, out, false, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < m->n_res; i++)
		before[i] = rsm_maint_why(m, &m->res[i], NULL, 0) != NULL;
	/* a newer decision than any the table knew of (rule 33) */
	if (q->scope == MAINT_CLUSTER) {
		m->maint_all = q->on;
		m->maint_all_gen++;
	} else if (n) {
		n->maint = q->on;
		n->maint_gen++;
	} else {
		res->maint = q->on;
		res->maint_gen++;
	}
	for (size_t i = 0; i < m->n_res; i++) {
		struct rsm_res *r = &m->res[i];
		bool now = rsm_maint_why(m, r, NULL, 0) != NULL;
		named += now;
		if (before[i] && !now) {
			r->adopt = true;
			adopt++;
		} else if (now) {
			r->adopt = false;     /* back in maintenance before its adoption */
		}
	}
	free(before);
	scope_text(q, what, sizeof(what));
	h = rsm_history_push(m);
	h->kind = HIST_MAINTENANCE;
	h->source = msg->hdr.nodeid;
	h->target = n ? n->nodeid : 0;
	h->ok = true;         /* decided; on or off is in the result */
	snprintf(h->resource, sizeof(h->resource), "%s", res ? res->conf->name : "");
	snprintf(h->result, sizeof(h->result), "maintenance %s: %s", q->on ? "on" : "off", what);
	if (q->on)
		rsm_reply(m, msg, out, true, 0, "%s is in maintenance: handoffd neither monitors nor "
			  "acts on %zu resource%s until handoffctl maintenance off", what, named,
			  named == 1 ? "" : "s");
	else
		rsm_reply(m, msg, out, true, 0, "%s is out of maintenance: probing every node for "
			  "%zu resource%s and adopting what runs", what, adopt, adopt == 1 ? "" : "s");
	rsm_push_text(out, ACT_LOG, res ? res->conf->name : "", 0, 0, true, "%s %s maintenance",
		      what, q->on ? "is in" : "left");
	if (adopt)
		rsm_resync(m, out);   /* every member probes: the merge adopts (rule 35) */
	else
		rsm_drain(m, out);
}

/* R's target state, as the table said before maintenance: should it run? */
static bool should_run(const struct rsm_res *r)
{
	return r->phase == PHASE_RUNNING || r->phase == PHASE_STARTING ||
	       r->phase == PHASE_FAILING_OVER || rsm_migrating(r->phase) ||
	       (r->phase == PHASE_STOPPING && r->restarting);
}

/* Where R starts when it runs nowhere: its owner if it may, else the first
 * eligible member by preference. */
static uint32_t home(const struct rsm *m, const struct rsm_res *r)
{
	uint32_t pref[RES_MAX_NODES];
	size_t np;

	if (r->owner && !rsm_ineligible(m, r, r->owner))
		return r->owner;
	np = rsm_preference(m, r, pref, RES_MAX_NODES);
	for (size_t i = 0; i < np; i++)
		if (!rsm_ineligible(m, r, pref[i]))
			return pref[i];
	return 0;
}

bool rsm_adopt(struct rsm *m, struct rsm_res *r, const uint32_t *running, size_t n_running,
	       struct rsm_actions *out)
{
	const char *name = r->conf->name;
	bool run = should_run(r);
	uint32_t to;

	/* S4: no decision without quorum; and a node the probe cannot reach
	 * may run it: the usual rules (failover after its fencing) decide */
	if (!m->partition_quorate)
		return false;
	r->adopt = false;
	if ((r->owner && !rsm_is_member(m, r->owner)) ||
	    (rsm_migrating(r->phase) && r->target && !rsm_is_member(m, r->target)))
		return false;
	/* whatever was named before maintenance may be stale by now (the
	 * operator ran it by hand): after this, start cold (S3) */
	r->dump_epoch = 0;
	memset(r->dump_id, 0, WIRE_ID_LEN);
	memset(r->ms, 0, sizeof(r->ms));
	r->target = 0;
	r->restarting = false;
	if (n_running > 1) {
		/* S2 is broken by hand: start nothing; the holders let go */
		rsm_new_epoch(r);
		r->phase = PHASE_FAILED;
		r->owner = 0;
		rsm_set_error(r, "out of maintenance, found running on nodes %u and %u (%zu in all): "
			      "not adopted", running[0], running[1], n_running);
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, false, "%s: %s", name, r->last_error);
		return true;
	}
	if (rsm_lost_unconfirmed(m, r)) {
		/* a lost owner may still run it (S1, S2): nothing is decided */
		r->phase = PHASE_FAILED;
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, false, "%s: out of maintenance, but "
			      "a lost owner may still hold it: FAILED (%s)", name, r->last_error);
		return true;
	}
	r->n_lost = 0;
	rsm_new_epoch(r);
	r->last_error[0] = '\0';
	if (n_running == 1) {
		r->owner = running[0];
		r->phase = PHASE_RUNNING;
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, true, "%s: out of maintenance, found "
			      "running on node %u: adopted (epoch %llu)", name, r->owner,
			      (unsigned long long)r->epoch);
		return true;
	}
	if (!run) {
		if (r->phase != PHASE_FAILED) {
			r->phase = PHASE_STOPPED;
			r->owner = 0;
		}
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, true, "%s: out of maintenance, "
			      "running nowhere: %s", name, phase_name(r->phase));
		return true;
	}
	if (!(to = home(m, r))) {
		r->phase = PHASE_FAILED;
		rsm_set_error(r, "out of maintenance, running nowhere, and no eligible node may "
			      "start it");
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, false, "%s: %s", name, r->last_error);
		return true;
	}
	rsm_start_on(r, to);
	rsm_push_text(out, ACT_LOG, name, r->epoch, 0, true, "%s: out of maintenance, running "
		      "nowhere: starting it on node %u (epoch %llu)", name, to,
		      (unsigned long long)r->epoch);
	if (to == m->local_nodeid)
		rsm_push_text(out, ACT_START, name, r->epoch, 0, true, "start");
	return true;
}
