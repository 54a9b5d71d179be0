/*
 * cpg_session.h - handoffd's membership of its CPG group.
 *
 * The session owns the cpg handle: it joins the group, hands every
 * confchg, totem confchg and delivered message to its owner, and tells the
 * owner when corosync went away (the owner then reconnects everything).
 * Messages are delivered in agreed (total) order: every member sees the
 * same sequence of messages and confchgs, which is what the replicated
 * state machine relies on.
 */
#ifndef HANDOFF_CPG_SESSION_H
#define HANDOFF_CPG_SESSION_H

#include <corosync/cpg.h>
#include <qb/qbloop.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../quorum/quorum_gate.h"

/* Members are processes (nodeid, pid), not nodes: a node may hold many (any
 * CPG client, a handle each).  libcpg hands a confchg at most
 * CPG_MEMBERS_MAX of them, so no group it reports is cut here. */
#define CPG_SESSION_MAX_MEMBERS CPG_MEMBERS_MAX

struct cpg_member {
	uint32_t nodeid;
	uint32_t pid;
};

struct cpg_session_callbacks {
	void (*confchg)(void *ctx, const struct cpg_member *members, size_t n,
			const struct cpg_member *joined, size_t n_joined,
			const struct cpg_member *left, size_t n_left);
	void (*totem)(void *ctx, struct ring_id ring, const uint32_t *nodes, size_t n);
	void (*deliver)(void *ctx, uint32_t nodeid, uint32_t pid,
			const void *msg, size_t len);
	/* dispatch failed: corosync is gone; the session is already closed */
	void (*lost)(void *ctx);
};

struct cpg_out;

struct cpg_session {
	cpg_handle_t handle;
	bool open;
	int fd;
	qb_loop_t *loop;
	struct cpg_name group;
	uint32_t local_nodeid;
	const struct cpg_session_callbacks *cb;
	void *ctx;
	struct cpg_member members[CPG_SESSION_MAX_MEMBERS];
	size_t n_members;
	bool joined;      /* our own join has been seen in a confchg */
	/* messages corosync asked us to retry (CS_ERR_TRY_AGAIN), in order */
	struct cpg_out *out_head, *out_tail;
	size_t out_len;
	bool retry_armed;
	qb_loop_timer_handle retry_timer;
};

/* Returns CS_OK, or the corosync error of the step that failed (closed). */
cs_error_t cpg_session_open(struct cpg_session *s, qb_loop_t *loop,
			    const char *group,
			    const struct cpg_session_callbacks *cb, void *ctx);
/*
 * Multicast BUF in agreed order.  Takes ownership of BUF (malloc'd).  When
 * corosync says TRY_AGAIN (flow control, or a membership change under way)
 * the message is queued and sent, in order, from a short timer.  Returns
 * 0, or -1 when the connection is gone (BUF freed).
 */
int cpg_session_send(struct cpg_session *s, uint8_t *buf, size_t len);

/* Leave the group (when LEAVE) and drop the connection. */
void cpg_session_close(struct cpg_session *s, bool leave);

#endif
