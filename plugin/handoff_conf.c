#include "handoff_conf.h"
#include "notify_event.h"

#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

struct parse_ctx {
	struct handoff_config *cfg;
	struct config_errors *err;
	const char *name;
	unsigned line;          /* counted by our reader: inih does not tell */
	FILE *file;             /* config_load */
	const char *cursor;     /* config_load_string */
};

static void config_error(struct parse_ctx *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_error(struct parse_ctx *p, const char *key, const char *fmt, ...)
{
	struct config_errors *e = p->err;
	va_list ap;
	int n;

	e->count++;
	if (!e->buf || e->used + 1 >= e->len)
		return;
	if (key)
		n = snprintf(e->buf + e->used, e->len - e->used, "%s:%u: key '%s': ",
			     p->name, p->line, key);
	else
		n = snprintf(e->buf + e->used, e->len - e->used, "%s:%u: ",
			     p->name, p->line);
	if (n < 0 || (size_t)n >= e->len - e->used) {
		e->used = e->len - 1;
		return;
	}
	e->used += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(e->buf + e->used, e->len - e->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= e->len - e->used - 1) {
		e->used = e->len - 1;
		return;
	}
	e->used += (size_t)n;
	e->buf[e->used++] = '\n';
	e->buf[e->used] = '\0';
}

void config_free(struct handoff_config *cfg)
{
	for (size_t i = 0; i < cfg->n_resources; i++)
		resource_conf_free(&cfg->resources[i]);
	free(cfg->resources);
	cfg->resources = NULL;
	cfg->n_resources = 0;
}

const struct resource_conf *config_resource(const struct handoff_config *cfg,
					    const char *name)
{
	for (size_t i = 0; i < cfg->n_resources; i++)
		if (!strcmp(cfg->resources[i].name, name))
			return &cfg->resources[i];
	return NULL;
}

void config_defaults(struct handoff_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->drbdadm, sizeof(cfg->drbdadm), "/usr/sbin/drbdadm");
	snprintf(cfg->drbdsetup, sizeof(cfg->drbdsetup), "/usr/sbin/drbdsetup");
	snprintf(cfg->path, sizeof(cfg->path), "%s", HANDOFF_DEFAULT_CONFIG);
	snprintf(cfg->cpg_group, sizeof(cfg->cpg_group), "%s", HANDOFF_DEFAULT_GROUP);
	cfg->log_syslog = true;
	cfg->syslog_facility = LOG_DAEMON;
	cfg->reconnect_interval_ms = 1000;
	cfg->reconnect_limit = 60;
	cfg->standby_parallel = 2;
	cfg->self_fence_timeout_ms = 30000;
	cfg->fence_delay_ms = 60000;
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", HANDOFF_DEFAULT_STATE_DIR);
	cfg->notify_timeout_ms = 30000;
	cfg->max_relocations = RES_DEFAULT_MAX_RELOCATIONS;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "1", "yes", "on", "true" };
	static const char *no[] = { "0", "no", "off", "false" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) { *out = true; return 0; }
		if (!strcasecmp(v, no[i])) { *out = false; return 0; }
	}
	return -1;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long n;

	if (*v == '\0' || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end != '\0' || n < min || n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static const struct { const char *name; int value; } facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static void cluster_key(struct parse_ctx *p, const char *key, const char *v)
{
	struct handoff_config *cfg = p->cfg;
	uint32_t n;

	if (!strcmp(key, "cpg_group")) {
		size_t len = strlen(v);
		if (len == 0 || len > HANDOFF_GROUP_NAME_MAX)
			config_error(p, key, "must be 1 to %d characters, got %zu",
				     HANDOFF_GROUP_NAME_MAX, len);
		else
			memcpy(cfg->cpg_group, v, len + 1);
	} else if (!strcmp(key, "admin_group")) {
		struct group *gr;
		if (*v == '\0') {    /* explicitly: only root may change things */
			cfg->admin_group[0] = '\0';
			cfg->have_admin_gid = false;
			return;
		}
		if (strlen(v) >= sizeof(cfg->admin_group)) {
			config_error(p, key, "group name too long");
			return;
		}
		gr = getgrnam(v);
		if (!gr) {
			config_error(p, key, "no such group '%s'", v);
			return;
		}
		snprintf(cfg->admin_group, sizeof(cfg->admin_group), "%s", v);
		cfg->admin_gid = gr->gr_gid;
		cfg->have_admin_gid = true;
	} else if (!strcmp(key, "log_file")) {
		if (*v != '\0' && *v != '/')
			config_error(p, key, "must be an absolute path, got '%s'", v);
		else if (strlen(v) >= sizeof(cfg->log_file))
			config_error(p, key, "path too long");
		else
			snprintf(cfg->log_file, sizeof(cfg->log_file), "%s", v);
	} else if (!strcmp(key, "syslog")) {
		if (parse_bool(v, &cfg->log_syslog))
			config_error(p, key, "expected yes or no, got '%s'", v);
	} else if (!strcmp(key, "syslog_facility")) {
		for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
			if (!strcmp(v, facilities[i].name)) {
				cfg->syslog_facility = facilities[i].value;
				return;
			}
		}
		config_error(p, key, "unknown facility '%s' (daemon, user, local0..local7)", v);
	} else if (!strcmp(key, "debug")) {
		bool b;
		if (parse_u32(v, 0, 2, &n) == 0)
			cfg->debug = (int)n;
		else if (parse_bool(v, &b) == 0)
			cfg->debug = b ? 1 : 0;
		else
			config_error(p, key, "expected 0, 1, 2, yes or no, got '%s'", v);
	} else if (!strcmp(key, "reconnect_interval")) {
		if (parse_u32(v, 100, 600000, &n))
			config_error(p, key, "expected milliseconds from 100 to 600000, got '%s'", v);
		else
			cfg->reconnect_interval_ms = n;
	} else if (!strcmp(key, "drbdadm")) {
		if (*v != '/')
			config_error(p, key, "must be an absolute path, got '%s'", v);
		else if (strlen(v) >= sizeof(cfg->drbdadm))
			config_error(p, key, "path too long");
		else
			snprintf(cfg->drbdadm, sizeof(cfg->drbdadm), "%s", v);
	} else if (!strcmp(key, "drbdsetup")) {
		if (!strcmp(v, "none"))
			cfg->drbdsetup[0] = '\0';
		else if (*v != '/')
			config_error(p, key, "must be an absolute path or none, got '%s'", v);
		else if (strlen(v) >= sizeof(cfg->drbdsetup))
			config_error(p, key, "path too long");
		else
			snprintf(cfg->drbdsetup, sizeof(cfg->drbdsetup), "%s", v);
	} else if (!strcmp(key, "self_fence_timeout") || !strcmp(key, "fence_delay")) {
		if (parse_u32(v, 1, 3600, &n))
			config_error(p, key, "expected seconds from 1 to 3600, got '%s'", v);
		else if (key[0] == 's')
			cfg->self_fence_timeout_ms = n * 1000;
		else {
			cfg->fence_delay_ms = n * 1000;
			cfg->fence_delay_line = p->line;
		}
	} else if (!strcmp(key, "state_dir")) {
		if (*v != '/')
			config_error(p, key, "must be an absolute path, got '%s'", v);
		else if (strlen(v) >= sizeof(cfg->state_dir))
			config_error(p, key, "path too long");
		else
			snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", v);
	} else if (!strcmp(key, "notify")) {
		char why[RES_PATH_MAX + 100];
		if (*v == '\0')
			cfg->notify[0] = '\0';
		else if (strlen(v) >= sizeof(cfg->notify))
			config_error(p, key, "path too long");
		else if (notify_path_check(v, why, sizeof(why)) < 0)
			config_error(p, key, "%s", why);
		else
			snprintf(cfg->notify, sizeof(cfg->notify), "%s", v);
	} else if (!strcmp(key, "notify_timeout")) {
		if (parse_u32(v, 1, 3600, &n))
			config_error(p, key, "expected seconds from 1 to 3600, got '%s'", v);
		else
			cfg->notify_timeout_ms = n * 1000;
	} else if (!strcmp(key, "watchdog_device")) {
		if (*v != '\0' && *v != '/')
			config_error(p, key, "must be an absolute path, got '%s'", v);
		else if (strlen(v) >= sizeof(cfg->watchdog_device))
			config_error(p, key, "path too long");
		else
			snprintf(cfg->watchdog_device, sizeof(cfg->watchdog_device), "%s", v);
	} else if (!strcmp(key, "watchdog_timeout")) {
		if (parse_u32(v, 1, 3600, &n))
			config_error(p, key, "expected seconds from 1 to 3600, got '%s'", v);
		else {
			cfg->watchdog_timeout_ms = n * 1000;
			cfg->watchdog_timeout_line = p->line;
		}
	} else if (!strcmp(key, "standby_parallel")) {
		if (parse_u32(v, 1, 64, &n))
			config_error(p, key, "expected a count from 1 to 64, got '%s'", v);
		else
			cfg->standby_parallel = n;
	} else if (!strcmp(key, "max_relocations")) {
		if (parse_u32(v, 0, RES_MAX_RELOCATIONS, &n))
			config_error(p, key, "expected relocations from 0 to %d, got '%s'",
				     RES_MAX_RELOCATIONS, v);
		else
			cfg->max_relocations = n;
	} else if (!strcmp(key, "reconnect_limit")) {
		if (parse_u32(v, 0, 1000000, &n))
			config_error(p, key, "expected a count from 0 (forever) to 1000000, got '%s'", v);
		else
			cfg->reconnect_limit = n;
	} else {
		config_error(p, key, "unknown key in section [cluster]");
	}
}

