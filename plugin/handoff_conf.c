#include "handoff_conf.h"

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

void config_defaults(struct handoff_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", HANDOFF_DEFAULT_CONFIG);
	snprintf(cfg->cpg_group, sizeof(cfg->cpg_group), "%s", HANDOFF_DEFAULT_GROUP);
	cfg->log_syslog = true;
	cfg->syslog_facility = LOG_DAEMON;
	cfg->reconnect_interval_ms = 1000;
	cfg->reconnect_limit = 60;
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
	} else if (!strcmp(key, "reconnect_limit")) {
		if (parse_u32(v, 0, 1000000, &n))
			config_error(p, key, "expected a count from 0 (forever) to 1000000, got '%s'", v);
		else
			cfg->reconnect_limit = n;
	} else {
		config_error(p, key, "unknown key in section [cluster]");
	}
}

static int ini_handler_fn(void *user, const char *section, const char *name,
			  const char *value)
{
	struct parse_ctx *p = user;

	if (!strcmp(section, "cluster")) {
		cluster_key(p, name, value);
	} else if (*section == '\0') {
		config_error(p, name, "outside of any section (expected [cluster] first)");
	} else {
		config_error(p, name, "unknown section [%s]", section);
	}
	return 1; /* keep going: report every problem at once */
}

static char *file_reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	char *r = fgets(str, num, p->file);
	if (r)
		p->line++;
	return r;
}

static char *string_reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	const char *nl;
	size_t n;

	if (*p->cursor == '\0' || num < 2)
		return NULL;
	nl = strchr(p->cursor, '\n');
	n = nl ? (size_t)(nl - p->cursor + 1) : strlen(p->cursor);
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, p->cursor, n);
	str[n] = '\0';
	p->cursor += n;
	p->line++;
	return str;
}

/* The handler never fails, so a positive return from inih is always the
 * first line that is neither a section nor "key = value". */
static int run_parser(struct parse_ctx *p, ini_reader reader)
{
	unsigned before = p->err->count;
	int rc = ini_parse_stream(reader, p, ini_handler_fn, p);

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
