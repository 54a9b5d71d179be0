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
 * Workload: exec (an agent: start, stop, monitor, dump DIR, restore DIR;
 * doc/exec-agent.md), criu (later).
 */
#ifndef HANDOFF_DRIVER_H
#define HANDOFF_DRIVER_H

#include <qb/qbloop.h>
#include <stdbool.h>

#include "../cpg/wire.h"
#include "handoff_conf.h"

struct driver_env {
	qb_loop_t *loop;
	const struct handoff_config *cfg;
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
/* Ops of this driver still running (so shutdown can wait or cancel). */
size_t driver_busy(void);

#endif
