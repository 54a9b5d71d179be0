#include "resource_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reason.h"

static const char *op_names[OP__COUNT] = {
	"probe", "promote", "demote", "mount", "umount",
	"start", "stop", "monitor", "dump", "restore",
};

/* Defaults in seconds: generous for dump and restore, which grow with the
 * workload's memory. */
static const uint32_t op_default_s[OP__COUNT] = {
	30, 60, 60, 120, 120, 120, 120, 30, 600, 600,
};

const char *res_op_name(enum res_op op)
{
	return op < OP__COUNT ? op_names[op] : "unknown";
}

const char *storage_kind_name(enum storage_kind k)
{
	return k == STORAGE_DRBD ? "drbd" : "shared";
}

static const char *const workload_names[WORKLOAD__MAX] = {
	[WORKLOAD_EXEC] = "exec", [WORKLOAD_CRIU] = "criu", [WORKLOAD_OPENVZ] = "openvz",
	[WORKLOAD_LXC] = "lxc", [WORKLOAD_LIBVIRT] = "libvirt",
};

/* The agent_opt a shorthand workload cannot do without. */
static const char *const workload_needs[WORKLOAD__MAX] = {
	[WORKLOAD_OPENVZ] = "ctid", [WORKLOAD_LXC] = "name", [WORKLOAD_LIBVIRT] = "domain",
};

const char *workload_kind_name(enum workload_kind k)
{
	return (unsigned)k < WORKLOAD__MAX ? workload_names[k] : "unknown";
}

bool resource_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > RES_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return name[0] != '-' && name[0] != '.';
}

/* What a string is before it is set: not allocated, never freed. */
static const char no_string[] = "";
static const char default_dump_dir[] = ".handoff";

static void free_string(const char **p)
{
	if (*p != no_string && *p != default_dump_dir)
		free((void *)*p);
	*p = no_string;
}

void resource_conf_defaults(struct resource_conf *r, const char *name, unsigned line)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->line = line;
	r->device = r->mount_point = r->mount_options = no_string;
	r->agent = r->command = no_string;
	snprintf(r->fstype, sizeof(r->fstype), "ext4");
	r->dump_dir = default_dump_dir;
	for (int i = 0; i < OP__COUNT; i++)
		r->timeout_ms[i] = op_default_s[i] * 1000;
	r->monitor_interval_ms = RES_DEFAULT_MONITOR_S * 1000;
	r->max_restarts = RES_DEFAULT_MAX_RESTARTS;
	r->max_relocations = RES_DEFAULT_MAX_RELOCATIONS;
	r->failure_timeout_ms = RES_DEFAULT_FAILURE_TIMEOUT_S * 1000;
}

void resource_conf_free(struct resource_conf *r)
{
	free_string(&r->device);
	free_string(&r->mount_point);
	free_string(&r->mount_options);
	free_string(&r->agent);
	free_string(&r->command);
	free_string(&r->dump_dir);
	for (size_t i = 0; i < r->n_opts; i++)
		free((void *)r->opts[i].key);     /* the value shares its block */
	free(r->opts);
	r->opts = NULL;
	r->n_opts = 0;
	free((void *)r->nodes);
	r->nodes = NULL;
	r->n_nodes = 0;
}

/* The keys, in the order of the bits in resource_conf.seen. */
enum key_id {
	K_STORAGE, K_DRBD_RESOURCE, K_DEVICE, K_MOUNT_POINT, K_FSTYPE,
	K_MOUNT_OPTIONS, K_WORKLOAD, K_AGENT, K_COMMAND, K_NODES, K_AUTOSTART,
	K_DUMP_DIR, K_MONITOR_INTERVAL, K_MAX_RESTARTS, K_FAILURE_TIMEOUT,
	K_MAX_RELOCATIONS,
	K_TIMEOUT /* + op */ ,
};
#define K_OPT (K_TIMEOUT + OP__COUNT)
static const char *key_names[] = {
	"storage", "drbd_resource", "device", "mount_point", "fstype",
	"mount_options", "workload", "agent", "command", "nodes", "autostart",
	"dump_dir", "monitor_interval", "max_restarts", "failure_timeout",
	"max_relocations",
};

