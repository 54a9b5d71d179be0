/*
 * fuzz_drbd - libFuzzer harness for plugin/drbd_parse.c: what drbdadm (or
 * an agent that takes its place) prints is input handoffd decides on.
 * Every parser gets the same bytes, without a terminating NUL: drbdadm's
 * answers, drbdsetup events2 lines and streams (drbd_events.c), and an
 * agent's monitor output and /proc/PID/stat (agent_pid.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/agent_pid.h"
#include "plugin/drbd_events.h"
#include "plugin/drbd_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(void *ctx, const char *line, size_t len)
{
	struct drbd_event ev;
	char err[128];

	if (drbd_event_parse(line, len, &ev, err, sizeof(err)) == 0) {
		(void)drbd_event_alarms(&ev);
		*(size_t *)ctx += strlen(ev.name);
	}
}

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
	{
		struct drbd_lines *l = calloc(1, sizeof(*l));
		struct drbd_event ev;
		struct agent_pid_stat ps;
		size_t names = 0;
		pid_t pid;

		if (!l)
			abort();
		(void)drbd_event_parse(copy, size, &ev, err, sizeof(err));
		/* the stream in two pieces: a line may straddle them */
		drbd_lines_feed(l, copy, size / 2, one_line, &names);
		drbd_lines_feed(l, copy + size / 2, size - size / 2, one_line, &names);
		free(l);
		(void)agent_pid_parse(copy, size, &pid, err, sizeof(err));
		if (agent_pid_stat_parse(copy, size, &ps, err, sizeof(err)) == 0)
			(void)agent_pid_trusted(&ps, ps.pid, 1234, 1234, err, sizeof(err));
	}
	free(copy);
	return 0;
}
