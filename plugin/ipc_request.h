/*
 * ipc_request.h - a request's bytes, as any local client may send them,
 * checked and parsed before a command sees them (ipc.h has the format).
 *
 * Pure functions over a buffer (no connection, no daemon), so that the
 * fuzz tier (test/fuzz/fuzz_ipc.c) runs exactly what handoffd runs.
 */
#ifndef HANDOFF_IPC_REQUEST_H
#define HANDOFF_IPC_REQUEST_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DATA (SIZE bytes: a qb_ipc_request_header, then a NUL-terminated JSON
 * object) into *ID and *ARGS (the caller puts it).  Returns 0, or -EINVAL
 * with a static reason in *WHY (*ID is 0 when the header itself is bad).
 */
int ipc_request_parse(const void *data, size_t size, int32_t *id, json_object **args,
		      const char **why);

/*
 * Are the arguments that command ID reads of the type ipc.h gives them:
 * "resource", "node" and "target" strings, "on" and "all" booleans?  A missing one passes
 * (the command says what it needs), as do other keys and an unknown
 * command (refused by number).  Returns 0, or -EINVAL with a static
 * reason in *WHY.
 */
int ipc_request_check_args(int32_t id, json_object *args, const char **why);

#endif
