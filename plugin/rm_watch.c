/*
 * rm_watch.c - pidfd and drbdsetup events2: what makes a health check run
 * at once (rm_watch.h).
 */
#include "rm_watch.h"

#include <poll.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drbd_events.h"
#include "handoffd.h"
#include "op_runner.h"
#include "pid_watch.h"
#include "resource_manager.h"

#define EVENTS_BACKOFF_MIN_MS 1000u
#define EVENTS_BACKOFF_MAX_MS 60000u
#define EVENTS_STEADY_MS      30000u  /* a child that lived this long resets the backoff */
#define EVENTS_BAD_LINES_LOGGED 5u    /* per child, then only counted */

struct rm_events {
	struct resource_manager *rm;
	struct op_job *job;         /* the child, or NULL */
	bool timer_armed;           /* waiting to start it again */
	qb_loop_timer_handle timer;
	uint32_t backoff_ms;
	bool initial_done;          /* "exists -" seen */
	unsigned long bad_lines;
	struct drbd_lines lines;
};

/* ---- pidfd ----------------------------------------------------------------- */

void rm_unwatch_pid(struct rm_pidwatch *w)
{
	if (w->fd >= 0) {
		qb_loop_poll_del(w->rm->d->loop, w->fd);
		close(w->fd);
	}
	w->fd = -1;
	w->pid = 0;
}

static int32_t on_pid_exit(int32_t fd, int32_t revents, void *data)
{
	struct rm_pidwatch *w = data;
	char why[64];

	(void)fd; (void)revents;
	snprintf(why, sizeof(why), "pid %d ended (pidfd)", w->pid);
	rm_unwatch_pid(w);
	rm_monitor_check_now(w->rm, w->i, why);
	return -1;      /* removed already */
}

int rm_watch_pid(struct rm_pidwatch *w, int pid)
{
	const struct resource_conf *c = w->rm->rsm.res[w->i].conf;
	char why[160];
	int fd;

	if (w->fd >= 0 && w->pid == pid)
		return 0;
	rm_unwatch_pid(w);
	fd = pid_watch_open(pid, why, sizeof(why));
	if (fd == -2) {
		/* gone between the monitor and now: that is news too */
		rm_monitor_check_now(w->rm, w->i, why);
		return -1;
	}
	if (fd < 0) {
		if (w->refused != pid)   /* once per pid, not at every check */
			qb_log(LOG_WARNING, "%s: the agent's pid %d is not watched: %s",
			       c->name, pid, why);
		w->refused = pid;
		return -1;
	}
	if (qb_loop_poll_add(w->rm->d->loop, QB_LOOP_HIGH, fd, POLLIN, w, on_pid_exit) != 0) {
		close(fd);
		return -1;
	}
	w->fd = fd;
	w->pid = pid;
	qb_log(LOG_INFO, "%s: watching the workload's pid %d (pidfd)", c->name, pid);
	return 0;
}

/* ---- drbdsetup events2 ----------------------------------------------------- */

static bool wants_events(struct resource_manager *rm)
{
	if (!rm->d->cfg.drbdsetup[0])
		return false;
	for (size_t i = 0; i < rm->n_mon; i++)
		if (rm->rsm.res[i].conf->storage == STORAGE_DRBD && rm_monitor_watched(rm, i))
			return true;
	return false;
}

