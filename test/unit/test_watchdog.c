/*
 * The watchdog's timeout: asked with WDIOC_SETTIMEOUT, read back with
 * WDIOC_GETTIMEOUT (a fake device's ioctl stands in for a driver), unknown
 * (0) for a device without them (a plain file: ENOTTY), and the magic
 * close only when asked to disarm.  The real ioctls on softdog are tested
 * in the VM tier (test/vm): this host has no watchdog module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/watchdog.h"

static char path[64];
static int (*real_ioctl)(int, unsigned long, int *);

static int setup(void **state)
{
	int fd;

	(void)state;
	if (!real_ioctl)
		real_ioctl = watchdog_ioctl;
	snprintf(path, sizeof(path), "/tmp/handoff-wd-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	if (real_ioctl)
		watchdog_ioctl = real_ioctl;
	return 0;
}

/* The last byte written to the device file. */
static int last_byte(void)
{
	FILE *f = fopen(path, "r");
	int c, last = EOF;

	assert_non_null(f);
	while ((c = getc(f)) != EOF)
		last = c;
	fclose(f);
	return last;
}

static void plain_file_has_no_known_timeout(void **state)
{
	struct watchdog w;
	char msg[400];

	(void)state;
	assert_int_equal(watchdog_open(&w, path, 10000, 1000, msg, sizeof(msg)), 0);
	assert_int_equal(w.timeout_ms, 0);
	assert_int_equal(w.feed_ms, 1000);
	assert_non_null(strstr(msg, "its timeout is unknown (WDIOC_GETTIMEOUT: Inappropriate ioctl"));
	assert_non_null(strstr(msg, "counted as 0"));
	assert_int_equal(last_byte(), '\0');       /* fed once at open */
	assert_int_equal(watchdog_feed(&w), 0);
	/* left armed: no magic close */
	assert_int_equal(watchdog_close(&w, false), 0);
	assert_int_equal(last_byte(), '\0');
	assert_int_equal(watchdog_open(&w, path, 10000, 1000, msg, sizeof(msg)), 0);
	assert_int_equal(watchdog_close(&w, true), 0);
	assert_int_equal(last_byte(), 'V');
	printf("# the real device's ioctls are tested only in the VM tier (softdog)\n");
}

/* A device that rounds a timeout up to even seconds, or refuses above MAX. */
static int device_timeout_s, device_max_s;
static int fake_ioctl(int fd, unsigned long request, int *arg)
{
	(void)fd;
	if (request == WDIOC_SETTIMEOUT) {
		if (*arg > device_max_s) {
			errno = EINVAL;
			return -1;
		}
		device_timeout_s = (*arg + 1) / 2 * 2;
		*arg = device_timeout_s;
		return 0;
	}
	if (request == WDIOC_GETTIMEOUT) {
		*arg = device_timeout_s;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static void timeout_is_read_back(void **state)
{
	struct watchdog w;
	char msg[400];

	(void)state;
	watchdog_ioctl = fake_ioctl;
	device_timeout_s = 60;
	device_max_s = 120;
	/* 2.5 s asked: 3 s, which the device makes 4 */
	assert_int_equal(watchdog_open(&w, path, 2500, 1000, msg, sizeof(msg)), 0);
	assert_int_equal(w.timeout_ms, 4000);
	assert_int_equal(w.feed_ms, 1333);
	assert_non_null(strstr(msg, ": timeout 4 s (read back; asked for 3 s), fed every 1333 ms"));
	watchdog_close(&w, true);
}

static void refused_timeout_keeps_the_devices_own(void **state)
{
	struct watchdog w;
	char msg[400];

	(void)state;
	watchdog_ioctl = fake_ioctl;
	device_timeout_s = 8;
	device_max_s = 8;
	assert_int_equal(watchdog_open(&w, path, 30000, 1000, msg, sizeof(msg)), 0);
	assert_int_equal(w.timeout_ms, 8000);
	assert_non_null(strstr(msg, "timeout 8 s (read back; asked for 30 s; it refused a timeout "
				    "of 30 s (Invalid argument))"));
	watchdog_close(&w, false);
	assert_int_equal(last_byte(), '\0');
}

static void missing_device(void **state)
{
	struct watchdog w;
	char msg[400];

	(void)state;
	assert_int_equal(watchdog_open(&w, "/nonexistent/watchdog", 10000, 1000, msg, sizeof(msg)),
			 -ENOENT);
	assert_int_equal(w.fd, -1);
	assert_non_null(strstr(msg, "cannot open the watchdog /nonexistent/watchdog"));
	assert_int_equal(watchdog_close(&w, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(plain_file_has_no_known_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(timeout_is_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_timeout_keeps_the_devices_own, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_device, setup, teardown),
	};
	return cmocka_run_group_tests_name("watchdog", tests, NULL, NULL);
}