static int set_str(char *dst, size_t size, const char *v, char *why, size_t len)
{
	if (strlen(v) >= size) {
		snprintf(why, len, "too long (at most %zu characters)", size - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* A string of at most MAX characters, allocated to its size. */
static int set_dup(const char **dst, size_t max, const char *v, char *why, size_t len)
{
	char *copy;

	if (strlen(v) > max)
		return refuse(why, len, "too long (at most %zu characters)", max);
	copy = strdup(v);
	if (!copy)
		return refuse(why, len, "%s", "out of memory");
	free_string(dst);
	*dst = copy;
	return 0;
}

static int set_abs_path(const char **dst, const char *v, char *why, size_t len)
{
	if (v[0] != '/')
		return refuse(why, len, "must be an absolute path, got '%s'", v);
	return set_dup(dst, RES_PATH_MAX, v, why, len);
}

/* The names go into one block: the pointers, then the strings. */
static int set_nodes(struct resource_conf *r, const char *v, char *why, size_t len)
{
	char buf[2048];
	const char *tok_at[RES_MAX_NODES];
	char *save = NULL, *tok, *block, *dst;
	size_t n = 0, bytes = 0;

	if (set_str(buf, sizeof(buf), v, why, len) < 0)
		return -1;
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (n == RES_MAX_NODES)
			return refuse(why, len, "more than %s nodes", "32");
		if (strlen(tok) > RES_NODE_NAME_MAX)
			return refuse(why, len, "node name '%s' too long", tok);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(tok_at[i], tok))
				return refuse(why, len, "node '%s' listed twice", tok);
		tok_at[n++] = tok;
		bytes += strlen(tok) + 1;
	}
	if (n == 0)
		return refuse(why, len, "%s", "needs at least one node");
	block = malloc(n * sizeof(char *) + bytes);
	if (!block)
		return refuse(why, len, "%s", "out of memory");
	dst = block + n * sizeof(char *);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(tok_at[i]) + 1;
		memcpy(dst, tok_at[i], l);
		((const char **)(void *)block)[i] = dst;
		dst += l;
	}
	free((void *)r->nodes);
	r->nodes = (const char *const *)(void *)block;
	r->n_nodes = n;
	return 0;
}

/* agent_opt.NAME = V: NAME and V share one block. */
static int add_opt(struct resource_conf *r, const char *name, const char *v,
		   char *why, size_t len)
{
	size_t kl = strlen(name) + 1, vl = strlen(v) + 1;
	struct agent_opt *opts;
	char *block;

	if (*name == '\0' || kl - 1 > RES_OPT_KEY_MAX)
		return refuse(why, len, "%s", "agent_opt.KEY needs a KEY of 1 to 63 characters");
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return refuse(why, len, "agent_opt key '%s' may hold only letters, digits and _", name);
	for (size_t i = 0; i < r->n_opts; i++)
		if (!strcmp(r->opts[i].key, name))
			return refuse(why, len, "agent_opt.%s given twice", name);
	if (r->n_opts == RES_MAX_OPTS)
		return refuse(why, len, "more than %s agent options", "16");
	if (vl - 1 > RES_OPT_VALUE_MAX)
		return refuse(why, len, "too long (at most %d characters)", RES_OPT_VALUE_MAX);
	opts = realloc(r->opts, (r->n_opts + 1) * sizeof(*opts));
	if (!opts)
		return refuse(why, len, "%s", "out of memory");
	r->opts = opts;
	block = malloc(kl + vl);
	if (!block)
		return refuse(why, len, "%s", "out of memory");
	memcpy(block, name, kl);
	memcpy(block + kl, v, vl);
	opts[r->n_opts].key = block;
	opts[r->n_opts].value = block + kl;
	r->n_opts++;
	return 0;
}

static int set_bool(bool *dst, const char *v, char *why, size_t len)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		*dst = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		*dst = false;
	else
		return refuse(why, len, "expected yes or no, got '%s'", v);
	return 0;
}

static int set_timeout(uint32_t *dst, const char *v, char *why, size_t len)
{
	char *end;
	unsigned long s;

	errno = 0;
	s = strtoul(v, &end, 10);
	if (*v == '\0' || *v == '-' || errno || *end != '\0' || s < 1 || s > 86400)
		return refuse(why, len, "expected seconds from 1 to 86400, got '%s'", v);
	*dst = (uint32_t)s * 1000;
	return 0;
}

/* An unsigned number from MIN to MAX (what it counts: UNIT). */
static int set_uint(uint32_t *dst, const char *v, unsigned long min, unsigned long max,
		    const char *unit, char *why, size_t len)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v == '\0' || *v == '-' || errno || *end != '\0' || n < min || n > max)
		return refuse(why, len, "expected %s from %lu to %lu, got '%s'", unit, min, max, v);
	*dst = (uint32_t)n;
	return 0;
}

static int lookup_key(const char *key)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (!strcmp(key, key_names[i]))
			return (int)i;
	if (!strncmp(key, "timeout_", 8))
		for (int op = 0; op < OP__COUNT; op++)
			if (!strcmp(key + 8, op_names[op]))
				return K_TIMEOUT + op;
	if (!strncmp(key, "agent_opt.", 10))
		return K_OPT;
	return -1;
}

