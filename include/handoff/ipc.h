/*
 * ipc.h - the local IPC between handoffctl and handoffd.
 *
 * handoffd serves a libqb IPC service named HANDOFF_IPC_SERVICE.  A request
 * is a struct qb_ipc_request_header whose id is one of the commands below,
 * followed by a NUL-terminated JSON object with the command's arguments
 * ("{}" when there are none).  The response is a struct
 * qb_ipc_response_header with the same id and error = 0 or a negative errno,
 * followed by a NUL-terminated JSON object: the command's result, or
 * {"error": "one line saying why"} when error != 0.
 *
 * JSON is used here (and only here: the CPG wire format between daemons is
 * a fixed little-endian encoding) because the client's --json output is the
 * same document, so scripts see exactly what the daemon knows.
 *
 * Access: anyone may run read commands; commands marked HANDOFF_CMD_WRITE
 * need uid 0 or membership of the configured admin group (see
 * handoff.conf(5), admin_group).  Besides the commands that change state,
 * probe is one: each call runs drbdadm and the workload's agent as root,
 * so an open probe would let any local user start root processes without
 * limit.  The read commands answer from handoffd's memory (quorum: one
 * call to corosync) and start no process.
 *
 * Clients believe only a server that runs as root (ipc_peer.h): anyone may
 * serve the abstract socket name while handoffd is down.
 */
#ifndef HANDOFF_IPC_H
#define HANDOFF_IPC_H

#include <stddef.h>
#include <stdint.h>

#define HANDOFF_IPC_SERVICE     "handoff"
/*
 * Buffer sizes.  libqb makes three shared-memory rings of the size the
 * client asks for at connect time, and handoffd touches all of them: a
 * connection costs handoffd three times its buffer in resident memory
 * while it lasts.  So a client connects with HANDOFF_IPC_MIN_MSG, which
 * holds every answer but large status and history documents.  An answer
 * that does not fit the connection's buffer comes back as error -EMSGSIZE
 * with {"error": "...", "size": N}, N being the buffer it needs; the client
 * may connect again with handoff_ipc_buffer_for(N) and repeat the command
 * when it is a read command (a write command's answers are small).
 * HANDOFF_IPC_MAX_MSG is the largest answer handoffd sends at all (the
 * status of some 18000 resources), and the largest buffer it accepts: a
 * client that asks for more is refused at connect time (-EMSGSIZE), as is
 * a client that may only read while 16 such connections are open
 * (-EUSERS), so that no local user can make handoffd hold more than about
 * 200 MB of rings.
 */
#define HANDOFF_IPC_MIN_MSG     (64 * 1024)
#define HANDOFF_IPC_MAX_MSG     (4 * 1024 * 1024)

/* The buffer to connect with for an answer of NEED bytes (header
 * included): a power of two, so that a growing table rarely needs a new
 * size; 0 when NEED is over HANDOFF_IPC_MAX_MSG. */
static inline size_t handoff_ipc_buffer_for(size_t need)
{
	size_t size = HANDOFF_IPC_MIN_MSG;

	while (size < need && size < HANDOFF_IPC_MAX_MSG)
		size *= 2;
	return size >= need ? size : 0;
}

enum handoff_cmd {
	HANDOFF_CMD_MEMBERS = 1,   /* CPG group members */
	HANDOFF_CMD_QUORUM  = 2,   /* quorum, votes and the quorum gate */
	HANDOFF_CMD_STATUS  = 3,   /* nodes and the resource table */
	HANDOFF_CMD_START   = 4,   /* {"resource": R, "node": N?}; write */
	HANDOFF_CMD_STOP    = 5,   /* {"resource": R}; write */
	HANDOFF_CMD_CLEANUP = 6,   /* {"resource": R}; write */
	HANDOFF_CMD_PROBE   = 7,   /* {"resource": R}: this node's facts, probed now; write */
	HANDOFF_CMD_MIGRATE = 8,   /* {"resource": R, "node": N}; write */
	HANDOFF_CMD_HISTORY = 9,   /* {"resource": R?}: past migrations, newest first */
	HANDOFF_CMD_STANDBY = 10,  /* {"node": N, "on": bool}; write */
	HANDOFF_CMD_FENCE_PEER = 11, /* {"node": N}: may DRBD consider N fenced? */
	HANDOFF_CMD_FENCE_CONFIRM = 12, /* {"node": N}: an operator says N is down; write */
	/* {"on": bool, "target": R or N} or {"on": bool, "all": true}: the
	 * resource R (a resource of that name first), node N or the whole
	 * cluster in or out of maintenance; write */
	HANDOFF_CMD_MAINTENANCE = 13,
	HANDOFF_CMD_RELOAD = 14,   /* {}: re-read handoff.conf, apply what may change; write */
	HANDOFF_CMD_MAX
};

/* Bit set in handoff_cmd_flags() for commands that change state or run
 * processes as root: root or admin_group only. */
#define HANDOFF_CMD_WRITE 0x1

static inline unsigned handoff_cmd_flags(int32_t cmd)
{
	switch (cmd) {
	case HANDOFF_CMD_MEMBERS:
	case HANDOFF_CMD_QUORUM:
	case HANDOFF_CMD_STATUS:
	case HANDOFF_CMD_HISTORY:
	case HANDOFF_CMD_FENCE_PEER:
		return 0;
	default:
		return HANDOFF_CMD_WRITE; /* unknown: treat as the strictest */
	}
}

static inline const char *handoff_cmd_name(int32_t cmd)
{
	switch (cmd) {
	case HANDOFF_CMD_MEMBERS: return "members";
	case HANDOFF_CMD_QUORUM:  return "quorum";
	case HANDOFF_CMD_STATUS:  return "status";
	case HANDOFF_CMD_START:   return "start";
	case HANDOFF_CMD_STOP:    return "stop";
	case HANDOFF_CMD_CLEANUP: return "cleanup";
	case HANDOFF_CMD_PROBE:   return "probe";
	case HANDOFF_CMD_MIGRATE: return "migrate";
	case HANDOFF_CMD_HISTORY: return "history";
	case HANDOFF_CMD_STANDBY: return "standby";
	case HANDOFF_CMD_FENCE_PEER: return "fence-peer";
	case HANDOFF_CMD_FENCE_CONFIRM: return "fence-confirm";
	case HANDOFF_CMD_MAINTENANCE: return "maintenance";
	case HANDOFF_CMD_RELOAD: return "reload";
	default:                  return "unknown";
	}
}

#endif
