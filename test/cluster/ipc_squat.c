/*
 * ipc_squat - a libqb IPC server on handoffd's service name, as any local
 * user can start one while handoffd is down (the abstract socket name is
 * free for all).  It answers every request with the same JSON document,
 * by default a fence-peer "yes", for the cluster tier's tests that clients
 * believe only root's handoffd and that handoffd names who holds its name.
 *
 *   ipc_squat [JSON]
 *
 * Prints "ready PID" on stdout once it serves; runs until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff/ipc.h"

static qb_loop_t *loop;
static const char *answer =
	"{\"node\":2,\"fenced\":true,\"reason\":\"said by ipc_squat, not by handoffd\"}";

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	(void)uid;
	(void)gid;
	/* libqb would chown the shared-memory rings to the client (root),
	 * which an unprivileged server may not: keep them ours */
	qb_ipcs_connection_auth_set(c, -1, -1, 0600);
	return 0;
}

static int32_t on_msg(qb_ipcs_connection_t *c, void *data, size_t size)
{
	const struct qb_ipc_request_header *req = data;
	struct qb_ipc_response_header hdr;
	struct iovec iov[2];

	memset(&hdr, 0, sizeof(hdr));
	hdr.id = size >= sizeof(*req) ? req->id : 0;
	hdr.size = (int32_t)(sizeof(hdr) + strlen(answer) + 1);
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)answer;
	iov[1].iov_len = strlen(answer) + 1;
	qb_ipcs_response_sendv(c, iov, 2);
	return 0;
}

static int32_t on_closed(qb_ipcs_connection_t *c)
{
	(void)c;
	return 0;
}

static int32_t on_signal(int32_t sig, void *data)
{
	(void)sig;
	(void)data;
	qb_loop_stop(loop);
	return 0;
}

static int32_t job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(loop, p, data, fn);
}

static int32_t poll_add(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
			qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(loop, p, fd, events, data, fn);
}

static int32_t poll_mod(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
			qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(loop, p, fd, events, data, fn);
}

static int32_t poll_del(int32_t fd)
{
	return qb_loop_poll_del(loop, fd);
}

int main(int argc, char **argv)
{
	static struct qb_ipcs_service_handlers handlers = {
		.connection_accept = on_accept,
		.msg_process = on_msg,
		.connection_closed = on_closed,
	};
	static struct qb_ipcs_poll_handlers poll_handlers = {
		.job_add = job_add,
		.dispatch_add = poll_add,
		.dispatch_mod = poll_mod,
		.dispatch_del = poll_del,
	};
	qb_ipcs_service_t *s;
	int32_t rc;

	if (argc > 1)
		answer = argv[1];
	loop = qb_loop_create();
	s = loop ? qb_ipcs_create(HANDOFF_IPC_SERVICE, 0, QB_IPC_SHM, &handlers) : NULL;
	if (!s) {
		fprintf(stderr, "ipc_squat: cannot create the service: %s\n", strerror(errno));
		return 1;
	}
	qb_ipcs_poll_handlers_set(s, &poll_handlers);
	rc = qb_ipcs_run(s);
	if (rc != 0) {
		fprintf(stderr, "ipc_squat: cannot serve '%s': %s\n", HANDOFF_IPC_SERVICE,
			strerror(-rc));
		return 1;
	}
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGTERM, NULL, on_signal, NULL);
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGINT, NULL, on_signal, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	qb_loop_run(loop);
	qb_ipcs_destroy(s);
	qb_loop_destroy(loop);
	return 0;
}
