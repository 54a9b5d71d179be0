/*
 * rsm_migrate.c - live migration in the replicated state machine
 * (doc/protocol.md tells the whole story; the model in test/model checks it).
 *
 *   MIGRATE res T   any node    -> PREPARING, epoch+1, target T; T checks
 *                                  readiness (or a rejection every node
 *                                  computes alike)
 *   PREPARED e ok   T           -> RELEASING; the source dumps, syncs,
 *                                  unmounts, demotes (S5: only now)
 *   PREPARED e !ok  T           -> RUNNING on the source, the reason kept
 *   RELEASED e      source      -> RESTORING; T promotes, mounts, restores
 *                                  (S5: only now)
 *   ABORT e         source      -> the source rolled back: RUNNING there
 *                                  (or FAILED when the rollback failed)
 *   STARTED e ok    T           -> RUNNING on T
 *   HANDBACK e ok   T           -> HANDING_BACK; T let go again, the
 *                                  source takes the same dump back
 *   STARTED e       source      -> (after a hand-back) RUNNING on the source
 *
 * Every report carries the migration's epoch and must come from the node
 * whose turn it is, in the phase that waits for it; anything else is stale
 * and ignored (logged alike on every node).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "drbd_parse.h"
#include "rsm_priv.h"

bool rsm_migrating(enum phase p)
{
	return p == PHASE_PREPARING || p == PHASE_RELEASING || p == PHASE_RESTORING ||
	       p == PHASE_HANDING_BACK;
}

bool rsm_awaits_report_from(const struct rsm_res *r, uint32_t nodeid)
{
	switch (r->phase) {
	case PHASE_PREPARING: case PHASE_RESTORING: return nodeid == r->target;
	case PHASE_RELEASING: case PHASE_HANDING_BACK: return nodeid == r->owner;
	case PHASE_FAILING_OVER: return nodeid == r->owner && !rsm_failover_gated(r);
	default: return false;
	}
}

/* A new history entry for R (the oldest is overwritten). */
static struct rsm_history *entry(struct rsm *m, const struct rsm_res *r,
				 enum rsm_history_kind kind, uint32_t source, uint32_t target, bool ok)
{
	struct rsm_history *h = rsm_history_push(m);

	snprintf(h->resource, sizeof(h->resource), "%s", r->conf->name);
	h->epoch = r->epoch;
	h->kind = kind;
	h->source = source;
	h->target = target;
	h->ok = ok;
	memcpy(h->ms, r->ms, sizeof(h->ms));
	return h;
}

static void record(struct rsm *m, struct rsm_res *r, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void record(struct rsm *m, struct rsm_res *r, bool ok, const char *fmt, ...)
{
	struct rsm_history *h = entry(m, r, HIST_MIGRATION, r->owner, r->target, ok);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->result, sizeof(h->result), fmt, ap);
	va_end(ap);
}

static void record_failover(struct rsm *m, struct rsm_res *r, bool ok, const char *how)
{
	struct rsm_history *h = entry(m, r, HIST_FAILOVER, r->lost_owner, r->owner, ok);

	snprintf(h->result, sizeof(h->result), "%s", how[0] ? how : ok ? "started" : "failed");
}

const struct rsm_history *rsm_history_get(const struct rsm *m, size_t i)
{
	if (i >= m->n_history || i >= RSM_HISTORY)
		return NULL;
	return &m->history[(m->n_history - 1 - i) % RSM_HISTORY];
}

static void act(struct rsm *m, struct rsm_res *r, struct rsm_actions *out,
		enum rsm_action_type type, uint32_t actor, uint32_t peer)
{
	struct rsm_action *a;

	if (actor != m->local_nodeid)
		return;
	a = rsm_push(out, type, r->conf->name);
	if (a) {
		a->epoch = r->epoch;
		a->node = peer;
		a->dump_epoch = r->dump_epoch;
		memcpy(a->dump_id, r->dump_id, WIRE_ID_LEN);
	}
}

void rsm_begin_migration(struct rsm *m, struct rsm_res *r, uint32_t target,
			 struct rsm_actions *out)
{
	r->phase = PHASE_PREPARING;
	rsm_new_epoch(r);
	/* no dump of this migration yet: the target's PREPARED names it */
	r->dump_epoch = 0;
	memset(r->dump_id, 0, WIRE_ID_LEN);
	r->target = target;
	r->last_error[0] = '\0';
	memset(r->ms, 0, sizeof(r->ms));
	act(m, r, out, ACT_PREPARE, target, r->owner);
}

