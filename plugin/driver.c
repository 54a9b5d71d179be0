#include "driver.h"

#include <errno.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drbd_parse.h"
#include "op_runner.h"

/*
 * A start, stop or probe is a sequence of steps, each one child process.
 * A start that fails part-way runs the undo steps of what it had done, in
 * reverse, before it reports the first error.
 */
enum step {
	ST_CHECK_DISK,     /* drbd: refuse to promote a disk that is not UpToDate */
	ST_PROMOTE,
	ST_MOUNT,
	ST_WL_START,
	ST_WL_STOP,
	ST_UMOUNT,
	ST_DEMOTE,
	ST_PROBE_ROLE,
	ST_PROBE_DISK,
	ST_PROBE_CSTATE,
	ST_PROBE_MONITOR,
	ST_WL_DUMP,        /* agent dump DIR */
	ST_WL_RESTORE,     /* agent restore DIR */
	ST_READY_DISK,     /* drbd: UpToDate and connected */
	ST_READY_AGENT,    /* the agent answers `meta` (criu's also passes `criu check`) */
	ST_END,
};

static const enum step start_steps[] = { ST_CHECK_DISK, ST_PROMOTE, ST_MOUNT, ST_WL_START, ST_END };
static const enum step stop_steps[] = { ST_WL_STOP, ST_UMOUNT, ST_DEMOTE, ST_END };
static const enum step probe_steps[] = { ST_PROBE_ROLE, ST_PROBE_DISK, ST_PROBE_CSTATE,
					 ST_PROBE_MONITOR, ST_END };
static const enum step dump_steps[] = { ST_WL_DUMP, ST_END };
static const enum step restore_steps[] = { ST_WL_RESTORE, ST_END };
static const enum step ready_steps[] = { ST_READY_DISK, ST_READY_AGENT, ST_END };

struct seq {
	struct driver_env env;
	const struct resource_conf *r;
	const enum step *steps;
	size_t at;
	bool undoing;            /* running the undo steps of a failed start */
	enum step undo[4];
	size_t n_undo;
	char error[WIRE_STR_MAX + 1];
	driver_done_fn done;
	driver_facts_fn facts_done;
	void *ctx;
	struct wire_fact fact;
	char dir[RES_PATH_MAX * 2 + 2];   /* dump and restore: the dump directory */
};

static size_t busy;

size_t driver_busy(void)
{
	return busy;
}

static const char *step_name(enum step s)
{
	static const char *const names[] = {
		[ST_CHECK_DISK] = "check disk", [ST_PROMOTE] = "promote", [ST_MOUNT] = "mount",
		[ST_WL_START] = "start", [ST_WL_STOP] = "stop", [ST_UMOUNT] = "umount",
		[ST_DEMOTE] = "demote", [ST_PROBE_ROLE] = "probe role",
		[ST_PROBE_DISK] = "probe disk", [ST_PROBE_CSTATE] = "probe connection",
		[ST_PROBE_MONITOR] = "monitor", [ST_WL_DUMP] = "dump", [ST_WL_RESTORE] = "restore",
		[ST_READY_DISK] = "readiness", [ST_READY_AGENT] = "readiness", [ST_END] = "end",
	};
	return names[s];
}

static enum res_op step_op(enum step s)
{
	switch (s) {
	case ST_CHECK_DISK: case ST_PROBE_ROLE: case ST_PROBE_DISK: case ST_PROBE_CSTATE:
		return OP_PROBE;
	case ST_PROMOTE: return OP_PROMOTE;
	case ST_MOUNT: return OP_MOUNT;
	case ST_WL_START: return OP_START;
	case ST_WL_STOP: return OP_STOP;
	case ST_WL_DUMP: return OP_DUMP;
	case ST_WL_RESTORE: return OP_RESTORE;
	case ST_READY_DISK: case ST_READY_AGENT: return OP_PROBE;
	case ST_UMOUNT: return OP_UMOUNT;
	case ST_DEMOTE: return OP_DEMOTE;
	case ST_PROBE_MONITOR: default: return OP_MONITOR;
	}
}

/* Is PATH a mount point in our mount namespace?  Read directly: cheap. */
static bool is_mounted(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[4096];
		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && !strcmp(mnt, path))
			found = true;
	}
	fclose(f);
	return found;
}

