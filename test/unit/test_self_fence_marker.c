/*
 * The self-fence marker (STATE_DIR/self-fence, self_fence_marker.h): its
 * format round-trips, anything else (the old one-line format, truncated,
 * signs, overflow, NULs, trailing bytes) is refused, and the time left of
 * a resumed self-fence (S1): the marker's own deadline in this boot, a
 * fresh one after a reset, none (passed) for what cannot be trusted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "plugin/self_fence_marker.h"

#define BOOT_A "0f7c8a9e-1b2d-4c3e-9f00-123456789abc"
#define BOOT_B "c83a20a1-d12d-4524-8901-e2ac5a62d482"

static int parse(const char *text, struct sf_marker *m)
{
	return sf_marker_parse(text, strlen(text), m);
}

static void test_round_trip(void **state)
{
	struct sf_marker m = { .boot_id = BOOT_A, .began_ms = 123456789 }, back;
	char buf[SF_MARKER_MAX];
	int n;

	(void)state;
	n = sf_marker_format(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "handoff-self-fence 2\nboot_id " BOOT_A
			    "\nbegan_boottime_ms 123456789\n");
	assert_int_equal(sf_marker_parse(buf, (size_t)n, &back), 0);
	assert_string_equal(back.boot_id, BOOT_A);
	assert_int_equal(back.began_ms, 123456789);
	m.began_ms = UINT64_MAX;
	n = sf_marker_format(&m, buf, sizeof(buf));
	assert_int_equal(sf_marker_parse(buf, (size_t)n, &back), 0);
	assert_true(back.began_ms == UINT64_MAX);
	/* no marker with a boot id that is not one, nor cut short */
	strcpy(m.boot_id, "unknown");
	assert_int_equal(sf_marker_format(&m, buf, sizeof(buf)), -1);
	strcpy(m.boot_id, BOOT_A);
	assert_int_equal(sf_marker_format(&m, buf, 20), -1);
}

static void test_garbled(void **state)
{
	static const char *const bad[] = {
		"",
		"self-fence begun at 1765000000 (unix time)\n",     /* the old format */
		"handoff-self-fence 2\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms \n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms 12",   /* no newline */
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms -12\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms +12\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms  12\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms 12x\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms 12\n\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms 18446744073709551616\n",
		"handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms 99999999999999999999\n",
		"handoff-self-fence 2\nboot_id 0F7C8A9E-1B2D-4C3E-9F00-123456789ABC\nbegan_boottime_ms 1\n",
		"handoff-self-fence 2\nboot_id 0f7c8a9e-1b2d-4c3e-9f00-123456789abcd\nbegan_boottime_ms 1\n",
		"handoff-self-fence 2\nboot_id 0f7c8a9e-1b2d-4c3e-9f00+123456789abc\nbegan_boottime_ms 1\n",
		"handoff-self-fence 3\nboot_id " BOOT_A "\nbegan_boottime_ms 1\n",
		"handoff-self-fence 2\nbegan_boottime_ms 1\nboot_id " BOOT_A "\n",
	};
	struct sf_marker m;
	char nul[] = "handoff-self-fence 2\nboot_id " BOOT_A "\nbegan_boottime_ms 1\n";
	char big[SF_MARKER_MAX + 8];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0x55, sizeof(m));
		if (parse(bad[i], &m) != -1)
			fail_msg("parsed: '%s'", bad[i]);
		assert_int_equal(m.began_ms, 0);
		assert_int_equal(m.boot_id[0], '\0');
	}
	/* a NUL inside, a length that does not include all of it */
	nul[5] = '\0';
	assert_int_equal(sf_marker_parse(nul, sizeof(nul) - 1, &m), -1);
	nul[5] = 'f';
	assert_int_equal(sf_marker_parse(nul, sizeof(nul) - 1, &m), 0);
	assert_int_equal(sf_marker_parse(nul, sizeof(nul) - 2, &m), -1);
	assert_int_equal(sf_marker_parse(nul, 10, &m), -1);
	memset(big, '1', sizeof(big));
	assert_int_equal(sf_marker_parse(big, sizeof(big), &m), -1);
}

static void test_boot_id(void **state)
{
	char id[SF_BOOT_ID_LEN + 1];

	(void)state;
	assert_true(sf_boot_id_valid(BOOT_A));
	assert_false(sf_boot_id_valid(""));
	assert_false(sf_boot_id_valid("0f7c8a9e-1b2d-4c3e-9f00-123456789ab"));
	assert_false(sf_boot_id_valid("0f7c8a9e11b2d-4c3e-9f00-123456789abc"));
	/* this machine's, as handoffd reads it */
	assert_int_equal(sf_boot_id_read(id), 0);
	assert_true(sf_boot_id_valid(id));
	assert_true(sf_boottime_ms() > 0);
}

static void test_remaining(void **state)
{
	struct sf_marker m = { .boot_id = BOOT_A, .began_ms = 100000 };
	bool fresh = true;

	(void)state;
	/* this boot: the deadline counts from when the self-fence began */
	assert_int_equal(sf_marker_remaining_ms(&m, BOOT_A, 100000, 30000, &fresh), 30000);
	assert_false(fresh);
	assert_int_equal(sf_marker_remaining_ms(&m, BOOT_A, 112000, 30000, &fresh), 18000);
	assert_int_equal(sf_marker_remaining_ms(&m, BOOT_A, 129999, 30000, &fresh), 1);
	assert_true(sf_marker_remaining_ms(&m, BOOT_A, 130000, 30000, &fresh) <= 0);
	assert_int_equal(sf_marker_remaining_ms(&m, BOOT_A, 135000, 30000, &fresh), -5000);
	assert_true(sf_marker_remaining_ms(&m, BOOT_A, UINT64_MAX, 30000, &fresh) < 0);
	m.began_ms = 0;
	assert_true(sf_marker_remaining_ms(&m, BOOT_A, UINT64_MAX, UINT32_MAX, &fresh) < 0);
	assert_false(fresh);
	/* began "in the future" of a clock that does not go back: passed */
	m.began_ms = 200000;
	assert_int_equal(sf_marker_remaining_ms(&m, BOOT_A, 100000, 30000, &fresh), 0);
	/* another boot: the machine was reset, a whole deadline */
	assert_int_equal(sf_marker_remaining_ms(&m, BOOT_B, 100000, 30000, &fresh), 30000);
	assert_true(fresh);
	/* garbled, or this boot unknown: passed */
	assert_int_equal(sf_marker_remaining_ms(NULL, BOOT_A, 100000, 30000, &fresh), 0);
	assert_false(fresh);
	assert_int_equal(sf_marker_remaining_ms(&m, NULL, 100000, 30000, &fresh), 0);
	assert_int_equal(sf_marker_remaining_ms(&m, "", 100000, 30000, &fresh), 0);
	assert_false(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_garbled),
		cmocka_unit_test(test_boot_id),
		cmocka_unit_test(test_remaining),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
