#include "self_fence.h"

#include <errno.h>
#include <fcntl.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "handoffd.h"
#include "resource_manager.h"
#include "self_fence_marker.h"

/* The feed interval of a watchdog whose timeout is unknown (no ioctls):
 * this, or a third of self_fence_timeout when that is shorter. */
#define WATCHDOG_UNKNOWN_FEED_MS 5000
#define MARKER_NAME "self-fence"

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

/* ---- the marker: a self-fence outlives a restart of handoffd ------------------- */

int self_fence_marker_path(const char *state_dir, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", state_dir, MARKER_NAME);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Write the marker atomically: a temporary name, fsync, rename, fsync of
 * the directory, so that a crash leaves either no marker or a whole one. */
static void marker_write(struct self_fence *sf)
{
	const char *dir = sf->rm->d->cfg.state_dir;
	char path[RES_PATH_MAX + 32], tmp[RES_PATH_MAX + 40], text[SF_MARKER_MAX];
	struct sf_marker m = { .began_ms = sf_boottime_ms() };
	int fd, n, e = 0;

	if (self_fence_marker_path(dir, path, sizeof(path)) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		qb_log(LOG_ERR, "state_dir %s: path too long for the self-fence marker", dir);
		return;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		e = errno;
	/* when it began, in this boot: a handoffd restarted during it keeps
	 * its deadline (self_fence_marker.h) */
	if (!e && (sf_boot_id_read(m.boot_id) < 0 ||
		   (n = sf_marker_format(&m, text, sizeof(text))) < 0))
		e = EINVAL;   /* no boot id: no marker rather than one that lies */
	fd = e ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 && !e)
		e = errno;
	if (fd >= 0) {
		if (write(fd, text, (size_t)n) != n || fsync(fd) < 0)
			e = errno ? errno : EIO;
		if (close(fd) < 0 && !e)
			e = errno;
	}
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (!e && (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) < 0)
			e = errno;
		close(fd);
	}
	if (e) {
		qb_log(LOG_ERR, "cannot write the self-fence marker %s: %s; a handoffd restarted "
		       "during this self-fence will not know of it", path, strerror(e));
		unlink(tmp);
		return;
	}
	sf->marker = true;
	sf->marker_other_boot = false;
}

static void marker_remove(struct self_fence *sf, const char *why)
{
	char path[RES_PATH_MAX + 32];

	if (!sf->marker || self_fence_marker_path(sf->rm->d->cfg.state_dir, path,
						  sizeof(path)) < 0)
		return;
	if (unlink(path) < 0 && errno != ENOENT) {
		qb_log(LOG_ERR, "cannot remove the self-fence marker %s: %s", path,
		       strerror(errno));
		return;
	}
	sf->marker = false;
	qb_log(LOG_NOTICE, "self-fence marker removed: %s", why);
}

/* Is there a marker?  M gets it, or *GARBLED is set (then it counts as
 * a self-fence begun long ago: the safe side). */
static bool marker_read(const char *state_dir, struct sf_marker *m, bool *garbled)
{
	char path[RES_PATH_MAX + 32], text[SF_MARKER_MAX + 1];
	ssize_t n = -1;
	int fd;

	*garbled = false;
	if (self_fence_marker_path(state_dir, path, sizeof(path)) < 0 ||
	    access(path, F_OK) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text));
		close(fd);
	}
	*garbled = n < 0 || sf_marker_parse(text, (size_t)n, m) < 0;
	return true;
}

/* ---- the watchdog -------------------------------------------------------------------- */

static void feed(void *data)
{
	struct self_fence *sf = data;

	sf->feeding = false;
	if (sf->wd.fd < 0 || sf->starved)
		return;     /* a failed self-fence lets the watchdog reset the machine */
	if (watchdog_feed(&sf->wd) < 0)
		qb_log(LOG_ERR, "cannot feed the watchdog: %s", strerror(errno));
	if (qb_loop_timer_add(sf->rm->d->loop, QB_LOOP_HIGH, (uint64_t)sf->wd.feed_ms * 1000000ULL,
			      sf, feed, &sf->feed) == 0)
		sf->feeding = true;
}

static void watchdog_start(struct self_fence *sf)
{
	const struct handoff_config *cfg = &sf->rm->d->cfg;
	uint32_t unknown_feed = cfg->self_fence_timeout_ms / 3;
	char msg[400];

	if (unknown_feed > WATCHDOG_UNKNOWN_FEED_MS || unknown_feed == 0)
		unknown_feed = WATCHDOG_UNKNOWN_FEED_MS;
	if (watchdog_open(&sf->wd, cfg->watchdog_device, cfg->watchdog_timeout_ms, unknown_feed,
			  msg, sizeof(msg)) < 0) {
		qb_log(LOG_ERR, "%s; self-fencing works without it", msg);
		return;
	}
	sf->watchdog_timeout_ms = sf->wd.timeout_ms;
	qb_log(sf->wd.timeout_ms ? LOG_NOTICE : LOG_WARNING, "%s", msg);
	if (qb_loop_timer_add(sf->rm->d->loop, QB_LOOP_HIGH, (uint64_t)sf->wd.feed_ms * 1000000ULL,
			      sf, feed, &sf->feed) == 0)
		sf->feeding = true;
}

