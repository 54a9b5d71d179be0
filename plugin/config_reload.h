/*
 * config_reload.h - what a reload of handoff.conf(5) would change, and
 * what it may not change while handoffd runs (handoffctl reload, SIGHUP).
 *
 * Pure: it compares two configurations that config_load() accepted, and
 * asks the caller for each resource that would be removed or whose
 * storage or workload would change in which phase the table has it.  A
 * reload is all or nothing: one refusal and nothing is applied.
 *
 * May change at once: resources added; per resource the nodes (the
 * preference order), autostart, every timeout_*, monitor_interval,
 * max_restarts, failure_timeout; in [cluster] admin_group, drbdadm,
 * notify, notify_timeout, standby_parallel, reconnect_interval,
 * reconnect_limit.  Only while the resource is STOPPED: removing it, and
 * its storage, drbd_resource, device, mount_point, fstype, mount_options,
 * workload, agent, command, agent_opt.* and dump_dir (a running step, a
 * dump or the stop of what runs would use the new values on the old
 * volume).  Never without a restart of handoffd: cpg_group,
 * state_dir, self_fence_timeout, fence_delay, watchdog_device,
 * watchdog_timeout (the watchdog is set up at start and every node checks
 * the others' fence_delay against it), log_file, syslog,
 * syslog_facility, debug (the log targets are opened at start).
 */
#ifndef HANDOFF_CONFIG_RELOAD_H
#define HANDOFF_CONFIG_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "handoff_conf.h"

enum reload_kind {
	RELOAD_ADDED,       /* a new resource */
	RELOAD_REMOVED,     /* a resource no longer in the file */
	RELOAD_CHANGED,     /* keys of a resource, or of [cluster] (resource "") */
	RELOAD_REFUSED,     /* what may not change now, and why */
};

struct reload_item {
	enum reload_kind kind;
	char resource[RES_NAME_MAX + 1];   /* "" for [cluster] */
	/* CHANGED: the keys, ", " between them; REFUSED: the reason */
	char text[384];
};

struct reload_plan {
	struct reload_item *v;
	size_t n, cap;
	unsigned n_refused;
	unsigned n_changes;   /* added + removed + changed */
};

/*
 * The phase the table has resource NAME in, or NULL when it is STOPPED
 * (a resource the table does not know yet counts as STOPPED).
 */
typedef const char *(*reload_phase_fn)(void *ctx, const char *name);

/* Compare OLD and NEW into PLAN (initialised here).  Returns the number
 * of refusals, or -1 when out of memory (PLAN is then empty). */
int reload_plan_make(const struct handoff_config *old, const struct handoff_config *new,
		     reload_phase_fn phase, void *ctx, struct reload_plan *plan);
void reload_plan_free(struct reload_plan *plan);
const char *reload_kind_name(enum reload_kind k);

#endif
