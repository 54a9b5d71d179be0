/*
 * make_seeds - the seed corpus of the fuzz harnesses, written by the
 * project's own encoders so that it follows the formats as they change
 * (a committed binary seed of an older protocol version would only test
 * the version check).  Run by `make fuzz`:
 *
 *   make_seeds DIR      writes DIR/wire, DIR/ipc, DIR/state_dir, DIR/rsm
 *
 * The text seeds of the config and of drbdadm's output are committed
 * instead (test/fuzz/seeds/): they are what operators and drbdadm write.
 */
#include <errno.h>
#include <json-c/json.h>
#include <qb/qbipc_common.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpg/wire.h"
#include "handoff/ipc.h"
#include "plugin/local_state.h"
#include "plugin/self_fence_marker.h"

static const char *out_dir;
static int failures;

static void write_seed(const char *kind, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, kind);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, kind, name);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		failures++;
	}
}

/* ---- wire: every message type, as handoffd sends them ------------------ */

static void wire_seed(const char *name, struct wire_msg *m)
{
	uint8_t *buf;
	size_t len;

	m->hdr.nodeid = m->hdr.nodeid ? m->hdr.nodeid : 2;
	len = wire_encode(m, WIRE_VERSION_MAX, &buf);
	if (!len) {
		fprintf(stderr, "make_seeds: cannot encode the %s seed\n", name);
		failures++;
		return;
	}
	write_seed("wire", name, buf, len);
	free(buf);
}

static void state_seeds(void)
{
	struct wire_entry e[3] = {
		{ .name = "web", .owner = 2, .phase = PHASE_RUNNING, .epoch = 7,
		  .flags = WIRE_ENTRY_FRESH, .last_error = "" },
		{ .name = "db", .owner = 3, .phase = PHASE_FAILING_OVER, .epoch = 12,
		  .target = 1, .last_error = "owner lost", .n_lost = 2, .lost_first = 0,
		  .dump_epoch = 11, .dump_id = { 0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 } },
		{ .name = "mail.example-1", .owner = 0, .phase = PHASE_FAILED, .epoch = 3,
		  .last_error = "start: agent exited 1", .n_lost = 1, .lost_first = 2 },
	};
	struct wire_lost lost[3] = {
		{ .node = 3, .fence = LOST_WATCHDOG }, { .node = 4, .fence = LOST_UNFENCED },
		{ .node = 5, .fence = LOST_CONFIRMED },
	};
	struct wire_fact f[2] = {
		{ .name = "web", .role = ROLE_PRIMARY, .disk = 9, .mounted = 1, .running = 1,
		  .connection = CONN_CONNECTED },
		{ .name = "db", .role = ROLE_SECONDARY, .disk = 5, .connection = CONN_DISCONNECTED },
	};
	struct wire_standby standby[2] = { { 2, 1, 5 }, { 3, 0, 1 } };
	struct wire_hist hist[2] = {
		{ .seq = 8, .kind = HIST_MIGRATION, .ok = 1, .resource = "web", .epoch = 7,
		  .source = 1, .target = 2, .result = "migrated", .ms = { 1, 2, 3, 4, 5, 6, 7 } },
		{ .seq = 9, .kind = HIST_FENCE_CONFIRM, .ok = 1, .resource = "", .source = 1,
		  .target = 3, .result = "node 3 confirmed down" },
	};
	struct wire_msg m = { .hdr = { .type = MSG_STATE } };
	struct wire_state *s = &m.u.state;

	s->proto_min = WIRE_VERSION_MIN;
	s->proto_max = WIRE_VERSION_MAX;
	s->config_digest = 0x1234567890abcdefull;
	wire_seed("state-empty", &m);

	s->flags = WIRE_STATE_QUORATE_SEEN | WIRE_STATE_QUORATE_NOW;
	s->quorate_ring_nodeid = 1;
	s->table_gen = 42;
	s->self_fence_timeout_ms = 30000;
	s->fence_delay_ms = 60000;
	s->watchdog_ms = 10000;
	s->detect_ms = 2200;
	s->entries = e;
	s->n_entries = 3;
	s->lost = lost;
	s->n_lost = 3;
	s->facts = f;
	s->n_facts = 2;
	wire_seed("state-full", &m);

	/* version 4: standby records and history (rules 23, 24) */
	s->standby = standby;
	s->n_standby = 2;
	s->history = hist;
	s->n_history = 2;
	wire_seed("state-admin", &m);
	s->n_standby = s->n_history = 0;

	s->flags = WIRE_STATE_STANDBY | WIRE_STATE_RESYNC;
	s->n_entries = 1;
	s->n_facts = 0;
	wire_seed("state-resync", &m);
}

