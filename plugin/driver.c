#include "driver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <qb/qblog.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_pid.h"
#include "drbd_parse.h"
#include "dump_files.h"
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
	ST_DUMP_PREPARE,   /* an empty dump directory: the last dump is obsolete */
	ST_SYNC,           /* syncfs of the mount: the dump is on disk, on both nodes */
	ST_MARK_COMPLETE,  /* "complete" marker, fsynced: this epoch's dump may be restored */
	ST_CHECK_DUMP,     /* the dump is complete, of this epoch, and not consumed */
	ST_MARK_CONSUMED,  /* "consumed" marker, fsynced, before the restore begins */
	ST_UNMARK_CONSUMED, /* undo: nothing ran from the dump, the marker goes */
	ST_DUMP_REMOVE,    /* a cold start: the dump it does not use goes (S3) */
	ST_END,
};

static const enum step start_steps[] = { ST_CHECK_DISK, ST_PROMOTE, ST_MOUNT, ST_DUMP_REMOVE,
					 ST_WL_START, ST_END };
static const enum step stop_steps[] = { ST_WL_STOP, ST_UMOUNT, ST_DEMOTE, ST_END };
static const enum step probe_steps[] = { ST_PROBE_ROLE, ST_PROBE_DISK, ST_PROBE_CSTATE,
					 ST_PROBE_MONITOR, ST_END };
static const enum step dump_steps[] = { ST_WL_DUMP, ST_END };
static const enum step restore_steps[] = { ST_WL_RESTORE, ST_END };
static const enum step ready_steps[] = { ST_READY_DISK, ST_READY_AGENT, ST_END };
/* The halves of a live migration (doc/protocol.md).  A failure undoes the
 * steps done so far, newest first, with their inverses (undo_of()): the
 * source mounts again, marks the dump consumed and restores it locally; the
 * target unmounts and demotes, so that the source can take the dump back. */
static const enum step release_steps[] = { ST_DUMP_PREPARE, ST_WL_DUMP, ST_SYNC,
					   ST_MARK_COMPLETE, ST_UMOUNT, ST_DEMOTE, ST_END };
static const enum step acquire_steps[] = { ST_CHECK_DISK, ST_PROMOTE, ST_MOUNT, ST_CHECK_DUMP,
					   ST_MARK_CONSUMED, ST_WL_RESTORE, ST_END };
/* Failover: like acquire, but a dump that may not be restored means a
 * cold start instead (cold_tail), not a failure. */
static const enum step failover_steps[] = { ST_CHECK_DISK, ST_PROMOTE, ST_MOUNT, ST_CHECK_DUMP,
					    ST_MARK_CONSUMED, ST_WL_RESTORE, ST_END };
static const enum step cold_tail[] = { ST_DUMP_REMOVE, ST_WL_START, ST_END };

struct seq {
	struct seq *prev, *next;  /* the live sequences (driver_cancel_all) */
	uint64_t serial;          /* creation order: a cancel spares later ones */
	struct op_job *job;       /* the step's process while it runs, else NULL */
	bool retry_armed;         /* a retry timer (schedule_retry) is pending */
	bool kill_holders;        /* self-fence stop: SIGKILL what keeps the umount busy */
	uint64_t umount_until_ms; /* kill_holders: umount attempts end by then */
	struct driver_env env;
	const struct resource_conf *r;
	const enum step *steps;
	size_t at;
	bool undoing;            /* running the undo steps of a failed start */
	uint64_t losses_at_start; /* *env.quorum_losses when it began */
	uint64_t promote_until_ms; /* failover: keep trying the promote until then */
	uint64_t disk_until_ms;  /* acquire, failover: wait for a resync until then */
	qb_loop_timer_handle retry;
	bool undo_failed;        /* an undo step failed too: something is still held */
	enum step undo[6];
	size_t n_undo;
	uint64_t epoch;          /* release, acquire: the migration's epoch */
	uint8_t id[WIRE_ID_LEN]; /* ... and its id */
	uint32_t nodeid;         /* this node, written into the markers */
	uint64_t ms[ST_END];     /* how long each step took */
	bool cold;               /* failover: no dump to restore, started cold */
	char why_cold[160];
	driver_migrate_fn migrate_done;
	char error[WIRE_STR_MAX + 1];
	driver_done_fn done;
	driver_facts_fn facts_done;
	driver_check_fn check_done;  /* driver_check: the facts and the pid */
	int pid;                 /* ... the pid the monitor reported, or 0 */
	void *ctx;
	struct wire_fact fact;
	char dir[RES_PATH_MAX * 2 + 2];   /* dump and restore: the dump directory */
};

