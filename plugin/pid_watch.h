/*
 * pid_watch.h - a pidfd on a workload's main process, once the process
 * passes agent_pid_trusted() (agent_pid.h).  Linux >= 5.3 (pidfd_open,
 * called through syscall(2): glibc 2.36 has no wrapper).
 */
#ifndef HANDOFF_PID_WATCH_H
#define HANDOFF_PID_WATCH_H

#include <stddef.h>

/*
 * A pidfd (O_CLOEXEC by the kernel) for PID, which becomes readable
 * (POLLIN) when that process ends; or with WHY set -1 (no such process,
 * no pidfd_open, not to be trusted) or -2 (it ended meanwhile).  /proc/PID/stat is read
 * after the pidfd is open and the pidfd polled after that, so a pid reused
 * in between is caught: the pidfd names the first process, which is then
 * seen gone.
 */
int pid_watch_open(int pid, char *why, size_t len);

#endif
