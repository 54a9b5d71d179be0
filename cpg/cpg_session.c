#include "cpg_session.h"

#include <qb/qblog.h>
#include <unistd.h>
#include <string.h>

static struct cpg_session *session_of(cpg_handle_t handle)
{
	void *ctx = NULL;

	if (cpg_context_get(handle, &ctx) != CS_OK)
		return NULL;
	return ctx;
}

static size_t copy_members(struct cpg_member *dst, const struct cpg_address *src,
			   size_t n)
{
	if (n > CPG_SESSION_MAX_MEMBERS)
		n = CPG_SESSION_MAX_MEMBERS;
	for (size_t i = 0; i < n; i++) {
		dst[i].nodeid = src[i].nodeid;
		dst[i].pid = src[i].pid;
	}
	return n;
}

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	struct cpg_session *s = session_of(handle);

	(void)group;
	if (s && s->cb->deliver)
		s->cb->deliver(s->ctx, nodeid, pid, msg, len);
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group,
		       const struct cpg_address *members, size_t n_members,
		       const struct cpg_address *left, size_t n_left,
		       const struct cpg_address *joined, size_t n_joined)
{
	struct cpg_session *s = session_of(handle);
	struct cpg_member j[CPG_SESSION_MAX_MEMBERS], l[CPG_SESSION_MAX_MEMBERS];
	size_t nj, nl;

	(void)group;
	if (!s)
		return;
	s->n_members = copy_members(s->members, members, n_members);
	nj = copy_members(j, joined, n_joined);
	nl = copy_members(l, left, n_left);
	for (size_t i = 0; i < s->n_members; i++)
		if (s->members[i].nodeid == s->local_nodeid &&
		    s->members[i].pid == (uint32_t)getpid())
			s->joined = true;
	if (s->cb->confchg)
		s->cb->confchg(s->ctx, s->members, s->n_members, j, nj, l, nl);
}

static void on_totem(cpg_handle_t handle, struct cpg_ring_id ring,
		     uint32_t n, const uint32_t *nodes)
{
	struct cpg_session *s = session_of(handle);
	struct ring_id r = { .nodeid = ring.nodeid, .seq = ring.seq };

	if (s && s->cb->totem)
		s->cb->totem(s->ctx, r, nodes, n);
}

static int32_t on_fd(int32_t fd, int32_t revents, void *data)
{
	struct cpg_session *s = data;
	cs_error_t rc;

	(void)fd;
	(void)revents;
	rc = cpg_dispatch(s->handle, CS_DISPATCH_ALL);
	if (rc == CS_OK || rc == CS_ERR_TRY_AGAIN)
		return 0;
	qb_log(LOG_ERR, "cpg dispatch failed: %s (corosync gone?)", cs_strerror(rc));
	cpg_session_close(s, false);
	if (s->cb->lost)
		s->cb->lost(s->ctx);
	return 0; /* the entry is already removed by cpg_session_close() */
}

cs_error_t cpg_session_open(struct cpg_session *s, qb_loop_t *loop,
			    const char *group,
			    const struct cpg_session_callbacks *cb, void *ctx)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = on_deliver,
		.cpg_confchg_fn = on_confchg,
		.cpg_totem_confchg_fn = on_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	unsigned int nodeid = 0;
	cs_error_t rc;

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->cb = cb;
	s->ctx = ctx;
	s->fd = -1;
	s->group.length = (uint32_t)strlen(group);
	memcpy(s->group.value, group, s->group.length);

	rc = cpg_model_initialize(&s->handle, CPG_MODEL_V1,
				  (cpg_model_data_t *)&model, s);
	if (rc != CS_OK)
		return rc;
	s->open = true;
	if ((rc = cpg_local_get(s->handle, &nodeid)) != CS_OK)
		goto fail;
	s->local_nodeid = nodeid;
	if ((rc = cpg_fd_get(s->handle, &s->fd)) != CS_OK)
		goto fail;
	/* TRY_AGAIN here means corosync is syncing: the caller's reconnect
	 * timer tries again later instead of spinning here. */
	if ((rc = cpg_join(s->handle, &s->group)) != CS_OK)
		goto fail;
	if (qb_loop_poll_add(loop, QB_LOOP_MED, s->fd, POLLIN, s, on_fd) != 0) {
		rc = CS_ERR_LIBRARY;
		goto fail;
	}
	return CS_OK;
fail:
	cpg_session_close(s, false);
	return rc;
}

void cpg_session_close(struct cpg_session *s, bool leave)
{
	if (!s->open)
		return;
	if (s->fd >= 0)
		qb_loop_poll_del(s->loop, s->fd);
	if (leave)
		cpg_leave(s->handle, &s->group);
	cpg_finalize(s->handle);
	s->open = false;
	s->fd = -1;
	s->joined = false;
	s->n_members = 0;
}