static size_t busy;
static struct seq *live;      /* every sequence between its start and finish() */
static uint64_t next_serial;

size_t driver_busy(void)
{
	return busy;
}

static void link_seq(struct seq *q)
{
	busy++;
	q->serial = next_serial++;
	q->next = live;
	if (live)
		live->prev = q;
	live = q;
}

static void unlink_seq(struct seq *q)
{
	busy--;
	if (q->prev)
		q->prev->next = q->next;
	else
		live = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

static const char *step_name(enum step s)
{
	static const char *const names[] = {
		[ST_CHECK_DISK] = "check disk", [ST_PROMOTE] = "promote", [ST_MOUNT] = "mount",
		[ST_WL_START] = "start", [ST_WL_STOP] = "stop", [ST_UMOUNT] = "umount",
		[ST_DEMOTE] = "demote", [ST_PROBE_ROLE] = "probe role",
		[ST_PROBE_DISK] = "probe disk", [ST_PROBE_CSTATE] = "probe connection",
		[ST_PROBE_MONITOR] = "monitor", [ST_WL_DUMP] = "dump", [ST_WL_RESTORE] = "restore",
		[ST_READY_DISK] = "readiness", [ST_READY_AGENT] = "readiness",
		[ST_DUMP_PREPARE] = "dump directory", [ST_SYNC] = "sync",
		[ST_MARK_COMPLETE] = "complete marker", [ST_CHECK_DUMP] = "dump check",
		[ST_MARK_CONSUMED] = "consumed marker",
		[ST_UNMARK_CONSUMED] = "consumed marker removal",
		[ST_DUMP_REMOVE] = "dump removal", [ST_END] = "end",
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
	case ST_WL_DUMP: case ST_DUMP_PREPARE: case ST_SYNC: case ST_MARK_COMPLETE:
		return OP_DUMP;
	case ST_WL_RESTORE: case ST_CHECK_DUMP: case ST_MARK_CONSUMED: case ST_UNMARK_CONSUMED:
		return OP_RESTORE;
	case ST_DUMP_REMOVE: return OP_START;
	case ST_READY_DISK: case ST_READY_AGENT: return OP_PROBE;
	case ST_UMOUNT: return OP_UMOUNT;
	case ST_DEMOTE: return OP_DEMOTE;
	case ST_PROBE_MONITOR: default: return OP_MONITOR;
	}
}

/* Is PATH a mount point in our mount namespace?  Read directly: cheap. */
static bool is_mounted_scan(const char *path)
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

/*
 * A STATE probes every resource, and reading mountinfo for each costs a
 * read of every mount there is: with a thousand resources that is most of
 * a sync's time.  statx says whether PATH is the root of a mount (bind
 * mounts included) without touching the filesystem's data; mountinfo
 * stays for kernels without STATX_ATTR_MOUNT_ROOT.
 */
static bool is_mounted(const char *path)
{
	struct statx st;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC,
		  STATX_TYPE, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? false : is_mounted_scan(path);
	if (!(st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return is_mounted_scan(path);
	return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

/* Does LINK (a /proc symlink target) lie on the filesystem mounted at MNT? */
static bool under(const char *link, const char *mnt)
{
	size_t n = strlen(mnt);
	return !strncmp(link, mnt, n) && (link[n] == '/' || link[n] == '\0');
}

/* Is process PID (a /proc entry) in our own mount namespace? */
static bool same_mount_ns(const char *pid, const char *ours)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%.20s/ns/mnt", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, ours);
}

/*
 * The processes that keep MNT busy (cwd, root, an open file or a mapping
 * under it), as "pid 123 (sleep), pid 456 (sh)" into BUF; how many.
 * KILL: only those in this process's mount namespace (another namespace's
 * MNT is another filesystem, or a container's view we do not own), each
 * sent SIGKILL; never this process.
 */
static int mount_holders(const char *mnt, char *buf, size_t len, bool kill_them)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int found = 0;
	size_t used = 0;
	char our_ns[64] = "";
	ssize_t ns_len = readlink("/proc/self/ns/mnt", our_ns, sizeof(our_ns) - 1);

	buf[0] = '\0';
	if (!proc)
		return 0;
	if (kill_them && ns_len <= 0) {
		closedir(proc);
		return 0;        /* cannot tell ours from others': kill nobody */
	}
	if (ns_len > 0)
		our_ns[ns_len] = '\0';
	while ((de = readdir(proc))) {
		char path[300], link[4096], comm[64] = "?";
		bool holds = false;
		ssize_t n;
		DIR *fds;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		for (const char *const *w = (const char *const[]){ "cwd", "root", "exe", NULL };
		     *w && !holds; w++) {
			snprintf(path, sizeof(path), "/proc/%s/%s", de->d_name, *w);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				holds = under(link, mnt) && strcmp(mnt, "/");
			}
		}
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fds = holds ? NULL : opendir(path);
		for (struct dirent *fe; fds && !holds && (fe = readdir(fds));) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%.20s", de->d_name, fe->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				holds = under(link, mnt);
			}
		}
		if (fds)
			closedir(fds);
		if (!holds)
			continue;
		if (kill_them) {
			long pid = strtol(de->d_name, NULL, 10);
			if (pid <= 1 || pid == (long)getpid() || !same_mount_ns(de->d_name, our_ns))
				continue;
			if (kill((pid_t)pid, SIGKILL) < 0)
				continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if ((f = fopen(path, "r"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		if (used < len) {
			int w = snprintf(buf + used, len - used, "%spid %s (%s)", found ? ", " : "",
					 de->d_name, comm);
			used += w > 0 ? (size_t)w : 0;
		}
		found++;
	}
	closedir(proc);
	if (used >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
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

#ifndef HANDOFF_AGENT_DIR
#define HANDOFF_AGENT_DIR "/usr/libexec/handoff"
#endif

/* criu, openvz, lxc and libvirt workloads run through the agent of that
 * name that ships with handoff, unless the resource names another one. */
static const char *agent_of(const struct resource_conf *r)
{
	static const char *const shipped[WORKLOAD__MAX] = {
		[WORKLOAD_CRIU] = HANDOFF_AGENT_DIR "/handoff-criu-agent",
		[WORKLOAD_OPENVZ] = HANDOFF_AGENT_DIR "/handoff-openvz-agent",
		[WORKLOAD_LXC] = HANDOFF_AGENT_DIR "/handoff-lxc-agent",
		[WORKLOAD_LIBVIRT] = HANDOFF_AGENT_DIR "/handoff-libvirt-agent",
	};
	if (r->agent[0] == '\0' && shipped[r->workload])
		return shipped[r->workload];
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

/*
 * The dump directory and its markers are handoffd's own work, not an
 * agent's: dump_files.c does it fd by fd, never following a link the
 * workload planted on its filesystem, in a child process (op_start_fn) so
 * that a slow or hung DRBD never blocks the main loop.  The markers are
 * "epoch E id HEX node N", written atomically and fsynced with their
 * directory: DRBD protocol C has them on the peer's disk when the step
 * returns.  The id is the migration's random one (wire.h, PREPARED):
 * epochs may repeat after every node lost its state, ids do not (S3).
 *
 * Only the dump the table names may be restored: its complete marker must
 * carry both (S3; a marker without an id was written by an older handoff
 * and names no migration).  Any consumed marker refuses it: an acquire
 * that failed after writing its marker removed it again
 * (ST_UNMARK_CONSUMED), so a marker that is still there means the dump was
 * restored, or may have been (the node died mid-restore): never again.
 *
 * A cold start owns a filesystem whose data moves on from there: a dump
 * left in it (complete or not) may never be restored later (S3), so it
 * goes.  As a step, it ends before the next one: nothing still removes
 * files on the filesystem when an umount comes.
 */
static bool is_file_step(enum step s)
{
	return s == ST_DUMP_PREPARE || s == ST_MARK_COMPLETE || s == ST_MARK_CONSUMED ||
	       s == ST_CHECK_DUMP || s == ST_UNMARK_CONSUMED || s == ST_DUMP_REMOVE;
}

struct file_step {
	enum step s;
	const struct seq *q;
};

/* In the child: step FS's work; its error, one line, on stderr. */
static int run_file_step(void *arg)
{
	const struct file_step *fs = arg;
	const struct seq *q = fs->q;
	/* an agent runs next with the dump directory's path (prepare: the
	 * workload runs on until the agent's dump), or with its own files
	 * under dump_dir (a cold start): see dump_place */
	const struct dump_place p = {
		.mount_point = q->r->mount_point, .dump_dir = q->r->dump_dir,
		.name = DRIVER_DUMP_NAME,
		.strict_root = fs->s == ST_DUMP_PREPARE || fs->s == ST_CHECK_DUMP ||
			       fs->s == ST_DUMP_REMOVE,
	};
	char why[WIRE_STR_MAX + 1], id[2 * WIRE_ID_LEN + 1];
	int rc = -1;

	wire_id_hex(q->id, id);
	switch (fs->s) {
	case ST_DUMP_PREPARE:
		rc = dump_prepare(&p, why, sizeof(why));
		break;
	case ST_MARK_COMPLETE: case ST_MARK_CONSUMED:
		rc = dump_mark(&p, fs->s == ST_MARK_COMPLETE ? "complete" : "consumed", q->epoch,
			       id, q->nodeid, why, sizeof(why));
		break;
	case ST_CHECK_DUMP:
		rc = dump_check(&p, q->epoch, id, why, sizeof(why));
		break;
	case ST_UNMARK_CONSUMED:
		rc = dump_unmark(&p, "consumed", why, sizeof(why));
		break;
	case ST_DUMP_REMOVE:
		rc = dump_remove(&p, why, sizeof(why));
		break;
	default:
		snprintf(why, sizeof(why), "not a file step");
		break;
	}
	if (rc < 0)
		dprintf(2, "%s\n", why);
	return rc < 0 ? 1 : 0;
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
	case ST_SYNC:
		b->argv[n++] = "/bin/sync"; b->argv[n++] = "-f"; b->argv[n++] = r->mount_point;
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

/* The step that takes back what S did, or ST_END. */
static enum step undo_of(enum step s)
{
	switch (s) {
	case ST_PROMOTE: return ST_DEMOTE;
	case ST_MOUNT: return ST_UMOUNT;
	case ST_WL_START: return ST_WL_STOP;
	/* a dumped workload runs again from its dump, which is then spent */
	case ST_WL_DUMP: return ST_WL_RESTORE;
	case ST_MARK_COMPLETE: return ST_MARK_CONSUMED;
	case ST_MARK_CONSUMED: return ST_UNMARK_CONSUMED;
	case ST_UMOUNT: return ST_MOUNT;
	default: return ST_END;
	}
}

static void finish(struct seq *q)
{
	unlink_seq(q);
	if (q->check_done)
		q->check_done(q->ctx, q->r, &q->fact, q->pid);
	else if (q->facts_done)
		q->facts_done(q->ctx, q->r, &q->fact);
	else if (q->migrate_done) {
		struct driver_times t = {
			.dump_ms = q->ms[ST_DUMP_PREPARE] + q->ms[ST_WL_DUMP],
			.sync_ms = q->ms[ST_SYNC] + q->ms[ST_MARK_COMPLETE],
			.umount_ms = q->ms[ST_UMOUNT], .demote_ms = q->ms[ST_DEMOTE],
			.promote_ms = q->ms[ST_CHECK_DISK] + q->ms[ST_PROMOTE],
			.mount_ms = q->ms[ST_MOUNT],
			.restore_ms = q->ms[ST_CHECK_DUMP] + q->ms[ST_MARK_CONSUMED] +
				      q->ms[ST_WL_RESTORE] + q->ms[ST_WL_START],
			.cold_start = q->cold,
		};
		snprintf(t.why_cold, sizeof(t.why_cold), "%s", q->why_cold);
		q->migrate_done(q->ctx, q->r, q->error[0] == '\0', !q->undo_failed, q->error, &t);
	} else
		q->done(q->ctx, q->r, q->error[0] == '\0', q->error);
	free(q);
}

static void fail(struct seq *q, enum step s, const char *why)
{
	if (q->error[0] == '\0')
		snprintf(q->error, sizeof(q->error), "%s: %s", step_name(s), why);
	qb_log(LOG_ERR, "%s: %s failed: %s", q->r->name, step_name(s), why);
	if ((q->steps == start_steps || q->steps == release_steps || q->steps == acquire_steps ||
	     q->steps == failover_steps || q->steps == cold_tail) && !q->undoing) {
		q->undoing = true;   /* leave nothing half-started */
		q->at = 0;
		next_step(q);
		return;
	}
	if (q->undoing) {
		/* an undo step that fails leaves the resource held: keep going,
		 * the error already says what broke first */
		q->undo_failed = true;
		next_step(q);
		return;
	}
	finish(q);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void retry_step(void *data)
{
	struct seq *q = data;

	q->retry_armed = false;
	next_step(q);
}

/*
 * Run the step that just ended again in STEP_RETRY_MS, as long as that is
 * before *UNTIL_MS (now + LIMIT_MS, set at the first retry).  True when a
 * retry is scheduled.
 */
#define STEP_RETRY_MS 500
static bool schedule_retry(struct seq *q, uint64_t *until_ms, uint64_t limit_ms)
{
	uint64_t now = mono_ms();

	if (!*until_ms)
		*until_ms = now + limit_ms;
	if (now + STEP_RETRY_MS > *until_ms)
		return false;
	if (qb_loop_timer_add(q->env.loop, QB_LOOP_MED, STEP_RETRY_MS * 1000000ULL, q,
			      retry_step, &q->retry) < 0)
		return false;
	q->retry_armed = true;
	q->at--;     /* next_step runs it again */
	return true;
}

/*
 * A failover's promote that DRBD refused because a connected peer is still
 * Primary: that peer is letting go (a self-fence, or a release after the
 * heal), so try again every 0.5 s for up to self_fence_timeout instead of
 * failing the failover at once (doc/protocol.md, rule 12).  True when a
 * retry is scheduled.
 */
static bool retry_promote(struct seq *q, const struct op_result *res)
{
	static const char peer_primary[] = "Multiple primaries";

	if (q->steps != failover_steps || q->undoing || !res->err ||
	    !memmem(res->err, res->err_len, peer_primary, sizeof(peer_primary) - 1))
		return false;
	if (!schedule_retry(q, &q->promote_until_ms,
			    q->env.cfg ? q->env.cfg->self_fence_timeout_ms : 0))
		return false;
	qb_log(LOG_NOTICE, "%s: promote refused, a connected peer is still Primary: "
	       "trying again in %u ms", q->r->name, STEP_RETRY_MS);
	return true;
}

/*
 * The disk check of an acquire (a take-back included) or a failover found
 * the disk Inconsistent or Outdated while a connected peer's is UpToDate:
 * DRBD is bringing it up to date from that peer, so check again every
 * 0.5 s while that lasts, up to the resource's promote timeout, instead of
 * failing at once (doc/protocol.md, rule 12).  True when a retry is
 * scheduled.
 */
static bool retry_check_disk(struct seq *q, const struct drbd_dstate *ds)
{
	if ((q->steps != acquire_steps && q->steps != failover_steps) || q->undoing ||
	    ds->peer != DRBD_DISK_UPTODATE ||
	    (ds->local != DRBD_DISK_INCONSISTENT && ds->local != DRBD_DISK_OUTDATED))
		return false;
	if (!q->disk_until_ms)
		qb_log(LOG_NOTICE, "%s: disk is %s, the connected peer's UpToDate: waiting up to "
		       "%u ms (timeout_promote) for the resync", q->r->name,
		       drbd_disk_name(ds->local), q->r->timeout_ms[OP_PROMOTE]);
	return schedule_retry(q, &q->disk_until_ms, q->r->timeout_ms[OP_PROMOTE]);
}

/*
 * A self-fence's umount that failed: SIGKILL whatever in this mount
 * namespace still holds the filesystem (a workload the agent started in
 * its own session, a shell), then umount again in STEP_RETRY_MS, all
 * within the one timeout_umount (so the stop path's timeouts stay
 * timeout_stop + timeout_umount + timeout_demote, S1).  A lazy umount is
 * no way out: DRBD refuses to demote a device that is still open.  True
 * when a retry is scheduled.
 */
static bool kill_holders_and_retry(struct seq *q)
{
	char killed[160];
	int n = mount_holders(q->r->mount_point, killed, sizeof(killed), true);

	if (n == 0)
		return false;
	qb_log(LOG_WARNING, "%s: the filesystem is busy: SIGKILL to %s (self-fence)", q->r->name,
	       killed);
	if (!schedule_retry(q, &q->umount_until_ms, q->r->timeout_ms[OP_UMOUNT]))
		return false;
	return true;
}

/* A step's timeout: the resource's for that op, and a self-fence's umount
 * attempts share one timeout_umount. */
static uint32_t step_timeout_ms(struct seq *q, enum step s)
{
	uint32_t t = q->r->timeout_ms[step_op(s)];
	uint64_t now;

	if (s != ST_UMOUNT || !q->kill_holders)
		return t;
	now = mono_ms();
	if (!q->umount_until_ms)
		q->umount_until_ms = now + t;
	if (q->umount_until_ms <= now)
		return 1;
	return q->umount_until_ms - now < t ? (uint32_t)(q->umount_until_ms - now) : t;
}

static void step_done(void *ctx, const struct op_result *res)
{
	struct seq *q = ctx;
	enum step s = q->undoing ? q->undo[q->at - 1] : q->steps[q->at - 1];
	char why[WIRE_STR_MAX + 1];
	bool ok = res->exit_status == 0;

	q->job = NULL;
	qb_log(LOG_DEBUG, "%s: %s took %llu ms (exit %d)", q->r->name, step_name(s),
	       (unsigned long long)res->elapsed_ms, res->exit_status);
	if (!q->undoing)
		q->ms[s] += res->elapsed_ms;
	if (s == ST_CHECK_DUMP && !ok && q->steps == failover_steps && !q->undoing) {
		/* nothing that may be restored: start it cold */
		if (res->err && res->err_len)
			snprintf(q->why_cold, sizeof(q->why_cold), "%.*s", (int)res->err_len, res->err);
		else
			snprintf(q->why_cold, sizeof(q->why_cold), "no dump");
		q->why_cold[strcspn(q->why_cold, "\n")] = '\0';
		qb_log(LOG_NOTICE, "%s: %s: starting it cold", q->r->name, q->why_cold);
		q->cold = true;
		q->steps = cold_tail;
		q->at = 0;
		next_step(q);
		return;
	}
	if (s == ST_PROMOTE && !ok && retry_promote(q, res))
		return;
	if (s == ST_UMOUNT && !ok) {
		/* "target is busy" alone does not help: say who holds it */
		char holders[160];
		size_t len;
		op_result_describe(res, why, sizeof(why));
		len = strlen(why);
		if (q->kill_holders && !is_mounted(q->r->mount_point)) {
			/* another stop of it (a release the sync asked for) got
			 * there first: what the self-fence wants is done */
			qb_log(LOG_NOTICE, "%s: umount failed (%s), but it is not mounted any more",
			       q->r->name, why);
			next_step(q);
			return;
		}
		if (q->kill_holders && kill_holders_and_retry(q))
			return;
		if (mount_holders(q->r->mount_point, holders, sizeof(holders), false) > 0 &&
		    len + 1 < sizeof(why))
			snprintf(why + len, sizeof(why) - len, "; held by %s", holders);
		fail(q, s, why);
		return;
	}
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
			if (s == ST_CHECK_DISK && retry_check_disk(q, &ds))
				return;
			snprintf(why, sizeof(why), s == ST_READY_DISK ? "disk is %s, not UpToDate" :
				 q->disk_until_ms ? "disk is %s, not UpToDate: the resync did not "
				 "end within timeout_promote: refusing to promote" :
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
	case ST_PROBE_MONITOR: {
		pid_t pid = 0;
		char perr[96];
		q->fact.running = res->exit_status == 0;
		if (q->check_done && q->fact.running &&
		    agent_pid_parse(res->out, res->out_len, &pid, perr, sizeof(perr)) < 0) {
			qb_log(LOG_WARNING, "%s: monitor: %s: no pid watched", q->r->name, perr);
			pid = 0;
		}
		q->pid = q->fact.running ? (int)pid : 0;
		next_step(q);
		return;
	}
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
	if (!q->undoing && undo_of(s) != ST_END &&
	    q->n_undo < sizeof(q->undo) / sizeof(q->undo[0])) {
		/* remember how to undo it, newest first */
		memmove(q->undo + 1, q->undo, q->n_undo * sizeof(q->undo[0]));
		q->undo[0] = undo_of(s);
		q->n_undo++;
	}
	next_step(q);
}

/* S4 at each step that takes the resource (doc/protocol.md, rule 7): none
 * once this node lost quorum after the sequence began, even if quorum is
 * back (the table it acts on may be another partition's by now). */
static bool takes_it(enum step s)
{
	return s == ST_PROMOTE || s == ST_MOUNT || s == ST_WL_START || s == ST_WL_RESTORE ||
	       s == ST_MARK_CONSUMED;
}

static bool takes_any(const enum step *steps)
{
	for (; *steps != ST_END; steps++)
		if (takes_it(*steps))
			return true;
	return false;
}

static bool quorum_lost_since_start(const struct seq *q)
{
	return q->env.quorum_losses && *q->env.quorum_losses != q->losses_at_start;
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
			if (s == ST_END && takes_any(q->steps) && quorum_lost_since_start(q)) {
				/* the last step ended after quorum was lost: the
				 * other side may be taking it over (S1, S2, S4) */
				fail(q, q->at >= 2 ? q->steps[q->at - 2] : s,
				     "quorum was lost before it ended (S4): undoing it");
				return;
			}
			if (s == ST_END) {
				finish(q);
				return;
			}
		}
		if (takes_it(s) && !skip(q, s) && quorum_lost_since_start(q)) {
			fail(q, s, "quorum was lost since this step sequence began (S4)");
			return;
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
		if (is_file_step(s)) {
			struct file_step fs = { .s = s, .q = q };
			rc = op_start_fn(q->env.loop, step_name(s), run_file_step, &fs,
					 step_timeout_ms(q, s), step_done, q, &q->job);
		} else {
			build_argv(q, s, &b);
			rc = op_start(q->env.loop, b.argv, b.env, step_timeout_ms(q, s),
				      step_done, q, &q->job);
		}
		if (rc < 0) {
			fail(q, s, strerror(-rc));
			return;
		}
		return;
	}
}

/* A sequence of STEPS for R, not started yet (NULL: no memory). */
static struct seq *new_seq(const struct driver_env *env, const struct resource_conf *r,
			   const enum step *steps)
{
	struct seq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->env = *env;
	q->losses_at_start = env->quorum_losses ? *env->quorum_losses : 0;
	q->r = r;
	q->steps = steps;
	return q;
}

/* One of DONE, FACTS and CHECK is called at the end. */
static int run(const struct driver_env *env, const struct resource_conf *r,
	       const enum step *steps, driver_done_fn done, driver_facts_fn facts,
	       driver_check_fn check, void *ctx)
{
	struct seq *q = new_seq(env, r, steps);

	if (!q)
		return -ENOMEM;
	q->done = done;
	q->facts_done = facts;
	q->check_done = check;
	q->ctx = ctx;
	q->fact.name = r->name;     /* the config outlives every probe */
	if (facts || check)
		q->fact.mounted = is_mounted(r->mount_point);
	link_seq(q);
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
	struct seq *q = new_seq(env, r, steps);

	if (!q)
		return -ENOMEM;
	if (set_dir(q, name) < 0) {
		free(q);
		return -ENAMETOOLONG;
	}
	q->done = done;
	q->ctx = ctx;
	link_seq(q);
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

static int run_migration(const struct driver_env *env, const struct resource_conf *r,
			 const enum step *steps, const struct driver_migration *m,
			 driver_migrate_fn done, void *ctx)
{
	struct seq *q = new_seq(env, r, steps);

	if (!q)
		return -ENOMEM;
	if (set_dir(q, DRIVER_DUMP_NAME) < 0) {
		free(q);
		return -ENAMETOOLONG;
	}
	q->epoch = m->epoch;
	memcpy(q->id, m->id, WIRE_ID_LEN);
	q->nodeid = m->nodeid;
	q->migrate_done = done;
	q->ctx = ctx;
	link_seq(q);
	next_step(q);
	return 0;
}

int driver_release(const struct driver_env *env, const struct resource_conf *r,
		   const struct driver_migration *m, driver_migrate_fn done, void *ctx)
{
	return run_migration(env, r, release_steps, m, done, ctx);
}

int driver_acquire(const struct driver_env *env, const struct resource_conf *r,
		   const struct driver_migration *m, driver_migrate_fn done, void *ctx)
{
	return run_migration(env, r, acquire_steps, m, done, ctx);
}

int driver_fail_over(const struct driver_env *env, const struct resource_conf *r,
		     const struct driver_migration *m, driver_migrate_fn done, void *ctx)
{
	return run_migration(env, r, failover_steps, m, done, ctx);
}

int driver_ready(const struct driver_env *env, const struct resource_conf *r,
		 driver_done_fn done, void *ctx)
{
	return run(env, r, ready_steps, done, NULL, NULL, ctx);
}

int driver_start(const struct driver_env *env, const struct resource_conf *r,
		 driver_done_fn done, void *ctx)
{
	/* in the dump directory: its cold start removes the dump (S3) */
	return run_in_dir(env, r, start_steps, DRIVER_DUMP_NAME, done, ctx);
}

int driver_stop(const struct driver_env *env, const struct resource_conf *r,
		driver_done_fn done, void *ctx)
{
	return run(env, r, stop_steps, done, NULL, NULL, ctx);
}

int driver_probe(const struct driver_env *env, const struct resource_conf *r,
		 driver_facts_fn done, void *ctx)
{
	return run(env, r, probe_steps, NULL, done, NULL, ctx);
}

int driver_check(const struct driver_env *env, const struct resource_conf *r,
		 driver_check_fn done, void *ctx)
{
	return run(env, r, probe_steps, NULL, NULL, done, ctx);
}

int driver_fence_stop(const struct driver_env *env, const struct resource_conf *r,
		      driver_done_fn done, void *ctx)
{
	struct seq *q = new_seq(env, r, stop_steps);

	if (!q)
		return -ENOMEM;
	q->done = done;
	q->ctx = ctx;
	q->kill_holders = true;
	link_seq(q);
	next_step(q);
	return 0;
}

static const char *seq_kind(const struct seq *q)
{
	if (q->steps == start_steps) return "start";
	if (q->steps == stop_steps) return "stop";
	if (q->steps == release_steps) return "release";
	if (q->steps == acquire_steps) return "acquire";
	if (q->steps == failover_steps || q->steps == cold_tail) return "failover";
	if (q->steps == ready_steps) return "readiness check";
	if (q->steps == dump_steps) return "dump";
	if (q->steps == restore_steps) return "restore";
	return "probe";
}

/* Kill Q's running step (its whole process group) or its pending retry,
 * and report it failed, undoing nothing. */
static void cancel(struct seq *q, const char *why)
{
	size_t used = strlen(q->error);
	bool running = q->job != NULL;

	if (q->job) {
		op_cancel(q->job);
		q->job = NULL;
	}
	if (q->retry_armed) {
		qb_loop_timer_del(q->env.loop, q->retry);
		q->retry_armed = false;
	}
	snprintf(q->error + used, sizeof(q->error) - used, "%scancelled: %s",
		 used ? "; " : "", why);
	q->undo_failed = true;     /* nothing was undone: rolled_back is false */
	qb_log(LOG_WARNING, "%s: %s cancelled (%s)%s", q->r->name, seq_kind(q), why,
	       running ? ": its running step's process group killed" : "");
	finish(q);
}

size_t driver_cancel_all(const char *why)
{
	uint64_t upto = next_serial;
	size_t n = 0;

	/* one at a time from the head: a callback may start or end others;
	 * those it starts (serial >= upto) are left alone */
	for (;;) {
		struct seq *q = live;
		while (q && (q->facts_done || q->check_done || q->kill_holders || q->serial >= upto))
			q = q->next;
		if (!q)
			return n;
		cancel(q, why);
		n++;
	}
}
