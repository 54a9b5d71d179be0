/* notify: the environment, the path checks, the queue and its bounds on a
 * real loop, and which node runs which event (notify_derive). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <qb/qbloop.h>
#include <qb/qbutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/handoff_conf.h"
#include "plugin/notify.h"
#include "plugin/notify_derive.h"
#include "plugin/op_runner.h"
#include "plugin/rsm.h"

/* ---- the environment ------------------------------------------------------------ */

static const char *env_get(const struct notify_env *env, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], key, k) && env->v[i][k] == '=')
			return env->v[i] + k + 1;
	return NULL;
}

static void env_of_a_migration(void **state)
{
	struct notify_event ev = { .kind = NE_MIGRATED, .nodeid = 2, .epoch = 7, .ok = true,
				   .has_times = true, .total_ms = 812, .frozen_ms = 95, .seq = 3,
				   .realtime_ms = 1796558400123LL };
	struct notify_env env;

	(void)state;
	strcpy(ev.resource, "web");
	strcpy(ev.node, "node2");
	strcpy(ev.source, "node1");
	strcpy(ev.target, "node2");
	strcpy(ev.phase, "RUNNING");
	strcpy(ev.reason, "migrated");
	for (int i = 0; i < WIRE_TIMES; i++)
		ev.ms[i] = 10 + (uint32_t)i;
	notify_env_build(&ev, &env);
	assert_null(env.v[env.n]);
	assert_string_equal(env_get(&env, "HANDOFF_EVENT"), "migrated");
	assert_string_equal(env_get(&env, "HANDOFF_RESOURCE"), "web");
	assert_string_equal(env_get(&env, "HANDOFF_NODE"), "node2");
	assert_string_equal(env_get(&env, "HANDOFF_NODEID"), "2");
	assert_string_equal(env_get(&env, "HANDOFF_EPOCH"), "7");
	assert_string_equal(env_get(&env, "HANDOFF_RESULT"), "ok");
	assert_string_equal(env_get(&env, "HANDOFF_REASON"), "migrated");
	assert_string_equal(env_get(&env, "HANDOFF_PHASE"), "RUNNING");
	assert_string_equal(env_get(&env, "HANDOFF_SEQUENCE"), "3");
	assert_string_equal(env_get(&env, "HANDOFF_TIMESTAMP"), "2026-12-06T12:00:00.123Z");
	assert_string_equal(env_get(&env, "HANDOFF_SOURCE"), "node1");
	assert_string_equal(env_get(&env, "HANDOFF_TARGET"), "node2");
	assert_string_equal(env_get(&env, "HANDOFF_MS_DUMP"), "10");
	assert_string_equal(env_get(&env, "HANDOFF_MS_RESTORE"), "16");
	assert_string_equal(env_get(&env, "HANDOFF_TOTAL_MS"), "812");
	assert_string_equal(env_get(&env, "HANDOFF_FROZEN_MS"), "95");
}

static void env_without_times_and_hostile_text(void **state)
{
	struct notify_event ev = { .kind = NE_START, .ok = false };
	struct notify_env env;
	const char *reason;

	(void)state;
	/* an agent's stderr in the reason: one line, never more than a value holds */
	memset(ev.reason, 'x', sizeof(ev.reason) - 1);
	memcpy(ev.reason, "a\nb\x1b$(reboot)", 13);
	notify_env_build(&ev, &env);
	assert_string_equal(env_get(&env, "HANDOFF_RESULT"), "failed");
	assert_null(env_get(&env, "HANDOFF_MS_DUMP"));
	assert_null(env_get(&env, "HANDOFF_SOURCE"));
	reason = env_get(&env, "HANDOFF_REASON");
	assert_non_null(reason);
	assert_int_equal(strncmp(reason, "a?b?$(reboot)", 13), 0);
	assert_int_equal(strlen(reason), NOTIFY_VALUE_MAX - 1);
}

