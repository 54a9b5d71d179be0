/*
 * rm_migrate.c - this node's part in a live migration: the rsm says whose
 * turn it is (ACT_PREPARE, ACT_MIGRATE_RELEASE, ACT_MIGRATE_ACQUIRE,
 * ACT_TAKE_BACK), the driver does the work (driver_ready, driver_release,
 * driver_acquire), and the outcome goes out as the report the rsm waits
 * for, with the phases' timings.
 *
 * S4: nothing is promoted, mounted, dumped or restored while the quorum
 * gate is closed; the step then reports failure with that reason.  S5 is
 * the rsm's: these actions only come after the peer's report.
 */
#include <errno.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "handoffd.h"
#include "resource_manager.h"

struct step_ctx {
	struct resource_manager *rm;
	enum rsm_action_type type;
	uint64_t epoch;
	uint32_t peer;
};

/* ID: a PREPARED's migration id (NULL otherwise). */
static void report_id(struct resource_manager *rm, const struct resource_conf *r,
		      enum wire_type type, uint64_t epoch, bool ok, const char *error,
		      const struct driver_times *t, const uint8_t *id)
{
	struct wire_msg msg = { .hdr = { .type = (uint16_t)type, .epoch = epoch } };
	struct wire_report *rep = &msg.u.report;

	snprintf(rep->resource, sizeof(rep->resource), "%s", r->name);
	if (id)
		memcpy(rep->id, id, WIRE_ID_LEN);
	rep->ok = ok;
	snprintf(rep->error, sizeof(rep->error), "%s", error ? error : "");
	if (t) {
		rep->ms[WT_DUMP] = (uint32_t)t->dump_ms;
		rep->ms[WT_SYNC] = (uint32_t)t->sync_ms;
		rep->ms[WT_UMOUNT] = (uint32_t)t->umount_ms;
		rep->ms[WT_DEMOTE] = (uint32_t)t->demote_ms;
		rep->ms[WT_PROMOTE] = (uint32_t)t->promote_ms;
		rep->ms[WT_MOUNT] = (uint32_t)t->mount_ms;
		rep->ms[WT_RESTORE] = (uint32_t)t->restore_ms;
	}
	qb_log(ok ? LOG_NOTICE : LOG_ERR, "%s: %s (epoch %llu)%s%s", r->name,
	       wire_type_name(type), (unsigned long long)epoch, ok ? "" : ": ",
	       ok ? "" : rep->error);
	if (rm->ready && rm_res_index(rm, r) < rm->rsm.n_res)
		rm->last_report[rm_res_index(rm, r)] = msg;
	rm_send(rm, &msg);
}

static void report(struct resource_manager *rm, const struct resource_conf *r,
		   enum wire_type type, uint64_t epoch, bool ok, const char *error,
		   const struct driver_times *t)
{
	report_id(rm, r, type, epoch, ok, error, t, NULL);
}

/*
 * A migration's id: 128 random bits, so that a dump of an earlier life of
 * the cluster (whose epochs may have been reused) never passes for this
 * migration's (S3).  Drawn here, by the target when it is ready, so that a
 * standby drain's migrations, which no request starts, have one too.
 */
static bool draw_migration_id(uint8_t id[WIRE_ID_LEN])
{
	ssize_t n;

	do {
		n = getrandom(id, WIRE_ID_LEN, 0);
	} while (n < 0 && errno == EINTR);
	return n == WIRE_ID_LEN && !wire_id_is_zero(id);
}

static void done_common(struct step_ctx *c, const struct resource_conf *r)
{
	if (c->rm->ready && rm_res_index(c->rm, r) < c->rm->rsm.n_res)
		c->rm->op_busy[rm_res_index(c->rm, r)] = false;
	rm_facts_touch(c->rm, rm_res_index(c->rm, r));
}

static void on_ready(void *ctx, const struct resource_conf *r, bool ok, const char *error)
{
	struct step_ctx *c = ctx;

	uint8_t id[WIRE_ID_LEN] = { 0 };

	done_common(c, r);
	if (ok && !draw_migration_id(id)) {
		ok = false;
		error = "cannot draw a migration id (getrandom)";
		memset(id, 0, sizeof(id));
	}
	report_id(c->rm, r, MSG_PREPARED, c->epoch, ok, error, NULL, id);
	free(c);
}

