/* handoff.conf: defaults, every key, and errors naming file, line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "plugin/handoff_conf.h"

struct fixture {
	struct handoff_config cfg;
	char buf[4096];
	struct config_errors err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	config_defaults(&f->cfg);
	f->err.buf = f->buf;
	f->err.len = sizeof(f->buf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	config_free(&f->cfg);
	free(f);
	return 0;
}

static int load(struct fixture *f, const char *text)
{
	return config_load_string(&f->cfg, "test.conf", text, &f->err);
}

/* a second load starts from scratch */
static void reset(struct fixture *f)
{
	config_free(&f->cfg);
	config_defaults(&f->cfg);
	memset(&f->err, 0, sizeof(f->err));
	f->err.buf = f->buf;
	f->err.len = sizeof(f->buf);
	f->buf[0] = '\0';
}

static int reload(struct fixture *f, const char *text)
{
	reset(f);
	return load(f, text);
}

static void defaults(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, ""), 0);
	assert_string_equal(f->cfg.cpg_group, "handoff");
	assert_true(f->cfg.log_syslog);
	assert_int_equal(f->cfg.syslog_facility, LOG_DAEMON);
	assert_int_equal(f->cfg.debug, 0);
	assert_int_equal(f->cfg.reconnect_interval_ms, 1000);
	assert_int_equal(f->cfg.reconnect_limit, 60);
	assert_false(f->cfg.have_admin_gid);
	assert_string_equal(f->cfg.log_file, "");
	assert_string_equal(f->cfg.state_dir, "/var/lib/handoff");
}

static void every_key(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f,
		"# comment\n"
		"[cluster]\n"
		"cpg_group = prod-handoff\n"
		"admin_group = root\n"
		"log_file = /var/log/handoff/h.log\n"
		"syslog = no\n"
		"syslog_facility = local3\n"
		"debug = 2\n"
		"reconnect_interval = 250\n"
		"reconnect_limit = 0\n"
		"state_dir = /srv/handoff-state\n"), 0);
	assert_int_equal(f->err.count, 0);
	assert_string_equal(f->cfg.cpg_group, "prod-handoff");
	assert_true(f->cfg.have_admin_gid);
	assert_int_equal(f->cfg.admin_gid, 0);
	assert_string_equal(f->cfg.log_file, "/var/log/handoff/h.log");
	assert_false(f->cfg.log_syslog);
	assert_int_equal(f->cfg.syslog_facility, LOG_LOCAL3);
	assert_int_equal(f->cfg.debug, 2);
	assert_int_equal(f->cfg.reconnect_interval_ms, 250);
	assert_int_equal(f->cfg.reconnect_limit, 0);
	assert_string_equal(f->cfg.state_dir, "/srv/handoff-state");
	/* a relative state_dir is refused and the default stays */
	assert_int_equal(reload(f, "[cluster]\nstate_dir = var/lib\n"), -1);
	assert_non_null(strstr(f->buf, "test.conf:2: key 'state_dir': must be an absolute path"));
	assert_string_equal(f->cfg.state_dir, "/var/lib/handoff");
}

/* The self-fence deadline (S1, S2): fence_delay > self_fence_timeout + the
 * watchdog's timeout + token + consensus, every term named in the error. */