int resource_conf_set(struct resource_conf *r, const char *key, const char *v,
		      char *why, size_t len)
{
	int k = lookup_key(key);

	if (k < 0)
		return refuse(why, len, "unknown key in [resource %s]", r->name);
	if (k != K_OPT && (r->seen & (1ull << k)))
		return refuse(why, len, "given twice in [resource %s]", r->name);
	r->seen |= 1ull << k;

	switch (k) {
	case K_STORAGE:
		if (!strcmp(v, "drbd"))
			r->storage = STORAGE_DRBD;
		else if (!strcmp(v, "shared"))
			r->storage = STORAGE_SHARED;
		else
			return refuse(why, len, "expected drbd or shared, got '%s'", v);
		return 0;
	case K_DRBD_RESOURCE:
		if (!resource_name_valid(v))
			return refuse(why, len, "not a valid DRBD resource name: '%s'", v);
		return set_str(r->drbd_resource, sizeof(r->drbd_resource), v, why, len);
	case K_DEVICE:
		return set_abs_path(&r->device, v, why, len);
	case K_MOUNT_POINT:
		if (!strcmp(v, "/"))
			return refuse(why, len, "%s", "the root filesystem cannot be a resource's mount point");
		/* compared verbatim with /proc/self/mountinfo: only canonical paths */
		if (v[0] == '/' && (v[strlen(v) - 1] == '/' || strstr(v, "//") || strstr(v, "/./") ||
				    strstr(v, "/../") || strchr(v, ' ') || strchr(v, '\t')))
			return refuse(why, len, "'%s' is not a canonical path (no trailing '/', '//', "
				    "'.', '..' or blanks)", v);
		return set_abs_path(&r->mount_point, v, why, len);
	case K_FSTYPE:
		return set_str(r->fstype, sizeof(r->fstype), v, why, len);
	case K_MOUNT_OPTIONS:
		return set_dup(&r->mount_options, RES_PATH_MAX, v, why, len);
	case K_WORKLOAD:
		for (int w = 0; w < WORKLOAD__MAX; w++)
			if (!strcmp(v, workload_names[w])) {
				r->workload = (enum workload_kind)w;
				return 0;
			}
		return refuse(why, len, "expected exec, criu, openvz, lxc or libvirt, got '%s'", v);
	case K_AGENT:
		return set_abs_path(&r->agent, v, why, len);
	case K_COMMAND:
		if (*v == '\0')
			return refuse(why, len, "%s", "must not be empty");
		return set_dup(&r->command, RES_COMMAND_MAX, v, why, len);
	case K_NODES:
		return set_nodes(r, v, why, len);
	case K_AUTOSTART:
		return set_bool(&r->autostart, v, why, len);
	case K_DUMP_DIR:
		if (v[0] == '/' || strstr(v, "..") || *v == '\0')
			return refuse(why, len, "must be a relative path inside the mount point, got '%s'", v);
		return set_dup(&r->dump_dir, RES_PATH_MAX, v, why, len);
	case K_MONITOR_INTERVAL:
		/* 0: no monitoring; at most a day, like the timeouts */
		if (set_uint(&r->monitor_interval_ms, v, 0, 86400, "seconds (0: off)", why, len) < 0)
			return -1;
		r->monitor_interval_ms *= 1000;
		return 0;
	case K_MAX_RESTARTS:
		return set_uint(&r->max_restarts, v, 0, RES_MAX_RESTARTS, "restarts", why, len);
	case K_MAX_RELOCATIONS:
		r->max_relocations_set = true;
		return set_uint(&r->max_relocations, v, 0, RES_MAX_RELOCATIONS, "relocations",
				why, len);
	case K_FAILURE_TIMEOUT:
		if (set_uint(&r->failure_timeout_ms, v, 1, 30 * 86400, "seconds", why, len) < 0)
			return -1;
		r->failure_timeout_ms *= 1000;
		return 0;
	case K_OPT:
		return add_opt(r, key + 10, v, why, len);
	default:
		return set_timeout(&r->timeout_ms[k - K_TIMEOUT], v, why, len);
	}
}

int resource_conf_check(const struct resource_conf *r, const char **key,
			char *why, size_t len)
{
	static const int always[] = { K_STORAGE, K_DEVICE, K_MOUNT_POINT, K_WORKLOAD, K_NODES };

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		if (!(r->seen & (1ull << always[i]))) {
			*key = key_names[always[i]];
			return refuse(why, len, "missing in [resource %s]", r->name);
		}
	}
	if (r->storage == STORAGE_DRBD && !(r->seen & (1ull << K_DRBD_RESOURCE))) {
		*key = "drbd_resource";
		return refuse(why, len, "storage = drbd needs drbd_resource in [resource %s]", r->name);
	}
	if (r->workload == WORKLOAD_EXEC && !(r->seen & (1ull << K_AGENT))) {
		*key = "agent";
		return refuse(why, len, "workload = exec needs an agent in [resource %s]", r->name);
	}
	if (r->workload == WORKLOAD_CRIU && !(r->seen & (1ull << K_COMMAND))) {
		*key = "command";
		return refuse(why, len, "workload = criu needs a command in [resource %s]", r->name);
	}
	if (workload_needs[r->workload]) {
		bool found = false;
		for (size_t i = 0; i < r->n_opts; i++)
			found |= !strcmp(r->opts[i].key, workload_needs[r->workload]);
		if (!found) {
			*key = "agent_opt";
			return refuse(why, len, "workload = %s needs agent_opt.%s in [resource %s]",
				    workload_names[r->workload], workload_needs[r->workload], r->name);
		}
	}
	return 0;
}