static void on_migrated(void *ctx, const struct resource_conf *r, bool ok, bool rolled_back,
			const char *error, const struct driver_times *t)
{
	struct step_ctx *c = ctx;
	struct resource_manager *rm = c->rm;

	done_common(c, r);
	switch (c->type) {
	case ACT_MIGRATE_RELEASE:
		if (ok)
			report(rm, r, MSG_RELEASED, c->epoch, true, NULL, t);
		else
			/* ok of an ABORT: the rollback worked, it runs here again */
			report(rm, r, MSG_ABORT, c->epoch, rolled_back, error, t);
		break;
	case ACT_MIGRATE_ACQUIRE:
		if (ok)
			report(rm, r, MSG_STARTED, c->epoch, true, NULL, t);
		else
			/* ok of a HANDBACK: this node let go again */
			report(rm, r, MSG_HANDBACK, c->epoch, rolled_back, error, t);
		break;
	default:   /* ACT_TAKE_BACK */
		if (!ok && !rolled_back)
			qb_log(LOG_CRIT, "%s: taking the dump back failed and so did its undo: "
			       "this node may still hold the volume", r->name);
		report(rm, r, MSG_STARTED, c->epoch, ok, error, t);
		break;
	}
	free(c);
}

void rm_migration_action(struct resource_manager *rm, const struct rsm_action *a)
{
	struct rsm_res *res = rsm_find(&rm->rsm, a->resource);
	/* the dump the table names: this migration's, from its PREPARED */
	struct driver_migration mig = { .epoch = a->dump_epoch, .nodeid = rm->rsm.local_nodeid };
	struct step_ctx *c;
	char why[160];
	int rc;

	if (!res)
		return;
	memcpy(mig.id, a->dump_id, WIRE_ID_LEN);
	if (!rm_gate_open(rm, why, sizeof(why))) {
		qb_log(LOG_WARNING, "%s: refusing the migration step: %s", a->resource, why);
		switch (a->type) {
		case ACT_PREPARE: report(rm, res->conf, MSG_PREPARED, a->epoch, false, why, NULL); break;
		/* nothing was dumped: it keeps running here */
		case ACT_MIGRATE_RELEASE: report(rm, res->conf, MSG_ABORT, a->epoch, true, why, NULL); break;
		/* nothing was promoted: the source may take it back */
		case ACT_MIGRATE_ACQUIRE: report(rm, res->conf, MSG_HANDBACK, a->epoch, true, why, NULL); break;
		default: report(rm, res->conf, MSG_STARTED, a->epoch, false, why, NULL); break;
		}
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->rm = rm;
	c->type = a->type;
	c->epoch = a->epoch;
	c->peer = a->node;
	rm->op_busy[rm_res_index(rm, res->conf)] = true;
	rm_facts_touch(rm, rm_res_index(rm, res->conf));
	switch (a->type) {
	case ACT_PREPARE:
		qb_log(LOG_NOTICE, "%s: checking readiness for the migration from node %u (epoch %llu)",
		       a->resource, a->node, (unsigned long long)a->epoch);
		rc = driver_ready(&rm->env, res->conf, on_ready, c);
		break;
	case ACT_MIGRATE_RELEASE:
		qb_log(LOG_NOTICE, "%s: dumping and releasing for node %u (epoch %llu)", a->resource,
		       a->node, (unsigned long long)a->epoch);
		rc = driver_release(&rm->env, res->conf, &mig, on_migrated, c);
		break;
	case ACT_MIGRATE_ACQUIRE:
		qb_log(LOG_NOTICE, "%s: taking over from node %u and restoring (epoch %llu)",
		       a->resource, a->node, (unsigned long long)a->epoch);
		rc = driver_acquire(&rm->env, res->conf, &mig, on_migrated, c);
		break;
	default:
		mig.take_back_from = a->node;
		qb_log(LOG_NOTICE, "%s: node %u handed it back: restoring here (epoch %llu)",
		       a->resource, a->node, (unsigned long long)a->epoch);
		rc = driver_acquire(&rm->env, res->conf, &mig, on_migrated, c);
		break;
	}
	if (rc < 0) {
		rm->op_busy[rm_res_index(rm, res->conf)] = false;
		free(c);
		snprintf(why, sizeof(why), "cannot run the driver");
		switch (a->type) {
		case ACT_PREPARE: report(rm, res->conf, MSG_PREPARED, a->epoch, false, why, NULL); break;
		case ACT_MIGRATE_RELEASE: report(rm, res->conf, MSG_ABORT, a->epoch, true, why, NULL); break;
		case ACT_MIGRATE_ACQUIRE: report(rm, res->conf, MSG_HANDBACK, a->epoch, true, why, NULL); break;
		default: report(rm, res->conf, MSG_STARTED, a->epoch, false, why, NULL); break;
		}
	}
}

/* Does report type T answer phase P (is it the report P waits for)? */
static bool answers(unsigned t, enum phase p)
{
	switch (p) {
	case PHASE_PREPARING: return t == MSG_PREPARED;
	case PHASE_RELEASING: return t == MSG_RELEASED || t == MSG_ABORT;
	case PHASE_RESTORING: return t == MSG_STARTED || t == MSG_HANDBACK;
	case PHASE_HANDING_BACK: case PHASE_FAILING_OVER: return t == MSG_STARTED;
	default: return false;
	}
}

static bool failover_waiting(const struct resource_manager *rm, const char *name,
			     uint64_t epoch);

/* The step sequence phase P asks of this node in R, as the rsm emits it. */
static struct rsm_action action_of(const struct rsm_res *r)
{
	struct rsm_action a = { .epoch = r->epoch, .dump_epoch = r->dump_epoch };

	snprintf(a.resource, sizeof(a.resource), "%s", r->conf->name);
	memcpy(a.dump_id, r->dump_id, WIRE_ID_LEN);
	switch (r->phase) {
	case PHASE_PREPARING: a.type = ACT_PREPARE; a.node = r->owner; break;
	case PHASE_RELEASING: a.type = ACT_MIGRATE_RELEASE; a.node = r->target; break;
	case PHASE_RESTORING: a.type = ACT_MIGRATE_ACQUIRE; a.node = r->owner; break;
	case PHASE_HANDING_BACK: a.type = ACT_TAKE_BACK; a.node = r->target; break;
	default:
		a.type = ACT_FAILOVER;
		a.node = r->lost_owner;
		a.ok = rsm_failover_waits_delay(r);
		break;
	}
	return a;
}

/*
 * After a sync, for every migration or failover that waits for this node
 * (doc/protocol.md, rule 11):
 *  - its report of this epoch, when it has one, goes out again: a report
 *    held for a sync that a confchg interrupted was dropped by every member;
 *  - otherwise, with no step running here, this node runs the sequence the
 *    phase asks of it: the table came from the other half of a partition,
 *    where the transition happened without this node (the model found the
 *    migration hanging there forever).
 */
void rm_resend_reports(struct resource_manager *rm)
{
	struct rsm *m = &rm->rsm;

	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_res *r = &m->res[i];
		struct wire_msg *last = &rm->last_report[i];
		struct rsm_action a;

		if (!rsm_awaits_report_from(r, m->local_nodeid) || rm->op_busy[i])
			continue;
		if (last->hdr.type != 0 && last->hdr.epoch == r->epoch &&
		    answers(last->hdr.type, r->phase)) {
			qb_log(LOG_NOTICE, "%s: sending %s of epoch %llu again", r->conf->name,
			       wire_type_name(last->hdr.type), (unsigned long long)r->epoch);
			rm_send(rm, last);
			continue;
		}
		if (r->phase == PHASE_FAILING_OVER && failover_waiting(rm, r->conf->name, r->epoch))
			continue;
		if (rsm_maint_why(m, r, NULL, 0))
			continue;      /* in maintenance: no new step (rule 34) */
		a = action_of(r);
		qb_log(LOG_NOTICE, "%s: the sync says %s (epoch %llu) waits for this node: "
		       "running its part", r->conf->name, phase_name(r->phase),
		       (unsigned long long)r->epoch);
		if (a.type == ACT_FAILOVER)
			rm_fail_over(rm, &a);
		else
			rm_migration_action(rm, &a);
	}
}