static void every_kind_has_a_name(void **state)
{
	(void)state;
	for (int k = 0; k < NE__COUNT; k++)
		assert_string_not_equal(notify_kind_name((enum notify_kind)k), "unknown");
	assert_string_equal(notify_kind_name(NE_SELF_FENCE), "self-fence");
	assert_string_equal(notify_kind_name(NE__COUNT), "unknown");
}

/* ---- the path checks ------------------------------------------------------------ */

static char dir[64];

static void write_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void path_checks(void **state)
{
	char p[128], why[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_notify.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(notify_path_check("relative/x", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "absolute"));
	snprintf(p, sizeof(p), "%s/missing", dir);
	assert_int_equal(notify_path_check(p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "No such file"));
	snprintf(p, sizeof(p), "%s/plain", dir);
	write_file(p, 0644);
	if (geteuid() != 0) {        /* root may execute anything with an x bit only */
		assert_int_equal(notify_path_check(p, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "not an executable"));
	}
	assert_int_equal(notify_path_check(dir, why, sizeof(why)), -1);
	snprintf(p, sizeof(p), "%s/gw", dir);
	write_file(p, 0775);
	assert_int_equal(notify_path_check(p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others"));
	snprintf(p, sizeof(p), "%s/good", dir);
	write_file(p, 0755);
	assert_int_equal(notify_path_check(p, why, sizeof(why)), 0);
	/* a directory others may write to lets them replace it */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(notify_path_check(p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "its directory"));
	assert_int_equal(chmod(dir, 01777), 0);     /* sticky, like /tmp */
	assert_int_equal(notify_path_check(p, why, sizeof(why)), 0);
	assert_int_equal(chmod(dir, 0700), 0);
}

static void config_key(void **state)
{
	struct handoff_config cfg;
	struct config_errors err = { 0 };
	char buf[2048], text[256];

	(void)state;
	err.buf = buf;
	err.len = sizeof(buf);
	config_defaults(&cfg);
	assert_int_equal(cfg.notify_timeout_ms, 30000);
	snprintf(text, sizeof(text), "[cluster]\nnotify = %s/good\nnotify_timeout = 5\n", dir);
	assert_int_equal(config_load_string(&cfg, "t.conf", text, &err), 0);
	assert_string_not_equal(cfg.notify, "");
	assert_int_equal(cfg.notify_timeout_ms, 5000);
	config_free(&cfg);
	config_defaults(&cfg);
	snprintf(text, sizeof(text), "[cluster]\nnotify = %s/gw\nnotify_timeout = 0\n", dir);
	assert_int_equal(config_load_string(&cfg, "t.conf", text, &err), -1);
	assert_non_null(strstr(buf, "t.conf:2: key 'notify'"));
	assert_non_null(strstr(buf, "t.conf:3: key 'notify_timeout'"));
	assert_string_equal(cfg.notify, "");
	config_free(&cfg);
}

/* ---- the queue -------------------------------------------------------------------- */

static void queue_is_a_bounded_ring(void **state)
{
	static struct notify_queue q;
	struct notify_event ev = { 0 }, out;

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (uint64_t i = 0; i < NOTIFY_QUEUE; i++) {
			ev.seq = i;
			assert_true(notify_queue_push(&q, &ev));
		}
		assert_false(notify_queue_push(&q, &ev));
		for (uint64_t i = 0; i < NOTIFY_QUEUE / 2; i++) {
			assert_true(notify_queue_pop(&q, &out));
			assert_int_equal(out.seq, i);
		}
		for (uint64_t i = 0; i < NOTIFY_QUEUE / 2; i++)
			assert_true(notify_queue_push(&q, &ev));
		for (uint64_t i = 0; i < NOTIFY_QUEUE; i++)
			assert_true(notify_queue_pop(&q, &out));
		assert_false(notify_queue_pop(&q, &out));
	}
}

/* ---- runs on a real loop ----------------------------------------------------------- */

static qb_loop_t *loop;
static struct notify *cur;

static void tick(void *data)
{
	(void)data;
	qb_loop_stop(loop);
}

static void run_loop_ms(unsigned ms)
{
	qb_loop_timer_handle h;

	qb_loop_timer_add(loop, QB_LOOP_LOW, (uint64_t)ms * QB_TIME_NS_IN_MSEC, NULL, tick, &h);
	qb_loop_run(loop);
}

static bool wait_idle(unsigned ms)
{
	for (unsigned t = 0; t < ms && op_running() > 0; t += 20)
		run_loop_ms(20);
	return op_running() == 0;
}

static void runs_are_bounded(void **state)
{
	static struct handoff_config cfg;
	static struct notify n;
	char script[128], out[128], line[256];
	struct notify_event ev = { .kind = NE_STOP, .ok = true };
	FILE *f;
	int lines = 0;

	(void)state;
	loop = qb_loop_create();
	config_defaults(&cfg);
	snprintf(script, sizeof(script), "%s/slow", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	f = fopen(script, "w");
	assert_non_null(f);
	/* argv[1], its environment, then a while: the next ones must wait */
	fprintf(f, "#!/bin/sh\necho \"$1 $HANDOFF_SEQUENCE $HANDOFF_RESOURCE $HOME\" >>%s\nsleep 0.1\n", out);
	fclose(f);
	chmod(script, 0755);
	snprintf(cfg.notify, sizeof(cfg.notify), "%s", script);
	cfg.notify_timeout_ms = 5000;
	notify_init(&n, loop, &cfg);
	cur = &n;
	strcpy(ev.resource, "web");
	for (int i = 0; i < NOTIFY_PARALLEL + NOTIFY_QUEUE + 3; i++)
		notify_submit(&n, &ev);
	assert_int_equal(n.running, NOTIFY_PARALLEL);
	/* the first ones run at once, the next wait, the rest are dropped */
	assert_int_equal(n.queue.n, NOTIFY_QUEUE);
	assert_int_equal(n.dropped, 3);
	/* they go on, NOTIFY_PARALLEL at a time */
	run_loop_ms(50);
	assert_true(n.running <= NOTIFY_PARALLEL);
	assert_true(op_running() <= NOTIFY_PARALLEL);
	assert_true(wait_idle(20000));
	assert_int_equal(n.queue.n, 0);
	assert_int_equal(n.failed, 0);
	f = fopen(out, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		/* nothing of handoffd's own environment gets through */
		assert_int_equal(strncmp(line, "stop ", 5), 0);
		assert_non_null(strstr(line, " web \n"));
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, NOTIFY_PARALLEL + NOTIFY_QUEUE);
	notify_fini(&n);
	unlink(out);
	unlink(script);
}

static void a_hanging_run_is_killed_and_urgent_skips_the_line(void **state)
{
	static struct handoff_config cfg;
	static struct notify n;
	char script[128];
	struct notify_event ev = { .kind = NE_START };
	FILE *f;
	uint64_t t0;

	(void)state;
	config_defaults(&cfg);
	snprintf(script, sizeof(script), "%s/hang", dir);
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nsleep 60\n");
	fclose(f);
	chmod(script, 0755);
	snprintf(cfg.notify, sizeof(cfg.notify), "%s", script);
	cfg.notify_timeout_ms = 1000;
	notify_init(&n, loop, &cfg);
	for (int i = 0; i < NOTIFY_PARALLEL; i++)
		notify_submit(&n, &ev);
	assert_int_equal(n.running, NOTIFY_PARALLEL);
	/* the self-fence's runs at once, outside the limit */
	ev.kind = NE_SELF_FENCE;
	notify_submit_urgent(&n, &ev);
	assert_int_equal(n.running, NOTIFY_PARALLEL);
	assert_int_equal(op_running(), NOTIFY_PARALLEL + 1);
	t0 = qb_util_nano_current_get() / QB_TIME_NS_IN_MSEC;
	assert_true(wait_idle(8000));
	/* SIGTERM ends sh and its sleep (the whole group) at the bound */
	assert_true(qb_util_nano_current_get() / QB_TIME_NS_IN_MSEC - t0 < 4000);
	assert_int_equal(n.failed, NOTIFY_PARALLEL + 1);
	assert_int_equal(n.running, 0);
	/* no program configured: nothing runs */
	cfg.notify[0] = '\0';
	notify_submit(&n, &ev);
	assert_int_equal(op_running(), 0);
	/* what still runs at the end is cancelled */
	snprintf(cfg.notify, sizeof(cfg.notify), "%s", script);
	notify_submit(&n, &ev);
	notify_fini(&n);
	assert_null(n.runs);
	wait_idle(3000);
	unlink(script);
	qb_loop_destroy(loop);
}

/* ---- who runs what (notify_derive) -------------------------------------------------- */

static struct handoff_config dcfg;
static struct rsm m;
static struct notify_table t;
static struct notify_event got[8];
static size_t n_got;

static void collect(void *ctx, struct notify_event *ev, const struct rsm_history *h,
		    uint64_t index)
{
	(void)ctx;
	(void)h;
	(void)index;
	if (n_got < 8)
		got[n_got++] = *ev;
}

/* A table of web on node1..3 (all members) as LOCAL sees it, web in
 * PHASE on OWNER, taken as seen; returns web. */
static struct rsm_res *table(uint32_t local, enum phase phase, uint32_t owner)
{
	static const uint32_t ids[] = { 1, 2, 3 };
	static const char *const names[] = { "node1", "node2", "node3" };
	struct config_errors err = { 0 };
	char buf[1024];

	err.buf = buf;
	err.len = sizeof(buf);
	config_free(&dcfg);
	config_defaults(&dcfg);
	assert_int_equal(config_load_string(&dcfg, "d.conf",
		"[resource web]\nstorage = shared\nworkload = exec\nagent = /bin/true\n"
		"mount_point = /mnt/web\ndevice = /dev/null\nnodes = node1 node2 node3\n", &err), 0);
	rsm_free(&m);
	assert_int_equal(rsm_init(&m, &dcfg, local, ids, names, 3), 0);
	for (size_t i = 0; i < m.n_nodes; i++)
		m.nodes[i].member = true;
	m.res[0].phase = phase;
	m.res[0].owner = owner;
	assert_int_equal(notify_table_reset(&t, &m), 0);
	n_got = 0;
	return &m.res[0];
}

static void derive(void)
{
	n_got = 0;
	notify_derive(&t, &m, collect, NULL);
}

static struct rsm_history *history(enum rsm_history_kind kind, uint32_t source, uint32_t target,
				   bool ok, const char *result)
{
	struct rsm_history *h = &m.history[m.n_history++ % RSM_HISTORY];

	memset(h, 0, sizeof(*h));
	h->seq = ++m.hist_seq;
	snprintf(h->resource, sizeof(h->resource), "web");
	h->kind = kind;
	h->epoch = m.res[0].epoch;
	h->source = source;
	h->target = target;
	h->ok = ok;
	snprintf(h->result, sizeof(h->result), "%s", result);
	h->ms[WT_DUMP] = 42;
	return h;
}

static void start_and_stop_run_on_the_owner(void **state)
{
	struct rsm_res *r;

	(void)state;
	for (uint32_t local = 1; local <= 3; local++) {
		r = table(local, PHASE_STOPPED, 0);
		r->phase = PHASE_STARTING;
		r->owner = 2;
		r->epoch = 5;
		derive();
		assert_int_equal(n_got, 0);              /* a start began: no event yet */
		r->phase = PHASE_RUNNING;
		derive();
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_START);
			assert_true(got[0].ok);
			assert_string_equal(got[0].node, "node2");
			assert_string_equal(got[0].phase, "RUNNING");
			assert_int_equal(got[0].epoch, 5);
		}
		r->phase = PHASE_STOPPING;
		r->epoch = 6;
		derive();
		r->phase = PHASE_FAILED;
		snprintf(r->last_error, sizeof(r->last_error), "stop on node 2: boom");
		derive();
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_STOP);
			assert_false(got[0].ok);
			assert_string_equal(got[0].reason, "stop on node 2: boom");
		}
	}
}

