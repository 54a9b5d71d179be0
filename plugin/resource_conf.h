/*
 * resource_conf.h - one [resource NAME] section of handoff.conf(5).
 *
 * A resource is a workload whose disk is a filesystem on DRBD (or on
 * shared storage).  Every node must hold the same resource sections: the
 * config digest (handoff_conf.h) makes a node whose sections differ
 * ineligible.
 */
#ifndef HANDOFF_RESOURCE_CONF_H
#define HANDOFF_RESOURCE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RES_NAME_MAX     63
#define RES_MAX_NODES    32
#define RES_MAX_OPTS     16
#define RES_PATH_MAX     255

enum storage_kind { STORAGE_DRBD, STORAGE_SHARED };
/* criu, openvz, lxc, libvirt: the agent of that name that ships with
 * handoff (agents/handoff-KIND-agent) unless `agent` names another */
enum workload_kind { WORKLOAD_EXEC, WORKLOAD_CRIU, WORKLOAD_OPENVZ, WORKLOAD_LXC,
		     WORKLOAD_LIBVIRT, WORKLOAD__MAX };

/* Every operation a driver runs, each with its own timeout. */
enum res_op {
	OP_PROBE, OP_PROMOTE, OP_DEMOTE, OP_MOUNT, OP_UMOUNT,
	OP_START, OP_STOP, OP_MONITOR, OP_DUMP, OP_RESTORE,
	OP__COUNT
};

/*
 * The strings of a resource are allocated to their size (resource_conf_free
 * releases them): fixed arrays of the largest allowed size made a resource
 * 9.7 KB, and 1000 resources 9.5 MB of every handoffd.  The limits stay
 * what they were (RES_*_MAX, checked by resource_conf_set); a string that
 * was not given is "" (never NULL), so readers need no checks.
 */
struct agent_opt {
	const char *key;                    /* at most RES_OPT_KEY_MAX */
	const char *value;                  /* at most RES_OPT_VALUE_MAX */
};

#define RES_OPT_KEY_MAX    63
#define RES_OPT_VALUE_MAX  255
#define RES_NODE_NAME_MAX  63
#define RES_COMMAND_MAX    1023
#define RES_MAX_RESTARTS   100
#define RES_DEFAULT_MONITOR_S      10
#define RES_DEFAULT_MAX_RESTARTS   3
#define RES_MAX_RELOCATIONS 100
#define RES_DEFAULT_MAX_RELOCATIONS 1
#define RES_DEFAULT_FAILURE_TIMEOUT_S 600

struct resource_conf {
	char name[RES_NAME_MAX + 1];
	unsigned line;                      /* where the section starts */
	enum storage_kind storage;
	char drbd_resource[RES_NAME_MAX + 1];
	const char *device;                 /* paths: at most RES_PATH_MAX */
	const char *mount_point;
	char fstype[32];
	const char *mount_options;
	enum workload_kind workload;
	const char *agent;                  /* exec; criu: default handoff-criu-agent */
	const char *command;                /* criu: the process tree to run */
	struct agent_opt *opts;             /* n_opts of them, at most RES_MAX_OPTS */
	size_t n_opts;
	const char *const *nodes;           /* allowed nodes, preferred first; one block */
	size_t n_nodes;                     /* at most RES_MAX_NODES */
	bool autostart;
	const char *dump_dir;               /* relative to mount_point */
	uint32_t timeout_ms[OP__COUNT];
	/* Health (doc/protocol.md, "Monitoring and restart in place"):
	 * the owner runs the agent's monitor and checks the storage every
	 * monitor_interval (0: never); a failure it reports restarts the
	 * resource in place up to max_restarts times, counted until a
	 * failure_timeout passes without a failure; then it is relocated up
	 * to max_relocations times (a storage failure at once: rules 29-32);
	 * one more is FAILED.  max_relocations comes from [cluster] unless
	 * the resource sets it (max_relocations_set). */
	uint32_t monitor_interval_ms;
	uint32_t max_restarts;
	uint32_t max_relocations;
	bool max_relocations_set;
	uint32_t failure_timeout_ms;
	uint64_t seen;                      /* bit per key: duplicates, required */
};

const char *res_op_name(enum res_op op);
const char *storage_kind_name(enum storage_kind k);
const char *workload_kind_name(enum workload_kind k);
bool resource_name_valid(const char *name);

void resource_conf_defaults(struct resource_conf *r, const char *name, unsigned line);
/* Release R's strings (R itself is the caller's); R is left empty. */
void resource_conf_free(struct resource_conf *r);
/* Set KEY; returns 0, or -1 with the reason in WHY. */
int resource_conf_set(struct resource_conf *r, const char *key, const char *value,
		      char *why, size_t len);
/* After the whole file: returns 0, or -1 naming the missing or
 * inconsistent KEY and the reason in WHY. */
int resource_conf_check(const struct resource_conf *r, const char **key,
			char *why, size_t len);

#endif