static void request_seeds(void)
{
	static const struct { const char *name; unsigned type; uint32_t node; } reqs[] = {
		{ "start", MSG_START, 0 }, { "start-node", MSG_START, 3 },
		{ "stop", MSG_STOP, 0 }, { "cleanup", MSG_CLEANUP, 0 },
		{ "migrate", MSG_MIGRATE, 2 },
	};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct wire_msg m = { .hdr = { .type = (uint16_t)reqs[i].type } };
		m.u.req.req_id = (uint32_t)i + 1;
		m.u.req.node = reqs[i].node;
		snprintf(m.u.req.resource, sizeof(m.u.req.resource), "web");
		wire_seed(reqs[i].name, &m);
	}

	struct wire_msg sb = { .hdr = { .type = MSG_STANDBY } };
	sb.u.req.req_id = 9;
	sb.u.req.node = 3;
	sb.u.req.on = 1;
	sb.u.req.parallel = 2;
	wire_seed("standby", &sb);

	struct wire_msg fc = { .hdr = { .type = MSG_FENCE_CONFIRM } };
	fc.u.req.req_id = 10;
	fc.u.req.node = 3;
	wire_seed("fence-confirm", &fc);

	struct wire_msg res = { .hdr = { .type = MSG_RESULT, .epoch = 7 } };
	snprintf(res.u.result.resource, sizeof(res.u.result.resource), "web");
	res.u.result.op = WIRE_OP_START;
	res.u.result.ok = 0;
	snprintf(res.u.result.error, sizeof(res.u.result.error), "mount: wrong fs type");
	wire_seed("result", &res);

	struct wire_msg fl = { .hdr = { .type = MSG_FAILED, .epoch = 7 } };
	snprintf(fl.u.failure.resource, sizeof(fl.u.failure.resource), "web");
	fl.u.failure.kind = FAIL_WORKLOAD;
	fl.u.failure.at_ms = 1800000000000ull;
	snprintf(fl.u.failure.reason, sizeof(fl.u.failure.reason), "monitor: exit 1");
	wire_seed("failed", &fl);
}

static void report_seeds(void)
{
	static const struct { const char *name; unsigned type; bool ok; } reps[] = {
		{ "prepared", MSG_PREPARED, true }, { "prepared-refused", MSG_PREPARED, false },
		{ "released", MSG_RELEASED, true }, { "started", MSG_STARTED, true },
		{ "abort", MSG_ABORT, false }, { "handback", MSG_HANDBACK, false },
	};

	for (size_t i = 0; i < sizeof(reps) / sizeof(reps[0]); i++) {
		struct wire_msg m = { .hdr = { .type = (uint16_t)reps[i].type, .epoch = 8 } };
		struct wire_report *r = &m.u.report;
		snprintf(r->resource, sizeof(r->resource), "web");
		r->ok = reps[i].ok;
		if (!r->ok)
			snprintf(r->error, sizeof(r->error), "restore: criu exited 1");
		for (int t = 0; t < WIRE_TIMES; t++)
			r->ms[t] = (uint32_t)(t + 1) * 100;
		if (reps[i].type == MSG_PREPARED && r->ok)
			memset(r->id, 0xa5, WIRE_ID_LEN);
		wire_seed(reps[i].name, &m);
	}
}

/* ---- IPC: the requests handoffctl sends -------------------------------- */

