/*
 * rm_watch.h - the events that make the owner's health check run at once
 * instead of at its next interval (issue 17; rm_monitor.c runs the check).
 *
 * - A pidfd on the workload's main process, when the agent's monitor
 *   reported its pid (doc/exec-agent.md) and the process passes
 *   agent_pid_trusted(): it becomes readable when that process ends.
 * - One `drbdsetup events2 all` child per node, while a resource with
 *   storage = drbd is checked here: a role that is not Primary or a disk
 *   that is not UpToDate (drbd_event_alarms()) of such a resource.  A
 *   child that ends is started again after 1, 2, 4 ... 60 s; meanwhile,
 *   and always, the interval's polling goes on.
 *
 * An event only asks for the check: the check (the agent's monitor, DRBD,
 * the mount) decides, so a recycled pid, a workload that a stop ended or a
 * line that lies reports nothing by itself.
 */
#ifndef HANDOFF_RM_WATCH_H
#define HANDOFF_RM_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct resource_manager;

struct rm_pidwatch {
	struct resource_manager *rm;
	size_t i;                /* the resource */
	int fd;                  /* the pidfd, or -1 */
	int pid;                 /* what it names, or 0 */
	int refused;             /* the last pid refused (logged once) */
};

/* Watch PID for resource W->i (the old watch goes); 0, or -1 when PID is
 * not to be trusted or no pidfd can be had (logged once per pid), or it
 * ended already (then a check comes at once). */
int rm_watch_pid(struct rm_pidwatch *w, int pid);
void rm_unwatch_pid(struct rm_pidwatch *w);

/* After every rm_monitor_update(): run the events2 child while a DRBD
 * resource is checked here, end it otherwise. */
void rm_events_update(struct resource_manager *rm);
void rm_events_fini(struct resource_manager *rm);

/* rm_monitor.c: is resource I checked here (RUNNING here, monitored)?
 * Check it as soon as may be, because of WHY (logged). */
bool rm_monitor_watched(struct resource_manager *rm, size_t i);
void rm_monitor_check_now(struct resource_manager *rm, size_t i, const char *why);

#endif
