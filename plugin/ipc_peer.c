#include "ipc_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool ipc_peer_trusted(const struct ipc_peer *p)
{
	return p->uid == 0;
}

qb_ipcc_connection_t *ipc_peer_begin(const char *service, size_t size, int *fd,
				     struct ipc_peer *who)
{
	qb_ipcc_connection_t *c = qb_ipcc_connect_async(service, size, fd);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (!c)
		return NULL;
	if (getsockopt(*fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		int err = errno;
		ipc_peer_drop(c, *fd);
		errno = err;
		return NULL;
	}
	who->pid = cred.pid;
	who->uid = cred.uid;
	who->gid = cred.gid;
	return c;
}

void ipc_peer_drop(qb_ipcc_connection_t *c, int fd)
{
	/* half-open: libqb frees the connection but leaves its socket to us */
	qb_ipcc_disconnect(c);
	close(fd);
}

int ipc_peer_finish(qb_ipcc_connection_t *c, int fd, int timeout_ms, struct ipc_peer *who)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0) {
		rc = rc == 0 ? -ETIMEDOUT : -errno;
		ipc_peer_drop(c, fd);
		return rc;
	}
	rc = qb_ipcc_connect_continue(c);   /* frees C when it fails */
	if (rc != 0)
		return rc < 0 ? rc : -rc;
	qb_ipcc_auth_get(c, &who->pid, &who->uid, &who->gid);
	if (!ipc_peer_trusted(who)) {
		qb_ipcc_disconnect(c);
		return -EPERM;
	}
	return 0;
}

int ipc_peer_holder(const char *service, struct ipc_peer *who)
{
	int fd;
	qb_ipcc_connection_t *c = ipc_peer_begin(service, 0, &fd, who);

	if (!c)
		return -errno;
	ipc_peer_drop(c, fd);
	return 0;
}

void ipc_peer_describe(const struct ipc_peer *p, char *buf, size_t len)
{
	char path[64], comm[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)p->pid);
	if (p->pid > 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[n > 0 ? n : 0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
	}
	snprintf(buf, len, "pid %d (%s%suid %u)", (int)p->pid, comm, *comm ? ", " : "",
		 (unsigned)p->uid);
}