static struct resource_conf *resource_section(struct parse_ctx *p, const char *name)
{
	struct handoff_config *cfg = p->cfg;
	struct resource_conf *r;

	for (size_t i = 0; i < cfg->n_resources; i++)
		if (!strcmp(cfg->resources[i].name, name))
			return &cfg->resources[i];
	if (!resource_name_valid(name)) {
		config_error(p, NULL, "section [resource %s]: a name is 1 to %d letters, "
			     "digits, '_', '-' or '.'", name, RES_NAME_MAX);
		return NULL;
	}
	r = realloc(cfg->resources, (cfg->n_resources + 1) * sizeof(*r));
	if (!r) {
		config_error(p, NULL, "out of memory");
		return NULL;
	}
	cfg->resources = r;
	r = &cfg->resources[cfg->n_resources++];
	resource_conf_defaults(r, name, p->line);
	return r;
}

static void resource_key(struct parse_ctx *p, const char *name, const char *key,
			 const char *value)
{
	struct resource_conf *r = resource_section(p, name);
	char why[256];

	if (r && resource_conf_set(r, key, value, why, sizeof(why)) < 0)
		config_error(p, key, "%s", why);
}

static void check_resources(struct parse_ctx *p)
{
	struct handoff_config *cfg = p->cfg;
	unsigned saved = p->line;

	for (size_t i = 0; i < cfg->n_resources; i++) {
		struct resource_conf *r = &cfg->resources[i];
		const char *key = NULL;
		char why[256];

		/* [cluster] may come after a resource: its default applies now */
		if (!r->max_relocations_set)
			r->max_relocations = cfg->max_relocations;

		p->line = r->line;
		if (resource_conf_check(r, &key, why, sizeof(why)) < 0)
			config_error(p, key, "%s", why);
		for (size_t j = 0; j < i; j++) {
			if (r->mount_point[0] &&
			    !strcmp(cfg->resources[j].mount_point, r->mount_point))
				config_error(p, "mount_point", "[resource %s] uses the mount point "
					     "of [resource %s]", r->name, cfg->resources[j].name);
			if (r->drbd_resource[0] &&
			    r->storage == STORAGE_DRBD && cfg->resources[j].storage == STORAGE_DRBD &&
			    !strcmp(cfg->resources[j].drbd_resource, r->drbd_resource))
				config_error(p, "drbd_resource", "[resource %s] uses the DRBD "
					     "resource of [resource %s]", r->name,
					     cfg->resources[j].name);
		}
	}
	p->line = saved;
}

