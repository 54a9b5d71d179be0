/*
 * rm_monitor.c - health (issue 17): the owner checks what it runs and
 * reports a failure as an ordered FAILED message; the table decides what
 * follows (rsm.c, process_failed; doc/protocol.md rules 25-28).
 *
 * A resource is checked only where the table says it RUNS on this node,
 * with monitor_interval > 0 and not in maintenance (rule 34): one timer per such resource, armed for the
 * interval plus a random 0-10% of it (so that resources started together
 * do not wake together), and none at all for the rest: a handoffd that
 * runs nothing has no wakeups from here.  A check is driver_check (the
 * agent's monitor, bounded by timeout_monitor; DRBD role and disk, each
 * bounded by timeout_probe; the mount), read-only.  It never begins while
 * a step of the resource runs here (op_busy: start, stop, release; a
 * migration or failover is not RUNNING), during a sync, or while the
 * quorum gate is closed (a self-fence stops it anyway); its answer counts
 * only if the resource is still RUNNING here at the epoch it began with
 * and no step began since.
 *
 * Events (rm_watch.c) make the next check come at once: the pidfd of the
 * pid the monitor reported, drbdsetup events2.  So that the pid is known
 * early, the first check of each life (epoch) comes FIRST_CHECK_MS after
 * it began (plus the jitter), not a whole interval later.  An event never
 * reports anything itself: only the check's verdict does.
 */
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drbd_parse.h"
#include "handoffd.h"
#include "resource_manager.h"
#include "rm_watch.h"

/* The first check of a life: soon, to learn the pid to watch. */
#define FIRST_CHECK_MS 1000u

struct rm_mon {
	struct resource_manager *rm;
	size_t i;
	bool armed;                 /* the timer waits */
	bool checking;              /* a check runs */
	bool pending;               /* an event asked for a check: as soon as may be */
	uint64_t epoch;             /* ... for this epoch of the resource */
	uint64_t life;              /* the epoch of the last check armed (0: none yet) */
	qb_loop_timer_handle timer;
	struct rm_pidwatch pw;      /* the workload's pidfd (rm_watch.c) */
};

/* A running check's context: the array may be gone when it answers. */
struct check_ctx {
	struct resource_manager *rm;
	size_t i;
	uint64_t gen;               /* rm->mon_gen when it began */
};

static struct rsm_res *running_here(struct resource_manager *rm, size_t i)
{
	struct rsm_res *r = &rm->rsm.res[i];

	if (!rm->ready || r->owner != rm->rsm.local_nodeid || r->phase != PHASE_RUNNING ||
	    r->conf->monitor_interval_ms == 0 || rsm_maint_why(&rm->rsm, r, NULL, 0))
		return NULL;       /* not ours to check (in maintenance: the operator's) */
	return r;
}

static void tick(void *data);
static struct rsm_res *may_check(struct resource_manager *rm, size_t i, uint64_t epoch);

static void arm(struct rm_mon *mon, const struct rsm_res *r)
{
	uint64_t ms = r->conf->monitor_interval_ms, jitter = (uint64_t)random() % (ms / 10 + 1);

	if (mon->pending)
		ms = jitter = 0;
	else if (mon->life != r->epoch && ms > FIRST_CHECK_MS)
		ms = FIRST_CHECK_MS;    /* a new life: learn its pid */
	ms += jitter;
	mon->life = r->epoch;
	mon->armed = true;
	mon->epoch = r->epoch;
	qb_loop_timer_add(mon->rm->d->loop, QB_LOOP_MED, ms * QB_TIME_NS_IN_MSEC, mon, tick,
			  &mon->timer);
}

static void disarm(struct rm_mon *mon)
{
	if (mon->armed)
		qb_loop_timer_del(mon->rm->d->loop, mon->timer);
	mon->armed = false;
}

