/*
 * agent_pid.c - the workload's pid from an agent, and whether to trust it
 * (agent_pid.h).
 */
#include "agent_pid.h"

#include <stdint.h>
#include <string.h>

#include "reason.h"

#define PF_KTHREAD 0x00200000UL

/* S (N bytes) as a decimal without sign or leading zero, at most MAX. */
static bool decimal(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > max)
			return false;
	}
	*v = x;
	return true;
}

int agent_pid_parse(const char *out, size_t len, pid_t *pid, char *err, size_t errlen)
{
	size_t at = 0;
	int found = 0;

	while (at < len) {
		const char *l = out + at, *nl = memchr(l, '\n', len - at);
		size_t n = nl ? (size_t)(nl - l) : len - at;
		uint64_t v;

		at += n + (nl ? 1 : 0);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n < 4 || memcmp(l, "pid=", 4) != 0)
			continue;
		if (!decimal(l + 4, n - 4, AGENT_PID_MAX, &v) || v < 2) {
			refuse(err, errlen, "a pid= line without a pid (2 to %d, decimal)",
				AGENT_PID_MAX);
			return -1;
		}
		if (found && (pid_t)v != *pid) {
			refuse(err, errlen, "two pid= lines");
			return -1;
		}
		*pid = (pid_t)v;
		found = 1;
	}
	return found;
}

/* The next space-separated field of /proc/PID/stat after *I. */
static bool field(const char *b, size_t len, size_t *i, const char **s, size_t *n)
{
	while (*i < len && b[*i] == ' ')
		(*i)++;
	if (*i >= len || b[*i] == '\n')
		return false;
	*s = b + *i;
	while (*i < len && b[*i] != ' ' && b[*i] != '\n')
		(*i)++;
	*n = (size_t)(b + *i - *s);
	return true;
}

static bool signed_pid(const char *s, size_t n, pid_t *v)
{
	uint64_t x;

	/* ppid, pgrp and session are 0 for some processes, never negative */
	if (n == 1 && s[0] == '0') {
		*v = 0;
		return true;
	}
	if (!decimal(s, n, AGENT_PID_MAX, &x))
		return false;
	*v = (pid_t)x;
	return true;
}

int agent_pid_stat_parse(const char *buf, size_t len, struct agent_pid_stat *out,
			 char *err, size_t errlen)
{
	struct agent_pid_stat st = { 0 };
	const char *s, *close = NULL;
	size_t n, i = 0;
	uint64_t v;

	/* "PID (COMM) S PPID PGRP SESSION TTY TPGID FLAGS ...": COMM may hold
	 * anything, ")" and spaces included, so it ends at the last ")" */
	for (size_t k = len; k > 0; k--)
		if (buf[k - 1] == ')') {
			close = buf + k - 1;
			break;
		}
	if (!field(buf, len, &i, &s, &n) || !decimal(s, n, AGENT_PID_MAX, &v) || !close ||
	    (size_t)(close - buf) < i) {
		refuse(err, errlen, "not a /proc/PID/stat line");
		return -1;
	}
	st.pid = (pid_t)v;
	i = (size_t)(close - buf) + 1;
	if (!field(buf, len, &i, &s, &n) || n != 1) {
		refuse(err, errlen, "no process state");
		return -1;
	}
	st.state = s[0];
	if (!field(buf, len, &i, &s, &n) || !signed_pid(s, n, &st.ppid) ||
	    !field(buf, len, &i, &s, &n) || !signed_pid(s, n, &st.pgrp) ||
	    !field(buf, len, &i, &s, &n) || !signed_pid(s, n, &st.session)) {
		refuse(err, errlen, "no parent, process group or session");
		return -1;
	}
	/* tty_nr and tpgid may be negative: skipped */
	if (!field(buf, len, &i, &s, &n) || !field(buf, len, &i, &s, &n) ||
	    !field(buf, len, &i, &s, &n) || !decimal(s, n, UINT32_MAX, &v)) {
		refuse(err, errlen, "no flags");
		return -1;
	}
	st.flags = (unsigned long)v;
	*out = st;
	return 0;
}

bool agent_pid_trusted(const struct agent_pid_stat *st, pid_t pid, pid_t self,
		       pid_t self_sid, char *err, size_t errlen)
{
	if (st->pid != pid)
		refuse(err, errlen, "/proc says pid %d, not %d", (int)st->pid, (int)pid);
	else if (pid == 1 || pid == self)
		refuse(err, errlen, "pid %d is %s", (int)pid, pid == 1 ? "init" : "handoffd");
	else if (st->flags & PF_KTHREAD)
		refuse(err, errlen, "pid %d is a kernel thread", (int)pid);
	else if (st->state == 'Z' || st->state == 'X' || st->state == 'x')
		refuse(err, errlen, "pid %d is dead", (int)pid);
	else if (st->session == self_sid)
		refuse(err, errlen, "pid %d is in handoffd's session (%d), not detached",
			(int)pid, (int)self_sid);
	else
		return true;
	return false;
}
