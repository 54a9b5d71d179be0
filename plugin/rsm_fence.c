/*
 * rsm_fence.c - when a lost node counts as fenced, in the replicated state
 * machine (doc/failover.md).
 *
 * A failover may promote only once every node that may still hold the
 * volume is fenced (S1, S2).  Each resource in FAILING_OVER keeps the set
 * of such lost owners (it travels in STATE, so a joining member agrees),
 * and each of them is
 *   - LOST_WATCHDOG: its armed watchdog bounds its self-fence, and the new
 *     owner's fence_delay covers that deadline: fenced once the new owner
 *     has waited fence_delay;
 *   - LOST_UNFENCED: no watchdog, so no timer makes it fenced: it stays in
 *     the set until it comes back holding nothing (its STATE's facts) or
 *     an operator confirms it is down (FENCE_CONFIRM);
 *   - LOST_CONFIRMED: an operator said so.
 * ACT_FAILOVER goes out only when no lost owner is LOST_UNFENCED.
 *
 * The timings check across nodes lives here too (rsm.h, "Timings").
 */
#include <stdio.h>
#include <string.h>

#include "rsm_priv.h"

bool rsm_lost_has(const struct rsm_res *r, uint32_t node)
{
	for (size_t i = 0; i < r->n_lost; i++)
		if (r->lost[i].node == node)
			return true;
	return false;
}

bool rsm_failover_gated(const struct rsm_res *r)
{
	/* a lost owner that came back and was chosen as the new owner holds
	 * it by right: it is the one taking over */
	for (size_t i = 0; i < r->n_lost; i++)
		if (r->lost[i].fence == LOST_UNFENCED && r->lost[i].node != r->owner)
			return true;
	return false;
}

bool rsm_lost_unconfirmed(const struct rsm *m, const struct rsm_res *r)
{
	for (size_t i = 0; i < r->n_lost; i++) {
		const struct wire_lost *l = &r->lost[i];
		if (l->fence == LOST_CONFIRMED || (l->node == r->owner && rsm_is_member(m, l->node)))
			continue;
		return true;
	}
	return false;
}

bool rsm_failover_waits_delay(const struct rsm_res *r)
{
	for (size_t i = 0; i < r->n_lost; i++)
		if (r->lost[i].fence == LOST_WATCHDOG)
			return true;
	return false;
}

/* X's self-fence deadline that others may count on, or 0 without a watchdog. */
static uint64_t deadline_of(const struct rsm_node *x)
{
	if (!x || !x->timing_seen || !x->timing.watchdog_ms)
		return 0;
	return (uint64_t)x->timing.self_fence_timeout_ms + x->timing.watchdog_ms;
}

/* Does A's fence_delay cover B's deadline plus the detection of B's loss? */
static bool covers(const struct rsm_node *a, const struct rsm_node *b, uint64_t deadline)
{
	uint64_t detect = a->timing.detect_ms > b->timing.detect_ms ? a->timing.detect_ms
								      : b->timing.detect_ms;

	return a->timing.fence_delay_ms > deadline + detect;
}

bool rsm_lost_add(struct rsm *m, struct rsm_res *r, uint32_t lost, uint32_t new_owner)
{
	const struct rsm_node *x = rsm_node(m, lost), *to = rsm_node(m, new_owner);
	uint64_t deadline = deadline_of(x);
	struct wire_lost *l = NULL;

	for (size_t i = 0; i < r->n_lost; i++)
		if (r->lost[i].node == lost)
			l = &r->lost[i];
	if (l && l->fence == LOST_CONFIRMED)
		return true;       /* an operator's word stands */
	if (!l) {
		if (r->n_lost == WIRE_LOST_MAX)
			return false;
		l = &r->lost[r->n_lost++];
		l->node = lost;
	}
	/* the watchdog makes it fenced only within the new owner's wait (S1) */
	l->fence = deadline && to && to->timing_seen && covers(to, x, deadline) ?
		   LOST_WATCHDOG : LOST_UNFENCED;
	return true;
}

void rsm_failover_act(struct rsm *m, struct rsm_res *r, struct rsm_actions *out)
{
	struct rsm_action *a;

	/* in maintenance the operator owns it: no promote behind them (rule
	 * 34); leaving maintenance decides from what runs (rule 35) */
	if (r->owner != m->local_nodeid || rsm_maint_why(m, r, NULL, 0) ||
	    !(a = rsm_push(out, ACT_FAILOVER, r->conf->name)))
		return;
	a->epoch = r->epoch;
	a->node = r->lost_owner;
	a->dump_epoch = r->dump_epoch;
	memcpy(a->dump_id, r->dump_id, WIRE_ID_LEN);
	a->ok = rsm_failover_waits_delay(r);
}

/* The lost owners R waits for, as "node 1, node 3" (for logs and errors). */
static void waiting_for(const struct rsm_res *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n_lost; i++) {
		int n;
		if (r->lost[i].fence != LOST_UNFENCED || r->lost[i].node == r->owner)
			continue;
		n = snprintf(buf + used, len - used, "%snode %u", used ? ", " : "",
			     r->lost[i].node);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

void rsm_failover_log_gate(struct rsm *m, struct rsm_res *r, struct rsm_actions *out)
{
	char who[96];

	(void)m;
	waiting_for(r, who, sizeof(who));
	rsm_set_error(r, "waiting until %s is fenced: it comes back, or an operator runs "
		      "handoffctl fence-confirm (no watchdog bounds its self-fence)", who);
	rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, false, "%s: %s", r->conf->name,
		      r->last_error);
}

