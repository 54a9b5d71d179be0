/* Who may change things: root, or the admin group (primary or supplementary). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plugin/ipc_access.h"

static void root_always(void **state)
{
	(void)state;
	assert_true(ipc_may_write(0, 0, false, 0, NULL, 0));
	assert_true(ipc_may_write(0, 1234, true, 50, NULL, 0));
}

static void others_read_only_without_admin_group(void **state)
{
	gid_t groups[] = { 0, 50 };
	(void)state;
	assert_false(ipc_may_write(1000, 1000, false, 0, NULL, 0));
	/* even gid 0 alone is not root */
	assert_false(ipc_may_write(1000, 0, false, 0, groups, 2));
}

static void admin_group_primary(void **state)
{
	(void)state;
	assert_true(ipc_may_write(1000, 50, true, 50, NULL, 0));
	assert_false(ipc_may_write(1000, 51, true, 50, NULL, 0));
}

static void admin_group_supplementary(void **state)
{
	gid_t groups[] = { 100, 27, 50 };
	gid_t other[] = { 100, 27 };
	(void)state;
	assert_true(ipc_may_write(1000, 1000, true, 50, groups, 3));
	assert_false(ipc_may_write(1000, 1000, true, 50, other, 2));
}

static void lookup_of_unknown_uid_is_read_only(void **state)
{
	(void)state;
	/* no passwd entry: only the primary gid can count */
	assert_false(ipc_client_may_write(4000000000u, 4000000000u, true, 50));
	assert_true(ipc_client_may_write(4000000000u, 50, true, 50));
	assert_true(ipc_client_may_write(0, 0, false, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_always),
		cmocka_unit_test(others_read_only_without_admin_group),
		cmocka_unit_test(admin_group_primary),
		cmocka_unit_test(admin_group_supplementary),
		cmocka_unit_test(lookup_of_unknown_uid_is_read_only),
	};
	return cmocka_run_group_tests_name("ipc_access", tests, NULL, NULL);
}
