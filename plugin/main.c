/*
 * handoffd - live migration and failover of workloads on DRBD, for
 * corosync clusters without Pacemaker.  See handoffd(8).
 */
#include <config.h>

#include "handoff_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "corosync_link.h"
#include "handoffd.h"
#include "ipc_server.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: handoffd [-f] [-c CONFIG] [-d]... [--check-config]\n"
		"  -f, --foreground     stay in the foreground and log to stderr too\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -d, --debug          more logging (-d debug, -dd trace); adds to the config's debug\n"
		"      --check-config   validate the configuration and exit\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n",
		HANDOFF_DEFAULT_CONFIG);
}

#define LOG_FORMAT "%t %N[%P] %p: %b"

/*
 * debug 0: info and up.  debug 1: our own debug messages too, while
 * libqb's internal chatter (one line per IPC ring buffer) stays at info.
 * debug 2: everything, libqb included, down to trace.
 */
static void set_filters(int32_t target, int debug)
{
	qb_log_filter_ctl(target, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", 0);
	if (debug >= 2) {
		qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
		return;
	}
	qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_INFO);
	if (debug == 1) {
		/* libqb compiles these as basic regexes: one directory each */
		static const char *ours[] = { "plugin/[^/]*$", "cpg/[^/]*$", "quorum/[^/]*$" };
		for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE_REGEX,
					  ours[i], LOG_DEBUG);
	}
}

static int setup_logging(const struct handoff_config *cfg, bool foreground, int debug)
{
	qb_log_init("handoffd", cfg->syslog_facility, LOG_INFO);
	qb_log_format_set(QB_LOG_SYSLOG, "%b");
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, cfg->log_syslog ? QB_TRUE : QB_FALSE);
	set_filters(QB_LOG_SYSLOG, debug);
	/*
	 * stderr: always until startup is over, so that a failing start says
	 * why even without -f; afterwards only with -f, and not when stderr is
	 * systemd's journal while syslog goes there too (every line twice).
	 */
	qb_log_format_set(QB_LOG_STDERR, LOG_FORMAT);
	set_filters(QB_LOG_STDERR, debug);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	(void)foreground;
	if (cfg->log_file[0]) {
		int32_t t = qb_log_file_open(cfg->log_file);
		if (t < 0) {
			fprintf(stderr, "handoffd: cannot open log file %s: %s\n",
				cfg->log_file, strerror(-t));
			return -1;
		}
		qb_log_format_set(t, LOG_FORMAT);
		set_filters(t, debug);
		qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	return 0;
}

static int32_t on_stop_signal(int32_t sig, void *data)
{
	struct handoffd *d = data;

	qb_log(LOG_NOTICE, "%s received, leaving the group and stopping", strsignal(sig));
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
	qb_loop_stop(d->loop);
	return 0;
}

static int32_t on_hup(int32_t sig, void *data)
{
	struct handoffd *d = data;
	json_object *ignored = NULL;

	(void)sig;
	/* logrotate: reopen the log file under its name */
	if (qb_log_file_reopen(QB_LOG_TARGET_START, NULL) == 0)
		qb_log(LOG_INFO, "SIGHUP: log file reopened");
	/* and handoffctl reload's work: the result goes to the log */
	qb_log(LOG_NOTICE, "SIGHUP: reloading %s", d->cfg.path);
	rm_reload(&d->rm, NULL, &ignored);
	return 0;
}

static void stop_loop(void *ctx)
{
	struct handoffd *d = ctx;

	qb_loop_stop(d->loop);
}

/* Giving up can happen before qb_loop_run() (corosync down at start), and
 * qb_loop_run() forgets a stop requested before it: stop from a job. */
static void on_gave_up(void *ctx)
{
	struct handoffd *d = ctx;

	d->exit_code = 1;
	qb_loop_job_add(d->loop, QB_LOOP_HIGH, d, stop_loop);
}

/*
 * The deadline with the watchdog's timeout as the device reports it (S1):
 * the file's check counted the timeout asked for.  corosync's part is
 * added at connect (corosync_link.c).
 */
static bool check_timing(struct handoffd *d)
{
	char why[512];

	if (config_check_fence_delay(&d->cfg, d->rm.fence.watchdog_timeout_ms, 0, 0, why,
				     sizeof(why)) < 0) {
		qb_log(LOG_CRIT, "%s: %s: refusing to run", d->cfg.path, why);
		return false;
	}
	if (config_check_stop_path(&d->cfg, why, sizeof(why)))
		qb_log(LOG_WARNING, "%s: %s", d->cfg.path, why);
	return true;
}

/*
 * Fork into the background.  The parent stays until the child reports
 * that it is running (or why it is not), so `handoffd` without -f still
 * returns the real exit status of startup.
 */