static void fence_delay_covers_the_watchdog(void **state)
{
	struct fixture *f = *state;
	char why[400];

	assert_int_equal(load(f, "[cluster]\nself_fence_timeout = 30\nfence_delay = 40\n"), 0);
	assert_int_equal(f->cfg.watchdog_timeout_ms, 10000);     /* the default */
	assert_int_equal(reload(f, "[cluster]\nself_fence_timeout = 30\nfence_delay = 40\n"
				"watchdog_device = /dev/watchdog\n"), -1);
	assert_non_null(strstr(f->buf, "test.conf:3: key 'fence_delay': fence_delay (40000 ms) must "
			       "be longer than self_fence_timeout (30000 ms) + the watchdog's timeout "
			       "(10000 ms) + corosync's token (0 ms) + consensus (0 ms) = 40000 ms "
			       "(watchdog_timeout;"));
	assert_int_equal(reload(f, "[cluster]\nself_fence_timeout = 30\nfence_delay = 40\n"
				"watchdog_device = /dev/watchdog\nwatchdog_timeout = 5\n"), 0);
	assert_int_equal(f->cfg.watchdog_timeout_ms, 5000);
	/* the default is never longer than self_fence_timeout */
	assert_int_equal(reload(f, "[cluster]\nself_fence_timeout = 3\nfence_delay = 8\n"
				"watchdog_device = /dev/watchdog\n"), 0);
	assert_int_equal(f->cfg.watchdog_timeout_ms, 3000);
	assert_int_equal(reload(f, "[cluster]\nself_fence_timeout = 3\nfence_delay = 8\n"
				"watchdog_timeout = 4\n"), -1);
	assert_non_null(strstr(f->buf, "test.conf:4: key 'watchdog_timeout': 4 s is longer than "
			       "self_fence_timeout (3 s)"));
	/* at connect: the watchdog read back, corosync's token and consensus */
	assert_int_equal(reload(f, "[cluster]\nself_fence_timeout = 3\nfence_delay = 8\n"), 0);
	assert_int_equal(config_check_fence_delay(&f->cfg, 2000, 1000, 1200, why, sizeof(why)), 0);
	assert_int_equal(config_check_fence_delay(&f->cfg, 4000, 1000, 1200, why, sizeof(why)), -1);
	assert_string_equal(why, "fence_delay (8000 ms) must be longer than self_fence_timeout "
			    "(3000 ms) + the watchdog's timeout (4000 ms) + corosync's token (1000 ms) "
			    "+ consensus (1200 ms) = 9200 ms");
}

/* The stop path of a self-fence: the longest of stop + umount + demote. */
static void stop_path_against_self_fence_timeout(void **state)
{
	struct fixture *f = *state;
	const struct resource_conf *worst;
	char why[512];
	static const char conf[] =
		"[cluster]\nself_fence_timeout = 30\nfence_delay = 60\n"
		"[resource a]\nstorage = drbd\nworkload = exec\ndevice = /dev/drbd0\nmount_point = /srv/a\ndrbd_resource = a\n"
		"agent = /bin/true\nnodes = n1\ntimeout_stop = 10\ntimeout_umount = 5\n"
		"timeout_demote = 5\n"
		"[resource b]\nstorage = drbd\nworkload = exec\ndevice = /dev/drbd1\nmount_point = /srv/b\ndrbd_resource = b\n"
		"agent = /bin/true\nnodes = n1\ntimeout_stop = 12\ntimeout_umount = 6\n"
		"timeout_demote = %s\n";
	char text[1024];

	snprintf(text, sizeof(text), conf, "10");
	assert_int_equal(load(f, text), 0);
	assert_int_equal(config_stop_path_ms(&f->cfg, &worst), 28000);
	assert_string_equal(worst->name, "b");
	assert_int_equal(config_check_stop_path(&f->cfg, why, sizeof(why)), 0);
	snprintf(text, sizeof(text), conf, "20");
	assert_int_equal(reload(f, text), 0);
	assert_int_equal(config_check_stop_path(&f->cfg, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "[resource b]: timeout_stop (12000 ms) + timeout_umount "
			       "(6000 ms) + timeout_demote (20000 ms) = 38000 ms is longer than "
			       "self_fence_timeout (30000 ms)"));
}

static void debug_accepts_booleans(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[cluster]\ndebug = yes\n"), 0);
	assert_int_equal(f->cfg.debug, 1);
	assert_int_equal(load(f, "[cluster]\ndebug = off\n"), 0);
	assert_int_equal(f->cfg.debug, 0);
}

static void empty_admin_group_means_root_only(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[cluster]\nadmin_group = root\nadmin_group =\n"), 0);
	assert_false(f->cfg.have_admin_gid);
	assert_string_equal(f->cfg.admin_group, "");
}

static void error_names_file_line_key(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[cluster]\n\nreconnect_interval = fast\n"), -1);
	assert_int_equal(f->err.count, 1);
	assert_non_null(strstr(f->buf, "test.conf:3: key 'reconnect_interval'"));
	assert_non_null(strstr(f->buf, "'fast'"));
}

static void every_error_is_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f,
		"[cluster]\n"
		"debug = 7\n"
		"colour = blue\n"
		"syslog = maybe\n"), -1);
	assert_int_equal(f->err.count, 3);
	assert_non_null(strstr(f->buf, "test.conf:2: key 'debug'"));
	assert_non_null(strstr(f->buf, "test.conf:3: key 'colour': unknown key"));
	assert_non_null(strstr(f->buf, "test.conf:4: key 'syslog'"));
}