void rsm_process_migrate(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_res *r;
	uint32_t target = msg->u.req.node;
	const char *why;

	if (!rsm_requester_ok_not_failed(m, msg, out, &r))
		return;
	if (r->phase == PHASE_STOPPED) {
		rsm_reply(m, msg, out, false, r->epoch, "%s is not running: start it on node %u instead",
			  r->conf->name, target);
		return;
	}
	if (r->phase != PHASE_RUNNING) {
		rsm_busy(m, msg, out, r);
		return;
	}
	if (target == r->owner) {
		rsm_reply(m, msg, out, false, r->epoch, "%s already runs on node %u", r->conf->name,
			  target);
		return;
	}
	if (!rsm_is_member(m, r->owner)) {
		rsm_reply(m, msg, out, false, r->epoch, "%s's owner, node %u, is not a member",
			  r->conf->name, r->owner);
		return;
	}
	if ((why = rsm_ineligible(m, r, target))) {
		rsm_reply(m, msg, out, false, r->epoch, "node %u may not run %s: %s", target,
			  r->conf->name, why);
		return;
	}
	rsm_begin_migration(m, r, target, out);
	rsm_reply(m, msg, out, true, r->epoch, "migrating %s from node %u to node %u (epoch %llu)",
		  r->conf->name, r->owner, target, (unsigned long long)r->epoch);
}

/* Is REPORT the one R waits for now?  Else log it as stale. */
static bool expected(struct rsm_res *r, const struct wire_msg *msg, struct rsm_actions *out)
{
	uint32_t from = msg->hdr.nodeid;
	bool ok = false;

	if (r && msg->hdr.epoch == r->epoch) {
		switch (msg->hdr.type) {
		case MSG_PREPARED:
			ok = r->phase == PHASE_PREPARING && from == r->target;
			break;
		case MSG_RELEASED: case MSG_ABORT:
			ok = r->phase == PHASE_RELEASING && from == r->owner;
			break;
		case MSG_HANDBACK:
			ok = r->phase == PHASE_RESTORING && from == r->target;
			break;
		case MSG_STARTED:
			ok = (r->phase == PHASE_RESTORING && from == r->target) ||
			     (r->phase == PHASE_HANDING_BACK && from == r->owner) ||
			     (r->phase == PHASE_FAILING_OVER && from == r->owner);
			break;
		default:
			break;
		}
	}
	if (!ok)
		rsm_push_text(out, ACT_LOG, msg->u.report.resource, msg->hdr.epoch, 0, false,
			      "ignored a stale %s for %s (epoch %llu) from node %u",
			      wire_type_name(msg->hdr.type), msg->u.report.resource,
			      (unsigned long long)msg->hdr.epoch, from);
	return ok;
}

static void add_times(struct rsm_res *r, const struct wire_report *rep)
{
	for (int i = 0; i < WIRE_TIMES; i++)
		if (rep->ms[i])
			r->ms[i] = rep->ms[i];
}

static void back_to_source(struct rsm_res *r)
{
	r->phase = PHASE_RUNNING;
	r->target = 0;
}

