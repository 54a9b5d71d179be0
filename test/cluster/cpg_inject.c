/*
 * cpg_inject - a foreign CPG client for the cluster tier: joins a group and
 * multicasts garbage, to show that handoffd drops what does not validate.
 *
 *   cpg_inject GROUP
 *
 * Sends: random bytes, an empty message, a handoff header with a bad magic,
 * one claiming another sender nodeid, one with a wrong length, one of an
 * unknown type and a truncated STATE.  Prints how many it sent.
 */
#include <corosync/cpg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpg/wire.h"      /* WIRE_VERSION_MAX only */

static cpg_handle_t handle;

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
	b[4] = WIRE_VERSION_MAX;
	b[6] = type & 0xff;
	b[7] = type >> 8;
	put32(b + 8, nodeid);
	put32(b + 12, length);
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { 0 };
	struct cpg_name group;
	unsigned int local = 0;
	uint8_t buf[512];
	unsigned seed = 7;
	int sent = 0;

	if (argc != 2 || strlen(argv[1]) >= sizeof(group.value)) {
		fprintf(stderr, "usage: cpg_inject GROUP\n");
		return 2;
	}
	group.length = (uint32_t)strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);
	if (cpg_initialize(&handle, &cb) != CS_OK || cpg_local_get(handle, &local) != CS_OK ||
	    cpg_join(handle, &group) != CS_OK) {
		fprintf(stderr, "cpg_inject: cannot join %s\n", argv[1]);
		return 1;
	}
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
	cpg_leave(handle, &group);
	cpg_finalize(handle);
	return 0;
}
