#include "ipc_server.h"

#include <errno.h>
#include <qb/qbipcs.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_commands.h"
#include "handoff/ipc.h"
#include "ipc_access.h"
#include "ipc_peer.h"
#include "ipc_request.h"

/* One per connection: what the client proved at accept time. */
struct ipc_client {
	uid_t uid;
	gid_t gid;
	bool may_write;
};

static struct handoffd *the_daemon; /* libqb's poll hooks carry no context */

/*
 * What clients may make handoffd hold.  libqb makes three shared-memory
 * rings of the buffer size the client asks for, and handoffd touches them
 * all: one request of 512 MiB by nobody took handoffd's resident memory to
 * 528 MB.  No answer is larger than HANDOFF_IPC_MAX_MSG, so no client
 * needs a larger buffer; and the clients that may only read, which any
 * local user is, hold at most IPC_MAX_READERS connections at once (3 x 4
 * MiB each at most).  A connection counts until libqb destroys it.
 */
#define IPC_MAX_READERS 16
static unsigned n_readers;

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	int32_t size = qb_ipcs_connection_get_buffer_size(c);
	struct ipc_client *cl;
	bool may_write;

	if (size < 0 || size > HANDOFF_IPC_MAX_MSG) {
		qb_log(LOG_NOTICE, "ipc: refused uid %u: it asked for a buffer of %d bytes, over "
		       "the %d handoffd ever needs", (unsigned)uid, (int)size, HANDOFF_IPC_MAX_MSG);
		return -EMSGSIZE;
	}
	may_write = ipc_client_may_write(uid, gid, the_daemon->cfg.have_admin_gid,
					 the_daemon->cfg.admin_gid);
	if (!may_write && n_readers >= IPC_MAX_READERS) {
		qb_log(LOG_NOTICE, "ipc: refused uid %u: %u read-only connections are open, the "
		       "most handoffd serves at once", (unsigned)uid, n_readers);
		return -EUSERS;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->uid = uid;
	cl->gid = gid;
	cl->may_write = may_write;
	n_readers += !may_write;
	qb_ipcs_context_set(c, cl);
	qb_log(LOG_DEBUG, "ipc: client uid %u gid %u connected (%s)",
	       (unsigned)uid, (unsigned)gid, cl->may_write ? "read-write" : "read-only");
	return 0;
}

static void on_destroyed(qb_ipcs_connection_t *c)
{
	struct ipc_client *cl = qb_ipcs_context_get(c);

	if (cl && !cl->may_write)
		n_readers--;
	free(cl);
	qb_ipcs_context_set(c, NULL);
}

static int32_t on_closed(qb_ipcs_connection_t *c)
{
	(void)c;
	return 0;
}

static ssize_t send_text(qb_ipcs_connection_t *c, int32_t id, int32_t error,
			 const char *text, size_t len)
{
	struct qb_ipc_response_header hdr;
	struct iovec iov[2];

	memset(&hdr, 0, sizeof(hdr));
	hdr.id = id;
	hdr.error = error;
	hdr.size = (int32_t)(sizeof(hdr) + len);
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = len;
	return qb_ipcs_response_sendv(c, iov, 2);
}

/* The answer did not fit the client's buffer: tell it the buffer it needs
 * (ipc.h), in an answer that fits any buffer. */
static ssize_t send_too_large(qb_ipcs_connection_t *c, int32_t id, size_t need,
			      int32_t have)
{
	char text[160];
	int n = snprintf(text, sizeof(text), "{\"error\":\"the answer of %zu bytes does not "
			 "fit this connection's buffer of %d bytes\",\"size\":%zu}",
			 need, (int)have, need);

	return send_text(c, id, -EMSGSIZE, text, (size_t)n + 1);
}

static void send_response(qb_ipcs_connection_t *c, int32_t id, int32_t error,
			  json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	size_t len, need;
	int32_t have = qb_ipcs_connection_get_buffer_size(c);
	ssize_t rc;

	if (!text) {    /* json-c, or a document written as text (json_out.h), ran out of memory */
		qb_log(LOG_ERR, "ipc: cannot print the response to command %d", id);
		text = "{\"error\":\"out of memory\"}";
		error = -ENOMEM;
	}
	len = strlen(text) + 1;
	need = sizeof(struct qb_ipc_response_header) + len;
	if (need > HANDOFF_IPC_MAX_MSG) {
		qb_log(LOG_ERR, "ipc: response to command %d is %zu bytes, over the %d limit",
		       id, len, HANDOFF_IPC_MAX_MSG);
		text = "{\"error\":\"response too large\"}";
		len = strlen(text) + 1;
		error = -EMSGSIZE;
	} else if (have > 0 && need > (size_t)have) {
		rc = send_too_large(c, id, need, have);
		goto out;
	}
	rc = send_text(c, id, error, text, len);
	/* libqb's own framing can make a message that fits the buffer by our
	 * count too large for the ring: ask for the next size up */
	if (rc == -EMSGSIZE && error != -EMSGSIZE)
		rc = send_too_large(c, id, have > 0 && need <= (size_t)have ? (size_t)have + 1 : need,
				    have);
out:
	if (rc < 0)
		qb_log(LOG_WARNING, "ipc: cannot send response: %s", strerror((int)-rc));
}