/* Steps that need nothing done, or do not apply to this resource. */
static bool skip(const struct seq *q, enum step s)
{
	bool drbd = q->r->storage == STORAGE_DRBD;

	switch (s) {
	case ST_CHECK_DISK: case ST_PROMOTE: case ST_DEMOTE: case ST_PROBE_DISK:
	case ST_READY_DISK:
		return !drbd;
	case ST_PROBE_ROLE: case ST_PROBE_CSTATE:
		return !drbd;
	case ST_MOUNT:
		return is_mounted(q->r->mount_point);
	case ST_UMOUNT:
		return !is_mounted(q->r->mount_point);
	case ST_PROBE_MONITOR:
		/* the workload's files live on that filesystem: no mount, no workload */
		return !q->fact.mounted;
	default:
		return false;
	}
}

#define MAX_ARGS 24
#define MAX_ENV (RES_MAX_OPTS + 6)

struct argv_buf {
	const char *argv[MAX_ARGS];
	const char *env[MAX_ENV];
	char env_store[MAX_ENV][400];
	char command_env[1100];
};

#ifndef HANDOFF_CRIU_AGENT
#define HANDOFF_CRIU_AGENT "/usr/libexec/handoff/handoff-criu-agent"
#endif

/* criu workloads run through the criu agent that ships with handoff,
 * unless the resource names another one. */
static const char *agent_of(const struct resource_conf *r)
{
	if (r->workload == WORKLOAD_CRIU && r->agent[0] == '\0')
		return HANDOFF_CRIU_AGENT;
	return r->agent;
}

static void build_env(const struct seq *q, struct argv_buf *b)
{
	size_t n = 0;

	snprintf(b->env_store[n], sizeof(b->env_store[0]), "HANDOFF_RESOURCE=%s", q->r->name);
	b->env[n] = b->env_store[n]; n++;
	snprintf(b->env_store[n], sizeof(b->env_store[0]), "HANDOFF_MOUNT=%s", q->r->mount_point);
	b->env[n] = b->env_store[n]; n++;
	snprintf(b->env_store[n], sizeof(b->env_store[0]), "LC_ALL=C");
	b->env[n] = b->env_store[n]; n++;
	snprintf(b->env_store[n], sizeof(b->env_store[0]), "HANDOFF_DUMP_DIR=%s", q->r->dump_dir);
	b->env[n] = b->env_store[n]; n++;
	if (q->r->command[0]) {
		/* the command may be long: it gets a slot of its own */
		snprintf(b->command_env, sizeof(b->command_env), "HANDOFF_COMMAND=%s", q->r->command);
		b->env[n++] = b->command_env;
	}
	for (size_t i = 0; i < q->r->n_opts && n < MAX_ENV - 1; i++) {
		snprintf(b->env_store[n], sizeof(b->env_store[0]), "HANDOFF_OPT_%s=%s",
			 q->r->opts[i].key, q->r->opts[i].value);
		b->env[n] = b->env_store[n];
		n++;
	}
	b->env[n] = NULL;
}

static void build_argv(const struct seq *q, enum step s, struct argv_buf *b)
{
	const struct resource_conf *r = q->r;
	const char *drbdadm = q->env.cfg->drbdadm;
	size_t n = 0;

	switch (s) {
	case ST_CHECK_DISK:
	case ST_PROBE_DISK:
		b->argv[n++] = drbdadm; b->argv[n++] = "dstate"; b->argv[n++] = r->drbd_resource;
		break;
	case ST_PROBE_ROLE:
		b->argv[n++] = drbdadm; b->argv[n++] = "role"; b->argv[n++] = r->drbd_resource;
		break;
	case ST_PROBE_CSTATE:
		b->argv[n++] = drbdadm; b->argv[n++] = "cstate"; b->argv[n++] = r->drbd_resource;
		break;
	case ST_PROMOTE:
		b->argv[n++] = drbdadm; b->argv[n++] = "primary"; b->argv[n++] = r->drbd_resource;
		break;
	case ST_DEMOTE:
		b->argv[n++] = drbdadm; b->argv[n++] = "secondary"; b->argv[n++] = r->drbd_resource;
		break;
	case ST_MOUNT:
		b->argv[n++] = "/bin/mount"; b->argv[n++] = "-t"; b->argv[n++] = r->fstype;
		if (r->mount_options[0]) {
			b->argv[n++] = "-o";
			b->argv[n++] = r->mount_options;
		}
		b->argv[n++] = r->device; b->argv[n++] = r->mount_point;
		break;
	case ST_UMOUNT:
		b->argv[n++] = "/bin/umount"; b->argv[n++] = r->mount_point;
		break;
	case ST_WL_START:
		b->argv[n++] = agent_of(r); b->argv[n++] = "start";
		break;
	case ST_WL_STOP:
		b->argv[n++] = agent_of(r); b->argv[n++] = "stop";
		break;
	case ST_PROBE_MONITOR:
		b->argv[n++] = agent_of(r); b->argv[n++] = "monitor";
		break;
	case ST_WL_DUMP:
		b->argv[n++] = agent_of(r); b->argv[n++] = "dump"; b->argv[n++] = q->dir;
		break;
	case ST_WL_RESTORE:
		b->argv[n++] = agent_of(r); b->argv[n++] = "restore"; b->argv[n++] = q->dir;
		break;
	case ST_READY_DISK:
		b->argv[n++] = drbdadm; b->argv[n++] = "dstate"; b->argv[n++] = r->drbd_resource;
		break;
	case ST_READY_AGENT:
		b->argv[n++] = agent_of(r);
		b->argv[n++] = r->workload == WORKLOAD_CRIU ? "check" : "meta";
		break;
	default:
		break;
	}
	b->argv[n] = NULL;
	build_env(q, b);
}

