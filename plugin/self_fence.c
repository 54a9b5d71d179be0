#include "self_fence.h"

#include <errno.h>
#include <fcntl.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handoffd.h"
#include "resource_manager.h"

/* The watchdog is fed this often; its own timeout must be longer. */
#define WATCHDOG_FEED_MS 5000

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *self_fence_state_name(enum self_fence_state s)
{
	switch (s) {
	case SF_FENCING: return "fencing";
	case SF_FENCED: return "fenced";
	case SF_FAILED: return "failed";
	default: return "idle";
	}
}

static void feed(void *data)
{
	struct self_fence *sf = data;

	if (sf->watchdog_fd < 0 || sf->state == SF_FAILED)
		return;     /* a failed self-fence lets the watchdog reset the machine */
	if (write(sf->watchdog_fd, "\0", 1) != 1)
		qb_log(LOG_ERR, "cannot feed the watchdog: %s", strerror(errno));
	qb_loop_timer_add(sf->rm->d->loop, QB_LOOP_HIGH, (uint64_t)WATCHDOG_FEED_MS * 1000000ULL,
			  sf, feed, &sf->feed);
}

void self_fence_init(struct self_fence *sf, struct resource_manager *rm)
{
	const char *dev = rm->d->cfg.watchdog_device;

	memset(sf, 0, sizeof(*sf));
	sf->rm = rm;
	sf->watchdog_fd = -1;
	if (!dev[0])
		return;
	sf->watchdog_fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (sf->watchdog_fd < 0) {
		qb_log(LOG_ERR, "cannot open the watchdog %s: %s; self-fencing works without it",
		       dev, strerror(errno));
		return;
	}
	qb_log(LOG_NOTICE, "feeding the watchdog %s every %u ms", dev, WATCHDOG_FEED_MS);
	feed(sf);
}

void self_fence_fini(struct self_fence *sf)
{
	if (sf->deadline_armed)
		qb_loop_timer_del(sf->rm->d->loop, sf->deadline);
	if (sf->watchdog_fd >= 0) {
		qb_loop_timer_del(sf->rm->d->loop, sf->feed);
		/* the magic close: a clean stop disarms the watchdog */
		if (write(sf->watchdog_fd, "V", 1) != 1)
			qb_log(LOG_WARNING, "cannot disarm the watchdog: %s", strerror(errno));
		close(sf->watchdog_fd);
		sf->watchdog_fd = -1;
	}
}

static void fail(struct self_fence *sf, const char *why)
{
	if (sf->state == SF_FAILED)
		return;
	sf->state = SF_FAILED;
	sf->ended_ms = now_ms();
	snprintf(sf->error, sizeof(sf->error), "%s", why);
	qb_log(LOG_CRIT, "self-fence FAILED: %s%s", why,
	       sf->watchdog_fd >= 0 ? "; no longer feeding the watchdog" :
	       "; no watchdog configured: this node may still hold resources");
}

static void on_deadline(void *data)
{
	struct self_fence *sf = data;
	char why[200];

	sf->deadline_armed = false;
	if (sf->state != SF_FENCING)
		return;
	snprintf(why, sizeof(why), "%zu stop%s still running after self_fence_timeout (%u s)",
		 sf->stops_left, sf->stops_left == 1 ? "" : "s",
		 sf->rm->d->cfg.self_fence_timeout_ms / 1000);
	fail(sf, why);
}

static void finish_if_done(struct self_fence *sf)
{
	if (sf->stops_left > 0 || sf->state != SF_FENCING)
		return;
	if (sf->error[0]) {
		fail(sf, sf->error);
		return;
	}
	sf->state = SF_FENCED;
	sf->ended_ms = now_ms();
	qb_log(LOG_NOTICE, "self-fenced in %llu ms: this node holds nothing",
	       (unsigned long long)(sf->ended_ms - sf->started_ms));
	if (sf->deadline_armed) {
		qb_loop_timer_del(sf->rm->d->loop, sf->deadline);
		sf->deadline_armed = false;
	}
}

static void on_stopped(void *ctx, const struct resource_conf *r, bool ok, const char *error)
{
	struct self_fence *sf = ctx;

	if (sf->stops_left > 0)
		sf->stops_left--;
	if (ok) {
		qb_log(LOG_NOTICE, "%s: stopped, unmounted and demoted (self-fence)", r->name);
	} else {
		qb_log(LOG_CRIT, "%s: self-fence stop failed: %s", r->name, error);
		if (!sf->error[0])
			snprintf(sf->error, sizeof(sf->error), "%s: %s", r->name, error);
	}
	if (sf->state == SF_FENCING)
		finish_if_done(sf);
}

/* Does this node own or hold R, as far as it knows? */
static bool held_here(struct resource_manager *rm, size_t i)
{
	const struct rsm_res *r = &rm->rsm.res[i];
	const struct wire_fact *f = rm->facts ? &rm->facts[i] : NULL;

	if (r->owner == rm->rsm.local_nodeid && r->phase != PHASE_STOPPED)
		return true;
	if (r->target == rm->rsm.local_nodeid && rsm_migrating(r->phase))
		return true;
	return f && (f->running || f->mounted || f->role == ROLE_PRIMARY);
}

static void begin(struct self_fence *sf, enum gate_verdict v)
{
	struct resource_manager *rm = sf->rm;

	sf->state = SF_FENCING;
	sf->started_ms = now_ms();
	sf->ended_ms = 0;
	sf->error[0] = '\0';
	sf->stops_left = 0;
	qb_log(LOG_CRIT, "quorum lost (%s): self-fencing, stopping everything this node holds "
	       "within %u s", gate_verdict_str(v), rm->d->cfg.self_fence_timeout_ms / 1000);
	for (size_t i = 0; i < rm->rsm.n_res; i++) {
		const struct resource_conf *r = rm->rsm.res[i].conf;
		if (!held_here(rm, i))
			continue;
		sf->stops_left++;
		if (driver_stop(&rm->env, r, on_stopped, sf) < 0) {
			sf->stops_left--;
			if (!sf->error[0])
				snprintf(sf->error, sizeof(sf->error), "%s: cannot run its stop", r->name);
		}
	}
	qb_loop_timer_add(rm->d->loop, QB_LOOP_HIGH,
			  (uint64_t)rm->d->cfg.self_fence_timeout_ms * 1000000ULL, sf, on_deadline,
			  &sf->deadline);
	sf->deadline_armed = true;
	finish_if_done(sf);
}

void self_fence_verdict(struct self_fence *sf, enum gate_verdict v)
{
	if (v == GATE_OPEN) {
		if (sf->state != SF_IDLE)
			qb_log(LOG_NOTICE, "quorate again after self-fencing (%s)",
			       self_fence_state_name(sf->state));
		if (sf->state != SF_FENCING)
			sf->state = SF_IDLE;
		sf->was_quorate = true;
		return;
	}
	/* a mismatch of rings is membership in motion, not a loss */
	if (!sf->was_quorate || !sf->rm->ready || sf->state == SF_FENCING ||
	    (v != GATE_NOT_QUORATE && v != GATE_NO_COROSYNC))
		return;
	sf->was_quorate = false;
	begin(sf, v);
}
