/*
 * corosync_link.h - handoffd's connection to corosync: cmap, libquorum,
 * libvotequorum and CPG, opened together and lost together.
 *
 * If any of them fails (corosync stopped, crashed or restarted) all are
 * closed, the quorum gate shuts, and a timer tries again every
 * reconnect_interval ms.  After reconnect_limit consecutive failed attempts
 * (0 = never) the daemon gives up and exits non-zero, so that systemd's
 * Restart= or an operator takes over; it never spins on a dead socket.
 */
#ifndef HANDOFF_COROSYNC_LINK_H
#define HANDOFF_COROSYNC_LINK_H

#include <corosync/cmap.h>
#include <qb/qbloop.h>
#include <stdbool.h>
#include <stdint.h>

#include "../cpg/cpg_session.h"
#include "../quorum/quorum_gate.h"
#include "../quorum/quorum_track.h"
#include "handoff_conf.h"
#include "node_names.h"

/* What the rest of the daemon hears from the link. */
struct link_listener {
	void (*connected)(void *ctx);
	void (*disconnected)(void *ctx);
	void (*confchg)(void *ctx, const struct cpg_member *members, size_t n);
	void (*deliver)(void *ctx, uint32_t nodeid, uint32_t pid, const void *msg, size_t len);
	void (*gate)(void *ctx, enum gate_verdict v);   /* on every change of verdict */
};

struct corosync_link {
	qb_loop_t *loop;
	const struct handoff_config *cfg;
	bool connected;
	cmap_handle_t cmap;
	bool cmap_open;
	struct cpg_session cpg;
	struct quorum_track quorum;
	struct quorum_gate gate;
	enum gate_verdict last_verdict;
	struct node_names names;
	uint32_t local_nodeid;
	uint32_t failed_attempts;     /* consecutive, reset on success */
	bool retry_pending;
	qb_loop_timer_handle retry_timer;
	char last_error[160];
	uint32_t token_ms, consensus_ms;   /* corosync's, from cmap at connect */
	uint32_t watchdog_timeout_ms;      /* the armed watchdog's, read back; 0: none */
	void (*gave_up)(void *ctx);
	void *ctx;
	const struct link_listener *listener;
	void *listener_ctx;
};

/* True when the link should stop retrying after FAILED attempts. */
static inline bool reconnect_exhausted(uint32_t failed, uint32_t limit)
{
	return limit != 0 && failed >= limit;
}

/* WATCHDOG_TIMEOUT_MS counts in the fence_delay check at every connect. */
void corosync_link_start(struct corosync_link *l, qb_loop_t *loop,
			 const struct handoff_config *cfg, uint32_t watchdog_timeout_ms,
			 void (*gave_up)(void *ctx), void *ctx);
void corosync_link_stop(struct corosync_link *l);
void corosync_link_listen(struct corosync_link *l, const struct link_listener *li, void *ctx);

#endif
