/*
 * ipc_peer.h - who serves handoffd's IPC name.
 *
 * libqb serves a service on an abstract unix socket, and any local user
 * may take a free abstract name: while handoffd is down, an unprivileged
 * process can serve "handoff" and answer handoffctl (and through it DRBD's
 * fence-peer handler) whatever it likes.  So a client believes a server
 * only when it runs as root (handoffd has no other user):
 *
 *  - ipc_peer_begin() connects and reads the kernel's record of the
 *    listening socket's creator (SO_PEERCRED) before the client reads a
 *    byte the server sent.  libqb's handshake makes the client open and
 *    map shared-memory files the server names, which root must not do for
 *    anyone else's server.
 *  - ipc_peer_finish() completes the handshake within a timeout (a server
 *    that never answers cannot hang the client) and checks the
 *    credentials the kernel attached to the server's answer
 *    (qb_ipcc_auth_get): root created the socket, and root answered.
 */
#ifndef HANDOFF_IPC_PEER_H
#define HANDOFF_IPC_PEER_H

#include <qb/qbipcc.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ipc_peer {
	pid_t pid;      /* 0 when the kernel could not tell (another pid namespace) */
	uid_t uid;
	gid_t gid;
};

/* May a server with these credentials speak for handoffd?  Only root. */
bool ipc_peer_trusted(const struct ipc_peer *p);

/*
 * Starts a connection to SERVICE with buffers of SIZE bytes and sets *WHO
 * to the listener's credentials and *FD to the connection's socket.
 * Returns the half-open connection, to be completed by ipc_peer_finish()
 * or dropped by ipc_peer_drop(), or NULL with errno set (ECONNREFUSED:
 * nobody serves SERVICE).
 */
qb_ipcc_connection_t *ipc_peer_begin(const char *service, size_t size, int *fd,
				     struct ipc_peer *who);

/*
 * Completes a connection of ipc_peer_begin() within TIMEOUT_MS.  Returns 0,
 * -ETIMEDOUT, -EPERM when the answer did not come from root (*WHO then
 * holds the credentials it came with), or another negative errno.  On
 * error the connection is gone.
 */
int ipc_peer_finish(qb_ipcc_connection_t *c, int fd, int timeout_ms, struct ipc_peer *who);

/* Drops a half-open connection of ipc_peer_begin(). */
void ipc_peer_drop(qb_ipcc_connection_t *c, int fd);

/* Who listens on SERVICE now: 0 and *WHO, or a negative errno. */
int ipc_peer_holder(const char *service, struct ipc_peer *who);

/* "pid P (COMM, uid U)" into BUF; COMM from /proc when it is readable. */
void ipc_peer_describe(const struct ipc_peer *p, char *buf, size_t len);

#endif