static void failed_runs_on_the_owner_or_the_lowest_member(void **state)
{
	struct rsm_res *r;

	(void)state;
	for (uint32_t local = 1; local <= 3; local++) {
		r = table(local, PHASE_RUNNING, 3);
		r->phase = PHASE_FAILED;                  /* not running on its owner at a sync */
		derive();
		assert_int_equal(n_got, local == 3);
		if (local == 3)
			assert_int_equal(got[0].kind, NE_FAILED);
		/* owner left during a start: no owner to run it, the lowest member does */
		r->phase = PHASE_STARTING;
		r->epoch++;
		derive();
		m.nodes[2].member = false;
		r->phase = PHASE_FAILED;
		derive();
		assert_int_equal(n_got, local == 1);
		if (local == 1) {
			assert_int_equal(got[0].kind, NE_FAILED);
			assert_string_equal(got[0].node, "node3");
		}
	}
}

static void migrated_and_failover_run_on_the_new_owner(void **state)
{
	struct rsm_res *r;

	(void)state;
	for (uint32_t local = 1; local <= 3; local++) {
		r = table(local, PHASE_RESTORING, 1);
		r->target = 2;
		r->epoch = 9;
		derive();
		history(HIST_MIGRATION, 1, 2, true, "migrated");
		r->owner = 2;
		r->target = 0;
		r->phase = PHASE_RUNNING;
		derive();
		/* one event, migrated, not a start too */
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_MIGRATED);
			assert_true(got[0].has_times);
			assert_string_equal(got[0].source, "node1");
			assert_string_equal(got[0].target, "node2");
			assert_int_equal(got[0].ms[WT_DUMP], 42);
			assert_int_equal(got[0].epoch, 9);
		}
		/* node2 dies; node3 takes it over */
		m.nodes[1].member = false;
		r->phase = PHASE_FAILING_OVER;
		r->owner = 3;
		r->epoch = 10;
		derive();
		assert_int_equal(n_got, 0);
		history(HIST_FAILOVER, 2, 3, true, "cold start (no dump)");
		r->phase = PHASE_RUNNING;
		derive();
		assert_int_equal(n_got, local == 3);
		if (local == 3) {
			assert_int_equal(got[0].kind, NE_FAILOVER);
			assert_string_equal(got[0].source, "node2");
			assert_string_equal(got[0].reason, "cold start (no dump)");
		}
		/* an entry the table did not lead to (learned at a join): nothing */
		history(HIST_MIGRATION, 3, 1, true, "migrated");
		derive();
		assert_int_equal(n_got, 0);
	}
}