static int ini_handler_fn(void *user, const char *section, const char *name,
			  const char *value)
{
	struct parse_ctx *p = user;

	if (!strcmp(section, "cluster")) {
		cluster_key(p, name, value);
	} else if (!strncmp(section, "resource ", 9)) {
		resource_key(p, section + 9, name, value);
	} else if (*section == '\0') {
		config_error(p, name, "outside of any section (expected [cluster] first)");
	} else {
		config_error(p, name, "unknown section [%s]", section);
	}
	return 1; /* keep going: report every problem at once */
}

/*
 * libinih reads a line into a buffer of INI_MAX_LINE bytes (200 in Debian's
 * build) and takes what did not fit for the next line, which then fails as
 * a syntax error on a line that does not exist.  Our readers hand it whole
 * lines: a longer one is an error of its own, at its own line, and inih
 * gets an empty line in its place.
 */
static char *too_long(struct parse_ctx *p, char *str, int num)
{
	config_error(p, NULL, "line longer than %d characters (the most a line of "
		     "handoff.conf may have; a longer command belongs in a script)", num - 1);
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

static char *file_reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	size_t n;
	int c;

	if (num < 3 || !fgets(str, num, p->file))
		return NULL;
	p->line++;
	n = strlen(str);
	if (n == 0 || str[n - 1] == '\n' || feof(p->file))
		return str;
	c = getc(p->file);           /* it filled the buffer: is there more? */
	if (c == '\n' || c == EOF)
		return str;
	while (c != '\n' && c != EOF)
		c = getc(p->file);
	return too_long(p, str, num);
}