void rm_monitor_update(struct resource_manager *rm)
{
	size_t n = rm->ready ? rm->rsm.n_res : 0;

	if (!rm->mon && n) {
		bool any = false;
		for (size_t i = 0; i < n && !any; i++)
			any = running_here(rm, i) != NULL;
		if (!any)
			return;          /* nothing to check: not even the array */
		rm->mon = calloc(n, sizeof(*rm->mon));
		if (!rm->mon) {
			qb_log(LOG_ERR, "out of memory for monitoring");
			return;
		}
		rm->n_mon = n;
		for (size_t i = 0; i < n; i++) {
			rm->mon[i].rm = rm;
			rm->mon[i].i = i;
			rm->mon[i].pw = (struct rm_pidwatch){ .rm = rm, .i = i, .fd = -1 };
		}
	}
	for (size_t i = 0; i < rm->n_mon; i++) {
		struct rm_mon *mon = &rm->mon[i];
		const struct rsm_res *r = running_here(rm, i);

		if (!r || mon->life != r->epoch) {
			/* not ours, or a new life (a restart): its pid is another */
			rm_unwatch_pid(&mon->pw);
			mon->pending = false;
		}
		if (!r || (mon->armed && mon->epoch != r->epoch))
			disarm(mon);    /* ... and a new interval */
		if (r && mon->pending && mon->armed && !mon->checking &&
		    may_check(rm, i, r->epoch)) {
			disarm(mon);    /* an event waited for the end of a step or a sync */
			arm(mon, r);
		}
		if (r && !mon->armed && !mon->checking)
			arm(mon, r);
	}
	rm_events_update(rm);
}

bool rm_monitor_watched(struct resource_manager *rm, size_t i)
{
	return i < rm->n_mon && running_here(rm, i) != NULL;
}

void rm_monitor_check_now(struct resource_manager *rm, size_t i, const char *why)
{
	struct rm_mon *mon;
	const struct rsm_res *r;

	if (i >= rm->n_mon || !(r = running_here(rm, i)))
		return;
	mon = &rm->mon[i];
	qb_log(LOG_NOTICE, "%s: %s: checking it now", r->conf->name, why);
	/* only a timer from here: callers may be inside a pipe's dispatch */
	mon->pending = true;
	if (mon->checking)
		return;         /* on_checked() sees pending and checks once more */
	disarm(mon);
	arm(mon, r);
}

void rm_monitor_fini(struct resource_manager *rm)
{
	rm_events_fini(rm);
	for (size_t i = 0; i < rm->n_mon; i++) {
		disarm(&rm->mon[i]);
		rm_unwatch_pid(&rm->mon[i].pw);
	}
	free(rm->mon);
	rm->mon = NULL;
	rm->n_mon = 0;
	rm->mon_gen++;              /* a check still running answers no one */
}

/* What is wrong with R by facts F, as the reason of a FAILED; NULL: fine. */
static const char *verdict(const struct rsm_res *r, const struct wire_fact *f,
			   uint8_t *kind, char *buf, size_t len)
{
	const struct resource_conf *c = r->conf;

	*kind = FAIL_STORAGE;
	if (c->storage == STORAGE_DRBD && f->role != ROLE_PRIMARY) {
		snprintf(buf, len, "DRBD resource %s is %s, not Primary", c->drbd_resource,
			 f->role == ROLE_SECONDARY ? "Secondary" : "of unknown role");
		return buf;
	}
	if (c->storage == STORAGE_DRBD && f->disk != DRBD_DISK_UPTODATE) {
		snprintf(buf, len, "DRBD resource %s: disk %s, not UpToDate", c->drbd_resource,
			 drbd_disk_name((enum drbd_disk)f->disk));
		return buf;
	}
	if (!f->mounted) {
		snprintf(buf, len, "%s is not mounted", c->mount_point);
		return buf;
	}
	*kind = FAIL_WORKLOAD;
	if (!f->running) {
		snprintf(buf, len, "the agent's monitor says it does not run "
			 "(exit status not 0, or timed out after %u s)",
			 c->timeout_ms[OP_MONITOR] / 1000);
		return buf;
	}
	return NULL;
}

