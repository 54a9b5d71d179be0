/*
 * notify.c - the notify program's runs: a bounded queue in front of the op
 * runner (notify.h).
 */
#include "notify.h"

#include <qb/qblog.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "op_runner.h"

/* ---- the queue: a fixed ring, so that a storm of events costs no memory -- */

bool notify_queue_push(struct notify_queue *q, const struct notify_event *ev)
{
	if (q->n == NOTIFY_QUEUE)
		return false;
	q->v[(q->head + q->n) % NOTIFY_QUEUE] = *ev;
	q->n++;
	return true;
}

bool notify_queue_pop(struct notify_queue *q, struct notify_event *ev)
{
	if (q->n == 0)
		return false;
	*ev = q->v[q->head];
	q->head = (q->head + 1) % NOTIFY_QUEUE;
	q->n--;
	return true;
}

/* ---- runs -------------------------------------------------------------------- */

struct notify_run {
	struct notify *n;
	struct notify_run *next;
	struct op_job *job;
	bool counted;                       /* against NOTIFY_PARALLEL */
	enum notify_kind kind;
	char resource[WIRE_NAME_MAX + 1];
	uint64_t seq;
};

static void pump(struct notify *n);

static void unlink_run(struct notify *n, struct notify_run *r)
{
	for (struct notify_run **p = &n->runs; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			return;
		}
}

static void on_done(void *ctx, const struct op_result *res)
{
	struct notify_run *r = ctx;
	struct notify *n = r->n;
	char how[400];

	if (res->exit_status != 0 || res->timed_out || res->spawn_errno) {
		n->failed++;
		op_result_describe(res, how, sizeof(how));
		qb_log(LOG_WARNING, "notify %s (event %s%s%s, #%llu) failed: %s", res->path,
		       notify_kind_name(r->kind), r->resource[0] ? " of " : "", r->resource,
		       (unsigned long long)r->seq, how);
	} else {
		qb_log(LOG_DEBUG, "notify: event %s #%llu done in %llu ms", notify_kind_name(r->kind),
		       (unsigned long long)r->seq, (unsigned long long)res->elapsed_ms);
	}
	unlink_run(n, r);
	if (r->counted && n->running > 0)
		n->running--;
	free(r);
	pump(n);
}

/* Start EV now; false when it could not even be handed to the op runner. */
static bool run(struct notify *n, const struct notify_event *ev, uint32_t timeout_ms,
		bool counted)
{
	struct notify_env env;
	const char *argv[3] = { n->cfg->notify, notify_kind_name(ev->kind), NULL };
	struct notify_run *r = calloc(1, sizeof(*r));

	if (!r) {
		qb_log(LOG_ERR, "notify: out of memory: event %s #%llu not run",
		       notify_kind_name(ev->kind), (unsigned long long)ev->seq);
		return false;
	}
	r->n = n;
	r->counted = counted;
	r->kind = ev->kind;
	r->seq = ev->seq;
	memcpy(r->resource, ev->resource, sizeof(r->resource));
	notify_env_build(ev, &env);
	if (op_start(n->loop, argv, env.v, timeout_ms, on_done, r, &r->job) < 0) {
		qb_log(LOG_ERR, "notify: cannot run %s for event %s #%llu", n->cfg->notify,
		       notify_kind_name(ev->kind), (unsigned long long)ev->seq);
		free(r);
		return false;
	}
	r->next = n->runs;
	n->runs = r;
	if (counted)
		n->running++;
	return true;
}

static void pump(struct notify *n)
{
	struct notify_event ev;

	while (n->running < NOTIFY_PARALLEL && notify_queue_pop(&n->queue, &ev))
		run(n, &ev, n->cfg->notify_timeout_ms, true);
	if (n->queue.n == 0 && n->burst_dropped) {
		qb_log(LOG_WARNING, "notify: %llu event%s dropped while the queue was full "
		       "(%llu in all)", (unsigned long long)n->burst_dropped,
		       n->burst_dropped == 1 ? "" : "s", (unsigned long long)n->dropped);
		n->burst_dropped = 0;
	}
}

static void stamp(struct notify *n, struct notify_event *ev)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev->realtime_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	ev->seq = ++n->seq;
}

void notify_submit(struct notify *n, struct notify_event *ev)
{
	if (!n->cfg || !n->cfg->notify[0])
		return;
	stamp(n, ev);
	if (!notify_queue_push(&n->queue, ev)) {
		n->dropped++;
		if (n->burst_dropped++ == 0)
			qb_log(LOG_WARNING, "notify: %u runs at once and %u waiting: dropping event "
			       "%s%s%s #%llu and what follows until the queue drains",
			       NOTIFY_PARALLEL, NOTIFY_QUEUE, notify_kind_name(ev->kind),
			       ev->resource[0] ? " of " : "", ev->resource,
			       (unsigned long long)ev->seq);
		return;
	}
	pump(n);
}

void notify_submit_urgent(struct notify *n, struct notify_event *ev)
{
	uint32_t t;

	if (!n->cfg || !n->cfg->notify[0])
		return;
	t = n->cfg->notify_timeout_ms < NOTIFY_URGENT_MS ? n->cfg->notify_timeout_ms
							 : NOTIFY_URGENT_MS;
	stamp(n, ev);
	run(n, ev, t, false);
}

void notify_init(struct notify *n, qb_loop_t *loop, const struct handoff_config *cfg)
{
	memset(n, 0, sizeof(*n));
	n->loop = loop;
	n->cfg = cfg;
}

void notify_fini(struct notify *n)
{
	size_t cancelled = 0;

	while (n->runs) {
		struct notify_run *r = n->runs;
		n->runs = r->next;
		op_cancel(r->job);
		free(r);
		cancelled++;
	}
	if (cancelled || n->queue.n)
		qb_log(LOG_NOTICE, "notify: stopping: cancelled %zu run%s, %zu event%s not run",
		       cancelled, cancelled == 1 ? "" : "s", n->queue.n,
		       n->queue.n == 1 ? "" : "s");
	n->queue.n = 0;
	n->running = 0;
}