static bool is_drbd_step(enum step s)
{
	return s == ST_CHECK_DISK || s == ST_PROMOTE || s == ST_DEMOTE ||
	       s == ST_PROBE_ROLE || s == ST_PROBE_DISK || s == ST_PROBE_CSTATE;
}

static void next_step(struct seq *q);

static void finish(struct seq *q)
{
	busy--;
	if (q->facts_done)
		q->facts_done(q->ctx, q->r, &q->fact);
	else
		q->done(q->ctx, q->r, q->error[0] == '\0', q->error);
	free(q);
}

static void fail(struct seq *q, enum step s, const char *why)
{
	if (q->error[0] == '\0')
		snprintf(q->error, sizeof(q->error), "%s: %s", step_name(s), why);
	qb_log(LOG_ERR, "%s: %s failed: %s", q->r->name, step_name(s), why);
	if (q->steps == start_steps && !q->undoing) {
		q->undoing = true;   /* leave nothing half-started */
		q->at = 0;
		next_step(q);
		return;
	}
	if (q->undoing) {
		/* an undo step that fails leaves the resource held: keep going,
		 * the error already says what broke first */
		next_step(q);
		return;
	}
	finish(q);
}

static void step_done(void *ctx, const struct op_result *res)
{
	struct seq *q = ctx;
	enum step s = q->undoing ? q->undo[q->at - 1] : q->steps[q->at - 1];
	char why[WIRE_STR_MAX + 1];
	bool ok = res->exit_status == 0;

	qb_log(LOG_DEBUG, "%s: %s took %llu ms (exit %d)", q->r->name, step_name(s),
	       (unsigned long long)res->elapsed_ms, res->exit_status);
	switch (s) {
	case ST_READY_DISK:
	case ST_CHECK_DISK: {
		struct drbd_dstate ds;
		char perr[128];
		if (!ok)
			break;
		if (drbd_parse_dstate(res->out, res->out_len, &ds, perr, sizeof(perr)) < 0) {
			snprintf(why, sizeof(why), "cannot read the disk state (%s): "
				 "refusing to promote", perr);
			fail(q, s, why);
			return;
		}
		if (ds.local != DRBD_DISK_UPTODATE) {
			snprintf(why, sizeof(why), s == ST_READY_DISK ? "disk is %s, not UpToDate" :
				 "disk is %s, not UpToDate: refusing to promote",
				 drbd_disk_name(ds.local));
			fail(q, s, why);
			return;
		}
		break;
	}
	case ST_PROBE_ROLE: {
		struct drbd_roles roles;
		char perr[128];
		q->fact.role = ROLE_UNKNOWN;
		if (ok && drbd_parse_role(res->out, res->out_len, &roles, perr, sizeof(perr)) == 0)
			q->fact.role = roles.local == DRBD_ROLE_PRIMARY ? ROLE_PRIMARY :
				       roles.local == DRBD_ROLE_SECONDARY ? ROLE_SECONDARY :
				       ROLE_UNKNOWN;
		next_step(q);
		return;
	}
	case ST_PROBE_DISK: {
		struct drbd_dstate ds;
		char perr[128];
		q->fact.disk = ok && drbd_parse_dstate(res->out, res->out_len, &ds, perr,
						       sizeof(perr)) == 0 ? (uint8_t)ds.local : 0;
		next_step(q);
		return;
	}
	case ST_PROBE_CSTATE: {
		struct drbd_cstate cs;
		char perr[128];
		q->fact.connection = CONN_UNKNOWN;
		if (ok && drbd_parse_cstate(res->out, res->out_len, &cs, perr, sizeof(perr)) == 0)
			q->fact.connection = cs.connected ? CONN_CONNECTED : CONN_DISCONNECTED;
		next_step(q);
		return;
	}
	case ST_PROBE_MONITOR:
		q->fact.running = res->exit_status == 0;
		next_step(q);
		return;
	default:
		break;
	}
	if (!ok) {
		/* DRBD's own words ("State change failed: (-1) Multiple
		 * primaries not allowed by config") rather than our summary */
		if (is_drbd_step(s) && res->exit_status > 0 &&
		    drbd_describe_failure(res->exit_status, res->err, res->err_len, why,
					  sizeof(why)) > 0) {
			fail(q, s, why);
			return;
		}
		op_result_describe(res, why, sizeof(why));
		fail(q, s, why);
		return;
	}
	if (s == ST_PROMOTE || s == ST_MOUNT || s == ST_WL_START) {
		/* remember how to undo it, newest first */
		static const enum step undo_of[] = {
			[ST_PROMOTE] = ST_DEMOTE, [ST_MOUNT] = ST_UMOUNT, [ST_WL_START] = ST_WL_STOP,
		};
		memmove(q->undo + 1, q->undo, q->n_undo * sizeof(q->undo[0]));
		q->undo[0] = undo_of[s];
		q->n_undo++;
	}
	next_step(q);
}

