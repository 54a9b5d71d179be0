#include "config_reload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *reload_kind_name(enum reload_kind k)
{
	static const char *names[] = { "added", "removed", "changed", "refused" };
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static struct reload_item *push(struct reload_plan *p, enum reload_kind kind, const char *res)
{
	struct reload_item *it;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct reload_item *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	it = &p->v[p->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	snprintf(it->resource, sizeof(it->resource), "%s", res);
	if (kind == RELOAD_REFUSED)
		p->n_refused++;
	else
		p->n_changes++;
	return it;
}

static int refuse(struct reload_plan *p, const char *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct reload_plan *p, const char *res, const char *fmt, ...)
{
	struct reload_item *it = push(p, RELOAD_REFUSED, res);
	va_list ap;

	if (!it)
		return -1;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
	return 0;
}

/* A comma-separated list of key names that fits in a reload_item's text. */
struct keys {
	char buf[384];
	size_t n;
};

static void key_add(struct keys *k, const char *name)
{
	size_t used = strlen(k->buf);

	if (used + strlen(name) + 3 >= sizeof(k->buf)) {
		if (!strstr(k->buf, ", ..."))
			snprintf(k->buf + used, sizeof(k->buf) - used, ", ...");
		k->n++;
		return;
	}
	snprintf(k->buf + used, sizeof(k->buf) - used, "%s%s", k->n ? ", " : "", name);
	k->n++;
}

static bool same_opts(const struct resource_conf *a, const struct resource_conf *b)
{
	if (a->n_opts != b->n_opts)
		return false;
	for (size_t i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].key, b->opts[i].key) || strcmp(a->opts[i].value, b->opts[i].value))
			return false;
	return true;
}

static bool same_nodes(const struct resource_conf *a, const struct resource_conf *b)
{
	if (a->n_nodes != b->n_nodes)
		return false;
	for (size_t i = 0; i < a->n_nodes; i++)
		if (strcmp(a->nodes[i], b->nodes[i]))
			return false;
	return true;
}

/* A key of A and B (the same struct) that differs goes into LIST. */
#define STR_KEY(field, list) do { if (strcmp(a->field, b->field)) key_add(list, #field); } while (0)
#define NUM_KEY(field, list) do { if (a->field != b->field) key_add(list, #field); } while (0)

/*
 * The keys of A and B that differ: into LIVE those that may change while
 * the resource runs, into STOPPED those that need it STOPPED.  Every key
 * of resource_conf must be in one of the two lists (test_config_reload
 * changes each but the other timeouts).
 */
static void resource_diff(const struct resource_conf *a, const struct resource_conf *b,
			  struct keys *live, struct keys *stopped)
{
	NUM_KEY(storage, stopped);
	STR_KEY(drbd_resource, stopped);
	STR_KEY(device, stopped);
	STR_KEY(mount_point, stopped);
	STR_KEY(fstype, stopped);
	STR_KEY(mount_options, stopped);
	NUM_KEY(workload, stopped);
	STR_KEY(agent, stopped);
	STR_KEY(command, stopped);
	if (!same_opts(a, b))
		key_add(stopped, "agent_opt.*");
	STR_KEY(dump_dir, stopped);
	if (!same_nodes(a, b))
		key_add(live, "nodes");
	NUM_KEY(autostart, live);
	for (int op = 0; op < OP__COUNT; op++)
		if (a->timeout_ms[op] != b->timeout_ms[op]) {
			char name[32];
			snprintf(name, sizeof(name), "timeout_%s", res_op_name((enum res_op)op));
			key_add(live, name);
		}
	if (a->monitor_interval_ms != b->monitor_interval_ms)
		key_add(live, "monitor_interval");
	NUM_KEY(max_restarts, live);
	NUM_KEY(max_relocations, live);
	if (a->failure_timeout_ms != b->failure_timeout_ms)
		key_add(live, "failure_timeout");
}