static void rejects_bad_values(void **state)
{
	static const char *bad[] = {
		"[cluster]\nreconnect_interval = 50\n",      /* below 100 ms */
		"[cluster]\nreconnect_interval = -5\n",
		"[cluster]\nreconnect_interval = 10x\n",
		"[cluster]\nreconnect_limit = 99999999999\n",
		"[cluster]\nlog_file = relative/path\n",
		"[cluster]\nsyslog_facility = kern\n",
		"[cluster]\nadmin_group = no-such-group-handoff-test\n",
		"[cluster]\ncpg_group = \n",
		"[cluster]\ncpg_group = "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	};
	struct fixture *f = *state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->err.count = 0;
		f->err.used = 0;
		f->buf[0] = '\0';
		config_free(&f->cfg);
		config_defaults(&f->cfg);
		if (load(f, bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(f->buf, "test.conf:2: key '"));
		/* a rejected value never replaces the default */
		assert_string_equal(f->cfg.cpg_group, "handoff");
		assert_int_equal(f->cfg.reconnect_interval_ms, 1000);
	}
}

static void unknown_section_and_no_section(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "orphan = 1\n[resources]\nx = 1\n"), -1);
	assert_int_equal(f->err.count, 2);
	assert_non_null(strstr(f->buf, "test.conf:1: key 'orphan': outside of any section"));
	assert_non_null(strstr(f->buf, "test.conf:3: key 'x': unknown section [resources]"));
}

static void syntax_error_names_line(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[cluster]\ndebug = 1\nthis line is wrong\n"), -1);
	assert_non_null(strstr(f->buf, "test.conf:3: syntax error"));
}

/* libinih reads at most 199 characters a line: a longer one is named at its
 * own line (not as a syntax error on the next), and the lines after it
 * keep their numbers, from a string and from a file alike. */
static const char *long_lines_text(void)
{
	static char text[1024];
	char a[251], b[200];

	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memset(b, 'b', sizeof(b) - 1);       /* 199 characters: fits */
	b[sizeof(b) - 1] = '\0';
	memcpy(b, "# ", 2);
	snprintf(text, sizeof(text), "[cluster]\ncpg_group = %s\nbogus = 1\n%s\ndebug = 1\n", a, b);
	return text;
}

static void check_long_lines(struct fixture *f)
{
	assert_int_equal(f->err.count, 2);
	assert_non_null(strstr(f->buf, ":2: line longer than 199 characters"));
	assert_non_null(strstr(f->buf, ":3: key 'bogus'"));
	assert_null(strstr(f->buf, "syntax error"));
	assert_true(f->cfg.debug);          /* line 5, after them, was read */
}

static void long_line_is_named(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/handoff-test-conf-XXXXXX";
	const char *text = long_lines_text();
	int fd;

	assert_int_equal(load(f, text), -1);
	check_long_lines(f);
	reset(f);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	assert_int_equal(config_load(&f->cfg, path, false, &f->err), -1);
	unlink(path);
	check_long_lines(f);
}

static void missing_file(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(config_load(&f->cfg, "/nonexistent/handoff.conf", true, &f->err), 0);
	assert_int_equal(f->err.count, 0);
	assert_int_equal(config_load(&f->cfg, "/nonexistent/handoff.conf", false, &f->err), -1);
	assert_non_null(strstr(f->buf, "/nonexistent/handoff.conf:0: cannot open"));
}

static void from_file(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/handoff-test-conf-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "[cluster]\ncpg_group = fromfile\nbogus = 1\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	assert_int_equal(config_load(&f->cfg, path, false, &f->err), -1);
	unlink(path);
	assert_string_equal(f->cfg.cpg_group, "fromfile");
	assert_non_null(strstr(f->buf, ":3: key 'bogus'"));
}

static void error_buffer_overflow_is_safe(void **state)
{
	struct fixture *f = *state;
	char small[40];
	struct config_errors e = { .buf = small, .len = sizeof(small) };
	assert_int_equal(config_load_string(&f->cfg, "a-rather-long-file-name.conf",
		"[cluster]\na=1\nb=2\nc=3\n", &e), -1);
	assert_int_equal(e.count, 3);
	assert_true(strlen(small) < sizeof(small));
}