static void next_step(struct seq *q)
{
	for (;;) {
		enum step s;
		struct argv_buf b;
		int rc;

		if (q->undoing) {
			if (q->at >= q->n_undo) {
				finish(q);
				return;
			}
			s = q->undo[q->at++];
		} else {
			s = q->steps[q->at++];
			if (s == ST_END) {
				finish(q);
				return;
			}
		}
		if (s == ST_MOUNT && !skip(q, s)) {
			if (mkdir(q->r->mount_point, 0755) < 0 && errno != EEXIST) {
				fail(q, s, strerror(errno));
				return;
			}
		}
		if (skip(q, s)) {
			if (s == ST_PROBE_MONITOR)
				q->fact.running = 0;
			continue;
		}
		build_argv(q, s, &b);
		rc = op_start(q->env.loop, b.argv, b.env, q->r->timeout_ms[step_op(s)],
			      step_done, q, NULL);
		if (rc < 0) {
			fail(q, s, strerror(-rc));
			return;
		}
		return;
	}
}

static int run(const struct driver_env *env, const struct resource_conf *r,
	       const enum step *steps, driver_done_fn done, driver_facts_fn facts, void *ctx)
{
	struct seq *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->env = *env;
	q->r = r;
	q->steps = steps;
	q->done = done;
	q->facts_done = facts;
	q->ctx = ctx;
	snprintf(q->fact.name, sizeof(q->fact.name), "%s", r->name);
	if (facts)
		q->fact.mounted = is_mounted(r->mount_point);
	busy++;
	next_step(q);
	return 0;
}

/* The dump directory of R: DUMP_DIR/NAME inside the mount point. */
static int set_dir(struct seq *q, const char *name)
{
	int n = snprintf(q->dir, sizeof(q->dir), "%s/%s/%s", q->r->mount_point, q->r->dump_dir,
			 name);
	return n > 0 && (size_t)n < sizeof(q->dir) ? 0 : -ENAMETOOLONG;
}

static int run_in_dir(const struct driver_env *env, const struct resource_conf *r,
		      const enum step *steps, const char *name, driver_done_fn done, void *ctx)
{
	struct seq *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->env = *env;
	q->r = r;
	if (set_dir(q, name) < 0) {
		free(q);
		return -ENAMETOOLONG;
	}
	q->steps = steps;
	q->done = done;
	q->ctx = ctx;
	busy++;
	next_step(q);
	return 0;
}

int driver_dump(const struct driver_env *env, const struct resource_conf *r,
		const char *name, driver_done_fn done, void *ctx)
{
	return run_in_dir(env, r, dump_steps, name, done, ctx);
}

int driver_restore(const struct driver_env *env, const struct resource_conf *r,
		   const char *name, driver_done_fn done, void *ctx)
{
	return run_in_dir(env, r, restore_steps, name, done, ctx);
}

int driver_ready(const struct driver_env *env, const struct resource_conf *r,
		 driver_done_fn done, void *ctx)
{
	return run(env, r, ready_steps, done, NULL, ctx);
}

int driver_start(const struct driver_env *env, const struct resource_conf *r,
		 driver_done_fn done, void *ctx)
{
	return run(env, r, start_steps, done, NULL, ctx);
}

int driver_stop(const struct driver_env *env, const struct resource_conf *r,
		driver_done_fn done, void *ctx)
{
	return run(env, r, stop_steps, done, NULL, ctx);
}

int driver_probe(const struct driver_env *env, const struct resource_conf *r,
		 driver_facts_fn done, void *ctx)
{
	return run(env, r, probe_steps, NULL, done, ctx);
}
