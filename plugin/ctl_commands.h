/*
 * ctl_commands.h - what handoffd answers to handoffctl: one process_X per
 * command, each building the JSON document described in ipc.h.
 */
#ifndef HANDOFF_CTL_COMMANDS_H
#define HANDOFF_CTL_COMMANDS_H

#include <json-c/json.h>
#include <stdint.h>

#include "handoffd.h"

/*
 * Run command CMD with ARGS.  Returns 0 and sets *RESULT, or a negative
 * errno and sets *RESULT to {"error": "..."}.  Never returns NULL.
 */
int ctl_command_run(struct handoffd *d, int32_t cmd, json_object *args,
		    json_object **result);

#endif