/* ---- failover ---------------------------------------------------------------- */

struct failover_ctx {
	struct resource_manager *rm;
	struct failover_ctx *next;     /* rm->failovers: waiting out fence_delay */
	char resource[WIRE_NAME_MAX + 1];
	uint64_t epoch, dump_epoch;
	uint8_t dump_id[WIRE_ID_LEN];   /* with dump_epoch: the dump it may restore */
	qb_loop_timer_handle timer;
};

static bool failover_waiting(const struct resource_manager *rm, const char *name,
			     uint64_t epoch)
{
	for (const struct failover_ctx *c = rm->failovers; c; c = c->next)
		if (c->epoch == epoch && !strcmp(c->resource, name))
			return true;
	return false;
}

static bool failover_still_ours(struct resource_manager *rm, const struct failover_ctx *c)
{
	const struct rsm_res *res = rm->ready ? rsm_find(&rm->rsm, c->resource) : NULL;

	return res && res->phase == PHASE_FAILING_OVER && res->epoch == c->epoch &&
	       res->owner == rm->rsm.local_nodeid;
}

static void failover_unlink(struct resource_manager *rm, struct failover_ctx *c)
{
	for (struct failover_ctx **p = &rm->failovers; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return;
		}
}

/*
 * A failover that stopped being ours while it waited (the owner came back
 * at a join, another sync gave it elsewhere) would only wake an idle
 * daemon at the end of fence_delay to find that out: its timer goes now.
 * Not during a sync: the table is the old one until the merge.
 */