static const char WEB[] =
	"[resource web]\n"
	"storage = drbd\n"
	"drbd_resource = r0\n"
	"device = /dev/drbd0\n"
	"mount_point = /srv/web\n"
	"workload = exec\n"
	"agent = /usr/lib/handoff/agents/web\n"
	"agent_opt.port = 8080\n"
	"nodes = node2 node1, node3\n"
	"autostart = yes\n"
	"timeout_dump = 900\n";

static void resource_section(void **state)
{
	struct fixture *f = *state;
	const struct resource_conf *r;

	assert_int_equal(load(f, WEB), 0);
	assert_int_equal(f->cfg.n_resources, 1);
	r = config_resource(&f->cfg, "web");
	assert_non_null(r);
	assert_null(config_resource(&f->cfg, "db"));
	assert_int_equal(r->storage, STORAGE_DRBD);
	assert_string_equal(r->drbd_resource, "r0");
	assert_string_equal(r->device, "/dev/drbd0");
	assert_string_equal(r->mount_point, "/srv/web");
	assert_string_equal(r->fstype, "ext4");
	assert_int_equal(r->workload, WORKLOAD_EXEC);
	assert_int_equal(r->n_opts, 1);
	assert_string_equal(r->opts[0].key, "port");
	assert_string_equal(r->opts[0].value, "8080");
	assert_int_equal(r->n_nodes, 3);
	assert_string_equal(r->nodes[0], "node2");
	assert_string_equal(r->nodes[2], "node3");
	assert_true(r->autostart);
	assert_string_equal(r->dump_dir, ".handoff");
	assert_int_equal(r->timeout_ms[OP_DUMP], 900000);
	assert_int_equal(r->timeout_ms[OP_PROMOTE], 60000);
	/* the health defaults */
	assert_int_equal(r->monitor_interval_ms, 10000);
	assert_int_equal(r->max_restarts, 3);
	assert_int_equal(r->failure_timeout_ms, 600000);
}

/* monitor_interval, max_restarts, failure_timeout: their ranges, and the
 * digest changes with them (the state machine counts with them) */
/* A fresh config for the next load. */
static void fresh_config(struct fixture *f)
{
	config_free(&f->cfg);
	config_defaults(&f->cfg);
}

static void health_keys(void **state)
{
	struct fixture *f = *state;
	const struct resource_conf *r;
	uint64_t d0;
	char text[1024];
	static const char base[] =
		"[cluster]\n[resource web]\nstorage = shared\ndevice = /dev/sdb1\n"
		"mount_point = /srv/web\nworkload = exec\nagent = /bin/true\nnodes = node1\n";

	assert_int_equal(load(f, base), 0);
	d0 = config_digest(&f->cfg);
	fresh_config(f);
	snprintf(text, sizeof(text), "%smonitor_interval = 0\nmax_restarts = 0\n"
		 "failure_timeout = 60\n", base);
	assert_int_equal(load(f, text), 0);
	r = config_resource(&f->cfg, "web");
	assert_int_equal(r->monitor_interval_ms, 0);
	assert_int_equal(r->max_restarts, 0);
	assert_int_equal(r->failure_timeout_ms, 60000);
	assert_true(config_digest(&f->cfg) != d0);
	fresh_config(f);
	snprintf(text, sizeof(text), "%smax_restarts = 101\n", base);
	assert_int_equal(load(f, text), -1);
	assert_non_null(strstr(f->buf, "key 'max_restarts': expected restarts from 0 to 100"));
	fresh_config(f);
	snprintf(text, sizeof(text), "%smonitor_interval = -1\n", base);
	assert_int_equal(load(f, text), -1);
	assert_non_null(strstr(f->buf, "key 'monitor_interval': expected seconds (0: off) from 0 to 86400"));
	fresh_config(f);
	snprintf(text, sizeof(text), "%sfailure_timeout = 0\n", base);
	assert_int_equal(load(f, text), -1);
	assert_non_null(strstr(f->buf, "key 'failure_timeout': expected seconds from 1"));
}

/* max_relocations: per resource, with a [cluster] default (which may come
 * after the resource), in the digest when not the default (1) */