static void ipc_seed(const char *name, int32_t cmd, const char *k1, const char *v1,
		     const char *k2, const char *v2, int on)
{
	json_object *args = json_object_new_object();
	struct qb_ipc_request_header req;
	const char *text;
	size_t len;
	char *buf;

	if (k1)
		json_object_object_add(args, k1, json_object_new_string(v1));
	if (k2)
		json_object_object_add(args, k2, json_object_new_string(v2));
	if (on >= 0)
		json_object_object_add(args, "on", json_object_new_boolean(on));
	text = json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN);
	len = strlen(text) + 1;
	memset(&req, 0, sizeof(req));
	req.id = cmd;
	req.size = (int32_t)(sizeof(req) + len);
	buf = malloc(sizeof(req) + len);
	if (!buf) {
		failures++;
		json_object_put(args);
		return;
	}
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), text, len);
	write_seed("ipc", name, buf, sizeof(req) + len);
	free(buf);
	json_object_put(args);
}

static void ipc_seeds(void)
{
	ipc_seed("members", HANDOFF_CMD_MEMBERS, NULL, NULL, NULL, NULL, -1);
	ipc_seed("quorum", HANDOFF_CMD_QUORUM, NULL, NULL, NULL, NULL, -1);
	ipc_seed("status", HANDOFF_CMD_STATUS, NULL, NULL, NULL, NULL, -1);
	ipc_seed("start", HANDOFF_CMD_START, "resource", "web", NULL, NULL, -1);
	ipc_seed("start-node", HANDOFF_CMD_START, "resource", "web", "node", "node2", -1);
	ipc_seed("stop", HANDOFF_CMD_STOP, "resource", "web", NULL, NULL, -1);
	ipc_seed("cleanup", HANDOFF_CMD_CLEANUP, "resource", "web", NULL, NULL, -1);
	ipc_seed("probe", HANDOFF_CMD_PROBE, "resource", "web", NULL, NULL, -1);
	ipc_seed("migrate", HANDOFF_CMD_MIGRATE, "resource", "web", "node", "3", -1);
	ipc_seed("history", HANDOFF_CMD_HISTORY, NULL, NULL, NULL, NULL, -1);
	ipc_seed("history-res", HANDOFF_CMD_HISTORY, "resource", "web", NULL, NULL, -1);
	ipc_seed("standby", HANDOFF_CMD_STANDBY, "node", "node2", NULL, NULL, 1);
	ipc_seed("unstandby", HANDOFF_CMD_STANDBY, "node", "node2", NULL, NULL, 0);
	ipc_seed("fence-peer", HANDOFF_CMD_FENCE_PEER, "node", "node2", NULL, NULL, -1);
	ipc_seed("fence-confirm", HANDOFF_CMD_FENCE_CONFIRM, "node", "2", NULL, NULL, -1);
}

/* ---- the files in state_dir (fuzz_state_dir: a byte that picks the parser) -- */

/* TEXT as the seed NAME of the parser SELECT picks. */
static void state_dir_seed(const char *name, uint8_t select, const char *text, size_t len)
{
	char *buf = malloc(len + 1);

	if (!buf) {
		failures++;
		return;
	}
	buf[0] = (char)select;
	memcpy(buf + 1, text, len);
	write_seed("state_dir", name, buf, len + 1);
	free(buf);
}

/* local_state_save() writes a file: read it back as a seed. */
static void local_state_seed(const char *name, const struct local_state *st)
{
	char path[4096], why[256], text[4096];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.local-state", out_dir, name);
	if (local_state_save(path, st, why, sizeof(why)) < 0 || !(f = fopen(path, "r"))) {
		fprintf(stderr, "make_seeds: %s: cannot write or read it back\n", path);
		failures++;
		return;
	}
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	unlink(path);
	state_dir_seed(name, 0, text, len);
}

