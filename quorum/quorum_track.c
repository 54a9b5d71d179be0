#include "quorum_track.h"

#include <qb/qblog.h>
#include <string.h>

static struct quorum_track *track_of(quorum_handle_t handle)
{
	const void *ctx = NULL;

	if (quorum_context_get(handle, &ctx) != CS_OK)
		return NULL;
	return (struct quorum_track *)ctx;
}

static void on_quorum(quorum_handle_t handle, uint32_t quorate,
		      struct quorum_ring_id ring, uint32_t n, const uint32_t *members)
{
	struct quorum_track *t = track_of(handle);

	if (!t)
		return;
	if (n > QUORUM_TRACK_MAX_NODES)
		n = QUORUM_TRACK_MAX_NODES;
	t->have_notification = true;
	t->quorate = quorate != 0;
	t->ring.nodeid = ring.nodeid;
	t->ring.seq = ring.seq;
	memcpy(t->members, members, n * sizeof(members[0]));
	t->n_members = n;
	if (t->cb->quorum)
		t->cb->quorum(t->ctx, t->quorate, t->ring, t->members, t->n_members);
}

static void on_nodelist(quorum_handle_t handle, struct quorum_ring_id ring,
			uint32_t n, const uint32_t *members,
			uint32_t n_joined, const uint32_t *joined,
			uint32_t n_left, const uint32_t *left)
{
	(void)handle; (void)members; (void)joined; (void)left;
	qb_log(LOG_DEBUG, "quorum nodelist: ring %x.%llx, %u nodes, %u joined, %u left",
	       ring.nodeid, (unsigned long long)ring.seq, n, n_joined, n_left);
}

static void on_expected_votes(votequorum_handle_t handle, uint64_t context,
			      uint32_t expected)
{
	(void)handle; (void)context;
	qb_log(LOG_INFO, "votequorum: expected votes now %u", expected);
}

static void lost(struct quorum_track *t, const char *what, cs_error_t rc)
{
	qb_log(LOG_ERR, "%s dispatch failed: %s (corosync gone?)", what, cs_strerror(rc));
	quorum_track_close(t);
	if (t->cb->lost)
		t->cb->lost(t->ctx);
}

static int32_t on_q_fd(int32_t fd, int32_t revents, void *data)
{
	struct quorum_track *t = data;
	cs_error_t rc;

	(void)fd; (void)revents;
	rc = quorum_dispatch(t->q_handle, CS_DISPATCH_ALL);
	if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN)
		lost(t, "quorum", rc);
	return 0;
}

static int32_t on_vq_fd(int32_t fd, int32_t revents, void *data)
{
	struct quorum_track *t = data;
	cs_error_t rc;

	(void)fd; (void)revents;
	rc = votequorum_dispatch(t->vq_handle, CS_DISPATCH_ALL);
	if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN)
		lost(t, "votequorum", rc);
	return 0;
}

cs_error_t quorum_track_open(struct quorum_track *t, qb_loop_t *loop,
			     const struct quorum_track_callbacks *cb, void *ctx)
{
	quorum_model_v1_data_t model = {
		.model = QUORUM_MODEL_V1,
		.quorum_notify_fn = on_quorum,
		.nodelist_notify_fn = on_nodelist,
	};
	votequorum_callbacks_t vq_cb = {
		.votequorum_expectedvotes_notify_fn = on_expected_votes,
	};
	uint32_t quorum_type = 0;
	cs_error_t rc;

	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->cb = cb;
	t->ctx = ctx;
	t->q_fd = t->vq_fd = -1;
	t->open = true;

	rc = quorum_model_initialize(&t->q_handle, QUORUM_MODEL_V1,
				     (quorum_model_data_t *)&model, &quorum_type, t);
	if (rc != CS_OK)
		goto fail;
	t->q_open = true;
	if (quorum_type != 1) {
		/* no quorum provider: every node would think it is alone */
		qb_log(LOG_ERR, "corosync has no quorum provider configured "
		       "(set quorum { provider: corosync_votequorum })");
		rc = CS_ERR_NOT_SUPPORTED;
		goto fail;
	}
	if ((rc = quorum_fd_get(t->q_handle, &t->q_fd)) != CS_OK)
		goto fail;
	if ((rc = quorum_trackstart(t->q_handle, CS_TRACK_CHANGES)) != CS_OK)
		goto fail;

	if ((rc = votequorum_initialize(&t->vq_handle, &vq_cb)) != CS_OK)
		goto fail;
	t->vq_open = true;
	if ((rc = votequorum_fd_get(t->vq_handle, &t->vq_fd)) != CS_OK)
		goto fail;
	if ((rc = votequorum_trackstart(t->vq_handle, 0, CS_TRACK_CHANGES)) != CS_OK)
		goto fail;

	if (qb_loop_poll_add(loop, QB_LOOP_MED, t->q_fd, POLLIN, t, on_q_fd) != 0 ||
	    qb_loop_poll_add(loop, QB_LOOP_MED, t->vq_fd, POLLIN, t, on_vq_fd) != 0) {
		rc = CS_ERR_LIBRARY;
		goto fail;
	}
	return CS_OK;
fail:
	quorum_track_close(t);
	return rc;
}

void quorum_track_close(struct quorum_track *t)
{
	if (!t->open)
		return;
	if (t->q_fd >= 0)
		qb_loop_poll_del(t->loop, t->q_fd);
	if (t->vq_fd >= 0)
		qb_loop_poll_del(t->loop, t->vq_fd);
	if (t->q_open)
		quorum_finalize(t->q_handle);
	if (t->vq_open)
		votequorum_finalize(t->vq_handle);
	t->q_fd = t->vq_fd = -1;
	t->q_open = t->vq_open = false;
	t->open = false;
	t->have_notification = false;
}

cs_error_t quorum_track_votes(struct quorum_track *t, struct quorum_votes *v)
{
	struct votequorum_info info;
	cs_error_t rc;

	memset(v, 0, sizeof(*v));
	if (!t->vq_open)
		return CS_ERR_BAD_HANDLE;
	/* nodeid 0 asks about the local node */
	rc = votequorum_getinfo(t->vq_handle, 0, &info);
	if (rc != CS_OK)
		return rc;
	v->expected_votes = info.node_expected_votes;
	v->highest_expected = info.highest_expected;
	v->total_votes = info.total_votes;
	v->quorum = info.quorum;
	v->node_votes = info.node_votes;
	v->flags = info.flags;
	return CS_OK;
}
