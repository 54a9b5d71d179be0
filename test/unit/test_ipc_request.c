/* A request's bytes as handoffd checks them before a command runs
 * (plugin/ipc_request.c; the fuzz tier's fuzz_ipc runs the same code). */
#include <errno.h>
#include <qb/qbipc_common.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handoff/ipc.h"
#include "plugin/ipc_request.h"

/* A request as a client sends it: the header, then TEXT with LEN bytes
 * (its NUL included or not); SIZE in the header is the real one + EXTRA. */
static size_t request(uint8_t *buf, int32_t id, const char *text, size_t len, int32_t extra)
{
	struct qb_ipc_request_header req = { .id = id };

	req.size = (int32_t)(sizeof(req) + len) + extra;
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), text, len);
	return sizeof(req) + len;
}

static int parse_text(int32_t cmd, const char *text, const char **why)
{
	uint8_t buf[512];
	size_t n = request(buf, cmd, text, strlen(text) + 1, 0);
	json_object *args;
	int32_t id;
	int rc = ipc_request_parse(buf, n, &id, &args, why);

	if (rc == 0) {
		assert_int_equal(id, cmd);
		rc = ipc_request_check_args(id, args, why);
		json_object_put(args);
	} else {
		assert_null(args);
	}
	return rc;
}

static void handoffctl_requests_pass(void **state)
{
	const char *why = NULL;
	(void)state;
	assert_int_equal(parse_text(HANDOFF_CMD_MEMBERS, "{}", &why), 0);
	assert_int_equal(parse_text(HANDOFF_CMD_START, "{\"resource\":\"web\",\"node\":\"node2\"}", &why), 0);
	assert_int_equal(parse_text(HANDOFF_CMD_STANDBY, "{\"node\":\"2\",\"on\":false}", &why), 0);
	assert_int_equal(parse_text(HANDOFF_CMD_HISTORY, "{}", &why), 0);
	/* what is missing is the command's to say (with its own words) */
	assert_int_equal(parse_text(HANDOFF_CMD_STOP, "{}", &why), 0);
	/* an unknown command passes: it is refused by number */
	assert_int_equal(parse_text(999, "{\"resource\":1}", &why), 0);
}

static void header_sizes(void **state)
{
	uint8_t buf[64] = { 0 };
	json_object *args;
	const char *why;
	int32_t id;
	size_t n;
	(void)state;

	assert_int_equal(ipc_request_parse(buf, 3, &id, &args, &why), -EINVAL);
	assert_int_equal(id, 0);
	n = request(buf, HANDOFF_CMD_STATUS, "{}", 3, 1);          /* claims a byte more */
	assert_int_equal(ipc_request_parse(buf, n, &id, &args, &why), -EINVAL);
	assert_non_null(strstr(why, "header size"));
	n = request(buf, HANDOFF_CMD_STATUS, "{}", 3, -20);        /* less than a header */
	assert_int_equal(ipc_request_parse(buf, n, &id, &args, &why), -EINVAL);
	n = request(buf, HANDOFF_CMD_STATUS, "{}", 2, 0);          /* no NUL */
	assert_int_equal(ipc_request_parse(buf, n, &id, &args, &why), -EINVAL);
	assert_int_equal(id, HANDOFF_CMD_STATUS);
	assert_non_null(strstr(why, "NUL"));
	n = request(buf, HANDOFF_CMD_STATUS, "", 0, 0);            /* no arguments at all */
	assert_int_equal(ipc_request_parse(buf, n, &id, &args, &why), -EINVAL);
}

static void not_an_object(void **state)
{
	const char *why;
	(void)state;
	assert_int_equal(parse_text(HANDOFF_CMD_STATUS, "[1,2", &why), -EINVAL);
	assert_int_equal(parse_text(HANDOFF_CMD_STATUS, "[]", &why), -EINVAL);
	assert_int_equal(parse_text(HANDOFF_CMD_STATUS, "null", &why), -EINVAL);
	assert_non_null(strstr(why, "JSON object"));
}

/* "node": null reached fence-peer, which printed the NULL that
 * json_object_get_string() gives for it with "%s" (undefined behaviour);
 * a number or an object was printed as JSON text in "unknown node". */
static void arguments_of_the_wrong_type(void **state)
{
	const char *why;
	(void)state;
	assert_int_equal(parse_text(HANDOFF_CMD_FENCE_PEER, "{\"node\":null}", &why), -EINVAL);
	assert_non_null(strstr(why, "\"node\""));
	assert_int_equal(parse_text(HANDOFF_CMD_FENCE_CONFIRM, "{\"node\":2}", &why), -EINVAL);
	assert_int_equal(parse_text(HANDOFF_CMD_MIGRATE, "{\"resource\":\"web\",\"node\":{}}", &why), -EINVAL);
	assert_int_equal(parse_text(HANDOFF_CMD_HISTORY, "{\"resource\":null}", &why), -EINVAL);
	assert_non_null(strstr(why, "\"resource\""));
	assert_int_equal(parse_text(HANDOFF_CMD_PROBE, "{\"resource\":[\"web\"]}", &why), -EINVAL);
	assert_int_equal(parse_text(HANDOFF_CMD_STANDBY, "{\"node\":\"2\",\"on\":\"yes\"}", &why), -EINVAL);
	assert_non_null(strstr(why, "\"on\""));
	/* maintenance: "target" a string, "on" and "all" booleans */
	assert_int_equal(parse_text(HANDOFF_CMD_MAINTENANCE, "{\"on\":true,\"target\":7}", &why),
			 -EINVAL);
	assert_non_null(strstr(why, "\"target\""));
	assert_int_equal(parse_text(HANDOFF_CMD_MAINTENANCE, "{\"on\":1,\"target\":\"web\"}", &why),
			 -EINVAL);
	assert_int_equal(parse_text(HANDOFF_CMD_MAINTENANCE, "{\"on\":true,\"all\":\"yes\"}", &why),
			 -EINVAL);
	assert_non_null(strstr(why, "\"all\""));
	assert_int_equal(parse_text(HANDOFF_CMD_MAINTENANCE, "{\"on\":true,\"target\":\"web\"}",
				    &why), 0);
	assert_int_equal(parse_text(HANDOFF_CMD_MAINTENANCE, "{\"on\":false,\"all\":true}", &why), 0);
	/* a write command: root or admin_group */
	assert_int_equal(handoff_cmd_flags(HANDOFF_CMD_MAINTENANCE), HANDOFF_CMD_WRITE);
	assert_string_equal(handoff_cmd_name(HANDOFF_CMD_MAINTENANCE), "maintenance");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handoffctl_requests_pass),
		cmocka_unit_test(header_sizes),
		cmocka_unit_test(not_an_object),
		cmocka_unit_test(arguments_of_the_wrong_type),
	};
	return cmocka_run_group_tests_name("ipc_request", tests, NULL, NULL);
}