static char *string_reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	const char *nl, *line = p->cursor;
	size_t n, len;

	if (*line == '\0' || num < 3)
		return NULL;
	nl = strchr(line, '\n');
	len = nl ? (size_t)(nl - line) : strlen(line);   /* without the newline */
	p->cursor = nl ? nl + 1 : line + len;
	p->line++;
	if (len > (size_t)num - 1)
		return too_long(p, str, num);
	/* as fgets: the newline too when it fits */
	n = nl && len < (size_t)num - 1 ? len + 1 : len;
	memcpy(str, line, n);
	str[n] = '\0';
	return str;
}

#define WATCHDOG_DEFAULT_MS 10000

int config_check_fence_delay(const struct handoff_config *cfg, uint32_t watchdog_ms,
			     uint32_t token_ms, uint32_t consensus_ms, char *why, size_t len)
{
	uint64_t sum = (uint64_t)cfg->self_fence_timeout_ms + watchdog_ms + token_ms + consensus_ms;

	if (cfg->fence_delay_ms > sum)
		return 0;
	snprintf(why, len, "fence_delay (%u ms) must be longer than self_fence_timeout (%u ms) + "
		 "the watchdog's timeout (%u ms) + corosync's token (%u ms) + consensus (%u ms) "
		 "= %llu ms", cfg->fence_delay_ms, cfg->self_fence_timeout_ms, watchdog_ms,
		 token_ms, consensus_ms, (unsigned long long)sum);
	return -1;
}

uint64_t config_stop_path_ms(const struct handoff_config *cfg,
			     const struct resource_conf **worst)
{
	uint64_t most = 0;

	if (worst)
		*worst = NULL;
	for (size_t i = 0; i < cfg->n_resources; i++) {
		const struct resource_conf *r = &cfg->resources[i];
		uint64_t ms = (uint64_t)r->timeout_ms[OP_STOP] + r->timeout_ms[OP_UMOUNT] +
			      r->timeout_ms[OP_DEMOTE];
		if (ms > most) {
			most = ms;
			if (worst)
				*worst = r;
		}
	}
	return most;
}

int config_check_stop_path(const struct handoff_config *cfg, char *why, size_t len)
{
	const struct resource_conf *r;
	uint64_t ms = config_stop_path_ms(cfg, &r);

	if (ms <= cfg->self_fence_timeout_ms)
		return 0;
	snprintf(why, len, "[resource %s]: timeout_stop (%u ms) + timeout_umount (%u ms) + "
		 "timeout_demote (%u ms) = %llu ms is longer than self_fence_timeout (%u ms): a "
		 "self-fence whose steps take that long fails at its deadline (and the watchdog, "
		 "if any, resets this machine)", r->name, r->timeout_ms[OP_STOP],
		 r->timeout_ms[OP_UMOUNT], r->timeout_ms[OP_DEMOTE], (unsigned long long)ms,
		 cfg->self_fence_timeout_ms);
	return 1;
}

/*
 * What the file alone can tell of the deadline (S1): the watchdog's timeout
 * (the one asked for: the device's own, read back at start, replaces it
 * then) at most self_fence_timeout, and fence_delay longer than
 * self_fence_timeout plus that.  corosync's token and consensus are added
 * when handoffd connects (corosync_link.c).
 */
static void check_timing(struct parse_ctx *p)
{
	struct handoff_config *cfg = p->cfg;
	unsigned saved = p->line;
	char why[400];

	if (!cfg->watchdog_timeout_line)
		cfg->watchdog_timeout_ms = cfg->self_fence_timeout_ms < WATCHDOG_DEFAULT_MS ?
					   cfg->self_fence_timeout_ms : WATCHDOG_DEFAULT_MS;
	else if (cfg->watchdog_timeout_ms > cfg->self_fence_timeout_ms) {
		p->line = cfg->watchdog_timeout_line;
		config_error(p, "watchdog_timeout", "%u s is longer than self_fence_timeout (%u s)",
			     cfg->watchdog_timeout_ms / 1000, cfg->self_fence_timeout_ms / 1000);
	}
	if (config_check_fence_delay(cfg, cfg->watchdog_device[0] ? cfg->watchdog_timeout_ms : 0,
				     0, 0, why, sizeof(why)) < 0) {
		p->line = cfg->fence_delay_line ? cfg->fence_delay_line : saved;
		config_error(p, "fence_delay", "%s%s", why, cfg->watchdog_device[0] ?
			     " (watchdog_timeout; the device's own timeout, read back at start, "
			     "replaces it then)" : "");
	}
	p->line = saved;
}