/* the recovery policy's decisions (rules 26, 29): restart and relocated
 * run on the owner that failed, once, and a restart that was not one
 * (FAILED) is the phase's failed event */
static void restart_and_relocated_run_on_the_failed_owner(void **state)
{
	struct rsm_res *r;
	const struct notify_env *e;
	static struct notify_env env;

	(void)state;
	for (uint32_t local = 1; local <= 3; local++) {
		r = table(local, PHASE_RUNNING, 2);
		r->epoch = 4;
		notify_table_reset(&t, &m);
		history(HIST_RESTART, 2, 2, true, "workload on node 2: monitor: exit 1");
		r->phase = PHASE_STOPPING;
		r->epoch = 5;
		derive();
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_RESTART);
			assert_true(got[0].ok);
			assert_int_equal(got[0].epoch, 4);
			assert_string_equal(got[0].node, "node2");
			assert_string_equal(got[0].reason, "workload on node 2: monitor: exit 1");
		}
		derive();
		assert_int_equal(n_got, 0);              /* once */
		r->phase = PHASE_STARTING;
		r->epoch = 6;
		derive();
		r->phase = PHASE_RUNNING;
		derive();
		assert_int_equal(n_got, local == 2);     /* the start again */
		if (local == 2)
			assert_int_equal(got[0].kind, NE_START);
		/* past the budget: relocated to node3, cold */
		history(HIST_RELOCATE, 2, 3, true, "cold: max_restarts 3; workload on node 2");
		r->phase = PHASE_STOPPING;
		r->target = 3;
		r->epoch = 7;
		derive();
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_RELOCATED);
			assert_string_equal(got[0].source, "node2");
			assert_string_equal(got[0].target, "node3");
			assert_string_equal(got[0].reason, "cold: max_restarts 3; workload on node 2");
			notify_env_build(&got[0], &env);
			e = &env;
			assert_string_equal(env_get(e, "HANDOFF_EVENT"), "relocated");
			assert_string_equal(env_get(e, "HANDOFF_SOURCE"), "node2");
			assert_string_equal(env_get(e, "HANDOFF_TARGET"), "node3");
			assert_null(env_get(e, "HANDOFF_MS_DUMP"));
		}
		/* a failure that was not restarted: FAILED, the phase's event */
		r = table(local, PHASE_RUNNING, 1);
		r->epoch = 8;
		notify_table_reset(&t, &m);
		history(HIST_RESTART, 1, 1, false, "workload on node 1: x");
		r->phase = PHASE_FAILED;
		derive();
		assert_int_equal(n_got, local == 1);
		if (local == 1)
			assert_int_equal(got[0].kind, NE_FAILED);
	}
}

