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

struct agent_opt {
	char key[64];
	char value[256];
};

struct resource_conf {
	char name[RES_NAME_MAX + 1];
	unsigned line;                      /* where the section starts */
	enum storage_kind storage;
	char drbd_resource[RES_NAME_MAX + 1];
	char device[RES_PATH_MAX + 1];
	char mount_point[RES_PATH_MAX + 1];
	char fstype[32];
	char mount_options[RES_PATH_MAX + 1];
	enum workload_kind workload;
	char agent[RES_PATH_MAX + 1];       /* exec; criu: default handoff-criu-agent */
	char command[1024];                 /* criu: the process tree to run */
	struct agent_opt opts[RES_MAX_OPTS];
	size_t n_opts;
	char nodes[RES_MAX_NODES][64];      /* allowed nodes, preferred first */
	size_t n_nodes;
	bool autostart;
	char dump_dir[RES_PATH_MAX + 1];    /* relative to mount_point */
	uint32_t timeout_ms[OP__COUNT];
	uint64_t seen;                      /* bit per key: duplicates, required */
};

const char *res_op_name(enum res_op op);
const char *storage_kind_name(enum storage_kind k);
const char *workload_kind_name(enum workload_kind k);
bool resource_name_valid(const char *name);

void resource_conf_defaults(struct resource_conf *r, const char *name, unsigned line);
/* Set KEY; returns 0, or -1 with the reason in WHY. */
int resource_conf_set(struct resource_conf *r, const char *key, const char *value,
		      char *why, size_t len);
/* After the whole file: returns 0, or -1 naming the missing or
 * inconsistent KEY and the reason in WHY. */
int resource_conf_check(const struct resource_conf *r, const char **key,
			char *why, size_t len);

#endif