void rm_prune_failovers(struct resource_manager *rm)
{
	struct failover_ctx **p = &rm->failovers;

	if (rm->ready && rm->rsm.syncing)
		return;
	while (*p) {
		struct failover_ctx *c = *p;
		if (failover_still_ours(rm, c)) {
			p = &c->next;
			continue;
		}
		qb_log(LOG_NOTICE, "%s: the failover of epoch %llu is no longer this node's",
		       c->resource, (unsigned long long)c->epoch);
		qb_loop_timer_del(rm->d->loop, c->timer);
		*p = c->next;
		free(c);
	}
}

static void on_failed_over(void *ctx, const struct resource_conf *r, bool ok, bool rolled_back,
			   const char *error, const struct driver_times *t)
{
	struct failover_ctx *c = ctx;
	char how[WIRE_STR_MAX + 1];

	done_common(&(struct step_ctx){ .rm = c->rm }, r);
	if (!ok)
		snprintf(how, sizeof(how), "%s%s", error,
			 rolled_back ? "" : "; undoing it failed too");
	else if (t->cold_start)
		snprintf(how, sizeof(how), "cold start (%s)", t->why_cold);
	else
		snprintf(how, sizeof(how), "restored from the dump of epoch %llu",
			 (unsigned long long)c->dump_epoch);
	report(c->rm, r, MSG_STARTED, c->epoch, ok, how, t);
	free(c);
}

