/* handoffctl reload: what a new handoff.conf changes, and what it may not
 * change while handoffd runs (plugin/config_reload.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/config_reload.h"

static const char BASE[] =
	"[cluster]\nnotify_timeout = 30\n"
	"[resource web]\nstorage = drbd\ndrbd_resource = r0\ndevice = /dev/drbd0\n"
	"mount_point = /srv/web\nworkload = exec\nagent = /bin/true\n"
	"nodes = node1 node2 node3\n"
	"[resource db]\nstorage = shared\ndevice = /dev/sdb1\nmount_point = /srv/db\n"
	"workload = exec\nagent = /bin/true\nnodes = node2 node1\n";

/* The phase each resource is in: "web" RUNNING unless ALL_STOPPED. */
static bool all_stopped;

static const char *phase(void *ctx, const char *name)
{
	(void)ctx;
	return !all_stopped && !strcmp(name, "web") ? "RUNNING" : NULL;
}

static void load(struct handoff_config *cfg, const char *text)
{
	char buf[2048] = "";
	struct config_errors err = { .buf = buf, .len = sizeof(buf) };

	config_defaults(cfg);
	if (config_load_string(cfg, "t.conf", text, &err) != 0)
		fail_msg("%s", buf);
}

/* BASE with FROM replaced by TO (FROM must be in it). */
static void edited(char *out, size_t len, const char *from, const char *to)
{
	const char *at = strstr(BASE, from);

	assert_non_null(at);
	snprintf(out, len, "%.*s%s%s", (int)(at - BASE), BASE, to, at + strlen(from));
}

static int plan_of(const char *text, struct reload_plan *p)
{
	struct handoff_config a, b;
	int rc;

	load(&a, BASE);
	load(&b, text);
	rc = reload_plan_make(&a, &b, phase, NULL, p);
	config_free(&a);
	config_free(&b);
	return rc;
}

static const struct reload_item *item(const struct reload_plan *p, enum reload_kind k,
				      const char *res)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == k && !strcmp(p->v[i].resource, res))
			return &p->v[i];
	return NULL;
}

