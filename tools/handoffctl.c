/*
 * handoffctl - inspect and drive handoffd.  See handoffctl(8).
 *
 * Exit status: 0 success, 1 the daemon refused or failed the command,
 * 2 usage error, handoffd not reachable, or the IPC name served by a
 * process that is not root's (ipc_peer.h).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <qb/qbipcc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_render.h"
#include "plugin/handoff_conf.h"
#include "plugin/ipc_peer.h"
#include "handoff/ipc.h"

#define CTL_TIMEOUT_MS 30000

struct ctl_command {
	const char *name;
	int32_t code;           /* 0: runs here, without the daemon */
	int (*render)(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
	int min_args, max_args;
	const char *args;       /* for the usage text */
	const char *help;
};

static const struct ctl_command commands[] = {
	{ "members", HANDOFF_CMD_MEMBERS, render_members, 0, 0, "",
	  "list the members of handoffd's CPG group" },
	{ "quorum", HANDOFF_CMD_QUORUM, render_quorum, 0, 0, "",
	  "show quorum, votes, membership and the quorum gate" },
	{ "status", HANDOFF_CMD_STATUS, render_status, 0, 0, "",
	  "show nodes and every resource: phase, owner, epoch, last error" },
	{ "start", HANDOFF_CMD_START, render_message, 1, 2, "RES [NODE]",
	  "start RES (on NODE, or on its first eligible node)" },
	{ "stop", HANDOFF_CMD_STOP, render_message, 1, 1, "RES", "stop RES" },
	{ "cleanup", HANDOFF_CMD_CLEANUP, render_message, 1, 1, "RES",
	  "clear RES's failed state after probing every node" },
	{ "probe", HANDOFF_CMD_PROBE, render_probe, 1, 1, "RES",
	  "probe RES on this node now: DRBD role, disk, connection; mounted; running" },
	{ "migrate", HANDOFF_CMD_MIGRATE, render_message, 2, 2, "RES NODE",
	  "live-migrate RES to NODE: dump, hand the volume over, restore" },
	{ "standby", HANDOFF_CMD_STANDBY, render_message, 1, 1, "NODE",
	  "put NODE in standby: everything it runs migrates away" },
	{ "unstandby", HANDOFF_CMD_STANDBY, render_message, 1, 1, "NODE",
	  "NODE may run resources again" },
	{ "fence-peer", HANDOFF_CMD_FENCE_PEER, render_fence, 1, 1, "NODE",
	  "may DRBD consider NODE fenced? (exit 0 yes, 1 no; see handoff-fence-peer)" },
	{ "fence-confirm", HANDOFF_CMD_FENCE_CONFIRM, render_message, 1, 1, "NODE",
	  "NODE is down (powered off, reset): what waits for its fencing may go on" },
	{ "maintenance", HANDOFF_CMD_MAINTENANCE, render_message, 1, 2, "on|off RES|NODE|--all",
	  "leave RES, NODE or the cluster to the operator: no monitor, restart, failover; "
	  "off probes and adopts what runs" },
	{ "history", HANDOFF_CMD_HISTORY, render_history, 0, 1, "[RES]",
	  "list past migrations: epoch, source, target, result, phase times" },
	{ "reload", HANDOFF_CMD_RELOAD, render_reload, 0, 0, "",
	  "re-read handoff.conf and apply what may change while handoffd runs" },
	{ "check-config", 0, NULL, 0, 1, "[FILE]",
	  "validate a configuration file (default " HANDOFF_DEFAULT_CONFIG ")" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: handoffctl [--json | -d DELIM] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-13s %-11s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	fprintf(out, "\nOptions:\n"
		"  -j, --json         print handoffd's answer as JSON\n"
		"  -d, --delimiter D  plain lines with fields separated by D, for scripts\n"
		"  -w, --wait[=SECS]  start, stop, cleanup: wait until the resource settles\n"
		"                     (RUNNING, STOPPED or FAILED; default 120 s)\n"
		"      --all          maintenance: the whole cluster\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n"
		"\nExit status: 0 ok, 1 the command failed, 2 usage error or handoffd not reachable.\n");
}

/*
 * The --wait loops ask handoffd again and again: they keep one connection
 * (setting one up costs handoffd three shared-memory rings, and on a small
 * guest that is CPU taken from the very dump being waited for).  Every
 * other command connects for its one request and leaves.
 */
static struct {
	bool wanted;
	qb_ipcc_connection_t *conn;
	size_t size;
} kept;

static void drop_kept(void)
{
	if (kept.conn)
		qb_ipcc_disconnect(kept.conn);
	kept.conn = NULL;
}

static void keep_connection(bool on)
{
	kept.wanted = on;
	if (!on)
		drop_kept();
}

static void not_handoffd(const struct ipc_peer *who)
{
	fprintf(stderr, "handoffctl: IPC service '%s' is served by uid %u (pid %d), "
		"not by handoffd\n", HANDOFF_IPC_SERVICE, (unsigned)who->uid, (int)who->pid);
}

/* Only root's handoffd is believed: anyone may serve the name while
 * handoffd is down (ipc_peer.h). */
static qb_ipcc_connection_t *connect_daemon(size_t size)
{
	qb_ipcc_connection_t *conn;
	struct ipc_peer who;
	int fd, rc;

	if (kept.conn && kept.size >= size)
		return kept.conn;
	drop_kept();           /* kept, but too small for this answer */
	conn = ipc_peer_begin(HANDOFF_IPC_SERVICE, size, &fd, &who);
	if (!conn) {
		fprintf(stderr, "handoffctl: handoffd is not running "
			"(cannot connect to IPC service '%s': %s)\n",
			HANDOFF_IPC_SERVICE, strerror(errno));
		return NULL;
	}
	if (!ipc_peer_trusted(&who)) {
		ipc_peer_drop(conn, fd);
		not_handoffd(&who);
		return NULL;
	}
	rc = ipc_peer_finish(conn, fd, CTL_TIMEOUT_MS, &who);
	if (rc == -EPERM) {
		not_handoffd(&who);
		return NULL;
	}
	if (rc < 0) {
		fprintf(stderr, "handoffctl: cannot connect to handoffd (IPC service '%s', pid %d): "
			"%s\n", HANDOFF_IPC_SERVICE, (int)who.pid, strerror(-rc));
		return NULL;
	}
	if (kept.wanted) {
		kept.conn = conn;
		kept.size = size;
	}
	return conn;
}

static void done_with(qb_ipcc_connection_t *conn, bool broken)
{
	if (conn != kept.conn)
		qb_ipcc_disconnect(conn);
	else if (broken)
		drop_kept();
}

/* One request on a connection with a buffer of at least SIZE bytes: the
 * answer in *BUF (malloc'd), its length in *N.  Returns 0, or the exit
 * status.  A kept connection that fails (handoffd restarted) is replaced
 * once. */
static int exchange(size_t size, int32_t cmd, const char *text, char **buf, ssize_t *n)
{
	struct qb_ipc_request_header req;
	struct iovec iov[2];
	qb_ipcc_connection_t *conn;
	bool reused;

	*buf = malloc(size);
	if (!*buf) {
		fprintf(stderr, "handoffctl: out of memory\n");
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.id = cmd;
	req.size = (int32_t)(sizeof(req) + strlen(text) + 1);
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = strlen(text) + 1;
	do {
		reused = kept.conn && kept.size >= size;
		conn = connect_daemon(size);
		if (!conn) {
			free(*buf);
			*buf = NULL;
			return 2;
		}
		*n = qb_ipcc_sendv_recv(conn, iov, 2, *buf, size, CTL_TIMEOUT_MS);
		done_with(conn, *n < 0);
	} while (*n < 0 && *n != -ETIMEDOUT && reused);
	if (*n < 0) {
		fprintf(stderr, "handoffctl: no answer from handoffd: %s\n", strerror((int)-*n));
		free(*buf);
		*buf = NULL;
		return *n == -ETIMEDOUT ? 1 : 2;
	}
	return 0;
}

/* Send CMD with ARGS; on success *DOC is the answer.  Returns the exit status.
 * A small buffer first (ipc.h: a connection costs handoffd three times its
 * buffer); a read command whose answer did not fit goes again with the
 * buffer handoffd asked for. */
static int call_daemon(int32_t cmd, json_object *args, json_object **doc)
{
	const char *text = json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN);
	struct qb_ipc_response_header *res;
	/* a kept connection that grew for a large answer: all of its buffer,
	 * or handoffd sends an answer that fits it but not ours */
	size_t size = kept.conn && kept.size > HANDOFF_IPC_MIN_MSG ? kept.size : HANDOFF_IPC_MIN_MSG;
	char *buf = NULL;
	ssize_t n;
	int status;

	for (int attempt = 0;; attempt++) {
		json_object *need = NULL;

		status = exchange(size, cmd, text, &buf, &n);
		if (status != 0)
			return status;
		status = 1;
		res = (struct qb_ipc_response_header *)buf;
		if ((size_t)n <= sizeof(*res) || res->size != n || buf[n - 1] != '\0') {
			fprintf(stderr, "handoffctl: malformed answer from handoffd (%zd bytes)\n", n);
			goto out;
		}
		*doc = json_tokener_parse(buf + sizeof(*res));
		if (!*doc || !json_object_is_type(*doc, json_type_object)) {
			fprintf(stderr, "handoffctl: handoffd's answer is not a JSON object\n");
			goto fail;
		}
		if (res->error != -EMSGSIZE || attempt > 0 ||
		    (handoff_cmd_flags(cmd) & HANDOFF_CMD_WRITE) ||
		    !json_object_object_get_ex(*doc, "size", &need) ||
		    handoff_ipc_buffer_for((size_t)json_object_get_int64(need)) <= size)
			break;
		size = handoff_ipc_buffer_for((size_t)json_object_get_int64(need));
		json_object_put(*doc);
		*doc = NULL;
		free(buf);
		buf = NULL;
	}
	if (res->error != 0) {
		json_object *e = NULL;
		json_object_object_get_ex(*doc, "error", &e);
		fprintf(stderr, "handoffctl: %s: %s\n", handoff_cmd_name(cmd),
			e ? json_object_get_string(e) : strerror(-res->error));
		goto fail;
	}
	status = 0;
	goto out;
fail:
	json_object_put(*doc);
	*doc = NULL;
out:
	free(buf);
	return status;
}

/* One resource of the status document, by name, or NULL. */
static json_object *status_resource(json_object *doc, const char *name)
{
	json_object *list = NULL;

	if (!json_object_object_get_ex(doc, "resources", &list) ||
	    !json_object_is_type(list, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *r = json_object_array_get_idx(list, i), *v;
		if (json_object_object_get_ex(r, "name", &v) && !strcmp(json_object_get_string(v), name))
			return r;
	}
	return NULL;
}

static const char *res_str(json_object *r, const char *key)
{
	json_object *v;
	return r && json_object_object_get_ex(r, key, &v) ? json_object_get_string(v) : "";
}

static int64_t res_int(json_object *r, const char *key)
{
	json_object *v;
	return r && json_object_object_get_ex(r, key, &v) ? json_object_get_int64(v) : 0;
}

static bool is_node(json_object *r, const char *key_name, const char *key_id, const char *node)
{
	char id[16];
	snprintf(id, sizeof(id), "%lld", (long long)res_int(r, key_id));
	return !strcmp(res_str(r, key_name), node) || !strcmp(id, node);
}

/*
 * The pause between two polls of a --wait: FIRST_MS while the resource
 * moves from phase to phase, doubling up to POLL_MAX_MS while it stays in
 * one (a dump of a large workload takes minutes, and each poll costs the
 * daemon a status document).  The phase times themselves come from the
 * history, not from these polls.
 */
#define POLL_MAX_MS 200u

static unsigned next_pause_ms(unsigned pause, bool changed, unsigned first_ms)
{
	if (changed)
		return first_ms;
	return pause * 2 < POLL_MAX_MS ? pause * 2 : POLL_MAX_MS;
}

static void sleep_ms(unsigned ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L },
		  NULL);
}

