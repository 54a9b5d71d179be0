/*
 * cpg_latency - the raw delivery latency of AGREED multicasts in a corosync
 * cluster, the physical floor of handoff's coordination (bench/coord.sh).
 *
 *   cpg_latency -g GROUP -m MEMBERS -r lead|echo|member [-c COUNT] [-t SECS]
 *
 * Every node runs one instance; each joins the CPG group GROUP and waits
 * until it has MEMBERS members.  Then the lead measures, one message at a
 * time (the next is sent when the previous one is delivered):
 *
 *   self  COUNT messages: from cpg_mcast_joined() to the lead's own
 *         delivery of the same message, i.e. one totally ordered delivery;
 *   hop   COUNT messages: the lead multicasts PING, the echo instance
 *         multicasts PONG as soon as PING is delivered to it, and the
 *         lead times PING sent -> PONG delivered: two deliveries with a
 *         reaction on another node in between, which is what one step of
 *         handoff's protocol does; half of it is reported as hop/2.
 *
 * Then the lead multicasts DONE and every instance exits.  The lead prints
 * "self n=.. median_us=.. p10_us=.. p90_us=.. mean_us=.." and the same for
 * "hop2" (the whole round) on stdout.  Exit 0 on success, 1 on error or
 * when SECS (default 60) pass.
 */
#define _GNU_SOURCE
#include <corosync/cpg.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum kind { K_SELF = 1, K_PING = 2, K_PONG = 3, K_DONE = 4 };

struct msg {
	uint32_t kind;
	uint32_t seq;
	uint32_t from;          /* nodeid of the sender */
	uint32_t pad;
};

static enum { R_LEAD, R_ECHO, R_MEMBER } role = R_MEMBER;
static cpg_handle_t handle;
static uint32_t local_nodeid;
static size_t members;
static int done;
static int64_t *self_us, *hop_us;
static unsigned count = 1000;
static unsigned got_self, got_hop;
static int waiting;              /* the lead waits for this kind ... */
static uint32_t waiting_seq;     /* ... with this sequence number */
static int64_t sent_at;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int send_msg(uint32_t kind, uint32_t seq)
{
	struct msg m = { .kind = kind, .seq = seq, .from = local_nodeid };
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	cs_error_t rc;

	for (int tries = 0; tries < 1000; tries++) {
		rc = cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1);
		if (rc != CS_ERR_TRY_AGAIN)
			break;
		usleep(1000);
	}
	if (rc != CS_OK) {
		fprintf(stderr, "cpg_latency: cpg_mcast_joined: error %d\n", rc);
		return -1;
	}
	return 0;
}

static void deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
		    void *data, size_t len)
{
	struct msg m;
	int64_t t = now_ns();

	(void)h; (void)g; (void)pid;
	if (len < sizeof(m))
		return;
	memcpy(&m, data, sizeof(m));
	if (m.kind == K_DONE) {
		done = 1;
		return;
	}
	if (role == R_ECHO && m.kind == K_PING) {
		send_msg(K_PONG, m.seq);
		return;
	}
	if (role != R_LEAD || (int)m.kind != waiting || m.seq != waiting_seq)
		return;
	if (m.kind == K_SELF && nodeid == local_nodeid)
		self_us[got_self++] = (t - sent_at) / 1000;
	else if (m.kind == K_PONG)
		hop_us[got_hop++] = (t - sent_at) / 1000;
	else
		return;
	waiting = 0;
}

static void confchg(cpg_handle_t h, const struct cpg_name *g,
		    const struct cpg_address *memb, size_t n_memb,
		    const struct cpg_address *left, size_t n_left,
		    const struct cpg_address *joined, size_t n_joined)
{
	(void)h; (void)g; (void)memb; (void)left; (void)n_left; (void)joined; (void)n_joined;
	members = n_memb;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, int64_t *v, unsigned n)
{
	int64_t sum = 0;

	if (n == 0) {
		printf("%s n=0\n", name);
		return;
	}
	qsort(v, n, sizeof(*v), cmp64);
	for (unsigned i = 0; i < n; i++)
		sum += v[i];
	printf("%s n=%u median_us=%lld p10_us=%lld p90_us=%lld mean_us=%lld\n", name, n,
	       (long long)v[n / 2], (long long)v[n / 10], (long long)v[n * 9 / 10],
	       (long long)(sum / n));
}

static int pump(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t left = (deadline - now_ns()) / 1000000;

	if (left <= 0) {
		fprintf(stderr, "cpg_latency: timed out (%zu members, %u self, %u hop)\n",
			members, got_self, got_hop);
		return -1;
	}
	if (poll(&p, 1, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR)
		return -1;
	if (p.revents && cpg_dispatch(handle, CS_DISPATCH_ALL) != CS_OK) {
		fprintf(stderr, "cpg_latency: cpg_dispatch failed\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg };
	struct cpg_name group = { 0 };
	const char *gname = "bench-latency";
	size_t want = 2;
	unsigned secs = 60;
	int64_t deadline;
	int fd, opt;

	while ((opt = getopt(argc, argv, "g:m:r:c:t:")) != -1) {
		switch (opt) {
		case 'g': gname = optarg; break;
		case 'm': want = strtoul(optarg, NULL, 10); break;
		case 'c': count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': secs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r':
			role = !strcmp(optarg, "lead") ? R_LEAD : !strcmp(optarg, "echo") ? R_ECHO :
			       R_MEMBER;
			break;
		default:
			fprintf(stderr, "usage: cpg_latency -g GROUP -m MEMBERS -r lead|echo|member "
				"[-c COUNT] [-t SECS]\n");
			return 2;
		}
	}
	if (count == 0 || strlen(gname) >= sizeof(group.value)) {
		fprintf(stderr, "cpg_latency: bad count or group name\n");
		return 2;
	}
	self_us = calloc(count, sizeof(*self_us));
	hop_us = calloc(count, sizeof(*hop_us));
	if (!self_us || !hop_us)
		return 1;
	group.length = (uint32_t)strlen(gname);
	memcpy(group.value, gname, group.length);
	if (cpg_initialize(&handle, &cb) != CS_OK || cpg_local_get(handle, &local_nodeid) != CS_OK ||
	    cpg_join(handle, &group) != CS_OK || cpg_fd_get(handle, &fd) != CS_OK) {
		fprintf(stderr, "cpg_latency: cannot join CPG group %s\n", gname);
		return 1;
	}
	deadline = now_ns() + (int64_t)secs * 1000000000;
	while (members < want && !done)
		if (pump(fd, deadline) < 0)
			return 1;
	if (role == R_LEAD) {
		/* a few rounds first, to warm up both sides */
		for (int pass = 0; pass < 2; pass++) {
			for (unsigned i = 0; i < count; i++) {
				waiting = pass == 0 ? K_SELF : K_PONG;
				waiting_seq = i;
				sent_at = now_ns();
				if (send_msg(pass == 0 ? K_SELF : K_PING, i) < 0)
					return 1;
				while (waiting)
					if (pump(fd, deadline) < 0)
						return 1;
			}
		}
		/* the first tenth of each pass is the warm-up */
		report("self", self_us + count / 10, got_self - count / 10);
		report("hop2", hop_us + count / 10, got_hop - count / 10);
		fflush(stdout);
		send_msg(K_DONE, 0);
	}
	while (!done)
		if (pump(fd, deadline) < 0)
			return 1;
	cpg_finalize(handle);
	return 0;
}
