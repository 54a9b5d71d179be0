/*
 * quorum_track.h - quorum as corosync sees it, from libquorum and
 * libvotequorum.
 *
 * libquorum's V1 model gives the quorate flag together with the ring id it
 * belongs to: that pair feeds the quorum gate.  libvotequorum gives the
 * vote counts and flags (two_node, wait_for_all, ...) that handoffctl
 * quorum shows.
 */
#ifndef HANDOFF_QUORUM_TRACK_H
#define HANDOFF_QUORUM_TRACK_H

#include <corosync/corotypes.h>
#include <corosync/quorum.h>
#include <corosync/votequorum.h>
#include <qb/qbloop.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quorum_gate.h"

#define QUORUM_TRACK_MAX_NODES 64

struct quorum_track_callbacks {
	void (*quorum)(void *ctx, bool quorate, struct ring_id ring,
		       const uint32_t *members, size_t n);
	void (*lost)(void *ctx);      /* corosync went away; already closed */
};

struct quorum_votes {
	uint32_t expected_votes;
	uint32_t highest_expected;
	uint32_t total_votes;
	uint32_t quorum;
	uint32_t node_votes;
	uint32_t flags;               /* VOTEQUORUM_INFO_* */
};

struct quorum_track {
	bool open;
	qb_loop_t *loop;
	quorum_handle_t q_handle;
	votequorum_handle_t vq_handle;
	int q_fd, vq_fd;
	bool q_open, vq_open;
	const struct quorum_track_callbacks *cb;
	void *ctx;
	/* the latest notification */
	bool have_notification;
	bool quorate;
	struct ring_id ring;
	uint32_t members[QUORUM_TRACK_MAX_NODES];
	size_t n_members;
};

cs_error_t quorum_track_open(struct quorum_track *t, qb_loop_t *loop,
			     const struct quorum_track_callbacks *cb, void *ctx);
void quorum_track_close(struct quorum_track *t);
/* Current vote counts of the local node, asked from votequorum. */
cs_error_t quorum_track_votes(struct quorum_track *t, struct quorum_votes *v);

#endif