static void node_events(void **state)
{
	(void)state;
	for (uint32_t local = 1; local <= 3; local++) {
		table(local, PHASE_STOPPED, 0);
		m.nodes[2].standby = true;               /* node3 */
		derive();
		assert_int_equal(n_got, local == 3);
		if (local == 3) {
			assert_int_equal(got[0].kind, NE_STANDBY);
			assert_string_equal(got[0].reason, "standby on");
			assert_string_equal(got[0].resource, "");
		}
		/* a node that leaves loses its flag: no event */
		m.nodes[2].member = false;
		m.nodes[2].standby = false;
		derive();
		assert_int_equal(n_got, 0);
		/* node2 asks fence-confirm of node3 */
		{
			struct rsm_history *h = history(HIST_FENCE_CONFIRM, 2, 3, true, "confirmed");
			h->resource[0] = '\0';
		}
		derive();
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_FENCE_CONFIRM);
			assert_string_equal(got[0].node, "node3");
			assert_int_equal(got[0].nodeid, 3);
		}
		/* node1 puts node2 in maintenance, node2 takes web out: on the asker */
		{
			struct rsm_history *h = history(HIST_MAINTENANCE, 1, 2, true,
							"maintenance on: node 2");
			h->resource[0] = '\0';
		}
		derive();
		assert_int_equal(n_got, local == 1);
		if (local == 1) {
			assert_int_equal(got[0].kind, NE_MAINTENANCE);
			assert_string_equal(got[0].node, "node2");
			assert_string_equal(got[0].resource, "");
			assert_true(got[0].ok);
			assert_string_equal(got[0].reason, "maintenance on: node 2");
		}
		history(HIST_MAINTENANCE, 2, 0, false, "maintenance off: web");
		derive();
		assert_int_equal(n_got, local == 2);
		if (local == 2) {
			assert_int_equal(got[0].kind, NE_MAINTENANCE);
			assert_string_equal(got[0].resource, "web");
			assert_string_equal(got[0].node, "node2");
			assert_string_equal(got[0].reason, "maintenance off: web");
		}
	}
	rsm_free(&m);
	config_free(&dcfg);
	notify_table_free(&t);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_of_a_migration),
		cmocka_unit_test(env_without_times_and_hostile_text),
		cmocka_unit_test(every_kind_has_a_name),
		cmocka_unit_test(path_checks),
		cmocka_unit_test(config_key),
		cmocka_unit_test(queue_is_a_bounded_ring),
		cmocka_unit_test(runs_are_bounded),
		cmocka_unit_test(a_hanging_run_is_killed_and_urgent_skips_the_line),
		cmocka_unit_test(start_and_stop_run_on_the_owner),
		cmocka_unit_test(failed_runs_on_the_owner_or_the_lowest_member),
		cmocka_unit_test(migrated_and_failover_run_on_the_new_owner),
		cmocka_unit_test(restart_and_relocated_run_on_the_failed_owner),
		cmocka_unit_test(node_events),
	};

	config_defaults(&dcfg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