static void reject(qb_ipcs_connection_t *c, int32_t id, int32_t error, const char *why)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "error", json_object_new_string(why));
	send_response(c, id, error, doc);
	json_object_put(doc);
}

static int32_t on_msg(qb_ipcs_connection_t *c, void *data, size_t size)
{
	struct ipc_client *cl = qb_ipcs_context_get(c);
	json_object *args, *result = NULL;
	const char *bad;
	int32_t id;
	int rc;

	if (ipc_request_parse(data, size, &id, &args, &bad) < 0) {
		qb_log(LOG_WARNING, "ipc: dropped a malformed request of %zu bytes", size);
		reject(c, id, -EINVAL, bad);
		return 0;
	}
	if ((handoff_cmd_flags(id) & HANDOFF_CMD_WRITE) && !(cl && cl->may_write)) {
		char why[200];
		snprintf(why, sizeof(why), "permission denied: '%s' needs root%s%s",
			 handoff_cmd_name(id),
			 the_daemon->cfg.have_admin_gid ? " or group " : "",
			 the_daemon->cfg.admin_group);
		qb_log(LOG_NOTICE, "ipc: uid %u denied command %d", cl ? (unsigned)cl->uid : 0, id);
		reject(c, id, -EPERM, why);
		json_object_put(args);
		return 0;
	}
	if (ipc_request_check_args(id, args, &bad) < 0) {
		reject(c, id, -EINVAL, bad);
		json_object_put(args);
		return 0;
	}
	rc = ctl_command_run(the_daemon, c, id, args, &result);
	if (rc == 1) {      /* answered when the request is decided */
		json_object_put(args);
		return 0;
	}
	send_response(c, id, rc, result);
	json_object_put(result);
	json_object_put(args);
	return 0;
}

static int32_t job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(the_daemon->loop, p, data, fn);
}

static int32_t poll_add(enum qb_loop_priority p, int32_t fd, int32_t events,
			void *data, qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(the_daemon->loop, p, fd, events, data, fn);
}

static int32_t poll_mod(enum qb_loop_priority p, int32_t fd, int32_t events,
			void *data, qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(the_daemon->loop, p, fd, events, data, fn);
}

static int32_t poll_del(int32_t fd)
{
	return qb_loop_poll_del(the_daemon->loop, fd);
}

int ipc_server_start(struct handoffd *d)
{
	static struct qb_ipcs_service_handlers handlers = {
		.connection_accept = on_accept,
		.connection_created = NULL,
		.msg_process = on_msg,
		.connection_closed = on_closed,
		.connection_destroyed = on_destroyed,
	};
	static struct qb_ipcs_poll_handlers poll_handlers = {
		.job_add = job_add,
		.dispatch_add = poll_add,
		.dispatch_mod = poll_mod,
		.dispatch_del = poll_del,
	};
	int32_t rc;

	the_daemon = d;
	d->ipcs = qb_ipcs_create(HANDOFF_IPC_SERVICE, 0, QB_IPC_SHM, &handlers);
	if (!d->ipcs)
		return -errno ? -errno : -ENOMEM;
	qb_ipcs_poll_handlers_set(d->ipcs, &poll_handlers);
	rc = qb_ipcs_run(d->ipcs);
	if (rc != 0) {
		/* qb_ipcs_run() has already released the service on failure */
		d->ipcs = NULL;
		return rc;
	}
	return 0;
}

void ipc_server_why_taken(char *buf, size_t len)
{
	struct ipc_peer who;
	char desc[96];

	if (ipc_peer_holder(HANDOFF_IPC_SERVICE, &who) < 0) {
		snprintf(buf, len, " (is another handoffd running?)");
		return;
	}
	ipc_peer_describe(&who, desc, sizeof(desc));
	if (ipc_peer_trusted(&who))
		snprintf(buf, len, ": %s holds it (is another handoffd running?)", desc);
	else
		snprintf(buf, len, ": %s holds it, not root, so not a handoffd: end that "
			 "process", desc);
}

void ipc_server_stop(struct handoffd *d)
{
	if (d->ipcs) {
		qb_ipcs_destroy(d->ipcs);
		d->ipcs = NULL;
	}
}