static void on_line(void *ctx, const char *line, size_t len)
{
	struct rm_events *e = ctx;
	struct resource_manager *rm = e->rm;
	struct drbd_event ev;
	char err[128], why[160];

	if (drbd_event_parse(line, len, &ev, err, sizeof(err)) < 0) {
		if (e->bad_lines++ < EVENTS_BAD_LINES_LOGGED)
			qb_log(LOG_WARNING, "drbdsetup events2: a line ignored: %s", err);
		return;
	}
	if (ev.object == DRBD_OBJ_END) {
		e->initial_done = true;
		qb_log(LOG_INFO, "drbdsetup events2: following DRBD's state changes");
		return;
	}
	if (!drbd_event_alarms(&ev))
		return;
	snprintf(why, sizeof(why), "drbdsetup events2: %s %s%s%s", ev.name,
		 ev.kind == DRBD_EV_DESTROY ? "destroyed" : ev.has_role ? "role " : "disk ",
		 ev.kind == DRBD_EV_DESTROY ? "" : ev.has_role ? drbd_role_name(ev.role) : "",
		 ev.kind != DRBD_EV_DESTROY && !ev.has_role ? drbd_disk_name(ev.disk) : "");
	for (size_t i = 0; i < rm->n_mon; i++) {
		const struct resource_conf *c = rm->rsm.res[i].conf;
		if (c->storage == STORAGE_DRBD && !strcmp(c->drbd_resource, ev.name) &&
		    rm_monitor_watched(rm, i))
			rm_monitor_check_now(rm, i, why);
	}
}

static void on_data(void *ctx, const char *data, size_t n)
{
	struct rm_events *e = ctx;

	drbd_lines_feed(&e->lines, data, n, on_line, e);
}

static void start_child(void *data);

static void retry_later(struct rm_events *e)
{
	if (e->timer_armed)
		return;
	e->timer_armed = true;
	qb_loop_timer_add(e->rm->d->loop, QB_LOOP_LOW,
			  (uint64_t)e->backoff_ms * QB_TIME_NS_IN_MSEC, e, start_child, &e->timer);
	qb_log(LOG_NOTICE, "drbdsetup events2: started again in %u ms; polling meanwhile",
	       e->backoff_ms);
	e->backoff_ms = e->backoff_ms * 2 > EVENTS_BACKOFF_MAX_MS ? EVENTS_BACKOFF_MAX_MS :
			e->backoff_ms * 2;
}

static void on_child_end(void *ctx, const struct op_result *res)
{
	struct rm_events *e = ctx;
	char desc[256];

	e->job = NULL;
	op_result_describe(res, desc, sizeof(desc));
	qb_log(LOG_WARNING, "drbdsetup events2 ended after %llu ms (%s)",
	       (unsigned long long)res->elapsed_ms, desc);
	if (res->elapsed_ms >= EVENTS_STEADY_MS)
		e->backoff_ms = EVENTS_BACKOFF_MIN_MS;
	if (wants_events(e->rm))
		retry_later(e);
}

static void start_child(void *data)
{
	struct rm_events *e = data;
	const char *argv[] = { e->rm->d->cfg.drbdsetup, "events2", "all", NULL };
	const char *env[] = { "LC_ALL=C", NULL };
	int rc;

	e->timer_armed = false;
	if (e->job || !wants_events(e->rm))
		return;
	memset(&e->lines, 0, sizeof(e->lines));
	e->initial_done = false;
	e->bad_lines = 0;
	rc = op_start(e->rm->d->loop, argv, env, 0, on_child_end, e, &e->job);
	if (rc < 0) {
		qb_log(LOG_WARNING, "drbdsetup events2: %s", strerror(-rc));
		e->job = NULL;
		retry_later(e);
		return;
	}
	op_set_sink(e->job, on_data, e);
}

void rm_events_update(struct resource_manager *rm)
{
	struct rm_events *e = rm->events;

	if (!wants_events(rm)) {
		rm_events_fini(rm);
		return;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			qb_log(LOG_ERR, "out of memory for drbdsetup events2: polling only");
			return;
		}
		e->rm = rm;
		e->backoff_ms = EVENTS_BACKOFF_MIN_MS;
		rm->events = e;
	}
	if (!e->job && !e->timer_armed)
		start_child(e);
}

void rm_events_fini(struct resource_manager *rm)
{
	struct rm_events *e = rm->events;

	if (!e)
		return;
	if (e->job)
		op_cancel(e->job);
	if (e->timer_armed)
		qb_loop_timer_del(rm->d->loop, e->timer);
	free(e);
	rm->events = NULL;
}