static void relocation_keys(void **state)
{
	struct fixture *f = *state;
	uint64_t d0, d1;
	char text[1024];
	static const char res[] =
		"[resource web]\nstorage = shared\ndevice = /dev/sdb1\n"
		"mount_point = /srv/web\nworkload = exec\nagent = /bin/true\nnodes = node1\n";
	static const char db[] =
		"[resource db]\nstorage = shared\ndevice = /dev/sdb2\n"
		"mount_point = /srv/db\nworkload = exec\nagent = /bin/true\nnodes = node1\n"
		"max_relocations = 4\n";

	snprintf(text, sizeof(text), "[cluster]\n%s", res);
	assert_int_equal(load(f, text), 0);
	assert_int_equal(config_resource(&f->cfg, "web")->max_relocations, 1);
	d0 = config_digest(&f->cfg);
	fresh_config(f);
	snprintf(text, sizeof(text), "%s%s[cluster]\nmax_relocations = 0\n", res, db);
	assert_int_equal(load(f, text), 0);
	assert_int_equal(config_resource(&f->cfg, "web")->max_relocations, 0);
	assert_int_equal(config_resource(&f->cfg, "db")->max_relocations, 4);
	fresh_config(f);
	snprintf(text, sizeof(text), "[cluster]\n%smax_relocations = 2\n", res);
	assert_int_equal(load(f, text), 0);
	d1 = config_digest(&f->cfg);
	assert_true(d1 != d0);
	fresh_config(f);
	snprintf(text, sizeof(text), "[cluster]\nmax_relocations = 2\n%s", res);
	assert_int_equal(load(f, text), 0);
	assert_true(config_digest(&f->cfg) == d1);
	fresh_config(f);
	snprintf(text, sizeof(text), "[cluster]\n%smax_relocations = 101\n", res);
	assert_int_equal(load(f, text), -1);
	assert_non_null(strstr(f->buf, "key 'max_relocations': expected relocations from 0 to 100"));
	fresh_config(f);
	snprintf(text, sizeof(text), "[cluster]\nmax_relocations = x\n%s", res);
	assert_int_equal(load(f, text), -1);
	assert_non_null(strstr(f->buf, "expected relocations from 0 to 100, got 'x'"));
}

static void resource_errors(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f,
		"[resource db]\n"
		"storage = drbd\n"
		"device = /dev/drbd1\n"
		"mount_point = srv/db\n"
		"workload = lxd\n"
		"nodes = a b a\n"
		"timeout_start = 0\n"
		"colour = red\n"
		"storage = shared\n"
		"[resource bad name]\n"
		"storage = shared\n"), -1);
	assert_non_null(strstr(f->buf, "test.conf:4: key 'mount_point': must be an absolute path"));
	assert_non_null(strstr(f->buf, "test.conf:5: key 'workload': expected exec, criu, openvz, lxc or libvirt, got 'lxd'"));
	assert_non_null(strstr(f->buf, "test.conf:6: key 'nodes': node 'a' listed twice"));
	assert_non_null(strstr(f->buf, "test.conf:7: key 'timeout_start': expected seconds"));
	assert_non_null(strstr(f->buf, "test.conf:8: key 'colour': unknown key in [resource db]"));
	assert_non_null(strstr(f->buf, "test.conf:9: key 'storage': given twice"));
	assert_non_null(strstr(f->buf, "test.conf:11: section [resource bad name]"));
	/* required keys are named with the line where the section's first key is */
	assert_non_null(strstr(f->buf, "test.conf:2: key 'drbd_resource': storage = drbd needs"));
}

static void shorthand_workloads_need_their_option(void **state)
{
	struct fixture *f = *state;
	static const char *const kinds[][2] = {
		{ "openvz", "ctid" }, { "lxc", "name" }, { "libvirt", "domain" },
	};

	for (size_t i = 0; i < 3; i++) {
		char text[512], want[128];
		snprintf(text, sizeof(text), "[resource ct]\nstorage = shared\ndevice = /dev/sdb\n"
			 "mount_point = /srv/ct\nworkload = %s\nnodes = a b\n", kinds[i][0]);
		assert_int_equal(reload(f, text), -1);
		snprintf(want, sizeof(want), "workload = %s needs agent_opt.%s in [resource ct]",
			 kinds[i][0], kinds[i][1]);
		assert_non_null(strstr(f->buf, want));
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "agent_opt.%s = 101\n",
			 kinds[i][1]);
		assert_int_equal(reload(f, text), 0);
		assert_int_equal(f->cfg.resources[0].workload, WORKLOAD_OPENVZ + (int)i);
		assert_string_equal(workload_kind_name(f->cfg.resources[0].workload), kinds[i][0]);
	}
}