static void failover_now(void *data)
{
	struct failover_ctx *c = data;
	struct resource_manager *rm = c->rm;
	struct rsm_res *res = rm->ready ? rsm_find(&rm->rsm, c->resource) : NULL;
	struct driver_migration mig = { .epoch = c->dump_epoch };
	char why[160];

	memcpy(mig.id, c->dump_id, WIRE_ID_LEN);
	failover_unlink(rm, c);
	if (!failover_still_ours(rm, c)) {
		qb_log(LOG_NOTICE, "%s: the failover of epoch %llu is no longer this node's",
		       c->resource, (unsigned long long)c->epoch);
		free(c);
		return;
	}
	mig.nodeid = rm->rsm.local_nodeid;
	/* Lost from the CPG group is not lost from the cluster: a node whose
	 * corosync is still a member only lost its handoffd, and its workload
	 * may well run on.  Taking it over would run it twice (S2). */
	for (size_t k = 0; k < res->n_lost; k++) {
		if (res->lost[k].node == rm->rsm.local_nodeid || !rm_in_quorum(rm, res->lost[k].node))
			continue;
		snprintf(why, sizeof(why), "node %u is still a member of corosync's membership "
			 "(only its handoffd is gone): not taking it over", res->lost[k].node);
		qb_log(LOG_WARNING, "%s: %s", c->resource, why);
		report(rm, res->conf, MSG_STARTED, c->epoch, false, why, NULL);
		free(c);
		return;
	}
	if (!rm_gate_open(rm, why, sizeof(why))) {
		qb_log(LOG_WARNING, "%s: not taking it over: %s", c->resource, why);
		report(rm, res->conf, MSG_STARTED, c->epoch, false, why, NULL);
		free(c);
		return;
	}
	qb_log(LOG_NOTICE, "%s: every lost owner is fenced, taking it over (epoch %llu)",
	       c->resource, (unsigned long long)c->epoch);
	rm->op_busy[rm_res_index(rm, res->conf)] = true;
	rm_facts_touch(rm, rm_res_index(rm, res->conf));
	if (driver_fail_over(&rm->env, res->conf, &mig, on_failed_over, c) < 0) {
		rm->op_busy[rm_res_index(rm, res->conf)] = false;
		report(rm, res->conf, MSG_STARTED, c->epoch, false, "cannot run the driver", NULL);
		free(c);
	}
}

void rm_fail_over(struct resource_manager *rm, const struct rsm_action *a)
{
	struct failover_ctx *c = calloc(1, sizeof(*c));
	uint32_t delay_ms;

	if (!c)
		return;
	c->rm = rm;
	c->epoch = a->epoch;
	c->dump_epoch = a->dump_epoch;
	memcpy(c->dump_id, a->dump_id, WIRE_ID_LEN);
	snprintf(c->resource, sizeof(c->resource), "%s", a->resource);
	/* a lost owner fenced only by its watchdog's deadline: fence_delay
	 * covers it (S1, checked across nodes); confirmed down or back
	 * holding nothing: no wait */
	delay_ms = a->ok ? rm->d->cfg.fence_delay_ms : 0;
	qb_log(LOG_WARNING, "%s: its owner is lost; this node takes it over in %u s "
	       "(%s, epoch %llu)", a->resource, delay_ms / 1000,
	       a->ok ? "fence_delay" : "every lost owner confirmed down or back",
	       (unsigned long long)a->epoch);
	if (qb_loop_timer_add(rm->d->loop, QB_LOOP_HIGH, (uint64_t)delay_ms * 1000000ULL, c,
			      failover_now, &c->timer) < 0) {
		qb_log(LOG_ERR, "%s: cannot add the fence_delay timer", a->resource);
		free(c);
		return;
	}
	c->next = rm->failovers;
	rm->failovers = c;
}

/* ---- what this node saw: timings and history ------------------------------ */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void rm_observe(struct resource_manager *rm)
{
	struct rsm *m = &rm->rsm;
	uint64_t now = now_ms();

	if (!rm->ready)
		return;
	for (size_t i = 0; i < m->n_res; i++) {
		enum phase p = m->res[i].phase;
		if (p == rm->seen_phase[i])
			continue;
		if (p == PHASE_PREPARING)
			rm->t_migrate[i] = now;
		if (p == PHASE_RELEASING)
			rm->t_release[i] = now;
		rm->seen_phase[i] = (uint8_t)p;
	}
	/* entries recorded since the last event end their migration now (a
	 * merge brings entries, and rewrites the ring: they go by seq) */
	for (size_t k = RSM_HISTORY; k-- > 0;) {
		const struct rsm_history *h = rsm_history_get(m, k);
		struct rm_seen_times *t;
		struct rsm_res *r;
		size_t i;
		if (!h || h->seq <= rm->seen_seq)
			continue;
		t = &rm->seen[h->seq % RSM_HISTORY];
		memset(t, 0, sizeof(*t));
		t->seq = h->seq;
		rm->seen_seq = h->seq;
		if (!(r = rsm_find(m, h->resource)))
			continue;
		i = (size_t)(r - m->res);
		if (rm->t_migrate[i])
			t->total_ms = now - rm->t_migrate[i];
		if (rm->t_release[i] && rm->t_release[i] >= rm->t_migrate[i])
			t->frozen_ms = now - rm->t_release[i];
		rm->t_migrate[i] = rm->t_release[i] = 0;
	}
	rm_notify_observe(rm);    /* with the times just taken */
}

