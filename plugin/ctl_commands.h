/*
 * ctl_commands.h - what handoffd answers to handoffctl: one process_X per
 * command, each building the JSON document described in ipc.h.
 */
#ifndef HANDOFF_CTL_COMMANDS_H
#define HANDOFF_CTL_COMMANDS_H

#include <json-c/json.h>
#include <qb/qbipcs.h>
#include <stdint.h>

#include "handoffd.h"

/*
 * Run command CMD with ARGS.  Returns 0 and sets *RESULT, or a negative
 * errno and sets *RESULT to {"error": "..."}, or 1 when the answer comes
 * later (a request decided in the total order; *RESULT untouched).
 */
int ctl_command_run(struct handoffd *d, qb_ipcs_connection_t *conn, int32_t cmd,
		    json_object *args, json_object **result);

#endif