void rsm_process_report(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_res *r = rsm_find(m, msg->u.report.resource);
	const struct wire_report *rep = &msg->u.report;
	const char *name;

	if (!expected(r, msg, out))
		return;
	name = r->conf->name;
	add_times(r, rep);
	if (msg->hdr.type == MSG_STARTED || msg->hdr.type == MSG_ABORT ||
	    (msg->hdr.type == MSG_PREPARED && !rep->ok) ||
	    (msg->hdr.type == MSG_HANDBACK && !rep->ok)) {
		/* this migration ends here: a failed move off a standby node
		 * is not tried again by the drain */
		const struct rsm_node *src = rsm_node(m, r->owner);
		bool to_target = msg->hdr.type == MSG_STARTED && r->phase == PHASE_RESTORING && rep->ok;
		if (src && src->standby && !to_target)
			r->drain_failed = true;
	}
	switch (msg->hdr.type) {
	case MSG_PREPARED:
		if (rep->ok) {
			/* S3: the dump the source writes now carries this id, and
			 * only a dump that carries it is ever restored for it */
			r->dump_epoch = r->epoch;
			memcpy(r->dump_id, rep->id, WIRE_ID_LEN);
			r->phase = PHASE_RELEASING;
			act(m, r, out, ACT_MIGRATE_RELEASE, r->owner, r->target);
			break;
		}
		rsm_set_error(r, "migration to node %u refused: %s", r->target, rep->error);
		record(m, r, false, "target not ready: %s", rep->error);
		back_to_source(r);
		break;
	case MSG_RELEASED:
		if (!rsm_is_member(m, r->target)) {
			/* the target left while the source released: nobody runs it */
			uint32_t gone = r->target;
			record(m, r, false, "interrupted: node %u left during RELEASING; failing over",
			       gone);
			if (m->partition_quorate) {
				rsm_fail_over_to(m, r, gone, r->owner, out);
			} else {
				r->target = 0;
				r->phase = PHASE_FAILED;
			}
			break;
		}
		r->phase = PHASE_RESTORING;
		act(m, r, out, ACT_MIGRATE_ACQUIRE, r->target, r->owner);
		break;
	case MSG_ABORT:
		rsm_set_error(r, "migration to node %u aborted on node %u: %s%s", r->target, r->owner,
			      rep->error, rep->ok ? "" : "; the rollback failed too");
		record(m, r, false, "rolled back on the source: %s", rep->error);
		if (rep->ok) {
			back_to_source(r);
		} else {
			r->phase = PHASE_FAILED;
			r->target = 0;
		}
		break;
	case MSG_HANDBACK:
		if (!rep->ok) {
			/* the target could not even let go: it still holds the volume */
			rsm_set_error(r, "migration to node %u failed and node %u could not hand "
				      "it back: %s", r->target, r->target, rep->error);
			record(m, r, false, "failed on the target, no hand-back: %s", rep->error);
			r->owner = r->target;
			r->target = 0;
			r->phase = PHASE_FAILED;
			break;
		}
		rsm_set_error(r, "migration to node %u failed there (%s); handed back to node %u",
			      r->target, rep->error, r->owner);
		r->phase = PHASE_HANDING_BACK;
		act(m, r, out, ACT_TAKE_BACK, r->owner, r->target);
		break;
	case MSG_STARTED:
		if (r->phase == PHASE_FAILING_OVER) {
			/* error carries how: "restored from the dump of epoch N" or "cold start" */
			record_failover(m, r, rep->ok, rep->error);
			if (rep->ok) {
				r->n_lost = 0;
				r->phase = PHASE_RUNNING;
				r->last_error[0] = '\0';
			} else {
				/* the wait a watchdog's deadline was counted by ended
				 * with this failover, which may have failed because
				 * the lost owner never lost quorum ("still a member of
				 * corosync's membership"): from now on only its return
				 * or an operator's word makes it fenced (S1, S2) */
				for (size_t k = 0; k < r->n_lost; k++)
					if (r->lost[k].fence == LOST_WATCHDOG)
						r->lost[k].fence = LOST_UNFENCED;
				r->phase = PHASE_FAILED;
				rsm_set_error(r, "failover to node %u failed: %s", r->owner, rep->error);
			}
			break;
		}
		if (r->phase == PHASE_RESTORING) {
			if (rep->ok) {
				record(m, r, true, "migrated");
				r->owner = r->target;
				r->target = 0;
				r->phase = PHASE_RUNNING;
				r->last_error[0] = '\0';
			} else {
				rsm_set_error(r, "restore on node %u failed: %s", r->target, rep->error);
				record(m, r, false, "failed on the target: %s", rep->error);
				r->owner = r->target;
				r->target = 0;
				r->phase = PHASE_FAILED;
			}
			break;
		}
		/* the hand-back ended */
		record(m, r, false, rep->ok ? "handed back, runs on the source again: %s" :
		       "handed back, but the source could not restore: %s", r->last_error);
		r->target = 0;
		if (rep->ok) {
			r->phase = PHASE_RUNNING;
		} else {
			rsm_set_error(r, "taking %s back on node %u failed: %s", name, r->owner,
				      rep->error);
			r->phase = PHASE_FAILED;
		}
		break;
	default:
		break;
	}
	rsm_drain(m, out);
}

/*
 * After a sync, when an end of a migration left, its phase decides:
 *   PREPARING, target gone: nothing was dumped yet; it runs on the source.
 *   RELEASING, target gone: the source's own report decides (ABORT: it runs
 *     there again; RELEASED: nobody runs it, so it fails over).
 *   RESTORING, source gone: the target goes on alone.
 *   source gone before RELEASED, target gone after RELEASED, source gone
 *   while taking a hand-back: nobody runs it; it fails over, and the new
 *   owner restores the dump only if it is complete and not consumed.  The
 *   end still here takes it over when it may (L1: the model's rule 6).
 */
