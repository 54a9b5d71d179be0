/*
 * pid_watch.c - open a pidfd on a process an agent named (pid_watch.h).
 */
#include "pid_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent_pid.h"

static int stat_trusted(int pid, char *why, size_t len)
{
	char path[32], buf[1024];
	struct agent_pid_stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0) {
		snprintf(why, len, "%s: %s", path, n < 0 ? strerror(errno) : "empty");
		return -1;
	}
	if (agent_pid_stat_parse(buf, (size_t)n, &st, why, len) < 0 ||
	    !agent_pid_trusted(&st, pid, getpid(), getsid(0), why, len))
		return -1;
	return 0;
}

int pid_watch_open(int pid, char *why, size_t len)
{
	struct pollfd p;
	int fd;

	if (pid < 2 || pid > AGENT_PID_MAX) {
		snprintf(why, len, "pid %d out of range", pid);
		return -1;
	}
#ifdef SYS_pidfd_open
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
	fd = -1;
	errno = ENOSYS;
#endif
	if (fd < 0) {
		snprintf(why, len, "pidfd_open: %s", strerror(errno));
		return -1;
	}
	if (stat_trusted(pid, why, len) < 0) {
		close(fd);
		return -1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) != 0) {
		snprintf(why, len, "pid %d ended before it was watched", pid);
		close(fd);
		return -2;
	}
	return fd;
}
