#include "cpg_session.h"

#include <qb/qblog.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* A message waiting for corosync to accept it. */
struct cpg_out {
	struct cpg_out *next;
	uint8_t *buf;
	size_t len;
};

#define RETRY_MS 10

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

static cs_error_t mcast(struct cpg_session *s, uint8_t *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return cpg_mcast_joined(s->handle, CPG_TYPE_AGREED, &iov, 1);
}

static void flush_queue(void *data);

static void arm_retry(struct cpg_session *s)
{
	if (s->retry_armed)
		return;
	s->retry_armed = true;
	qb_loop_timer_add(s->loop, QB_LOOP_MED, RETRY_MS * QB_TIME_NS_IN_MSEC, s,
			  flush_queue, &s->retry_timer);
}

static void flush_queue(void *data)
{
	struct cpg_session *s = data;

	s->retry_armed = false;
	while (s->open && s->out_head) {
		struct cpg_out *o = s->out_head;
		cs_error_t rc = mcast(s, o->buf, o->len);
		if (rc == CS_ERR_TRY_AGAIN) {
			arm_retry(s);
			return;
		}
		if (rc != CS_OK)
			qb_log(LOG_ERR, "cpg: cannot send a queued %zu byte message: %s",
			       o->len, cs_strerror(rc));
		s->out_head = o->next;
		if (!s->out_head)
			s->out_tail = NULL;
		s->out_len--;
		free(o->buf);
		free(o);
	}
}

int cpg_session_send(struct cpg_session *s, uint8_t *buf, size_t len)
{
	struct cpg_out *o;
	cs_error_t rc;

	if (!s->open) {
		free(buf);
		return -1;
	}
	if (!s->out_head) {
		rc = mcast(s, buf, len);
		if (rc == CS_OK) {
			free(buf);
			return 0;
		}
		if (rc != CS_ERR_TRY_AGAIN) {
			qb_log(LOG_ERR, "cpg: cannot send a %zu byte message: %s", len,
			       cs_strerror(rc));
			free(buf);
			return -1;
		}
	}
	/* keep the order: behind whatever already waits */
	o = calloc(1, sizeof(*o));
	if (!o) {
		free(buf);
		return -1;
	}
	o->buf = buf;
	o->len = len;
	if (s->out_tail)
		s->out_tail->next = o;
	else
		s->out_head = o;
	s->out_tail = o;
	s->out_len++;
	if (s->out_len == 1000)
		qb_log(LOG_WARNING, "cpg: 1000 messages wait for corosync to accept them");
	arm_retry(s);
	return 0;
}

void cpg_session_close(struct cpg_session *s, bool leave)
{
	if (!s->open)
		return;
	if (s->retry_armed) {
		qb_loop_timer_del(s->loop, s->retry_timer);
		s->retry_armed = false;
	}
	while (s->out_head) {
		struct cpg_out *o = s->out_head;
		s->out_head = o->next;
		free(o->buf);
		free(o);
	}
	s->out_tail = NULL;
	s->out_len = 0;
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