void rsm_merge_migration(struct rsm *m, struct rsm_res *r, struct rsm_actions *out)
{
	bool src = rsm_is_member(m, r->owner), dst = rsm_is_member(m, r->target);
	uint32_t gone = src ? r->target : r->owner;
	/* L1: the end still here takes it when it may (not a third node) */
	uint32_t survivor = src ? r->owner : dst ? r->target : 0;

	if (src && dst)
		return;
	if ((r->phase == PHASE_RELEASING && src) || (r->phase == PHASE_RESTORING && dst))
		return;
	if (!m->partition_quorate && !(r->phase == PHASE_PREPARING && src))
		return;   /* without quorum, nothing is decided here */
	rsm_set_error(r, "node %u left during %s (migration of epoch %llu from node %u to node %u)",
		      gone, phase_name(r->phase), (unsigned long long)r->epoch, r->owner, r->target);
	rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, false, "%s: %s", r->conf->name,
		      r->last_error);
	if (r->phase == PHASE_PREPARING && src) {
		record(m, r, false, "interrupted: node %u left during PREPARING", gone);
		back_to_source(r);
		return;
	}
	record(m, r, false, "interrupted: node %u left during %s; failing over", gone,
	       phase_name(r->phase));
	rsm_fail_over_to(m, r, gone, survivor, out);
}

/* May NODEID take R over: eligible and, for DRBD, UpToDate at the last sync? */
static bool may_take_over(struct rsm *m, const struct rsm_res *r, uint32_t nodeid)
{
	const struct rsm_node *n = rsm_node(m, nodeid);

	if (!n || rsm_ineligible(m, r, nodeid))
		return false;
	/* DRBD: a disk that was not UpToDate at the last sync would lose writes */
	return r->conf->storage != STORAGE_DRBD || r->disk[n - m->nodes] == DRBD_DISK_UPTODATE;
}

/* PREFER if it may, else the first member by R's preference that may. */
static uint32_t failover_choice(struct rsm *m, const struct rsm_res *r, uint32_t prefer)
{
	uint32_t pref[RES_MAX_NODES];
	size_t np = rsm_preference(m, r, pref, RES_MAX_NODES);

	if (prefer && may_take_over(m, r, prefer))
		return prefer;
	for (size_t i = 0; i < np; i++)
		if (may_take_over(m, r, pref[i]))
			return pref[i];
	return 0;
}

uint32_t rsm_relocation_target(struct rsm *m, const struct rsm_res *r)
{
	uint32_t pref[RES_MAX_NODES];
	size_t np = rsm_preference(m, r, pref, RES_MAX_NODES);

	for (size_t i = 0; i < np; i++)
		if (pref[i] != r->owner && may_take_over(m, r, pref[i]))
			return pref[i];
	return 0;
}

void rsm_fail_over(struct rsm *m, struct rsm_res *r, uint32_t lost, struct rsm_actions *out)
{
	rsm_fail_over_to(m, r, lost, 0, out);
}

/*
 * May LOST still hold R (S1)?  Not a target lost before it saw RELEASED
 * (it promotes only after it: S5), nor one that handed R back (HANDBACK
 * said it demoted), nor a new owner lost before its failover was let go.
 */
static bool lost_may_hold(const struct rsm_res *r, uint32_t lost)
{
	if (lost == r->target && (r->phase == PHASE_RELEASING || r->phase == PHASE_HANDING_BACK))
		return false;
	if (r->phase == PHASE_FAILING_OVER && lost == r->owner)
		return !rsm_failover_gated(r);
	return true;
}

void rsm_fail_over_to(struct rsm *m, struct rsm_res *r, uint32_t lost, uint32_t prefer,
		      struct rsm_actions *out)
{
	bool held = lost != 0 && lost_may_hold(r, lost);
	char why[160];
	/* in maintenance the operator works by hand: nobody promotes behind
	 * them (S1, S4); FAILED, with the lost owner kept as any (rule 34) */
	const bool maint = rsm_maint_why(m, r, why, sizeof(why)) != NULL;
	uint32_t to = maint ? 0 : failover_choice(m, r, prefer);

