/*
 * fuzz_drbd - libFuzzer harness for plugin/drbd_parse.c: what drbdadm (or
 * an agent that takes its place) prints is input handoffd decides on.
 * Every parser gets the same bytes, without a terminating NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/drbd_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *out = (const char *)data;
	/* a copy of exactly SIZE bytes: ASan catches a read past the end */
	char *copy = malloc(size ? size : 1), err[128], line[160];
	struct drbd_roles r;
	struct drbd_cstate c;
	struct drbd_dstate d;
	struct drbd_status st;
	bool known;

	if (!copy)
		abort();
	memcpy(copy, out, size);
	(void)drbd_parse_role(copy, size, &r, err, sizeof(err));
	(void)drbd_parse_cstate(copy, size, &c, err, sizeof(err));
	(void)drbd_parse_dstate(copy, size, &d, err, sizeof(err));
	(void)drbd_parse_status(copy, size, NULL, &st, err, sizeof(err));
	(void)drbd_parse_status(copy, size, "r0", &st, err, sizeof(err));
	(void)drbd_parse_status(copy, size, "r0", &st, NULL, 0);
	(void)drbd_role_from_name(copy, size);
	(void)drbd_disk_from_name(copy, size);
	(void)drbd_cstate_connected(copy, size, &known);
	(void)drbd_error_line(copy, size, line, sizeof(line));
	(void)drbd_error_line(copy, size, line, 1);
	(void)drbd_describe_failure(size ? (unsigned char)copy[0] : 0, copy, size,
				    line, sizeof(line));
	free(copy);
	return 0;
}
