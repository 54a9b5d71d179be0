/*
 * handoff_conf.h - handoff.conf(5), read with libinih.
 *
 * Every error names the file, the line and the key, so that
 * `handoffd --check-config` tells an operator exactly what to fix.
 */
#ifndef HANDOFF_CONF_H
#define HANDOFF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "resource_conf.h"

#define HANDOFF_DEFAULT_CONFIG   "/etc/handoff/handoff.conf"
#define HANDOFF_DEFAULT_STATE_DIR "/var/lib/handoff"
#define HANDOFF_DEFAULT_GROUP    "handoff"
#define HANDOFF_GROUP_NAME_MAX   127   /* CPG_MAX_NAME_LENGTH - 1 */

struct handoff_config {
	char path[4096];
	char cpg_group[HANDOFF_GROUP_NAME_MAX + 1];
	char admin_group[64];        /* "" = only root may change things */
	bool have_admin_gid;
	gid_t admin_gid;
	char log_file[4096];         /* "" = no log file */
	bool log_syslog;
	int syslog_facility;         /* LOG_DAEMON, ... */
	int debug;                   /* 0 = info, 1 = debug, 2 = trace */
	uint32_t reconnect_interval_ms;
	uint32_t reconnect_limit;    /* attempts before giving up; 0 = forever */
	uint32_t standby_parallel;   /* migrations at once off a node in standby */
	uint32_t self_fence_timeout_ms; /* to stop everything after losing quorum */
	uint32_t fence_delay_ms;     /* a new owner waits this long after a loss */
	char watchdog_device[RES_PATH_MAX + 1]; /* "" = none */
	/* asked of the device with WDIOC_SETTIMEOUT; at most self_fence_timeout
	 * (default: 10 s, or self_fence_timeout when that is shorter) */
	uint32_t watchdog_timeout_ms;
	unsigned watchdog_timeout_line; /* 0: not set, the default applies */
	unsigned fence_delay_line;   /* where fence_delay was set (for its error) */
	char drbdadm[RES_PATH_MAX + 1]; /* the drbdadm to run (tests: a stand-in) */
	/* the drbdsetup whose events2 rm_watch.c follows; "" (none): polling only */
	char drbdsetup[RES_PATH_MAX + 1];
	char state_dir[RES_PATH_MAX + 1]; /* what must outlive a restart of every node */
	/* run for every event this node acts on (doc/notify.md); "" = none.
	 * Node-local, like drbdadm: not in the digest. */
	char notify[RES_PATH_MAX + 1];
	uint32_t notify_timeout_ms;  /* then SIGTERM, SIGKILL of its process group */
	/* the default of every resource that does not set max_relocations */
	uint32_t max_relocations;
	struct resource_conf *resources;
	size_t n_resources;
};

/* Errors are appended to a caller-supplied buffer, one per line. */
struct config_errors {
	char *buf;
	size_t len;
	size_t used;
	unsigned count;
};

void config_defaults(struct handoff_config *cfg);
void config_free(struct handoff_config *cfg);
const struct resource_conf *config_resource(const struct handoff_config *cfg,
					    const char *name);

/*
 * A digest of everything that must be equal on every node: the resource
 * sections, canonically serialized (FNV-1a, 64 bit; it detects drift, it
 * is no security measure).  Node-local keys (logging, paths of tools) are
 * left out.  Nodes whose digests differ are never owners or targets.
 */
uint64_t config_digest(const struct handoff_config *cfg);

/*
 * Parse PATH into CFG (which config_defaults() has prepared).  Returns 0 or
 * -1 with every problem found written to ERR.  A missing file is an error
 * unless MISSING_OK (the default path may be absent on a fresh install).
 */
int config_load(struct handoff_config *cfg, const char *path, bool missing_ok,
		struct config_errors *err);

/*
 * The timing of a self-fence (S1, S2; doc/failover.md).  A node that lost
 * quorum is fenced at most self_fence_timeout + the watchdog's own timeout
 * after it noticed; the quorate side notices token + consensus after the
 * loss at the latest and then waits fence_delay.  So fence_delay must be
 * longer than self_fence_timeout + WATCHDOG_MS + TOKEN_MS + CONSENSUS_MS
 * (each 0 when not known yet).  Returns 0, or -1 with the keys, the values
 * and the sum in WHY.
 */
int config_check_fence_delay(const struct handoff_config *cfg, uint32_t watchdog_ms,
			     uint32_t token_ms, uint32_t consensus_ms, char *why, size_t len);

/*
 * The longest stop path of a self-fence: the resources stop in parallel,
 * each timeout_stop + timeout_umount + timeout_demote (the holders' SIGKILL
 * and the umount's retries stay within timeout_umount).  *WORST (may be
 * NULL) names the resource; 0 without resources.
 */
uint64_t config_stop_path_ms(const struct handoff_config *cfg,
			     const struct resource_conf **worst);

/*
 * Does that stop path fit in self_fence_timeout?  Returns 0, or 1 with a
 * warning in WHY: such a self-fence is cut short at its deadline (it
 * fails, and the watchdog resets the machine) when a step takes as long
 * as its timeout allows.
 */
int config_check_stop_path(const struct handoff_config *cfg, char *why, size_t len);

/* The same, from a string, for tests; NAME is used in the messages. */
int config_load_string(struct handoff_config *cfg, const char *name,
		       const char *text, struct config_errors *err);

#endif