static json_object *history_doc(const struct rsm *m, const struct rsm_history *h,
				const struct rm_seen_times *t)
{
	static const char *const phase_keys[WIRE_TIMES] = {
		[WT_DUMP] = "dump_ms", [WT_SYNC] = "sync_ms", [WT_UMOUNT] = "umount_ms",
		[WT_DEMOTE] = "demote_ms", [WT_PROMOTE] = "promote_ms", [WT_MOUNT] = "mount_ms",
		[WT_RESTORE] = "restore_ms",
	};
	json_object *o = json_object_new_object(), *ph = json_object_new_object();
	const struct rsm_node *s = rsm_node(m, h->source), *d = rsm_node(m, h->target);

	json_object_object_add(o, "resource", json_object_new_string(h->resource));
	json_object_object_add(o, "epoch", json_object_new_int64((int64_t)h->epoch));
	json_object_object_add(o, "kind", json_object_new_string(
		h->kind == HIST_FAILOVER ? "failover" :
		h->kind == HIST_FENCE_CONFIRM ? "fence-confirm" :
		h->kind == HIST_RESTART ? "restart" :
		h->kind == HIST_RELOCATE ? "relocate" :
		h->kind == HIST_MAINTENANCE ? "maintenance" : "migration"));
	json_object_object_add(o, "source", json_object_new_int64(h->source));
	json_object_object_add(o, "source_name", json_object_new_string(s ? s->name : ""));
	json_object_object_add(o, "target", json_object_new_int64(h->target));
	json_object_object_add(o, "target_name", json_object_new_string(d ? d->name : ""));
	json_object_object_add(o, "ok", json_object_new_boolean(h->ok));
	json_object_object_add(o, "result", json_object_new_string(h->result));
	for (int i = 0; i < WIRE_TIMES; i++)
		json_object_object_add(ph, phase_keys[i], json_object_new_int64(h->ms[i]));
	json_object_object_add(o, "phases", ph);
	json_object_object_add(o, "total_ms", json_object_new_int64((int64_t)t->total_ms));
	json_object_object_add(o, "frozen_ms", json_object_new_int64((int64_t)t->frozen_ms));
	return o;
}

int rm_history(struct resource_manager *rm, json_object *args, json_object **result)
{
	struct rsm *m = &rm->rsm;
	json_object *jres = NULL, *list, *o;
	const char *only = NULL;
	const struct rm_seen_times none = { 0 }, *t;

	if (json_object_object_get_ex(args, "resource", &jres))
		only = json_object_get_string(jres);
	if (only && !rsm_find(m, only)) {
		char msg[WIRE_NAME_MAX + 40];
		*result = json_object_new_object();
		snprintf(msg, sizeof(msg), "unknown resource '%s'", only);
		json_object_object_add(*result, "error", json_object_new_string(msg));
		return -ENOENT;
	}
	list = json_object_new_array();
	for (size_t i = 0;; i++) {
		const struct rsm_history *h = rsm_history_get(m, i);
		if (!h)
			break;
		if (only && strcmp(h->resource, only))
			continue;
		t = &rm->seen[h->seq % RSM_HISTORY];
		json_object_array_add(list, history_doc(m, h, t->seq == h->seq ? t : &none));
	}
	o = json_object_new_object();
	json_object_object_add(o, "history", list);
	*result = o;
	return 0;
}
