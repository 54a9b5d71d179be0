/*
 * ipc_server.h - the libqb IPC service that handoffctl talks to.
 */
#ifndef HANDOFF_IPC_SERVER_H
#define HANDOFF_IPC_SERVER_H

#include "handoffd.h"

/* Returns 0, or a negative errno (-EADDRINUSE: another handoffd runs). */
int ipc_server_start(struct handoffd *d);
void ipc_server_stop(struct handoffd *d);

#endif
