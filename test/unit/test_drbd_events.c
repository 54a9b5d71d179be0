/* drbdsetup events2 lines (DRBD 8.4 through drbd-utils 9, and 9), the line
 * splitter, and which events ask for a health check at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/drbd_events.h"

/* An exact-size heap copy without a NUL: ASan and valgrind catch overreads. */
static int parse(const char *s, struct drbd_event *ev, char *err, size_t errlen)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	int rc;

	assert_non_null(p);
	memcpy(p, s, n);
	rc = drbd_event_parse(p, n, ev, err, errlen);
	free(p);
	return rc;
}

static void resource_role(void **state)
{
	struct drbd_event ev;
	char err[128];

	(void)state;
	assert_int_equal(parse("exists resource name:r0 role:Primary suspended:no "
			       "write-ordering:flush", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.kind, DRBD_EV_EXISTS);
	assert_int_equal(ev.object, DRBD_OBJ_RESOURCE);
	assert_string_equal(ev.name, "r0");
	assert_true(ev.has_role);
	assert_int_equal(ev.role, DRBD_ROLE_PRIMARY);
	assert_false(ev.has_disk);
	assert_false(drbd_event_alarms(&ev));

	assert_int_equal(parse("change resource name:web-data role:Secondary", &ev, err,
			       sizeof(err)), 0);
	assert_int_equal(ev.kind, DRBD_EV_CHANGE);
	assert_string_equal(ev.name, "web-data");
	assert_int_equal(ev.role, DRBD_ROLE_SECONDARY);
	assert_true(drbd_event_alarms(&ev));
}

/* a connection's role is the peer's: it must not pass for ours */
static void connection_role_is_the_peers(void **state)
{
	struct drbd_event ev;

	(void)state;
	assert_int_equal(parse("change connection name:r0 peer-node-id:1 conn-name:peer "
			       "connection:Connected role:Secondary", &ev, NULL, 0), 0);
	assert_int_equal(ev.object, DRBD_OBJ_CONNECTION);
	assert_false(ev.has_role);
	assert_false(drbd_event_alarms(&ev));
	assert_int_equal(parse("change peer-device name:r0 peer-node-id:1 conn-name:peer "
			       "volume:0 replication:Established peer-disk:Failed", &ev, NULL, 0), 0);
	assert_false(ev.has_disk);
	assert_false(drbd_event_alarms(&ev));
}

static void device_disk(void **state)
{
	static const struct { const char *disk; bool alarm; } cases[] = {
		{ "UpToDate", false }, { "Failed", true }, { "Diskless", true },
		{ "Inconsistent", true }, { "Detaching", true }, { "Outdated", true },
		{ "Attaching", true },
	};
	struct drbd_event ev;
	char line[160], err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "change device name:r0 volume:0 minor:0 disk:%s "
			 "client:no quorum:yes", cases[i].disk);
		assert_int_equal(parse(line, &ev, err, sizeof(err)), 0);
		assert_int_equal(ev.object, DRBD_OBJ_DEVICE);
		assert_true(ev.has_disk);
		assert_string_equal(drbd_disk_name(ev.disk), cases[i].disk);
		assert_int_equal(drbd_event_alarms(&ev), cases[i].alarm);
	}
	/* a device change without a disk (size, statistics) says nothing */
	assert_int_equal(parse("change device name:r0 volume:0 minor:0 size:4056", &ev, NULL, 0), 0);
	assert_false(drbd_event_alarms(&ev));
}

static void end_destroy_helper(void **state)
{
	struct drbd_event ev;

	(void)state;
	assert_int_equal(parse("exists -", &ev, NULL, 0), 0);
	assert_int_equal(ev.object, DRBD_OBJ_END);
	assert_false(drbd_event_alarms(&ev));
	assert_int_equal(parse("destroy device name:r0 volume:0 minor:0", &ev, NULL, 0), 0);
	assert_true(drbd_event_alarms(&ev));
	assert_int_equal(parse("destroy resource name:r0", &ev, NULL, 0), 0);
	assert_true(drbd_event_alarms(&ev));
	assert_int_equal(parse("destroy connection name:r0 peer-node-id:1 conn-name:peer",
			       &ev, NULL, 0), 0);
	assert_false(drbd_event_alarms(&ev));
	assert_int_equal(parse("create device name:r0 volume:0 minor:0 disk:Diskless",
			       &ev, NULL, 0), 0);
	assert_false(drbd_event_alarms(&ev));   /* drbdadm up: not a running disk */
	assert_int_equal(parse("call helper name:r0 peer-node-id:1 conn-name:peer helper:fence-peer",
			       &ev, NULL, 0), 0);
	assert_false(drbd_event_alarms(&ev));
}