static void mount_point_must_be_canonical(void **state)
{
	static const char *bad[] = { "/srv/web/", "/srv//web", "/srv/./web", "/srv/../web",
				     "/srv/my web" };
	struct fixture *f = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->err.count = 0;
		f->err.used = 0;
		f->buf[0] = '\0';
		config_free(&f->cfg);
		config_defaults(&f->cfg);
		snprintf(text, sizeof(text), "[resource r]\nmount_point = %s\n", bad[i]);
		assert_int_equal(load(f, text), -1);
		if (!strstr(f->buf, "test.conf:2: key 'mount_point': '"))
			fail_msg("no canonical-path error for %s: %s", bad[i], f->buf);
	}
}

static void resources_must_not_share(void **state)
{
	struct fixture *f = *state;
	char text[2048];
	snprintf(text, sizeof(text), "%s[resource web2]\nstorage = drbd\ndrbd_resource = r0\n"
		 "device = /dev/drbd0\nmount_point = /srv/web\nworkload = exec\n"
		 "agent = /bin/true\nnodes = node1\n", WEB);
	assert_int_equal(load(f, text), -1);
	assert_non_null(strstr(f->buf, "key 'mount_point': [resource web2] uses the mount point of [resource web]"));
	assert_non_null(strstr(f->buf, "key 'drbd_resource': [resource web2] uses the DRBD resource"));
}

static void digest_follows_resources_only(void **state)
{
	struct fixture *f = *state;
	struct handoff_config other;
	uint64_t d1, d2;
	char text[2048];

	assert_int_equal(load(f, WEB), 0);
	d1 = config_digest(&f->cfg);
	/* node-local keys do not change it */
	config_defaults(&other);
	snprintf(text, sizeof(text), "[cluster]\ndebug = 2\ndrbdadm = /opt/drbdadm\n%s", WEB);
	assert_int_equal(config_load_string(&other, "b.conf", text, &f->err), 0);
	assert_true(config_digest(&other) == d1);
	config_free(&other);
	/* a different preference order does */
	config_defaults(&other);
	snprintf(text, sizeof(text), "%s", WEB);
	memcpy(strstr(text, "node2 node1"), "node1 node2", 11);
	assert_int_equal(config_load_string(&other, "c.conf", text, &f->err), 0);
	d2 = config_digest(&other);
	assert_true(d2 != d1);
	config_free(&other);
	/* no resources at all: a digest all the same */
	config_defaults(&other);
	assert_true(config_digest(&other) != d1);
}

/* A resource's strings are allocated to their size (resource_conf.h); the
 * digest must not notice: this value is what handoffd computed when they
 * were fixed arrays, so old and new nodes with one config agree. */
static const char SIZED[] =
	"[cluster]\n"
	"[resource web]\n"
	"storage = drbd\ndrbd_resource = r0\ndevice = /dev/drbd0\nmount_point = /srv/web\n"
	"mount_options = noatime,data=ordered\nworkload = criu\ncommand = /usr/bin/web --port 8080\n"
	"agent_opt.port = 8080\nagent_opt.mode = fast\nnodes = node2 node1, node3\nautostart = yes\n"
	"dump_dir = dumps/web\ntimeout_dump = 900\n"
	"[resource db]\n"
	"storage = shared\ndevice = /dev/sdb1\nmount_point = /srv/db\nfstype = xfs\nworkload = exec\n"
	"agent = /usr/lib/handoff/db-agent\nnodes = node1\n";

static void resources_sized_to_their_strings(void **state)
{
	struct fixture *f = *state;
	const struct resource_conf *r;
	struct mallinfo2 before, after;
	char *text, *p;
	size_t n = 200;

	assert_int_equal(load(f, SIZED), 0);
	assert_true(config_digest(&f->cfg) == 0xc5e1beaf9e2e254dull);
	r = config_resource(&f->cfg, "web");
	assert_non_null(r);
	assert_string_equal(r->command, "/usr/bin/web --port 8080");
	assert_string_equal(r->opts[1].key, "mode");
	assert_string_equal(r->opts[1].value, "fast");
	assert_int_equal(r->n_nodes, 3);
	assert_string_equal(r->nodes[2], "node3");
	assert_string_equal(r->dump_dir, "dumps/web");
	r = config_resource(&f->cfg, "db");
	assert_string_equal(r->mount_options, "");     /* not given: "", not NULL */
	assert_string_equal(r->command, "");
	assert_string_equal(r->dump_dir, ".handoff");
	assert_int_equal(r->n_opts, 0);

	/* a bound that catches fixed arrays again (they made it 9720 bytes) */
	assert_true(sizeof(struct resource_conf) <= 512);
	/* N resources as bench/scale.sh writes them: the heap they take, table
	 * included (0 under sanitizers and valgrind, which replace malloc) */
	text = malloc(n * 256 + 16);
	assert_non_null(text);
	p = text + sprintf(text, "[cluster]\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "[resource r%zu]\nstorage = shared\ndevice = /srv/shm/r%zu\n"
			     "mount_point = /mnt/r%zu\nfstype = none\nmount_options = bind\n"
			     "workload = exec\nagent = /usr/lib/handoff/null-agent\n"
			     "nodes = node2 node3\n", i, i, i);
	before = mallinfo2();
	assert_int_equal(reload(f, text), 0);
	after = mallinfo2();
	assert_int_equal(f->cfg.n_resources, n);
	assert_true(after.uordblks < before.uordblks + n * 1024);
	free(text);
}

