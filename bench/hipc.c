/*
 * hipc - a timing client of handoffd's IPC (include/handoff/ipc.h), for the
 * benchmarks.  It keeps one connection, so that what it times is the
 * daemon's answer and not a process start.
 *
 *   hipc repeat CMD-ID JSON COUNT
 *       sends the request COUNT times; prints "connect_us N" (how long
 *       the connection took to set up), then one line per request:
 *       "us N bytes B" (round trip in microseconds, answer size); exit 1
 *       when an answer carries an error.
 *   hipc each CMD-ID TEMPLATE FIRST LAST
 *       sends the request once for each I from FIRST to LAST, the JSON
 *       being TEMPLATE with its one "%d" replaced by I (e.g. start r0 ..
 *       r999); prints how many answers carried an error, exit 1 if any.
 *   hipc migrate RES NODE [POLL_MS [TIMEOUT_S]]
 *       sends MIGRATE and times the answer (handoffd answers when the
 *       MIGRATE message has been delivered and decided); then asks for
 *       RES's history every POLL_MS (default 5) until the entry of that
 *       epoch is there.  Prints "request_us N epoch E seen_us N t0_us T" (T: CLOCK_MONOTONIC
 *       when the request was sent) and, on a
 *       second line, the history entry as handoffd sent it (JSON).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <qb/qbipcc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handoff/ipc.h"

static char buf[HANDOFF_IPC_MAX_MSG];

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One request; the answer's JSON in buf + header; its length or -1. */
static ssize_t call(qb_ipcc_connection_t *c, int32_t id, const char *json, int32_t *error,
		    const char **text)
{
	struct qb_ipc_request_header req = { .id = id };
	size_t len = strlen(json) + 1;
	struct iovec iov[2] = { { &req, sizeof(req) }, { (void *)json, len } };
	struct qb_ipc_response_header *res = (struct qb_ipc_response_header *)buf;
	ssize_t n;

	req.size = (int32_t)(sizeof(req) + len);
	n = qb_ipcc_sendv_recv(c, iov, 2, buf, sizeof(buf) - 1, 30000);
	if (n < (ssize_t)sizeof(*res)) {
		fprintf(stderr, "hipc: no answer: %s\n", n < 0 ? strerror((int)-n) : "short");
		return -1;
	}
	buf[n] = '\0';
	*error = res->error;
	*text = buf + sizeof(*res);
	return n;
}