/* The handler never fails, so a positive return from inih is always the
 * first line that is neither a section nor "key = value". */
static int run_parser(struct parse_ctx *p, ini_reader reader)
{
	unsigned before = p->err->count;
	int rc = ini_parse_stream(reader, p, ini_handler_fn, p);

	check_resources(p);
	check_timing(p);

	if (rc > 0) {
		unsigned saved = p->line;
		p->line = (unsigned)rc;
		config_error(p, NULL, "syntax error: expected '[section]' or 'key = value'");
		p->line = saved;
	} else if (rc < 0) {
		config_error(p, NULL, "out of memory while parsing");
	}
	return p->err->count == before ? 0 : -1;
}

int config_load(struct handoff_config *cfg, const char *path, bool missing_ok,
		struct config_errors *err)
{
	struct parse_ctx p = { .cfg = cfg, .err = err, .name = path };
	FILE *f;
	int rc;

	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && missing_ok)
			return 0;
		config_error(&p, NULL, "cannot open: %s", strerror(errno));
		return -1;
	}
	p.file = f;
	rc = run_parser(&p, file_reader);
	fclose(f);
	return rc;
}

int config_load_string(struct handoff_config *cfg, const char *name,
		       const char *text, struct config_errors *err)
{
	struct parse_ctx p = { .cfg = cfg, .err = err, .name = name, .cursor = text };

	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	return run_parser(&p, string_reader);
}

/* FNV-1a, 64 bit.  Every field is followed by a separator byte so that
 * "ab"+"c" and "a"+"bc" differ. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

static uint64_t fnv_u32(uint64_t h, uint32_t v)
{
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
	return fnv(h, b, 4);
}

static int cmp_resource_name(const void *a, const void *b)
{
	const struct resource_conf *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

uint64_t config_digest(const struct handoff_config *cfg)
{
	const struct resource_conf **sorted;
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv_str(h, "handoff.conf v1");
	h = fnv_u32(h, (uint32_t)cfg->n_resources);
	if (cfg->n_resources == 0)
		return h;
	sorted = malloc(cfg->n_resources * sizeof(*sorted));
	if (!sorted)
		return 0; /* never equal to a real digest of a config with resources */
	for (size_t i = 0; i < cfg->n_resources; i++)
		sorted[i] = &cfg->resources[i];
	qsort(sorted, cfg->n_resources, sizeof(*sorted), cmp_resource_name);
	for (size_t i = 0; i < cfg->n_resources; i++) {
		const struct resource_conf *r = sorted[i];
		h = fnv_str(h, r->name);
		h = fnv_u32(h, r->storage);
		h = fnv_str(h, r->drbd_resource);
		h = fnv_str(h, r->device);
		h = fnv_str(h, r->mount_point);
		h = fnv_str(h, r->fstype);
		h = fnv_str(h, r->mount_options);
		h = fnv_u32(h, r->workload);
		h = fnv_str(h, r->agent);
		h = fnv_str(h, r->command);
		h = fnv_u32(h, (uint32_t)r->n_opts);
		for (size_t j = 0; j < r->n_opts; j++) {
			h = fnv_str(h, r->opts[j].key);
			h = fnv_str(h, r->opts[j].value);
		}
		h = fnv_u32(h, (uint32_t)r->n_nodes);
		for (size_t j = 0; j < r->n_nodes; j++)
			h = fnv_str(h, r->nodes[j]);
		h = fnv_u32(h, r->autostart);
		h = fnv_str(h, r->dump_dir);
		for (int op = 0; op < OP__COUNT; op++)
			h = fnv_u32(h, r->timeout_ms[op]);
		/* the recovery policy decides in the replicated state machine:
		 * every member must count with the same numbers.  Hashed only
		 * when not the default, so that a config which does not set
		 * them keeps the digest it had before they existed. */
		if (r->monitor_interval_ms != RES_DEFAULT_MONITOR_S * 1000 ||
		    r->max_restarts != RES_DEFAULT_MAX_RESTARTS ||
		    r->failure_timeout_ms != RES_DEFAULT_FAILURE_TIMEOUT_S * 1000) {
			h = fnv_str(h, "health");
			h = fnv_u32(h, r->monitor_interval_ms);
			h = fnv_u32(h, r->max_restarts);
			h = fnv_u32(h, r->failure_timeout_ms);
		}
		if (r->max_relocations != RES_DEFAULT_MAX_RELOCATIONS) {
			h = fnv_str(h, "max_relocations");
			h = fnv_u32(h, r->max_relocations);
		}
	}
	free(sorted);
	return h;
}
