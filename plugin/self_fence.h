/*
 * self_fence.h - a node that loses quorum stops what it runs (S1, S2).
 *
 * When corosync says this node is not quorate any more, or corosync itself
 * went away, after the node had been quorate, the rest of the cluster may
 * soon start its resources elsewhere (after fence_delay).  So it cancels
 * every step sequence in flight (driver_cancel_all: their process groups
 * are killed, nothing of theirs is reported as a success), then stops
 * every workload it owns or holds, kills what still holds a filesystem,
 * unmounts and demotes (driver_fence_stop, all resources in parallel), and
 * must be done within self_fence_timeout.  A stop that fails or does not
 * end in time is logged as critical; with a watchdog device configured,
 * handoffd then stops feeding it and the machine resets within the
 * watchdog's own timeout.  A transient ring mismatch between CPG and
 * quorum (membership changing) is not a loss of quorum and starts nothing.
 *
 * A self-fence leaves a marker, STATE_DIR/self-fence (written atomically),
 * until this node is quorate again holding nothing.  A handoffd that
 * starts and finds it was stopped (or killed) during a self-fence: it
 * self-fences again, stopping every configured resource, as soon as it
 * knows it is not quorate, and keeps the watchdog armed meanwhile.  The
 * marker records when the self-fence began (CLOCK_BOOTTIME and the boot
 * id, self_fence_marker.h), so the resumed self-fence keeps its deadline
 * (S1): the watchdog is fed until began + self_fence_timeout at most, and
 * not at all (not even opened) by a handoffd started after it; a marker
 * of an earlier boot (the machine was reset) starts afresh.  The
 * watchdog is disarmed (magic close) at exit only when no self-fence is
 * pending or failed (no marker, whatever the exit path).
 */
#ifndef HANDOFF_SELF_FENCE_H
#define HANDOFF_SELF_FENCE_H

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stdint.h>

#include "../quorum/quorum_gate.h"
#include "watchdog.h"

struct resource_manager;

enum self_fence_state {
	SF_IDLE,        /* quorate, or never was */
	SF_FENCING,     /* stopping what this node holds */
	SF_FENCED,      /* everything stopped in time; waiting for quorum */
	SF_FAILED,      /* a stop failed or hung: CRIT logged, watchdog let go */
};

struct self_fence {
	struct resource_manager *rm;
	enum self_fence_state state;
	bool was_quorate;
	size_t stops_left;
	uint64_t started_ms, ended_ms;     /* CLOCK_MONOTONIC */
	char error[256];
	qb_loop_timer_handle deadline;
	bool deadline_armed;
	struct watchdog wd;                /* wd.fd -1: none */
	/* The watchdog's own timeout as the device reports it; 0 while no
	 * watchdog is armed, or its timeout is unknown.  Other nodes count on
	 * self_fence_timeout plus this (it travels in STATE). */
	uint32_t watchdog_timeout_ms;
	qb_loop_timer_handle feed;
	bool feeding;                      /* the feed timer is armed */
	bool starved;                      /* a self-fence failed: never fed again */
	bool quorate;                      /* the gate's latest verdict was open */
	bool marker;                       /* STATE_DIR/self-fence exists */
	bool resume;                       /* found the marker at start: fence all */
	bool marker_other_boot;            /* ... of an earlier boot: rewritten at begin */
	/* the deadline of the self-fence found at start passed (before this
	 * handoffd started, or while it waited for quorum): the watchdog is
	 * never fed by it (not even opened, when it passed before the start) */
	bool overdue;
};

void self_fence_init(struct self_fence *sf, struct resource_manager *rm);
/* The marker's path under STATE_DIR, into BUF; -1 when it does not fit. */
int self_fence_marker_path(const char *state_dir, char *buf, size_t len);
void self_fence_fini(struct self_fence *sf);
/* Every change of the quorum gate's verdict. */
void self_fence_verdict(struct self_fence *sf, enum gate_verdict v);
const char *self_fence_state_name(enum self_fence_state s);

#endif
