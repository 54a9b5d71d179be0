/*
 * ipc_access.h - who may change things through handoffctl.
 *
 * Anyone may connect and read.  A command that changes state needs uid 0,
 * or the configured admin_group as the client's primary group or one of
 * the supplementary groups of the client's user in the group database.
 */
#ifndef HANDOFF_IPC_ACCESS_H
#define HANDOFF_IPC_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

bool ipc_may_write(uid_t uid, gid_t gid, bool have_admin_gid, gid_t admin_gid,
		   const gid_t *groups, size_t n_groups);

/* Looks up UID's supplementary groups and applies ipc_may_write(). */
bool ipc_client_may_write(uid_t uid, gid_t gid, bool have_admin_gid, gid_t admin_gid);

#endif