/* The limits are what they were with fixed arrays (set directly: libinih
 * cuts a line of the file before the longest of them). */
static void resource_strings_keep_their_limits(void **state)
{
	struct resource_conf r;
	char v[1100], why[256];

	(void)state;
	resource_conf_defaults(&r, "x", 1);
	memset(v, 'a', sizeof(v));
	v[0] = '/';
	v[255] = '\0';
	assert_int_equal(resource_conf_set(&r, "device", v, why, sizeof(why)), 0);
	assert_int_equal(strlen(r.device), 255);
	v[255] = 'a';
	v[256] = '\0';
	assert_int_equal(resource_conf_set(&r, "agent", v, why, sizeof(why)), -1);
	assert_string_equal(why, "too long (at most 255 characters)");
	assert_int_equal(resource_conf_set(&r, "agent_opt.k", v + 1, why, sizeof(why)), 0);
	assert_int_equal(resource_conf_set(&r, "agent_opt.l", v, why, sizeof(why)), -1);
	assert_string_equal(why, "too long (at most 255 characters)");
	v[256] = 'a';
	v[1023] = '\0';
	assert_int_equal(resource_conf_set(&r, "command", v, why, sizeof(why)), 0);
	assert_int_equal(strlen(r.command), 1023);
	resource_conf_free(&r);
	resource_conf_defaults(&r, "x", 1);
	v[1023] = 'a';
	v[1024] = '\0';
	assert_int_equal(resource_conf_set(&r, "command", v, why, sizeof(why)), -1);
	assert_string_equal(why, "too long (at most 1023 characters)");
	memcpy(v, "n1 ", 3);
	v[3 + 64] = '\0';
	assert_int_equal(resource_conf_set(&r, "nodes", v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "' too long"));
	v[3 + 63] = '\0';
	assert_int_equal(resource_conf_set(&r, "timeout_stop", "5", why, sizeof(why)), 0);
	resource_conf_free(&r);
	resource_conf_defaults(&r, "x", 1);
	assert_int_equal(resource_conf_set(&r, "nodes", v, why, sizeof(why)), 0);
	assert_int_equal(r.n_nodes, 2);
	assert_int_equal(strlen(r.nodes[1]), 63);
	resource_conf_free(&r);
	assert_int_equal(r.n_nodes, 0);
	assert_string_equal(r.device, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(every_key, setup, teardown),
		cmocka_unit_test_setup_teardown(fence_delay_covers_the_watchdog, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_path_against_self_fence_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(debug_accepts_booleans, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_admin_group_means_root_only, setup, teardown),
		cmocka_unit_test_setup_teardown(error_names_file_line_key, setup, teardown),
		cmocka_unit_test_setup_teardown(every_error_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(rejects_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_section_and_no_section, setup, teardown),
		cmocka_unit_test_setup_teardown(syntax_error_names_line, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(from_file, setup, teardown),
		cmocka_unit_test_setup_teardown(error_buffer_overflow_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(resource_section, setup, teardown),
		cmocka_unit_test_setup_teardown(resource_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(resources_must_not_share, setup, teardown),
		cmocka_unit_test_setup_teardown(shorthand_workloads_need_their_option, setup, teardown),
		cmocka_unit_test_setup_teardown(mount_point_must_be_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(digest_follows_resources_only, setup, teardown),
		cmocka_unit_test_setup_teardown(resources_sized_to_their_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(resource_strings_keep_their_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(long_line_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(health_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(relocation_keys, setup, teardown),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