static void state_dir_seeds(void)
{
	struct local_entry v[2] = {
		{ .name = "web", .epoch = 7 },
		{ .name = "db", .epoch = 12, .dump_epoch = 11 },
	};
	struct sf_marker m = { .boot_id = "0f7c8a9e-1b2d-4c3e-9f00-123456789abc",
			       .began_ms = 123456789 };
	char text[SF_MARKER_MAX + 1];
	int len;

	struct rsm_history h[2] = {
		{ .seq = 4, .kind = HIST_MIGRATION, .resource = "web", .epoch = 7, .source = 1,
		  .target = 2, .ok = true, .result = "migrated in 1.2 s", .ms = { 1, 2, 3, 4, 5, 6, 7 } },
		{ .seq = 5, .kind = HIST_FENCE_CONFIRM, .source = 1, .target = 3, .ok = true,
		  .result = "100% down" },
	};
	struct local_state st = { .res = v, .hist = h,
				  .nodes = { { 2, 1, 3 }, { 3, 0, 1 } } };
	static const char v1[] = "handoff-local-state 1\nres web 7 0 "
				 "00000000000000000000000000000000\nend 1\n";

	memset(v[1].dump_id, 0x3c, WIRE_ID_LEN);
	local_state_seed("local-state-0", &st);
	st.n_res = 1;
	local_state_seed("local-state-1", &st);
	st.n_res = 2;
	local_state_seed("local-state-2", &st);
	st.n_nodes = st.n_hist = 2;
	local_state_seed("local-state-admin", &st);
	state_dir_seed("local-state-v1", 0, v1, sizeof(v1) - 1);
	len = sf_marker_format(&m, text, sizeof(text));
	if (len < 0) {
		failures++;
		return;
	}
	state_dir_seed("marker", 1, text, (size_t)len);
}

/* ---- rsm: scripts of fuzz_rsm.c's steps ------------------------------------ */

#define MS 1, 2, 3, 4, 5, 6, 7     /* a migration report's phase times */

static void rsm_seeds(void)
{
	/* all up; start web on 1; migrate it to 2; node 3 cut off and back */
	static const uint8_t migrate[] = {
		0, 7, 1, 1, 1,
		2, 0, 0, 1, 0, 1, 0, 0, 1,           /* START web on 1, from 1 */
		3, 0, 0, 0, 1, 1, 1, 1,              /* RESULT: started, epoch 1 */
		5, 0, 0, 14,                         /* node 1: Primary, mounted, running */
		2, 3, 0, 2, 0, 2, 0, 0, 1,           /* MIGRATE web to 2 */
		3, 1, 0, 1, 2, 1, 7, MS, 1,          /* PREPARED ok, from 2 */
		3, 2, 0, 0, 2, 1, MS, 1,             /* RELEASED, from 1 */
		3, 3, 0, 1, 2, 1, MS, 1,             /* STARTED, from 2 */
		0, 3, 1, 1, 0, 7, 1, 1, 1,
	};
	/* node 2 in standby drains; the owner lost; an operator confirms it */
	static const uint8_t standby[] = {
		0, 7, 1, 1, 1,
		2, 0, 0, 1, 1, 2, 0, 0, 1,           /* START db on 2 */
		3, 0, 1, 1, 1, 1, 1, 1,
		5, 1, 1, 14,
		2, 4, 0, 3, 0, 2, 1, 1, 1,           /* STANDBY node 2 on */
		3, 1, 1, 0, 2, 0, MS, 1,             /* PREPARED refused, from 1 */
		0, 5, 1, 1,                          /* node 2 lost */
		2, 5, 0, 4, 0, 2, 0, 0, 1,           /* FENCE_CONFIRM node 2 */
		0, 7, 1, 1, 1,
	};

	/* a rolling reload adds "new": nodes 1 and 2 reload, node 2 starts it,
	 * node 3 reloads last and learns it from the merge */
	static const uint8_t reload[] = {
		0, 7, 1, 1, 1,
		7, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* node 1 reloads with "new" */
		7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* node 2 too */
		2, 0, 1, 1, 3, 0, 0, 0, 1,           /* START new, from 2 */
		3, 0, 3, 1, 1, 1, 1, 1,              /* RESULT: started on 2, epoch 1 */
		7, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* node 3 reloads last */
	};

	write_seed("rsm", "migrate", migrate, sizeof(migrate));
	write_seed("rsm", "reload", reload, sizeof(reload));
	write_seed("rsm", "standby", standby, sizeof(standby));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	state_seeds();
	request_seeds();
	report_seeds();
	ipc_seeds();
	state_dir_seeds();
	rsm_seeds();
	return failures ? 1 : 0;
}