static void the_same_file_changes_nothing(void **state)
{
	struct reload_plan p;
	(void)state;

	all_stopped = false;
	assert_int_equal(plan_of(BASE, &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.n_changes, 0);
	reload_plan_free(&p);
}

static void a_new_resource_is_added(void **state)
{
	struct reload_plan p;
	char text[2048];
	(void)state;

	all_stopped = false;
	snprintf(text, sizeof(text), "%s[resource new]\nstorage = shared\ndevice = /dev/sdc1\n"
		 "mount_point = /srv/new\nworkload = exec\nagent = /bin/true\nnodes = node1\n", BASE);
	assert_int_equal(plan_of(text, &p), 0);
	assert_int_equal(p.n, 1);
	assert_non_null(item(&p, RELOAD_ADDED, "new"));
	reload_plan_free(&p);
}

static void a_running_resource_is_not_removed(void **state)
{
	struct reload_plan p;
	char text[2048];
	const struct reload_item *it;
	(void)state;

	/* without web, which RUNS, and without db, which is STOPPED */
	snprintf(text, sizeof(text), "%s", BASE);
	*strstr(text, "[resource web]") = '\0';
	all_stopped = false;
	assert_int_equal(plan_of(text, &p), 1);
	it = item(&p, RELOAD_REFUSED, "web");
	assert_non_null(it);
	assert_string_equal(it->text, "cannot remove web while it is RUNNING: stop it first");
	assert_non_null(item(&p, RELOAD_REMOVED, "db"));
	reload_plan_free(&p);

	all_stopped = true;
	assert_int_equal(plan_of(text, &p), 0);
	assert_non_null(item(&p, RELOAD_REMOVED, "web"));
	assert_non_null(item(&p, RELOAD_REMOVED, "db"));
	reload_plan_free(&p);
}

static void live_keys_change_while_it_runs(void **state)
{
	struct reload_plan p;
	char text[2048];
	const struct reload_item *it;
	(void)state;

	all_stopped = false;
	edited(text, sizeof(text), "nodes = node1 node2 node3\n",
	       "nodes = node3 node1 node2\nmonitor_interval = 3\ntimeout_start = 7\n"
	       "max_restarts = 5\nfailure_timeout = 60\nautostart = yes\n");
	assert_int_equal(plan_of(text, &p), 0);
	it = item(&p, RELOAD_CHANGED, "web");
	assert_non_null(it);
	assert_string_equal(it->text, "nodes, autostart, timeout_start, monitor_interval, "
			    "max_restarts, failure_timeout");
	assert_int_equal(p.n, 1);
	reload_plan_free(&p);
}

static void storage_keys_need_it_stopped(void **state)
{
	/* each edit of web, and the keys it changes; the storage and the
	 * workload kind change with the keys they need */
	static const char *const edits[][3] = {
		{ "drbd_resource = r0", "drbd_resource = r9", "drbd_resource" },
		{ "device = /dev/drbd0", "device = /dev/drbd9", "device" },
		{ "mount_point = /srv/web", "mount_point = /srv/other", "mount_point" },
		{ "workload = exec\nagent = /bin/true\nnodes = node1",
		  "workload = exec\nagent = /bin/false\nnodes = node1", "agent" },
		{ "nodes = node1 node2 node3\n", "nodes = node1 node2 node3\nfstype = xfs\n", "fstype" },
		{ "nodes = node1 node2 node3\n", "nodes = node1 node2 node3\nmount_options = noatime\n",
		  "mount_options" },
		{ "nodes = node1 node2 node3\n", "nodes = node1 node2 node3\ndump_dir = dumps\n",
		  "dump_dir" },
		{ "nodes = node1 node2 node3\n", "nodes = node1 node2 node3\nagent_opt.x = 1\n",
		  "agent_opt.*" },
		{ "nodes = node1 node2 node3\n", "nodes = node1 node2 node3\ncommand = /bin/sleep 1\n",
		  "command" },
		{ "storage = drbd\ndrbd_resource = r0\n", "storage = shared\n",
		  "storage, drbd_resource" },
		{ "workload = exec\nagent = /bin/true\nnodes = node1",
		  "workload = criu\ncommand = /bin/sleep 9\nagent = /bin/true\nnodes = node1",
		  "workload, command" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct reload_plan p;
		char text[2048];
		const struct reload_item *it;

		edited(text, sizeof(text), edits[i][0], edits[i][1]);
		all_stopped = false;
		assert_int_equal(plan_of(text, &p), 1);
		it = item(&p, RELOAD_REFUSED, "web");
		assert_non_null(it);
		if (!strstr(it->text, edits[i][2]) || !strstr(it->text, "stop it first"))
			fail_msg("%s: %s", edits[i][2], it->text);
		reload_plan_free(&p);

		all_stopped = true;
		assert_int_equal(plan_of(text, &p), 0);
		it = item(&p, RELOAD_CHANGED, "web");
		assert_non_null(it);
		assert_string_equal(it->text, edits[i][2]);
		reload_plan_free(&p);
	}
}

static void cluster_keys(void **state)
{
	struct reload_plan p;
	char text[2048];
	const struct reload_item *it;
	(void)state;

	all_stopped = true;
	edited(text, sizeof(text), "notify_timeout = 30\n",
	       "notify_timeout = 5\nstandby_parallel = 7\ncpg_group = other\nfence_delay = 99\n"
	       "state_dir = /tmp/x\n");
	assert_int_equal(plan_of(text, &p), 1);
	it = item(&p, RELOAD_REFUSED, "");
	assert_non_null(it);
	assert_string_equal(it->text, "[cluster] cpg_group, state_dir, fence_delay: set at start; "
			    "restart handoffd to change them");
	it = item(&p, RELOAD_CHANGED, "");
	assert_non_null(it);
	assert_string_equal(it->text, "notify_timeout, standby_parallel");
	reload_plan_free(&p);
}

/* A reload is all or nothing: one refusal among changes, and the caller
 * applies none of them (the plan still lists what would change). */
static void one_refusal_among_changes(void **state)
{
	struct reload_plan p;
	char text[2048];
	(void)state;

	all_stopped = false;
	edited(text, sizeof(text), "mount_point = /srv/web\n",
	       "mount_point = /srv/moved\nmonitor_interval = 2\n");
	assert_int_equal(plan_of(text, &p), 1);
	assert_int_equal(p.n_refused, 1);
	assert_non_null(item(&p, RELOAD_CHANGED, "web"));
	assert_string_equal(item(&p, RELOAD_CHANGED, "web")->text, "mount_point, monitor_interval");
	reload_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_same_file_changes_nothing),
		cmocka_unit_test(a_new_resource_is_added),
		cmocka_unit_test(a_running_resource_is_not_removed),
		cmocka_unit_test(live_keys_change_while_it_runs),
		cmocka_unit_test(storage_keys_need_it_stopped),
		cmocka_unit_test(cluster_keys),
		cmocka_unit_test(one_refusal_among_changes),
	};
	return cmocka_run_group_tests_name("config_reload", tests, NULL, NULL);
}
