#include "ipc_request.h"

#include <errno.h>
#include <qb/qbipc_common.h>
#include <stdbool.h>
#include <string.h>

#include "handoff/ipc.h"

int ipc_request_parse(const void *data, size_t size, int32_t *id, json_object **args,
		      const char **why)
{
	struct qb_ipc_request_header req;
	const char *payload;
	size_t payload_len;
	enum json_tokener_error jerr;

	*id = 0;
	*args = NULL;
	if (size < sizeof(req)) {
		*why = "malformed request: bad header size";
		return -EINVAL;
	}
	/* a copy: libqb's buffer promises no alignment for the header */
	memcpy(&req, data, sizeof(req));
	if (req.size < (int32_t)sizeof(req) || (size_t)req.size > size) {
		*why = "malformed request: bad header size";
		return -EINVAL;
	}
	*id = req.id;
	payload = (const char *)data + sizeof(req);
	payload_len = (size_t)req.size - sizeof(req);
	if (payload_len == 0 || memchr(payload, '\0', payload_len) == NULL) {
		*why = "malformed request: arguments not NUL-terminated";
		return -EINVAL;
	}
	*args = json_tokener_parse_verbose(payload, &jerr);
	if (!*args || !json_object_is_type(*args, json_type_object)) {
		json_object_put(*args);
		*args = NULL;
		*why = "malformed request: arguments are not a JSON object";
		return -EINVAL;
	}
	return 0;
}

/* KEY in ARGS: 0 when it is absent or of TYPE.  A JSON null counts as
 * present and of no type: the commands read a present key with
 * json_object_get_string(), which gives NULL for it. */
static int arg(json_object *args, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(args, key, &v))
		return 0;
	return v && json_object_is_type(v, type) ? 0 : -1;
}

int ipc_request_check_args(int32_t id, json_object *args, const char **why)
{
	bool res = false, node = false, on = false, maint = false;

	switch (id) {
	case HANDOFF_CMD_START:
	case HANDOFF_CMD_MIGRATE:
		res = node = true;
		break;
	case HANDOFF_CMD_STOP:
	case HANDOFF_CMD_CLEANUP:
	case HANDOFF_CMD_PROBE:
	case HANDOFF_CMD_HISTORY:
		res = true;
		break;
	case HANDOFF_CMD_STANDBY:
		node = on = true;
		break;
	case HANDOFF_CMD_FENCE_PEER:
	case HANDOFF_CMD_FENCE_CONFIRM:
		node = true;
		break;
	case HANDOFF_CMD_MAINTENANCE:
		on = maint = true;
		break;
	default:
		return 0;
	}
	if (res && arg(args, "resource", json_type_string) < 0) {
		*why = "malformed request: \"resource\" must be a string";
		return -EINVAL;
	}
	if (node && arg(args, "node", json_type_string) < 0) {
		*why = "malformed request: \"node\" must be a string (a node's name or id)";
		return -EINVAL;
	}
	if (on && arg(args, "on", json_type_boolean) < 0) {
		*why = "malformed request: \"on\" must be true or false";
		return -EINVAL;
	}
	if (maint && arg(args, "target", json_type_string) < 0) {
		*why = "malformed request: \"target\" must be a string (a resource, or a node's name or id)";
		return -EINVAL;
	}
	if (maint && arg(args, "all", json_type_boolean) < 0) {
		*why = "malformed request: \"all\" must be true or false";
		return -EINVAL;
	}
	return 0;
}
