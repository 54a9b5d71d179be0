/*
 * agent_pid.h - the workload's main process, as an agent's `monitor`
 * reports it (doc/exec-agent.md, "Reporting the workload's pid"), and
 * whether handoffd may watch that process with a pidfd.
 *
 * Both inputs are hostile: the agent's stdout, and /proc/PID/stat of a
 * process named by it.  Pure functions over (buffer, length): no I/O, no
 * allocation, no reliance on a terminating NUL.
 */
#ifndef HANDOFF_AGENT_PID_H
#define HANDOFF_AGENT_PID_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Linux's PID_MAX_LIMIT: no pid is larger on any configuration. */
#define AGENT_PID_MAX 4194304

/*
 * The `pid=N` line of a monitor's stdout: exactly "pid=" and a decimal
 * number from 2 to AGENT_PID_MAX without a leading zero, on a line of its
 * own (other lines are ignored).  1: *pid set; 0: no such line; -1: a
 * line that starts with "pid=" but is not that, or two of them (err says
 * which; err may be NULL when errlen is 0).
 */
int agent_pid_parse(const char *out, size_t len, pid_t *pid, char *err, size_t errlen);

/* What /proc/PID/stat says that the trust check needs. */
struct agent_pid_stat {
	pid_t pid;
	char state;              /* R S D Z T t X I ... */
	pid_t ppid, pgrp, session;
	unsigned long flags;     /* PF_*: PF_KTHREAD 0x00200000 */
};

/* 0, or -1 with err set. */
int agent_pid_stat_parse(const char *buf, size_t len, struct agent_pid_stat *st,
			 char *err, size_t errlen);

/*
 * May handoffd (pid SELF, session SELF_SID) watch this process as a
 * workload?  It must be PID itself (the stat read is of the process the
 * pidfd names), alive (not a zombie, not dead), not a kernel thread, not
 * init, not handoffd, and outside handoffd's session: an agent's steps run
 * in handoffd's session, a workload is detached into a session of its own
 * (doc/exec-agent.md), so a pid in handoffd's session is an agent's child
 * or handoffd's own, never the workload.  false with err set otherwise.
 */
bool agent_pid_trusted(const struct agent_pid_stat *st, pid_t pid, pid_t self,
		       pid_t self_sid, char *err, size_t errlen);

#endif
