/*
 * ipc_probe - send handoffd a raw request, for the cluster tier's tests of
 * bad input.  Prints the answer's error code and JSON, exits 0 when an
 * answer came back (whatever it said), 2 when there was none.
 *
 *   ipc_probe CMD-ID PAYLOAD [OPTIONS]   PAYLOAD sent with its NUL
 *     --no-nul        without it
 *     --size BYTES    connect with a buffer of BYTES (default HANDOFF_IPC_MAX_MSG)
 *     --hold SECS     keep the connection SECS seconds after the answer
 */
#include <errno.h>
#include <qb/qbipcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff/ipc.h"

int main(int argc, char **argv)
{
	struct qb_ipc_request_header req;
	struct qb_ipc_response_header *res;
	struct iovec iov[2];
	qb_ipcc_connection_t *conn;
	static char buf[HANDOFF_IPC_MAX_MSG];
	size_t len, size = HANDOFF_IPC_MAX_MSG;
	unsigned hold = 0;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: ipc_probe CMD-ID PAYLOAD [--no-nul] [--size BYTES] "
			"[--hold SECS]\n");
		return 2;
	}
	len = strlen(argv[2]) + 1;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--no-nul"))
			len--;
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = (unsigned)strtoul(argv[++i], NULL, 10);
	}
	conn = qb_ipcc_connect(HANDOFF_IPC_SERVICE, size);
	if (!conn) {
		fprintf(stderr, "ipc_probe: cannot connect: %s\n", strerror(errno));
		return 2;
	}
	memset(&req, 0, sizeof(req));
	req.id = atoi(argv[1]);
	req.size = (int32_t)(sizeof(req) + len);
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = argv[2];
	iov[1].iov_len = len;
	n = qb_ipcc_sendv_recv(conn, iov, len ? 2 : 1, buf, sizeof(buf), 10000);
	if (hold)
		sleep(hold);
	qb_ipcc_disconnect(conn);
	if (n < (ssize_t)sizeof(*res)) {
		fprintf(stderr, "ipc_probe: no answer: %s\n", n < 0 ? strerror((int)-n) : "short");
		return 2;
	}
	res = (struct qb_ipc_response_header *)buf;
	buf[n - 1] = '\0';
	printf("error=%d %s\n", res->error, buf + sizeof(*res));
	return 0;
}
