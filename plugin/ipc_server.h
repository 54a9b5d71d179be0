/*
 * ipc_server.h - the libqb IPC service that handoffctl talks to.
 */
#ifndef HANDOFF_IPC_SERVER_H
#define HANDOFF_IPC_SERVER_H

#include "handoffd.h"

/* Returns 0, or a negative errno (-EADDRINUSE: another handoffd runs). */
int ipc_server_start(struct handoffd *d);
void ipc_server_stop(struct handoffd *d);

/* After -EADDRINUSE: who holds the service name, as the tail of the error
 * line (" (is another handoffd running?)" when that cannot be told). */
void ipc_server_why_taken(char *buf, size_t len);

#endif