static int daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char status = 1;
		close(p[1]);
		if (read(p[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(p[0]);
	if (setsid() < 0)
		return -1;
	if (chdir("/") < 0)
		return -1;
	umask(022);
	*ready_fd = p[1];
	return 0;
}

static void quiet_stderr_after_startup(const struct handoff_config *cfg, bool foreground)
{
	bool journal = getenv("JOURNAL_STREAM") != NULL;

	if (!foreground || (journal && cfg->log_syslog))
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
}

static void report_ready(int *ready_fd, char status)
{
	if (*ready_fd < 0)
		return;
	if (status == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
	}
	if (write(*ready_fd, &status, 1) != 1) { /* parent gone: nothing to tell */ }
	close(*ready_fd);
	*ready_fd = -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct handoffd d;
	const char *config_path = HANDOFF_DEFAULT_CONFIG;
	bool config_given = false, foreground = false, check_only = false;
	char errbuf[8192] = "";
	struct config_errors err = { .buf = errbuf, .len = sizeof(errbuf) };
	int extra_debug = 0, ready_fd = -1, c, rc;

	while ((c = getopt_long(argc, argv, "fc:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = true; break;
		case 'c': config_path = optarg; config_given = true; break;
		case 'd': extra_debug++; break;
		case 'C': check_only = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("handoffd %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "handoffd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	config_defaults(&d.cfg);
	/* the default file may be absent: defaults are a working setup */
	if (config_load(&d.cfg, config_path, !config_given && !check_only, &err) < 0) {
		fprintf(stderr, "%s", errbuf);
		fprintf(stderr, "handoffd: %u error%s in %s\n", err.count,
			err.count == 1 ? "" : "s", config_path);
		config_free(&d.cfg);
		return check_only ? 1 : 2;
	}
	/* a reload reads the file again after daemonize's chdir("/") */
	if (d.cfg.path[0] != '/') {
		char *abs = realpath(d.cfg.path, NULL);
		if (abs && strlen(abs) < sizeof(d.cfg.path))
			memcpy(d.cfg.path, abs, strlen(abs) + 1);
		free(abs);
	}
	if (check_only) {
		char why[512];
		if (config_check_stop_path(&d.cfg, why, sizeof(why)))
			printf("%s: warning: %s\n", config_path, why);
		printf("%s: OK, %zu resource%s, digest %016llx\n", config_path,
		       d.cfg.n_resources, d.cfg.n_resources == 1 ? "" : "s",
		       (unsigned long long)config_digest(&d.cfg));
		config_free(&d.cfg);
		return 0;
	}

	if (!foreground && daemonize(&ready_fd) < 0) {
		fprintf(stderr, "handoffd: cannot daemonize: %s\n", strerror(errno));
		return 1;
	}
	if (setup_logging(&d.cfg, foreground, d.cfg.debug + extra_debug) < 0) {
		report_ready(&ready_fd, 1);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	d.loop = qb_loop_create();
	if (!d.loop) {
		qb_log(LOG_CRIT, "cannot create the main loop");
		report_ready(&ready_fd, 1);
		return 1;
	}
	rc = ipc_server_start(&d);
	if (rc < 0) {
		char taken[200] = "";
		if (rc == -EADDRINUSE)
			ipc_server_why_taken(taken, sizeof(taken));
		qb_log(LOG_CRIT, "cannot serve IPC '%s': %s%s", "handoff", strerror(-rc), taken);
		report_ready(&ready_fd, 1);
		return 1;
	}
	qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGTERM, &d, on_stop_signal, NULL);
	qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGINT, &d, on_stop_signal, NULL);
	qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGHUP, &d, on_hup, NULL);

	qb_log(LOG_NOTICE, "handoffd %s starting, config %s, CPG group %s",
	       PACKAGE_VERSION, d.cfg.path, d.cfg.cpg_group);
	notify_init(&d.notify, d.loop, &d.cfg);
	rm_init(&d.rm, &d);
	if (!check_timing(&d)) {
		rm_fini(&d.rm);
		ipc_server_stop(&d);
		qb_loop_destroy(d.loop);
		config_free(&d.cfg);
		report_ready(&ready_fd, 1);
		return 1;
	}
	corosync_link_start(&d.link, d.loop, &d.cfg, d.rm.fence.watchdog_timeout_ms,
			    on_gave_up, &d);
	/* a handoffd restarted during a self-fence fences again at once when
	 * corosync is not there (the gate reports only changes) */
	self_fence_verdict(&d.rm.fence, quorum_gate_check(&d.link.gate));

	quiet_stderr_after_startup(&d.cfg, foreground);
	report_ready(&ready_fd, 0);
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "READY=1");
#endif
	qb_loop_run(d.loop);

	rm_fini(&d.rm);
	notify_fini(&d.notify);
	notify_table_free(&d.notify_seen);
	corosync_link_stop(&d.link);
	ipc_server_stop(&d);
	qb_loop_destroy(d.loop);
	config_free(&d.cfg);
	qb_log(LOG_NOTICE, "handoffd stopped (exit %d)", d.exit_code);
	qb_log_fini();
	return d.exit_code;
}