/* Is the member N back holding nothing of R (its STATE's facts say so)? */
static bool back_empty_handed(const struct wire_fact *f)
{
	return f && !f->running && !f->mounted && f->role != ROLE_PRIMARY;
}

void rsm_lost_prune(struct rsm *m, struct rsm_res *r, const struct wire_fact *const *facts,
		    struct rsm_actions *out)
{
	bool gated = rsm_failover_gated(r);
	size_t k = 0;

	for (size_t i = 0; i < r->n_lost; i++) {
		const struct rsm_node *n = rsm_node(m, r->lost[i].node);
		if (n && n->member && back_empty_handed(facts[n - m->nodes])) {
			rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, true,
				      "%s: lost owner node %u is back and holds nothing of it",
				      r->conf->name, n->nodeid);
			continue;
		}
		/* back and still holding it: an operator's word that it was down
		 * is void now (it lets go, then its STATE says so); if it is lost
		 * again before that, it must be fenced again (S1; the model's rule
		 * 16, KEEP_CONFIRM) */
		if (n && n->member && r->lost[i].fence == LOST_CONFIRMED)
			r->lost[i].fence = LOST_UNFENCED;
		r->lost[k++] = r->lost[i];
	}
	r->n_lost = (uint8_t)k;
	if (gated && !rsm_failover_gated(r) && r->phase == PHASE_FAILING_OVER &&
	    rsm_is_member(m, r->owner)) {
		r->last_error[0] = '\0';
		rsm_failover_act(m, r, out);
	}
}

void rsm_check_timings(struct rsm *m)
{
	for (size_t i = 0; i < m->n_nodes; i++) {
		struct rsm_node *a = &m->nodes[i];

		a->timing_why[0] = '\0';
		if (!a->member || !a->timing_seen || !a->timing.fence_delay_ms)
			continue;
		for (size_t j = 0; j < m->n_nodes; j++) {
			const struct rsm_node *b = &m->nodes[j];
			uint64_t deadline;
			if (!b->member || !b->timing_seen)
				continue;
			/* without a watchdog B's deadline is self_fence_timeout as far
			 * as its own stop goes; nothing after it makes B fenced */
			deadline = (uint64_t)b->timing.self_fence_timeout_ms + b->timing.watchdog_ms;
			if (covers(a, b, deadline))
				continue;
			snprintf(a->timing_why, sizeof(a->timing_why),
				 "its fence_delay (%u ms) does not cover node %u's self-fence deadline "
				 "(%u + watchdog %u ms) plus token and consensus",
				 a->timing.fence_delay_ms, b->nodeid, b->timing.self_fence_timeout_ms,
				 b->timing.watchdog_ms);
			break;
		}
	}
}

void rsm_process_fence_confirm(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	const struct rsm_node *sender = rsm_node(m, msg->hdr.nodeid);
	struct rsm_node *x = (struct rsm_node *)rsm_node(m, msg->u.req.node);
	uint32_t node = msg->u.req.node;
	size_t waited = 0, freed = 0;
	struct rsm_history *h;

	if (!sender || !sender->quorate_now || !m->partition_quorate) {
		rsm_reply(m, msg, out, false, 0, "node %u was not quorate at the last sync: "
			  "it may not confirm that a node is down", msg->hdr.nodeid);
		return;
	}
	if (!x) {
		rsm_reply(m, msg, out, false, 0, "unknown node %u", node);
		return;
	}
	if (x->member) {
		rsm_reply(m, msg, out, false, 0, "node %u is a member: it is not down", node);
		return;
	}
	x->fence_confirmed = true;
	for (size_t i = 0; i < m->n_res; i++) {
		struct rsm_res *r = &m->res[i];
		bool gated = rsm_failover_gated(r);
		for (size_t k = 0; k < r->n_lost; k++)
			if (r->lost[k].node == node && r->lost[k].fence != LOST_CONFIRMED) {
				r->lost[k].fence = LOST_CONFIRMED;
				waited++;
			}
		if (gated && !rsm_failover_gated(r) && r->phase == PHASE_FAILING_OVER) {
			freed++;
			r->last_error[0] = '\0';
			rsm_failover_act(m, r, out);
		}
	}
	h = rsm_history_push(m);
	h->epoch = 0;
	h->kind = HIST_FENCE_CONFIRM;
	h->source = msg->hdr.nodeid;
	h->target = node;
	h->ok = true;
	snprintf(h->result, sizeof(h->result), "node %u confirmed down by an operator on node %u: "
		 "%zu resource%s waited for it, %zu fail%s over now", node, msg->hdr.nodeid,
		 waited, waited == 1 ? "" : "s", freed, freed == 1 ? "s" : "");
	rsm_push_text(out, ACT_LOG, "", 0, 0, false, "FENCE_CONFIRM: %s", h->result);
	rsm_reply(m, msg, out, true, 0, "%s", h->result);
}