#define MAX_DRAIN 4096

/* The resources NODE runs now (names into NAMES, their epochs into EPOCHS). */
static size_t running_on(const char *node, char (*names)[64], int64_t *epochs)
{
	json_object *args = json_object_new_object(), *doc = NULL, *list = NULL;
	size_t n = 0;

	if (call_daemon(HANDOFF_CMD_STATUS, args, &doc) == 0 &&
	    json_object_object_get_ex(doc, "resources", &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(list) && n < MAX_DRAIN; i++) {
			json_object *r = json_object_array_get_idx(list, i);
			if (strcmp(res_str(r, "phase"), "RUNNING") || !is_node(r, "owner_name", "owner", node))
				continue;
			snprintf(names[n], 64, "%s", res_str(r, "name"));
			epochs[n++] = res_int(r, "epoch");
		}
	}
	json_object_put(doc);
	json_object_put(args);
	return n;
}

/*
 * standby --wait: report each resource NODE ran as its move ends: moved
 * (RUNNING elsewhere), or not (FAILED, or back RUNNING on NODE with an
 * error after a failed migration).  Exit 0 when every one moved.
 */
static int wait_drained(const char *node, char (*names)[64], const int64_t *epochs, size_t n,
			unsigned seconds)
{
	struct timespec t0, now;
	json_object *args = json_object_new_object();
	bool done[MAX_DRAIN] = { false };
	size_t left = n, moved = 0;
	double elapsed = 0;
	unsigned pause = 100;

	keep_connection(true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0 && elapsed < seconds) {
		json_object *doc = NULL;
		size_t left_before = left;
		if (call_daemon(HANDOFF_CMD_STATUS, args, &doc) != 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		for (size_t i = 0; i < n; i++) {
			json_object *r = status_resource(doc, names[i]);
			const char *phase = res_str(r, "phase"), *err = res_str(r, "last_error");
			bool here = is_node(r, "owner_name", "owner", node);
			if (done[i] || !r)
				continue;
			if (!strcmp(phase, "RUNNING") && !here) {
				printf("  %-20s moved to %s after %.1f s\n", names[i],
				       *res_str(r, "owner_name") ? res_str(r, "owner_name") : "?", elapsed);
				moved++;
			} else if (!strcmp(phase, "FAILED")) {
				printf("  %-20s FAILED after %.1f s: %s\n", names[i], elapsed, err);
			} else if (!strcmp(phase, "RUNNING") && *err &&
				   (res_int(r, "epoch") > epochs[i] || strstr(err, "in standby, but"))) {
				printf("  %-20s stays on %s: %s\n", names[i], node, err);
			} else {
				continue;
			}
			done[i] = true;
			left--;
		}
		json_object_put(doc);
		fflush(stdout);
		pause = next_pause_ms(pause, left != left_before, 100);
		if (left)
			sleep_ms(pause);
	}
	keep_connection(false);
	json_object_put(args);
	printf("%zu of %zu resource%s moved off %s", moved, n, n == 1 ? "" : "s", node);
	if (left)
		printf("; %zu still %s after %u s", left, left == 1 ? "moving" : "moving", seconds);
	printf("\n");
	return moved == n ? 0 : 1;
}

/* migrate --wait: the timing breakdown of RES's migration EPOCH, from history */
static void print_breakdown(const char *res, int64_t epoch)
{
	json_object *args = json_object_new_object(), *doc = NULL, *list, *h = NULL;

	json_object_object_add(args, "resource", json_object_new_string(res));
	if (call_daemon(HANDOFF_CMD_HISTORY, args, &doc) == 0 &&
	    json_object_object_get_ex(doc, "history", &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(list) && !h; i++) {
			json_object *e = json_object_array_get_idx(list, i), *v;
			if (json_object_object_get_ex(e, "epoch", &v) && json_object_get_int64(v) == epoch)
				h = e;
		}
	}
	if (h)
		render_breakdown(stdout, h);
	json_object_put(doc);
	json_object_put(args);
}

/*
 * --wait: poll the table until RES leaves STARTING/STOPPING, a migration's
 * phases (and a cleanup's sync), showing each phase as it comes when
 * VERBOSE.  Exit 0 when it settled RUNNING or STOPPED (RUNNING on
 * WANT_NODE, a name or nodeid, when given), 1 when it FAILED, settled
 * elsewhere or the time ran out.
 */
static int wait_until_settled(const char *res, unsigned seconds, bool verbose,
			      const char *want_node)
{
	char last_phase[32] = "";
	struct timespec t0, now;
	json_object *args = json_object_new_object();
	int status = 1;
	const unsigned first_ms = want_node ? 20 : 100;
	unsigned pause = first_ms;

	keep_connection(true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		json_object *doc = NULL, *list = NULL;
		const char *phase = NULL, *owner = "", *error = "";
		int64_t owner_id = 0;
		double elapsed;
		bool changed;

		if (call_daemon(HANDOFF_CMD_STATUS, args, &doc) != 0)
			break;
		if (json_object_object_get_ex(doc, "resources", &list) &&
		    json_object_is_type(list, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(list); i++) {
				json_object *r = json_object_array_get_idx(list, i), *v;
				if (!json_object_object_get_ex(r, "name", &v) ||
				    strcmp(json_object_get_string(v), res))
					continue;
				if (json_object_object_get_ex(r, "phase", &v))
					phase = json_object_get_string(v);
				if (json_object_object_get_ex(r, "owner_name", &v))
					owner = json_object_get_string(v);
				if (json_object_object_get_ex(r, "owner", &v))
					owner_id = json_object_get_int64(v);
				if (json_object_object_get_ex(r, "last_error", &v))
					error = json_object_get_string(v);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		changed = !phase || strcmp(phase, last_phase);
		if (phase && changed) {
			if (verbose && want_node) {
				printf("  %7.2f s  %s\n", elapsed, phase);
				fflush(stdout);
			}
			snprintf(last_phase, sizeof(last_phase), "%s", phase);
		}
		if (phase && (!strcmp(phase, "RUNNING") || !strcmp(phase, "STOPPED") ||
			      !strcmp(phase, "FAILED"))) {
			json_object *sync = NULL;
			if (!(json_object_object_get_ex(doc, "syncing", &sync) &&
			      json_object_get_boolean(sync))) {
				bool failed = !strcmp(phase, "FAILED");
				char id[16];
				snprintf(id, sizeof(id), "%lld", (long long)owner_id);
				if (failed)
					fprintf(stderr, "handoffctl: %s FAILED after %.1f s: %s\n",
						res, elapsed, error);
				else if (want_node && (strcmp(phase, "RUNNING") ||
						       (strcmp(owner, want_node) && strcmp(id, want_node)))) {
					fprintf(stderr, "handoffctl: %s is %s on %s, not on %s: %s\n", res,
						phase, *owner ? owner : id, want_node,
						*error ? error : "the migration did not happen");
					failed = true;
				}
				else if (verbose)
					printf("%s: %s%s%s after %.1f s\n", res, phase,
					       *owner ? " on " : "", owner, elapsed);
				status = failed ? 1 : 0;
				json_object_put(doc);
				break;
			}
		}
		if (elapsed >= seconds) {
			fprintf(stderr, "handoffctl: %s still %s after %u s\n", res,
				phase ? phase : "unknown", seconds);
			json_object_put(doc);
			break;
		}
		pause = next_pause_ms(pause, changed, first_ms);
		json_object_put(doc);
		sleep_ms(pause);
	}
	keep_connection(false);
	json_object_put(args);
	return status;
}

static int check_config(const char *path)
{
	struct handoff_config cfg;
	char errbuf[8192] = "";
	struct config_errors err = { .buf = errbuf, .len = sizeof(errbuf) };

	config_defaults(&cfg);
	if (config_load(&cfg, path, false, &err) < 0) {
		fprintf(stderr, "%s", errbuf);
		fprintf(stderr, "handoffctl: %u error%s in %s\n", err.count,
			err.count == 1 ? "" : "s", path);
		config_free(&cfg);
		return 1;
	}
	printf("%s: OK, %zu resource%s, digest %016llx\n", path, cfg.n_resources,
	       cfg.n_resources == 1 ? "" : "s", (unsigned long long)config_digest(&cfg));
	config_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "wait", optional_argument, NULL, 'w' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct render_opts ro = { .format = RENDER_TABLE, .delim = NULL };
	const struct ctl_command *cmd = NULL;
	json_object *args, *doc = NULL;
	int c, status, nargs;
	int64_t epoch = 0;
	char (*drain_names)[64] = NULL;
	int64_t *drain_epochs = NULL;
	size_t n_drain = 0;
	unsigned wait_s = 0;
	bool want_json = false, all = false;

	while ((c = getopt_long(argc, argv, "jd:hVw::", opts, NULL)) != -1) {
		switch (c) {
		case 'w': {
			char *end;
			unsigned long v = optarg ? strtoul(optarg, &end, 10) : 120;
			if (optarg && (*optarg == '\0' || *end != '\0' || v == 0 || v > 86400)) {
				fprintf(stderr, "handoffctl: --wait=SECONDS needs 1 to 86400, got '%s'\n",
					optarg);
				return 2;
			}
			wait_s = (unsigned)v;
			break;
		}
		case 'j': want_json = true; break;
		case 'a': all = true; break;
		case 'd':
			if (*optarg == '\0') {
				fprintf(stderr, "handoffctl: -d needs a non-empty delimiter\n");
				return 2;
			}
			ro.format = RENDER_DELIM;
			ro.delim = optarg;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("handoffctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (want_json && ro.delim) {
		fprintf(stderr, "handoffctl: --json and -d exclude each other\n");
		return 2;
	}
	if (want_json)
		ro.format = RENDER_JSON;
	if (optind >= argc) {
		fprintf(stderr, "handoffctl: no command given\n");
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "handoffctl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	nargs = argc - optind - 1;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		fprintf(stderr, "handoffctl: usage: handoffctl %s %s\n", cmd->name, cmd->args);
		return 2;
	}
	if (all != (cmd->code == HANDOFF_CMD_MAINTENANCE && nargs == 1) ||
	    (cmd->code == HANDOFF_CMD_MAINTENANCE && strcmp(argv[optind + 1], "on") &&
	     strcmp(argv[optind + 1], "off"))) {
		fprintf(stderr, "handoffctl: usage: handoffctl maintenance on|off RES|NODE|--all "
			"(--all only there)\n");
		return 2;
	}
	if (cmd->code == 0)
		return check_config(nargs ? argv[optind + 1] : HANDOFF_DEFAULT_CONFIG);
	args = json_object_new_object();
	if (cmd->code == HANDOFF_CMD_MAINTENANCE) {
		json_object_object_add(args, "on", json_object_new_boolean(!strcmp(argv[optind + 1], "on")));
		if (all)
			json_object_object_add(args, "all", json_object_new_boolean(true));
		else
			json_object_object_add(args, "target", json_object_new_string(argv[optind + 2]));
		nargs = 0;       /* nothing more to add below */
	} else if (cmd->code == HANDOFF_CMD_FENCE_PEER || cmd->code == HANDOFF_CMD_FENCE_CONFIRM) {
		json_object_object_add(args, "node", json_object_new_string(argv[optind + 1]));
	} else if (cmd->code == HANDOFF_CMD_STANDBY) {
		/* the argument is a node; what it runs now is what --wait follows */
		json_object_object_add(args, "node", json_object_new_string(argv[optind + 1]));
		json_object_object_add(args, "on", json_object_new_boolean(!strcmp(cmd->name, "standby")));
		if (wait_s > 0 && !strcmp(cmd->name, "standby")) {
			drain_names = calloc(MAX_DRAIN, sizeof(*drain_names));
			drain_epochs = calloc(MAX_DRAIN, sizeof(*drain_epochs));
			if (drain_names && drain_epochs)
				n_drain = running_on(argv[optind + 1], drain_names, drain_epochs);
		}
	} else if (nargs >= 1)
		json_object_object_add(args, "resource", json_object_new_string(argv[optind + 1]));
	if (nargs >= 2)
		json_object_object_add(args, "node", json_object_new_string(argv[optind + 2]));
	status = call_daemon(cmd->code, args, &doc);
	json_object_put(args);
	if (status == 0) {
		/* a render's 1 is a verdict (fence-peer: not fenced), -1 a bad answer */
		int r = cmd->render(stdout, stderr, doc, &ro);
		if (r != 0)
			status = 1;
	}
	if (status == 0 && doc) {
		json_object *e;
		if (json_object_object_get_ex(doc, "epoch", &e))
			epoch = json_object_get_int64(e);
	}
	json_object_put(doc);
	if (status == 0 && wait_s > 0 &&
	    (cmd->code == HANDOFF_CMD_START || cmd->code == HANDOFF_CMD_STOP ||
	     cmd->code == HANDOFF_CMD_CLEANUP || cmd->code == HANDOFF_CMD_MIGRATE)) {
		bool migrate = cmd->code == HANDOFF_CMD_MIGRATE;
		fflush(stdout);
		status = wait_until_settled(argv[optind + 1], wait_s, ro.format == RENDER_TABLE,
					    migrate ? argv[optind + 2] : NULL);
		if (migrate && ro.format == RENDER_TABLE)
			print_breakdown(argv[optind + 1], epoch);
	}
	if (status == 0 && drain_names && drain_epochs) {
		fflush(stdout);
		status = wait_drained(argv[optind + 1], drain_names, drain_epochs, n_drain, wait_s);
	}
	free(drain_names);
	free(drain_epochs);
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