static void refused(void **state)
{
	static const char *const bad[] = {
		"", " ", "exists", "exists  resource name:r0 role:Primary",
		"exists resource name:r0  role:Primary",        /* an empty field */
		"exists resource name:r0 role:Master",          /* not a role */
		"exists resource name:r0 role:Primary role:Secondary",
		"exists device name:r0 disk:UpToDate disk:Failed",
		"exists device name:r0 disk:Healthy",
		"exists device name: disk:UpToDate",
		"exists device name:r0 name:r1 disk:UpToDate",
		"exists device disk:UpToDate",                  /* no name */
		"exists device name:r0 volume",                 /* not KEY:VALUE */
		"exists device name:r0 :x",
		"exists -  ", "change -", "exists - x",
		"2017-03-27T08:28:17.072611-07:00 exists resource name:r0 role:Primary",
		"exists thing name:r0", "happens resource name:r0",
		"exists resource name:r\x01" "0 role:Primary",
		"exists resource name:r0\trole:Primary",
		"exists resource name:a234567890123456789012345678901234567890123456789012345678901234",
	};
	struct drbd_event ev = { .name = "untouched" }, keep;
	char err[128];

	(void)state;
	keep = ev;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &ev, err, sizeof(err)) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
		assert_memory_equal(&ev, &keep, sizeof(ev));
	}
}

struct collected {
	char lines[8][DRBD_EV_LINE_MAX + 1];
	size_t n;
};

static void collect(void *ctx, const char *line, size_t len)
{
	struct collected *c = ctx;

	assert_true(c->n < 8);
	assert_true(len <= DRBD_EV_LINE_MAX);
	memcpy(c->lines[c->n], line, len);
	c->lines[c->n++][len] = '\0';
}

static void lines(void **state)
{
	struct drbd_lines *l = calloc(1, sizeof(*l));
	struct collected *c = calloc(1, sizeof(*c));
	char *big = malloc(3000);
	const char *s = "exists -\nchange resource name:r0 role:Secondary\npart";

	(void)state;
	assert_non_null(l);
	assert_non_null(c);
	assert_non_null(big);
	/* byte by byte: lines straddle every possible cut */
	for (size_t i = 0; s[i]; i++)
		drbd_lines_feed(l, s + i, 1, collect, c);
	assert_int_equal(c->n, 2);
	assert_string_equal(c->lines[0], "exists -");
	assert_string_equal(c->lines[1], "change resource name:r0 role:Secondary");
	drbd_lines_feed(l, "ial\n", 4, collect, c);
	assert_string_equal(c->lines[2], "partial");
	/* too long, and a NUL: dropped whole, the next line is intact */
	memset(big, 'x', 3000);
	big[2999] = '\n';
	drbd_lines_feed(l, big, 3000, collect, c);
	drbd_lines_feed(l, "a\0b\nok\n", 7, collect, c);
	assert_int_equal(c->n, 4);
	assert_string_equal(c->lines[3], "ok");
	assert_int_equal(l->dropped, 2);
	free(big);
	free(c);
	free(l);
}

static void random_bytes(void **state)
{
	char buf[256], err[128];
	struct drbd_event ev;
	struct drbd_lines *l = calloc(1, sizeof(*l));
	struct collected *c = calloc(1, sizeof(*c));

	(void)state;
	srand(17);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)rand() % sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(rand() % 4 ? "exists resource name:r0 role:Primary-\n"[rand() % 38]
					: rand());
		if (drbd_event_parse(buf, n, &ev, err, sizeof(err)) == 0)
			assert_true(strlen(ev.name) <= DRBD_EV_NAME_MAX);
		c->n = 0;
		l->len = 0;
		/* feed, but never more lines than collect keeps */
		if (!memchr(buf, '\n', n) || n < 8)
			drbd_lines_feed(l, buf, n, collect, c);
	}
	free(c);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resource_role),
		cmocka_unit_test(connection_role_is_the_peers),
		cmocka_unit_test(device_disk),
		cmocka_unit_test(end_destroy_helper),
		cmocka_unit_test(refused),
		cmocka_unit_test(lines),
		cmocka_unit_test(random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
