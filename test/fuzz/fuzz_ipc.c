/*
 * fuzz_ipc - libFuzzer harness for what handoffd does with a request's
 * bytes before a command runs (plugin/ipc_request.c): the header's sizes,
 * the NUL, json-c's parser and the arguments' types.  Any local user may
 * connect and send anything.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "handoff/ipc.h"
#include "plugin/ipc_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *args, *v;
	const char *why = NULL;
	int32_t id;

	if (ipc_request_parse(data, size, &id, &args, &why) < 0) {
		if (!why || args)
			abort();
		return 0;
	}
	/* the arguments' checks of every command, not only the one asked */
	for (int32_t cmd = 0; cmd <= HANDOFF_CMD_MAX; cmd++)
		(void)ipc_request_check_args(cmd, args, &why);
	(void)ipc_request_check_args(id, args, &why);
	/* what the commands then read, and what an answer echoes */
	if (json_object_object_get_ex(args, "resource", &v))
		(void)json_object_get_string(v);
	if (json_object_object_get_ex(args, "node", &v))
		(void)json_object_get_string(v);
	if (json_object_object_get_ex(args, "on", &v))
		(void)json_object_get_boolean(v);
	(void)json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN);
	json_object_put(args);
	return 0;
}