static void on_deadline(void *data);

static void deadline_arm(struct self_fence *sf, uint64_t ms)
{
	if (qb_loop_timer_add(sf->rm->d->loop, QB_LOOP_HIGH, ms * 1000000ULL, sf, on_deadline,
			      &sf->deadline) == 0)
		sf->deadline_armed = true;
}

static void deadline_cancel(struct self_fence *sf)
{
	if (sf->deadline_armed)
		qb_loop_timer_del(sf->rm->d->loop, sf->deadline);
	sf->deadline_armed = false;
}

void self_fence_init(struct self_fence *sf, struct resource_manager *rm)
{
	const struct handoff_config *cfg = &rm->d->cfg;
	struct sf_marker m;
	char boot_id[SF_BOOT_ID_LEN + 1];
	bool garbled, fresh = false;
	int64_t left = 0;

	memset(sf, 0, sizeof(*sf));
	sf->rm = rm;
	sf->wd.fd = -1;
	if (marker_read(cfg->state_dir, &m, &garbled)) {
		/* S1, S2: the last handoffd stopped during a self-fence; what it
		 * was stopping may still run here */
		sf->marker = true;
		sf->resume = true;
		sf_boot_id_read(boot_id);
		left = sf_marker_remaining_ms(garbled ? NULL : &m, boot_id, sf_boottime_ms(),
					      cfg->self_fence_timeout_ms, &fresh);
		sf->marker_other_boot = fresh;
		qb_log(LOG_CRIT, "handoffd stopped during a self-fence (%s/%s exists, %s): "
		       "self-fencing again, every configured resource, unless this node is quorate",
		       cfg->state_dir, MARKER_NAME, garbled ? "garbled or of an older format: "
		       "counted as begun long ago" : fresh ? "of an earlier boot: a fresh deadline" :
		       "of this boot");
	}
	if (sf->resume && left <= 0) {
		/* S1: the quorate side takes over self_fence_timeout + the
		 * watchdog's timeout after the loss, and that deadline has
		 * passed (or is unknown).  Not a single feed more: the watchdog
		 * is not even opened, since opening feeds it: watchdog_open()
		 * writes a keep-alive, the kernel pings an active watchdog on
		 * WDIOC_SETTIMEOUT, and open starts (or pings) one that is not
		 * active.  A watchdog the last handoffd armed stays armed after
		 * its unexpected close (no magic 'V' was written) and resets
		 * the machine within its own timeout. */
		char ago[64];
		if (garbled || !boot_id[0])
			snprintf(ago, sizeof(ago), "%s: counted as long ago",
				 garbled ? "the marker is garbled" : "this boot's id is unknown");
		else
			snprintf(ago, sizeof(ago), "began %lld ms ago",
				 (long long)(cfg->self_fence_timeout_ms - left));
		sf->overdue = true;
		qb_log(LOG_CRIT, "the self-fence deadline has passed (%s; self_fence_timeout %u ms): "
		       "not opening the watchdog %s, not feeding it", ago, cfg->self_fence_timeout_ms,
		       cfg->watchdog_device[0] ? cfg->watchdog_device : "(none configured)");
		return;
	}
	if (sf->resume && !fresh) {
		/* the resumed self-fence keeps the deadline it had: the
		 * watchdog is fed until then at most */
		qb_log(LOG_CRIT, "the self-fence began %lld ms ago: %lld ms left of its "
		       "self_fence_timeout", (long long)(cfg->self_fence_timeout_ms - left),
		       (long long)left);
		deadline_arm(sf, (uint64_t)left);
	}
	if (cfg->watchdog_device[0])
		watchdog_start(sf);
}

void self_fence_fini(struct self_fence *sf)
{
	bool disarm = sf->state == SF_IDLE && !sf->marker && !sf->starved;

	deadline_cancel(sf);
	if (sf->wd.fd < 0)
		return;
	if (sf->feeding)
		qb_loop_timer_del(sf->rm->d->loop, sf->feed);
	sf->feeding = false;
	if (!disarm)
		qb_log(LOG_CRIT, "leaving the watchdog armed (self-fence %s%s): it resets this "
		       "machine in %u ms unless handoffd comes back", self_fence_state_name(sf->state),
		       sf->marker ? ", marker kept" : "", sf->wd.timeout_ms);
	/* the magic close: only a clean stop with no self-fence pending
	 * disarms the watchdog */
	if (watchdog_close(&sf->wd, disarm) < 0)
		qb_log(LOG_WARNING, "cannot disarm the watchdog: %s", strerror(errno));
	sf->watchdog_timeout_ms = 0;
}

/* ---- the self-fence ------------------------------------------------------------------ */