/* May a check of resource I begin, or its answer count, now (EPOCH)? */
static struct rsm_res *may_check(struct resource_manager *rm, size_t i, uint64_t epoch)
{
	struct rsm_res *r = running_here(rm, i);
	char why[128];

	if (!r || r->epoch != epoch || rm->op_busy[i] || rm->rsm.syncing ||
	    !rm_gate_open(rm, why, sizeof(why)))
		return NULL;
	return r;
}

static void on_checked(void *ctx, const struct resource_conf *conf, const struct wire_fact *f,
		       int pid)
{
	struct check_ctx *c = ctx;
	struct resource_manager *rm = c->rm;
	struct rm_mon *mon;
	struct rsm_res *r;
	char reason[WIRE_STR_MAX + 1];
	uint8_t kind;

	if (c->gen != rm->mon_gen || c->i >= rm->n_mon) {
		free(c);
		return;
	}
	mon = &rm->mon[c->i];
	free(c);
	mon->checking = false;
	r = may_check(rm, mon->i, mon->epoch);
	if (r && !verdict(r, f, &kind, reason, sizeof(reason))) {
		if (pid > 0)
			rm_watch_pid(&mon->pw, pid);
		else
			rm_unwatch_pid(&mon->pw);
	} else if (r) {
		struct wire_msg msg = { .hdr = { .type = MSG_FAILED, .epoch = r->epoch } };
		struct timespec now;

		rm_unwatch_pid(&mon->pw);
		mon->pending = false;   /* reported: the table decides what comes */
		/* the time travels in the message: every member counts with
		 * the reporter's clock, none with its own (doc/protocol.md) */
		clock_gettime(CLOCK_REALTIME, &now);
		snprintf(msg.u.failure.resource, sizeof(msg.u.failure.resource), "%s", conf->name);
		msg.u.failure.kind = kind;
		msg.u.failure.at_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
		/* a dump can still be written: a storage failure moves it live
		 * (rule 30); a Diskless Primary still reads and writes through
		 * its connected peer */
		if (f->running && f->mounted && f->role == ROLE_PRIMARY)
			msg.u.failure.flags |= WIRE_FAIL_LIVE;
		snprintf(msg.u.failure.reason, sizeof(msg.u.failure.reason), "%s", reason);
		qb_log(LOG_WARNING, "%s: monitor (epoch %llu): %s failure: %s", conf->name,
		       (unsigned long long)r->epoch, kind == FAIL_STORAGE ? "storage" : "workload",
		       reason);
		rm_send(rm, &msg);
	}
	/* again after another interval (if the report is lost with a
	 * membership change, the next check reports it again) */
	rm_monitor_update(rm);
}

static void tick(void *data)
{
	struct rm_mon *mon = data;
	struct resource_manager *rm = mon->rm;
	struct rsm_res *r;
	struct check_ctx *c;

	mon->armed = false;
	r = may_check(rm, mon->i, mon->epoch);
	if (!r) {
		/* not now: the next interval, if it still runs here; a pending
		 * event waits for rm_monitor_update() to find it may be checked */
		bool pending = mon->pending;
		mon->pending = false;
		rm_monitor_update(rm);
		if (mon->armed)
			mon->pending = pending;
		return;
	}
	mon->pending = false;
	c = malloc(sizeof(*c));
	if (!c) {
		rm_monitor_update(rm);
		return;
	}
	*c = (struct check_ctx){ .rm = rm, .i = mon->i, .gen = rm->mon_gen };
	mon->checking = true;
	qb_log(LOG_DEBUG, "%s: monitor (epoch %llu)", r->conf->name, (unsigned long long)r->epoch);
	if (driver_check(&rm->env, r->conf, on_checked, c) < 0) {
		free(c);
		mon->checking = false;
		rm_monitor_update(rm);
	}
}
