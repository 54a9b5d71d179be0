/*
 * self_fence.h - a node that loses quorum stops what it runs (S1, S2).
 *
 * When corosync says this node is not quorate any more, or corosync itself
 * went away, after the node had been quorate, the rest of the cluster may
 * soon start its resources elsewhere (after fence_delay).  So it stops
 * every workload it owns or holds, unmounts and demotes, each with the
 * driver's stop, and must be done within self_fence_timeout.  A stop that
 * fails or does not end in time is logged as critical; with a watchdog
 * device configured, handoffd then stops feeding it and the machine
 * resets.  A transient ring mismatch between CPG and quorum (membership
 * changing) is not a loss of quorum and starts nothing.
 */
#ifndef HANDOFF_SELF_FENCE_H
#define HANDOFF_SELF_FENCE_H

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stdint.h>

#include "../quorum/quorum_gate.h"

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
	int watchdog_fd;                   /* -1: none */
	/* The watchdog's own timeout as the device reports it; 0 while no
	 * watchdog is armed.  Other nodes count on self_fence_timeout plus
	 * this (it travels in STATE). */
	uint32_t watchdog_timeout_ms;
	qb_loop_timer_handle feed;
};

void self_fence_init(struct self_fence *sf, struct resource_manager *rm);
void self_fence_fini(struct self_fence *sf);
/* Every change of the quorum gate's verdict. */
void self_fence_verdict(struct self_fence *sf, enum gate_verdict v);
const char *self_fence_state_name(enum self_fence_state s);

#endif
