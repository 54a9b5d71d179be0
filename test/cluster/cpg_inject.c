/*
 * cpg_inject - a foreign CPG client for the cluster tier: it joins the
 * group as any libcpg process may, to show what handoffd does with what is
 * not its node's handoffd (doc/protocol.md, "Who speaks for a node").
 *
 *   cpg_inject GROUP
 *       multicasts garbage: random bytes, an empty message, a handoff
 *       header with a bad magic, one claiming another sender nodeid, one
 *       with a wrong length, one of an unknown type and a truncated STATE.
 *   cpg_inject GROUP --silent SECONDS
 *       joins and says nothing for SECONDS (corosync's testcpg does the
 *       same), then leaves.
 *   cpg_inject GROUP --forge-state NODEID [RES...]
 *       a well-formed STATE as this node (CPG sends it with our pid): a
 *       table of generation 2^40 in which each RES (default: web) RUNS on
 *       NODEID at epoch 1000, and a members list that calls us the node's
 *       handoffd; flagged RESYNC (it opens a sync) and sent again every
 *       100 ms while it stays, so that one copy comes after the node's own
 *       STATE in some sync.  Before issue 16 the merge took it.
 *   cpg_inject GROUP --forge-migrate RES TARGET
 *       a HELLO (claiming the node), then MIGRATE RES to node TARGET, as
 *       this node, past handoffctl's admin check.
 *
 * Options, before the mode: --stay SECONDS (how long a forging client
 * stays in the group after it sent, default 3: what it sent is delivered
 * while it is a member) and --wire-version V (encode in version V; 2 drops
 * what version 3 added, so that the test can run against a handoffd of
 * before issue 16 and show what it did).  Prints what it sent.
 */
#include <corosync/cpg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpg/wire.h"

static cpg_handle_t handle;
static struct cpg_name group;
static struct wire_member members[WIRE_MEMBERS_MAX];
static size_t n_members;
static unsigned int local;
static int joined;
static unsigned wire_version = WIRE_VERSION_MAX;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = v >> 24;
}

static int send_buf(const uint8_t *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	cs_error_t rc;
	int tries = 0;

	while ((rc = cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN &&
	       tries++ < 100)
		usleep(10000);
	return rc == CS_OK ? 0 : -1;
}

/* a header: magic, the version handoffd speaks (so that each message is
 * refused for its own fault, not for the version), TYPE, NODEID, LENGTH,
 * epoch 0 */
static void header(uint8_t *b, uint32_t magic, uint16_t type, uint32_t nodeid, uint32_t length)
{
	memset(b, 0, 24);
	put32(b, magic);
	b[4] = (uint8_t)wire_version;
	b[6] = type & 0xff;
	b[7] = type >> 8;
	put32(b + 8, nodeid);
	put32(b + 12, length);
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *m, size_t n, const struct cpg_address *left,
		       size_t n_left, const struct cpg_address *j, size_t n_joined)
{
	(void)h; (void)g; (void)left; (void)n_left; (void)j; (void)n_joined;
	n_members = 0;
	for (size_t i = 0; i < n && i < WIRE_MEMBERS_MAX; i++) {
		members[n_members++] = (struct wire_member){ m[i].nodeid, m[i].pid, MEMBER_DAEMON };
		if (m[i].nodeid == local && m[i].pid == (uint32_t)getpid())
			joined = 1;
	}
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
		       uint32_t pid, void *msg, size_t len)
{
	(void)h; (void)g; (void)nodeid; (void)pid; (void)msg; (void)len;
}

/* dispatch for MS milliseconds (or until our join was seen, when UNTIL_JOINED) */
static void dispatch_for(int ms, int until_joined)
{
	struct timespec t0, t;
	int fd;

	cpg_fd_get(handle, &fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long spent;
		if (until_joined && joined)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= ms)
			return;
		if (poll(&p, 1, (int)(ms - spent)) > 0 &&
		    cpg_dispatch(handle, CS_DISPATCH_ALL) != CS_OK)
			return;
	}
}

/* MSG encoded as wire_version, multicast */
static int send_msg(const struct wire_msg *msg)
{
	uint8_t *buf;
	size_t len = wire_encode(msg, WIRE_VERSION_MAX, &buf);
	int rc;

	if (!len)
		return -1;
	if (wire_version == 2 && msg->hdr.type == MSG_STATE) {
		len -= 1 + 9 * msg->u.state.n_members;   /* version 2 had no members list */
		put32(buf + 12, (uint32_t)len);
	}
	buf[4] = (uint8_t)wire_version;
	rc = send_buf(buf, len);
	free(buf);
	return rc;
}

static int garbage(void)
{
	uint8_t buf[512];
	unsigned seed = 7;
	int sent = 0;

	for (int i = 0; i < 20; i++) {
		size_t len = 1 + (size_t)(rand_r(&seed) % sizeof(buf));
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		sent += send_buf(buf, len) == 0;
	}
	sent += send_buf(buf, 0) == 0;
	header(buf, 0xdeadbeef, 2, local, 24);
	sent += send_buf(buf, 24) == 0;
	header(buf, 0x464f4448u, 2, local + 100, 24);        /* claims another node */
	sent += send_buf(buf, 24) == 0;
	header(buf, 0x464f4448u, 2, local, 999);             /* wrong length */
	sent += send_buf(buf, 24) == 0;
	header(buf, 0x464f4448u, 77, local, 24);             /* unknown type */
	sent += send_buf(buf, 24) == 0;
	header(buf, 0x464f4448u, 1, local, 30);              /* truncated STATE */
	sent += send_buf(buf, 30) == 0;
	printf("sent %d garbage messages as node %u\n", sent, local);
	return 0;
}