static void fail(struct self_fence *sf, const char *why)
{
	if (sf->state == SF_FAILED)
		return;
	sf->state = SF_FAILED;
	sf->starved = sf->wd.fd >= 0;
	sf->ended_ms = now_ms();
	snprintf(sf->error, sizeof(sf->error), "%s", why);
	rm_notify_self_fence(sf->rm, false, why);
	qb_log(LOG_CRIT, "self-fence FAILED: %s%s", why,
	       sf->wd.fd >= 0 ? "; no longer feeding the watchdog" :
	       sf->overdue ? "; this handoffd does not feed the watchdog (a watchdog armed "
	       "before the restart resets the machine): this node may still hold resources" :
	       "; no watchdog configured: this node may still hold resources");
}

static void on_deadline(void *data)
{
	struct self_fence *sf = data;
	char why[200];

	sf->deadline_armed = false;
	if (sf->state == SF_IDLE && sf->resume) {
		/* resumed at start, and its deadline passed before this node
		 * knew it was not quorate: stop feeding now (S1) */
		sf->overdue = true;
		sf->starved = sf->wd.fd >= 0;
		qb_log(LOG_CRIT, "the self-fence deadline has passed while waiting for quorum%s",
		       sf->starved ? ": no longer feeding the watchdog" : "");
		return;
	}
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
	deadline_cancel(sf);
	if (sf->quorate)
		marker_remove(sf, "quorate again, and the self-fence is done");
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

static void stop_one(struct self_fence *sf, const struct resource_conf *r)
{
	sf->stops_left++;
	if (driver_fence_stop(&sf->rm->env, r, on_stopped, sf) < 0) {
		sf->stops_left--;
		if (!sf->error[0])
			snprintf(sf->error, sizeof(sf->error), "%s: cannot run its stop", r->name);
	}
}

static void begin(struct self_fence *sf, enum gate_verdict v)
{
	struct resource_manager *rm = sf->rm;
	const struct handoff_config *cfg = &rm->d->cfg;
	bool all = sf->resume || !rm->ready, resumed = sf->resume;
	size_t cancelled;

	sf->state = SF_FENCING;
	sf->resume = false;
	sf->started_ms = now_ms();
	sf->ended_ms = 0;
	sf->error[0] = '\0';
	sf->stops_left = 0;
	qb_log(LOG_CRIT, "quorum lost (%s): self-fencing, stopping everything this node holds "
	       "within %u s%s", gate_verdict_str(v), cfg->self_fence_timeout_ms / 1000,
	       resumed && !sf->marker_other_boot ? " of when the self-fence began (resumed)" : "");
	/* this self-fence began now, unless it resumes one of this boot (a
	 * marker kept from a failed one, or of an earlier boot, is rewritten) */
	if (!resumed || !sf->marker || sf->marker_other_boot)
		marker_write(sf);
	/* S1, S2, S4: nothing in flight may go on taking a resource, nor keep
	 * its filesystem busy under the stop; the stop below undoes it */
	cancelled = driver_cancel_all("quorum lost");
	if (cancelled)
		qb_log(LOG_WARNING, "self-fence: cancelled %zu step sequence%s in flight",
		       cancelled, cancelled == 1 ? "" : "s");
	if (all) {
		/* restarted during a self-fence (or no table yet): what the
		 * last handoffd held is not known, so stop everything */
		for (size_t i = 0; i < cfg->n_resources; i++)
			stop_one(sf, &cfg->resources[i]);
	} else {
		for (size_t i = 0; i < rm->rsm.n_res; i++)
			if (held_here(rm, i))
				stop_one(sf, rm->rsm.res[i].conf);
	}
	/* a resumed self-fence keeps its deadline, armed at start; one whose
	 * deadline passed feeds no watchdog, and self_fence_timeout only
	 * bounds its stops (FAILED after it, FENCED if they end in time) */
	if (!sf->deadline_armed)
		deadline_arm(sf, cfg->self_fence_timeout_ms);
	/* after the stops began: it must not delay them */
	rm_notify_self_fence(rm, true, gate_verdict_str(v));
	finish_if_done(sf);
}

void self_fence_verdict(struct self_fence *sf, enum gate_verdict v)
{
	sf->quorate = v == GATE_OPEN;
	if (v == GATE_OPEN) {
		if (sf->state != SF_IDLE)
			qb_log(LOG_NOTICE, "quorate again after self-fencing (%s)",
			       self_fence_state_name(sf->state));
		/* a failed self-fence keeps its marker (the watchdog is starving,
		 * and a handoffd after the reset must fence again unless quorate);
		 * a restarted one that finds itself quorate leaves what it holds
		 * to the sync's merge */
		if (sf->state == SF_FENCED || (sf->state == SF_IDLE && sf->resume))
			marker_remove(sf, sf->state == SF_FENCED ? "quorate again, holding nothing" :
				      "quorate at start: the sync's merge repairs what it holds");
		if (sf->state != SF_FENCING) {
			sf->state = SF_IDLE;
			deadline_cancel(sf);   /* a resumed one's, armed at start */
		}
		sf->was_quorate = true;
		sf->resume = false;
		return;
	}
	/* a mismatch of rings is membership in motion, not a loss */
	if (sf->state == SF_FENCING || (v != GATE_NOT_QUORATE && v != GATE_NO_COROSYNC))
		return;
	if (!sf->resume && (!sf->was_quorate || !sf->rm->ready))
		return;
	sf->was_quorate = false;
	begin(sf, v);
}