	/* the lost owners of an earlier loss still count (issue 15, point 4) */
	if (r->phase != PHASE_FAILING_OVER)
		r->n_lost = 0;
	/* the dump R names stays named: the interrupted migration's, whose
	 * markers the new owner checks (S3) */
	rsm_new_epoch(r);
	r->target = 0;
	memset(r->ms, 0, sizeof(r->ms));
	if (to && held && !rsm_lost_add(m, r, lost, to))
		to = 0;
	if (!to) {
		/* nobody takes it now; the lost owner still may hold it: a
		 * cleanup or a stop waits until it is fenced (S1, S2) */
		if (held)
			rsm_lost_add(m, r, lost, 0);
		r->phase = PHASE_FAILED;
		if (maint)
			rsm_set_error(r, "node %u lost, but %s: no failover", lost, why);
		else
			rsm_set_error(r, "node %u lost, and no eligible member with UpToDate data "
				      "may take %s over", lost, r->conf->name);
		rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, false, "%s", r->last_error);
		return;
	}
	r->lost_owner = lost;
	r->owner = to;
	r->phase = PHASE_FAILING_OVER;
	r->owner_lost = false;
	if (rsm_failover_gated(r)) {
		/* S1, S2: no timer makes a node without a watchdog fenced */
		rsm_failover_log_gate(m, r, out);
		return;
	}
	rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, false,
		      "%s: node %u lost: node %u takes it over%s (epoch %llu)", r->conf->name, lost,
		      to, rsm_failover_waits_delay(r) ? " after fence_delay" : "",
		      (unsigned long long)r->epoch);
	rsm_failover_act(m, r, out);
}

/* ---- standby ----------------------------------------------------------------- */

void rsm_process_standby(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	const struct rsm_node *sender = rsm_node(m, msg->hdr.nodeid);
	struct rsm_node *n = (struct rsm_node *)rsm_node(m, msg->u.req.node);
	size_t owned = 0;

	if (!sender || !sender->eligible) {
		rsm_reply(m, msg, out, false, 0, "%s",
			  "this node's configuration differs from the cluster's; it may not change resources");
		return;
	}
	if (!n) {
		rsm_reply(m, msg, out, false, 0, "unknown node %u", msg->u.req.node);
		return;
	}
	n->standby = msg->u.req.on;
	n->standby_gen++;          /* a newer decision than any it knew (rule 23) */
	m->standby_parallel = msg->u.req.parallel;
	for (size_t i = 0; i < m->n_res; i++) {
		m->res[i].drain_failed = false;
		owned += m->res[i].owner == n->nodeid && m->res[i].phase == PHASE_RUNNING;
	}
	if (n->standby)
		rsm_reply(m, msg, out, true, 0, "node %u is in standby: moving %zu resource%s off it, "
			  "%u at a time", n->nodeid, owned, owned == 1 ? "" : "s",
			  (unsigned)m->standby_parallel);
	else
		rsm_reply(m, msg, out, true, 0, "node %u is no longer in standby", n->nodeid);
	rsm_push_text(out, ACT_LOG, "", 0, 0, true, "node %u %s standby", n->nodeid,
		      n->standby ? "is in" : "left");
	rsm_drain(m, out);
}

/* The first eligible member by R's preference, then nodeid, other than R's owner. */
static uint32_t new_home(const struct rsm *m, const struct rsm_res *r)
{
	uint32_t pref[RES_MAX_NODES];
	size_t np = rsm_preference(m, r, pref, RES_MAX_NODES);

	for (size_t i = 0; i < np; i++)
		if (pref[i] != r->owner && !rsm_ineligible(m, r, pref[i]))
			return pref[i];
	return 0;
}

void rsm_drain(struct rsm *m, struct rsm_actions *out)
{
	size_t moving = 0;
	unsigned limit = m->standby_parallel ? m->standby_parallel : 1;

	if (m->syncing)
		return;
	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_node *o = m->res[i].owner ? rsm_node(m, m->res[i].owner) : NULL;
		moving += o && o->standby && rsm_migrating(m->res[i].phase);
	}
	for (size_t i = 0; i < m->n_res && moving < limit; i++) {
		struct rsm_res *r = &m->res[i];
		const struct rsm_node *o = r->owner ? rsm_node(m, r->owner) : NULL;
		uint32_t to;

		if (!o || !o->standby || !o->member || r->phase != PHASE_RUNNING || r->drain_failed ||
		    rsm_maint_why(m, r, NULL, 0))
			continue;
		if (!(to = new_home(m, r))) {
			r->drain_failed = true;
			rsm_set_error(r, "node %u is in standby, but no other node may run %s",
				      r->owner, r->conf->name);
			continue;
		}
		rsm_begin_migration(m, r, to, out);
		rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, true,
			      "%s: moving off node %u (standby) to node %u (epoch %llu)",
			      r->conf->name, r->owner, to, (unsigned long long)r->epoch);
		moving++;
	}
}