/* [cluster]: keys read where they are used (live), and keys whose effect
 * was fixed at start (restart). */
static void cluster_diff(const struct handoff_config *a, const struct handoff_config *b,
			 struct keys *live, struct keys *restart)
{
	STR_KEY(cpg_group, restart);
	STR_KEY(state_dir, restart);
	if (a->self_fence_timeout_ms != b->self_fence_timeout_ms)
		key_add(restart, "self_fence_timeout");
	if (a->fence_delay_ms != b->fence_delay_ms)
		key_add(restart, "fence_delay");
	STR_KEY(watchdog_device, restart);
	if (a->watchdog_timeout_ms != b->watchdog_timeout_ms)
		key_add(restart, "watchdog_timeout");
	STR_KEY(log_file, restart);
	if (a->log_syslog != b->log_syslog)
		key_add(restart, "syslog");
	NUM_KEY(syslog_facility, restart);
	NUM_KEY(debug, restart);
	if (a->have_admin_gid != b->have_admin_gid || strcmp(a->admin_group, b->admin_group) ||
	    (a->have_admin_gid && a->admin_gid != b->admin_gid))
		key_add(live, "admin_group");
	STR_KEY(drbdadm, live);
	STR_KEY(notify, live);
	if (a->notify_timeout_ms != b->notify_timeout_ms)
		key_add(live, "notify_timeout");
	NUM_KEY(standby_parallel, live);
	NUM_KEY(max_relocations, live);    /* the resources' default: each shows it too */
	if (a->reconnect_interval_ms != b->reconnect_interval_ms)
		key_add(live, "reconnect_interval");
	NUM_KEY(reconnect_limit, live);
}

static int changed(struct reload_plan *p, const char *res, const struct keys *k)
{
	struct reload_item *it = push(p, RELOAD_CHANGED, res);

	if (!it)
		return -1;
	snprintf(it->text, sizeof(it->text), "%s", k->buf);
	return 0;
}

static int plan(const struct handoff_config *old, const struct handoff_config *new,
		reload_phase_fn phase, void *ctx, struct reload_plan *p)
{
	struct keys live = { .n = 0 }, other = { .n = 0 };
	int rc = 0;

	cluster_diff(old, new, &live, &other);
	if (other.n)
		rc |= refuse(p, "", "[cluster] %s: set at start; restart handoffd to change %s",
			     other.buf, other.n == 1 ? "it" : "them");
	if (live.n)
		rc |= changed(p, "", &live);
	for (size_t i = 0; i < old->n_resources; i++) {
		const struct resource_conf *a = &old->resources[i];
		const struct resource_conf *b = config_resource(new, a->name);
		const char *ph = phase(ctx, a->name);
		if (!b) {
			if (ph)
				rc |= refuse(p, a->name, "cannot remove %s while it is %s: stop it first",
					     a->name, ph);
			else if (!push(p, RELOAD_REMOVED, a->name))
				rc = -1;
			continue;
		}
		memset(&live, 0, sizeof(live));
		memset(&other, 0, sizeof(other));
		resource_diff(a, b, &live, &other);
		if (other.n && ph)
			rc |= refuse(p, a->name, "%s: %s may change only while it is STOPPED "
				     "(it is %s): stop it first", a->name, other.buf, ph);
		if (live.n)
			key_add(&other, live.buf);
		if (other.n)
			rc |= changed(p, a->name, &other);
	}
	for (size_t i = 0; i < new->n_resources; i++)
		if (!config_resource(old, new->resources[i].name) &&
		    !push(p, RELOAD_ADDED, new->resources[i].name))
			rc = -1;
	return rc;
}

int reload_plan_make(const struct handoff_config *old, const struct handoff_config *new,
		     reload_phase_fn phase, void *ctx, struct reload_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (plan(old, new, phase, ctx, p) < 0) {
		reload_plan_free(p);
		return -1;
	}
	return (int)p->n_refused;
}

void reload_plan_free(struct reload_plan *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