/* The value of "KEY": N in TEXT, or -1. */
static long long num_after(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(text, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return strtoll(p, NULL, 10);
}

/* The history entry of EPOCH in TEXT (a history document), copied to OUT. */
static int find_entry(const char *text, long long epoch, char *out, size_t len)
{
	const char *p = text;
	char pat[64];

	snprintf(pat, sizeof(pat), "\"epoch\":%lld,", epoch);
	/* entries are objects in one array; each starts with "resource" */
	while ((p = strstr(p, "{\"resource\":"))) {
		const char *end = strchr(p, '}');
		const char *e = strstr(p, pat);
		if (!end)
			return -1;
		end = strchr(end + 1, '}');     /* phases is the one nested object */
		if (!end)
			return -1;
		if (e && e < end) {
			size_t n = (size_t)(end - p + 1);
			if (n >= len)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

int main(int argc, char **argv)
{
	qb_ipcc_connection_t *c;
	int64_t t_connect;
	int32_t error;
	const char *text;

	if (argc < 2) {
usage:
		fprintf(stderr, "usage: hipc repeat CMD-ID JSON COUNT\n"
			"       hipc each CMD-ID TEMPLATE FIRST LAST\n"
			"       hipc migrate RES NODE [POLL_MS [TIMEOUT_S]]\n");
		return 2;
	}
	/* the small buffer handoffctl connects with (ipc.h) */
	t_connect = now_us();
	c = qb_ipcc_connect(HANDOFF_IPC_SERVICE, HANDOFF_IPC_MIN_MSG);
	t_connect = now_us() - t_connect;
	if (!c) {
		fprintf(stderr, "hipc: cannot connect to handoffd: %s\n", strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "repeat") && argc == 5) {
		int id = atoi(argv[2]), count = atoi(argv[4]), rc = 0;
		/* an answer too large for it: connect again with the buffer it
		 * needs, as handoffctl does, and time that connection */
		if (call(c, id, argv[3], &error, &text) < 0)
			return 1;
		if (error == -EMSGSIZE && num_after(text, "size") > 0) {
			size_t size = handoff_ipc_buffer_for((size_t)num_after(text, "size"));
			qb_ipcc_disconnect(c);
			t_connect = now_us();
			c = size ? qb_ipcc_connect(HANDOFF_IPC_SERVICE, size) : NULL;
			t_connect = now_us() - t_connect;
			if (!c) {
				fprintf(stderr, "hipc: cannot connect again with %zu bytes: %s\n",
					size, strerror(errno));
				return 2;
			}
		}
		printf("connect_us %lld\n", (long long)t_connect);
		for (int i = 0; i < count; i++) {
			int64_t t0 = now_us();
			ssize_t n = call(c, id, argv[3], &error, &text);
			int64_t t1 = now_us();
			if (n < 0)
				return 1;
			printf("us %lld bytes %zd\n", (long long)(t1 - t0), n);
			if (error)
				rc = 1;
		}
		qb_ipcc_disconnect(c);
		return rc;
	}
	if (!strcmp(argv[1], "each") && argc == 6) {
		int id = atoi(argv[2]), first = atoi(argv[4]), last = atoi(argv[5]), bad = 0;
		char req[1024];
		for (int i = first; i <= last; i++) {
			snprintf(req, sizeof(req), argv[3], i);
			if (call(c, id, req, &error, &text) < 0)
				return 1;
			if (error) {
				if (bad++ < 3)
					fprintf(stderr, "hipc: %s: %s\n", req, text);
			}
		}
		printf("errors %d\n", bad);
		qb_ipcc_disconnect(c);
		return bad ? 1 : 0;
	}
	if (!strcmp(argv[1], "migrate") && (argc >= 4 && argc <= 6)) {
		char req[512], hist[256];
		static char entry[8192];
		int poll_ms = argc > 4 ? atoi(argv[4]) : 5;
		int timeout_s = argc > 5 ? atoi(argv[5]) : 120;
		long long epoch;
		int64_t t0, t1, t2;

		snprintf(req, sizeof(req), "{\"resource\":\"%s\",\"node\":\"%s\"}", argv[2], argv[3]);
		snprintf(hist, sizeof(hist), "{\"resource\":\"%s\"}", argv[2]);
		t0 = now_us();
		if (call(c, HANDOFF_CMD_MIGRATE, req, &error, &text) < 0)
			return 1;
		t1 = now_us();
		epoch = num_after(text, "epoch");
		if (error || epoch < 0) {
			fprintf(stderr, "hipc: migrate refused: %s\n", text);
			return 1;
		}
		for (;;) {
			usleep((useconds_t)poll_ms * 1000);
			if (call(c, HANDOFF_CMD_HISTORY, hist, &error, &text) < 0)
				return 1;
			t2 = now_us();
			if (!error && find_entry(text, epoch, entry, sizeof(entry)) == 0)
				break;
			if (t2 - t0 > (int64_t)timeout_s * 1000000) {
				fprintf(stderr, "hipc: the migration of epoch %lld did not end in %d s\n",
					epoch, timeout_s);
				return 1;
			}
		}
		printf("request_us %lld epoch %lld seen_us %lld t0_us %lld\n%s\n", (long long)(t1 - t0),
		       epoch, (long long)(t2 - t0), (long long)t0, entry);
		qb_ipcc_disconnect(c);
		return 0;
	}
	goto usage;
}
