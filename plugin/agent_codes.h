/*
 * agent_codes.h - the exit codes of an exec agent (doc/exec-agent.md),
 * after OCF's: the same numbers mean the same things.
 */
#ifndef HANDOFF_AGENT_CODES_H
#define HANDOFF_AGENT_CODES_H

enum agent_exit {
	AGENT_OK = 0,                   /* done; monitor: running */
	AGENT_ERR_GENERIC = 1,          /* failed; monitor: failed (died, broken) */
	AGENT_ERR_ARGS = 2,             /* invalid argument: missing or bad DIR, usage */
	AGENT_ERR_UNIMPLEMENTED = 3,    /* verb not supported (unknown verbs too) */
	AGENT_ERR_PERM = 4,             /* insufficient privileges */
	AGENT_ERR_INSTALLED = 5,        /* a tool it needs is not installed */
	AGENT_ERR_CONFIGURED = 6,       /* its settings are missing or wrong */
	AGENT_NOT_RUNNING = 7,          /* monitor: cleanly stopped; dump: nothing to dump */
	/* 8 and 9 are reserved (OCF's "running as master"/"failed master") */
};

static inline const char *agent_exit_str(int code)
{
	switch (code) {
	case AGENT_OK:                return "ok";
	case AGENT_ERR_GENERIC:       return "generic error";
	case AGENT_ERR_ARGS:          return "invalid argument";
	case AGENT_ERR_UNIMPLEMENTED: return "unimplemented";
	case AGENT_ERR_PERM:          return "insufficient privileges";
	case AGENT_ERR_INSTALLED:     return "not installed";
	case AGENT_ERR_CONFIGURED:    return "not configured";
	case AGENT_NOT_RUNNING:       return "not running";
	case 8: case 9:               return "reserved";
	default:                      return "unknown exit code";
	}
}

#endif
