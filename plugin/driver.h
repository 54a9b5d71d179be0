/*
 * driver.h - the storage and workload drivers behind one small interface.
 *
 * A resource's start is: storage promote (drbd) -> mount -> workload
 * start; its stop is the reverse.  Every step is a child process run by
 * op_runner with the resource's timeout for that op, so nothing here
 * blocks the main loop.  A failed start undoes what it did (stop what
 * started, umount, demote) before it reports, so a FAILED resource holds
 * nothing.  The error reported names the step and carries the tool's own
 * text (DRBD's message, the agent's stderr).
 *
 * Storage: drbd (drbdadm primary/secondary, role/cstate/dstate; refuses to
 * promote a disk that is not UpToDate), shared (mount/umount only).
 * Workload: an exec agent (start, stop, monitor, dump DIR, restore DIR,
 * meta; doc/exec-agent.md); criu, openvz, lxc and libvirt through the
 * agents that ship with handoff.
 */
#ifndef HANDOFF_DRIVER_H
#define HANDOFF_DRIVER_H

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stdint.h>

#include "../cpg/wire.h"
#include "handoff_conf.h"

struct driver_env {
	qb_loop_t *loop;
	const struct handoff_config *cfg;
	/* NULL, or how often this node lost quorum: a sequence that sees it
	 * change fails its next promote, mount, start, restore (S4) */
	const uint64_t *quorum_losses;
};

typedef void (*driver_done_fn)(void *ctx, const struct resource_conf *r, bool ok,
			       const char *error);
typedef void (*driver_facts_fn)(void *ctx, const struct resource_conf *r,
				const struct wire_fact *facts);

int driver_start(const struct driver_env *env, const struct resource_conf *r,
		 driver_done_fn done, void *ctx);
int driver_stop(const struct driver_env *env, const struct resource_conf *r,
		driver_done_fn done, void *ctx);
/* Local facts: DRBD role, mounted, workload running. */
int driver_probe(const struct driver_env *env, const struct resource_conf *r,
		 driver_facts_fn done, void *ctx);
/* The health check (rm_monitor.c): the probe, and the pid of the
 * workload's main process when the agent's monitor (exit 0) reported one
 * on a `pid=N` line (doc/exec-agent.md), else 0.  A malformed pid line is
 * logged and counts as none. */
typedef void (*driver_check_fn)(void *ctx, const struct resource_conf *r,
				const struct wire_fact *facts, int pid);
int driver_check(const struct driver_env *env, const struct resource_conf *r,
		 driver_check_fn done, void *ctx);
/*
 * Workload dump and restore in DUMP_DIR/NAME under the mount point (the
 * filesystem must be mounted): the halves of a live migration.
 */
int driver_dump(const struct driver_env *env, const struct resource_conf *r,
		const char *name, driver_done_fn done, void *ctx);
int driver_restore(const struct driver_env *env, const struct resource_conf *r,
		   const char *name, driver_done_fn done, void *ctx);
/* Could this node take R now?  drbd: the disk is UpToDate; the agent
 * answers (`meta`; the criu agent: `check`).  The error says what is not. */
int driver_ready(const struct driver_env *env, const struct resource_conf *r,
		 driver_done_fn done, void *ctx);
/*
 * The halves of a live migration, each with rollback (doc/protocol.md).
 * The dump lives in DUMP_DIR/DRIVER_DUMP_NAME under the mount point, with
 * the markers "complete" and "consumed" ("epoch E id HEX node N", fsynced).
 *
 * release (source): empty the dump directory, agent dump, sync, complete
 * marker, umount, demote.  On failure it rolls back: mounts again (if it
 * had unmounted), marks the dump consumed and restores the workload here.
 * An umount that fails names the processes that hold the filesystem.
 *
 * acquire (target, or the source taking the dump back): check the disk,
 * promote, mount, check that the dump is complete, of EPOCH and ID and
 * not consumed, consumed marker, restore.  On failure it removes the consumed
 * marker it wrote (nothing ran from the dump: the source may take it back),
 * unmounts and demotes again.
 *
 * OK says the half succeeded; ROLLED_BACK (when !OK) that the rollback
 * worked too: the source runs the workload again / the target holds
 * nothing.  TIMES has each phase's duration.
 */
#define DRIVER_DUMP_NAME "dump"

struct driver_migration {
	uint64_t epoch;           /* of the dump: the migration's */
	uint8_t id[WIRE_ID_LEN];  /* the migration's id (S3: a dump is restored only
				   * when its markers carry the epoch and the id) */
	uint32_t nodeid;          /* this node, written into the markers */
	uint32_t take_back_from;  /* acquire: 0, or the node that handed back */
};

struct driver_times {
	uint64_t dump_ms, sync_ms, umount_ms, demote_ms;
	uint64_t promote_ms, mount_ms, restore_ms;   /* restore: or the cold start */
	bool cold_start;          /* failover: started cold, why_cold says why */
	char why_cold[160];
};

typedef void (*driver_migrate_fn)(void *ctx, const struct resource_conf *r, bool ok,
				  bool rolled_back, const char *error,
				  const struct driver_times *times);

int driver_release(const struct driver_env *env, const struct resource_conf *r,
		   const struct driver_migration *m, driver_migrate_fn done, void *ctx);
int driver_acquire(const struct driver_env *env, const struct resource_conf *r,
		   const struct driver_migration *m, driver_migrate_fn done, void *ctx);
/* Failover (new owner): check disk, promote, mount; then the dump of
 * M->epoch and M->id if it is complete and not consumed (consumed marker,
 * restore), else a cold start (the dump directory removed, agent start).
 * A failure undoes everything. */
int driver_fail_over(const struct driver_env *env, const struct resource_conf *r,
		     const struct driver_migration *m, driver_migrate_fn done, void *ctx);

/* Ops of this driver still running (so shutdown can wait or cancel). */
size_t driver_busy(void);

/*
 * The self-fence's stop (S1, S2): driver_stop, and when the umount fails
 * because processes of this mount namespace hold the filesystem, SIGKILL
 * them and umount again (every 0.5 s, within the one timeout_umount).
 */
int driver_fence_stop(const struct driver_env *env, const struct resource_conf *r,
		      driver_done_fn done, void *ctx);

/*
 * On quorum loss: end every sequence now (start, stop, release, acquire,
 * take-back, failover, readiness, dump, restore; not probes, which take
 * nothing, and not driver_fence_stop's).  The running step's process group
 * gets SIGKILL, a pending retry is dropped, and the callback runs at once,
 * from this call, with ok false, rolled_back false and the error
 * "cancelled: WHY".  Nothing is undone: the self-fence's own stop does
 * that.  Sequences that the callbacks start are not cancelled.  Returns
 * how many were cancelled.
 *
 * A sequence that takes the resource (start, acquire, failover, restore)
 * and reaches its end after *env->quorum_losses changed is not a success
 * either: it undoes itself and reports the error "STEP: quorum was lost
 * before it ended (S4)".
 */
size_t driver_cancel_all(const char *why);

#endif