static int forge_state(uint32_t owner, char **res, int n_res, int stay)
{
	int copies = 0;
	struct wire_msg msg = { .hdr = { .type = MSG_STATE, .nodeid = local } };
	struct wire_entry e[16];
	const char *dflt = "web";
	int n = n_res ? n_res : 1;

	if (n > 16)
		n = 16;
	for (int i = 0; i < n; i++)
		e[i] = (struct wire_entry){ .name = n_res ? res[i] : dflt, .owner = owner,
					    .phase = PHASE_RUNNING, .epoch = 1000, .last_error = "" };
	msg.u.state = (struct wire_state){ .proto_min = (uint16_t)wire_version,
		.proto_max = (uint16_t)wire_version,
		.flags = WIRE_STATE_QUORATE_NOW | WIRE_STATE_RESYNC,
		.table_gen = 1ULL << 40, .entries = e, .n_entries = (size_t)n };
	/* the group as it is, with us as the node's handoffd */
	for (size_t i = 0; i < n_members; i++) {
		msg.u.state.members[i] = members[i];
		if (members[i].nodeid == local && members[i].pid != (uint32_t)getpid())
			msg.u.state.members[i].status = MEMBER_UNKNOWN;
	}
	msg.u.state.n_members = n_members;
	do {
		if (send_msg(&msg) < 0) {
			fprintf(stderr, "cpg_inject: cannot send the forged STATE\n");
			return 1;
		}
		copies++;
		dispatch_for(100, 0);
	} while (copies < stay * 10);
	printf("sent %d forged STATEs as node %u pid %u: %d resource(s) RUNNING on node %u, "
	       "table_gen 2^40\n", copies, local, (unsigned)getpid(), n, owner);
	return 0;
}

static int forge_migrate(const char *res, uint32_t target)
{
	struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = local } };
	struct wire_msg mig = { .hdr = { .type = MSG_MIGRATE, .nodeid = local } };

	if (wire_version >= 3 && send_msg(&hello) < 0)
		return 1;
	mig.u.req.req_id = 4242;
	mig.u.req.node = target;
	snprintf(mig.u.req.resource, sizeof(mig.u.req.resource), "%s", res);
	if (send_msg(&mig) < 0) {
		fprintf(stderr, "cpg_inject: cannot send the forged MIGRATE\n");
		return 1;
	}
	printf("sent a forged MIGRATE of %s to node %u as node %u pid %u\n", res, target, local,
	       (unsigned)getpid());
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: cpg_inject GROUP [--stay S] [--wire-version V] "
		"[--silent S | --forge-state NODEID [RES...] | --forge-migrate RES TARGET]\n");
	return 2;
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = on_deliver, .cpg_confchg_fn = on_confchg };
	int stay = 3, rc = 0, a = 2;

	if (argc < 2 || strlen(argv[1]) >= sizeof(group.value))
		return usage();
	while (a + 1 < argc && (!strcmp(argv[a], "--stay") || !strcmp(argv[a], "--wire-version"))) {
		if (!strcmp(argv[a], "--stay"))
			stay = atoi(argv[a + 1]);
		else
			wire_version = (unsigned)atoi(argv[a + 1]);
		a += 2;
	}
	if (wire_version < 2 || wire_version > WIRE_VERSION_MAX)
		return usage();
	group.length = (uint32_t)strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);
	if (cpg_initialize(&handle, &cb) != CS_OK || cpg_local_get(handle, &local) != CS_OK ||
	    cpg_join(handle, &group) != CS_OK) {
		fprintf(stderr, "cpg_inject: cannot join %s\n", argv[1]);
		return 1;
	}
	dispatch_for(2000, 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (a == argc) {
		rc = garbage();
		stay = 0;
	} else if (!strcmp(argv[a], "--silent") && a + 2 == argc) {
		printf("joined %s as node %u pid %u; silent for %s s\n", argv[1], local,
		       (unsigned)getpid(), argv[a + 1]);
		stay = atoi(argv[a + 1]);
	} else if (!strcmp(argv[a], "--forge-state") && a + 2 <= argc) {
		rc = forge_state((uint32_t)strtoul(argv[a + 1], NULL, 10), argv + a + 2, argc - a - 2,
				 stay);
		stay = 0;
	} else if (!strcmp(argv[a], "--forge-migrate") && a + 3 == argc) {
		rc = forge_migrate(argv[a + 1], (uint32_t)strtoul(argv[a + 2], NULL, 10));
	} else {
		rc = usage();
		stay = 0;
	}
	dispatch_for(stay * 1000, 0);
	cpg_leave(handle, &group);
	cpg_finalize(handle);
	return rc;
}
