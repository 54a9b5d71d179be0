/*
 * fuzz_rsm - libFuzzer harness for the replicated state machine
 * (plugin/rsm.c) fed hostile CPG messages: three handoffd members, one
 * total order, and the protocol's own promise as the oracle: whenever no
 * message is in flight and no member is in a sync, every member holds the
 * same table (rsm.h), standby flags and history (rsm_admin_differs).
 * The input is a script, a byte per step:
 *
 *   0 confchg       the next byte: bits 0-2 nodes 1-3 in the group; bits
 *                   3-5 whether a node that leaves restarts its handoffd
 *                   (a fresh table) or was cut off (keeps its table; CPG
 *                   tells it a group of its own, where it stays alone)
 *   1 deliver       the oldest message in flight, to every member
 *   2 request       a START/STOP/CLEANUP/MIGRATE/STANDBY/FENCE_CONFIRM from
 *                   a member, its fields from the next bytes
 *   3 report        a RESULT or migration report, its fields from the bytes
 *   4 raw           the next byte's bytes as a message of a member
 *   5 fact          a member's facts of a resource change
 *   6 state         a forged STATE from a member: its own table with an
 *                   entry, the generation, the flags and lost owners
 *                   changed from the next bytes (what a foreign process
 *                   speaking as the member can send)
 *   7 reload        a member reloads its file, with or without the
 *                   resource "new" (doc/protocol.md, rules 36, 37): its
 *                   STATE announces the digest, the table follows at that
 *                   STATE's delivery to it, and a STATE with the new table
 *                   follows (plugin/rm_reload.c); agreement is checked
 *                   while every member holds one configuration
 *
 * Every message goes through wire_encode and wire_decode, as in handoffd;
 * a member carries out ACT_SEND_STATE at once (the rest is the drivers').
 * FUZZ_RSM_TRACE=1 in the environment prints the steps (to read a finding
 * as the story a unit test in test_rsm.c retells).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/rsm.h"

#define N 3
#define QUEUE_MAX 64

/* three resources with three preference orders, one that node 2 may not run */
static const char CONF[] =
	"[cluster]\nstandby_parallel = 2\n"
	"[resource web]\nstorage = drbd\ndrbd_resource = r0\ndevice = /dev/drbd0\n"
	"mount_point = /srv/web\nworkload = exec\nagent = /bin/true\nnodes = node1 node2 node3\n"
	"[resource db]\nstorage = shared\ndevice = /dev/sdb1\nmount_point = /srv/db\n"
	"workload = exec\nagent = /bin/true\nnodes = node2 node1\nautostart = yes\n"
	"[resource mail]\nstorage = drbd\ndrbd_resource = r2\ndevice = /dev/drbd2\n"
	"mount_point = /srv/mail\nworkload = criu\ncommand = /srv/mail/run\nnodes = node3 node1\n";
static const uint32_t IDS[N] = { 1, 2, 3 };
static const char *const NAMES[N] = { "node1", "node2", "node3" };
/* CONF and the resource a reload may add */
static const char CONF_NEW[] =
	"[resource new]\nstorage = shared\ndevice = /dev/sdc1\nmount_point = /srv/new\n"
	"workload = exec\nagent = /bin/true\nnodes = node2 node3 node1\n";
static const char *const RES[] = { "web", "db", "mail", "new", "nosuch" };
#define N_RES 5

struct sim {
	struct handoff_config cfg[2];    /* without and with "new" */
	int file[N + 1];                 /* each member's file: cfg[file] */
	int in_use[N + 1];               /* the one its table follows */
	bool pending[N + 1];             /* a reload waits for its STATE */
	struct rsm m[N + 1];
	bool member[N + 1];
	struct wire_fact facts[N + 1][4];
	struct rsm_actions acts;
	uint8_t *queue[QUEUE_MAX];
	size_t qlen[QUEUE_MAX];
	size_t nq;
	const uint8_t *in;
	size_t left;
};

static bool trace;
#define TRACE(...) do { if (trace) fprintf(stderr, __VA_ARGS__); } while (0)

static uint8_t byte(struct sim *s)
{
	if (!s->left)
		return 0;
	s->left--;
	return *s->in++;
}

static void queue_bytes(struct sim *s, uint8_t *buf, size_t len)
{
	if (s->nq == QUEUE_MAX) {
		free(buf);
		return;
	}
	s->queue[s->nq] = buf;
	s->qlen[s->nq++] = len;
}

static void multicast(struct sim *s, const struct wire_msg *msg)
{
	uint8_t *buf;
	size_t len = wire_encode(msg, WIRE_VERSION_MAX, &buf);

	if (len)
		queue_bytes(s, buf, len);
}

static void send_state(struct sim *s, int i)
{
	struct wire_msg msg = { .hdr = { .type = MSG_STATE, .nodeid = (uint32_t)i } };

	/* each node's own clock: a workload found dead at the merge counts
	 * at its owner's (rule 31), never at the member's that merges */
	s->m[i].clock_ms = (uint64_t)byte(s) * 300000;
	rsm_fill_state(&s->m[i], &msg.u.state, s->facts[i], 4);
	s->m[i].resync = false;
	if (s->pending[i])      /* the digest a reload announces (rule 36) */
		msg.u.state.config_digest = config_digest(&s->cfg[s->file[i]]);
	multicast(s, &msg);
	free(msg.u.state.entries);   /* the lost owners share it; the facts are borrowed */
}

/* The daemon's part that concerns the table: ACT_SEND_STATE. */
static void react(struct sim *s, int i)
{
	for (size_t a = 0; a < s->acts.n; a++)
		if (s->acts.v[a].type == ACT_SEND_STATE)
			send_state(s, i);
	rsm_actions_clear(&s->acts);
}

static void trace_msg(const struct wire_msg *m)
{
	if (!trace)
		return;
	fprintf(stderr, "  deliver %s from %u epoch %llu", wire_type_name(m->hdr.type),
		m->hdr.nodeid, (unsigned long long)m->hdr.epoch);
	if (m->hdr.type == MSG_STATE) {
		fprintf(stderr, " gen %llu flags %#x:", (unsigned long long)m->u.state.table_gen,
			m->u.state.flags);
		for (size_t k = 0; k < m->u.state.n_entries; k++) {
			const struct wire_entry *e = &m->u.state.entries[k];
			fprintf(stderr, " %s owner %u %s epoch %llu target %u;", e->name, e->owner,
				phase_name(e->phase), (unsigned long long)e->epoch, e->target);
		}
	} else if (m->hdr.type == MSG_RESULT) {
		fprintf(stderr, " %s op %u ok %u", m->u.result.resource, m->u.result.op,
			m->u.result.ok);
	} else if (m->hdr.type == MSG_FAILED) {
		fprintf(stderr, " %s kind %u flags %u at %llu", m->u.failure.resource,
			m->u.failure.kind, m->u.failure.flags, (unsigned long long)m->u.failure.at_ms);
	} else if (wire_is_report(m->hdr.type)) {
		fprintf(stderr, " %s ok %u", m->u.report.resource, m->u.report.ok);
	} else {
		fprintf(stderr, " req %u %s node %u on %u", m->u.req.req_id, m->u.req.resource,
			m->u.req.node, m->u.req.on);
	}
	fprintf(stderr, "\n");
}

static uint32_t some_member(struct sim *s, uint8_t b);

/* Member I's own STATE announcing its pending reload is delivered to it:
 * the table follows the file now, or the reload is refused after all;
 * either way a STATE flagged RESYNC follows (rm_reload_delivered). */
static void reload_delivered(struct sim *s, int i, const struct wire_msg *msg)
{
	char why[200];

	if (!s->pending[i] || msg->hdr.type != MSG_STATE || msg->hdr.nodeid != (uint32_t)i ||
	    msg->u.state.config_digest != config_digest(&s->cfg[s->file[i]]))
		return;
	s->pending[i] = false;
	if (rsm_reconfigure(&s->m[i], &s->cfg[s->file[i]], why, sizeof(why)) == 0)
		s->in_use[i] = s->file[i];
	else
		s->file[i] = s->in_use[i];       /* refused: nothing applied */
	TRACE("node %d reload %s: %s\n", i, s->in_use[i] == s->file[i] ? "applied" : "refused", why);
	s->m[i].resync = true;
}

static void deliver(struct sim *s)
{
	uint8_t *buf = s->queue[0];
	size_t len = s->qlen[0];

	memmove(s->queue, s->queue + 1, (s->nq - 1) * sizeof(s->queue[0]));
	memmove(s->qlen, s->qlen + 1, (s->nq - 1) * sizeof(s->qlen[0]));
	s->nq--;
	for (int i = 1; i <= N; i++) {
		struct wire_msg msg;
		char why[256];
		uint32_t sender = buf[8];      /* a member's id: the header's low byte */

		if (!s->member[i])
			continue;
		if (wire_decode(buf, len, sender, &msg, why, sizeof(why)) < 0) {
			TRACE("  dropped: %s\n", why);
			break;                 /* dropped, by every member alike */
		}
		if ((uint32_t)i == some_member(s, 0))
			trace_msg(&msg);
		reload_delivered(s, i, &msg);
		rsm_deliver(&s->m[i], &msg, &s->acts);
		wire_free(&msg);
		react(s, i);
		if (s->m[i].resync)
			send_state(s, i);
	}
	free(buf);
}

static void confchg(struct sim *s, uint8_t set)
{
	uint32_t members[N];
	size_t n = 0;

	/* virtual synchrony: what was sent in the old ring arrives in it */
	while (s->nq)
		deliver(s);
	TRACE("confchg %#x\n", set);
	for (int i = 1; i <= N; i++) {
		bool was = s->member[i];
		s->member[i] = set & (1u << (i - 1));
		if (s->member[i])
			members[n++] = (uint32_t)i;
		if (was && !s->member[i] && (set & (8u << (i - 1)))) {   /* restarted */
			/* it reads its file: a pending reload is its configuration now */
			s->pending[i] = false;
			s->in_use[i] = s->file[i];
			rsm_free(&s->m[i]);
			if (rsm_init(&s->m[i], &s->cfg[s->file[i]], (uint32_t)i, IDS, NAMES, N) < 0)
				abort();
		} else if (was && !s->member[i]) {
			/* cut off: CPG tells it its own side, alone; what it sends
			 * there never reaches the others */
			uint32_t self = (uint32_t)i;
			s->m[i].quorate_now = false;
			rsm_confchg(&s->m[i], &self, 1, &s->acts);
			rsm_actions_clear(&s->acts);
		}
	}
	for (int i = 1; i <= N; i++) {
		if (!s->member[i])
			continue;
		s->m[i].quorate_now = n * 2 > N;
		rsm_confchg(&s->m[i], members, n, &s->acts);
		react(s, i);
	}
}

static uint32_t some_member(struct sim *s, uint8_t b)
{
	for (int k = 0; k < N; k++) {
		int i = (b + k) % N + 1;
		if (s->member[i])
			return (uint32_t)i;
	}
	return 0;
}

static void request(struct sim *s)
{
	static const uint16_t types[] = { MSG_START, MSG_STOP, MSG_CLEANUP, MSG_MIGRATE,
					  MSG_STANDBY, MSG_FENCE_CONFIRM, MSG_MAINTENANCE };
	struct wire_msg msg = { .hdr = { .type = types[byte(s) % 7] } };

	msg.hdr.nodeid = some_member(s, byte(s));
	msg.u.req.req_id = byte(s);
	snprintf(msg.u.req.resource, sizeof(msg.u.req.resource), "%s", RES[byte(s) % N_RES]);
	msg.u.req.node = byte(s) % (N + 2);
	msg.u.req.on = byte(s) & 1;
	msg.u.req.parallel = (uint16_t)(byte(s) % 3 + 1);
	if (msg.hdr.type == MSG_MAINTENANCE) {
		/* exactly what its scope names (wire.c refuses anything else) */
		msg.u.req.scope = (uint8_t)(byte(s) % 3 + MAINT_CLUSTER);
		msg.u.req.node = msg.u.req.scope == MAINT_NODE ? (uint32_t)(byte(s) % N + 1) : 0;
		if (msg.u.req.scope != MAINT_RESOURCE)
			msg.u.req.resource[0] = '\0';
	}
	if (msg.hdr.nodeid)
		multicast(s, &msg);
}

static void report(struct sim *s)
{
	uint8_t t = byte(s);
	/* 0: RESULT, 1-6: from PREPARED on, 7: an owner's FAILED */
	struct wire_msg msg = { .hdr = { .type = t % 8 == 7 ? MSG_FAILED :
						 t % 8 ? (uint16_t)(MSG_PREPARED + t % 8 - 1) :
						 MSG_RESULT } };
	const char *res = RES[byte(s) % N_RES];

	msg.hdr.nodeid = some_member(s, byte(s));
	msg.hdr.epoch = byte(s);
	if (msg.hdr.type == MSG_FAILED) {
		snprintf(msg.u.failure.resource, sizeof(msg.u.failure.resource), "%s", res);
		msg.u.failure.kind = byte(s) % 2 + 1;
		msg.u.failure.flags = byte(s) & WIRE_FAIL_LIVE;
		/* steps of 5 minutes: the 10 minutes of failure_timeout matter */
		msg.u.failure.at_ms = (uint64_t)byte(s) * 300000;
		snprintf(msg.u.failure.reason, sizeof(msg.u.failure.reason), "monitor: exit 1");
		if (!msg.hdr.epoch)
			msg.hdr.epoch = 1;      /* refused by wire_decode otherwise */
	} else if (msg.hdr.type == MSG_RESULT) {
		snprintf(msg.u.result.resource, sizeof(msg.u.result.resource), "%s", res);
		msg.u.result.op = byte(s) & 1 ? WIRE_OP_START : WIRE_OP_STOP;
		msg.u.result.ok = byte(s) & 1;
	} else {
		snprintf(msg.u.report.resource, sizeof(msg.u.report.resource), "%s", res);
		msg.u.report.ok = byte(s) & 1;
		if (msg.hdr.type == MSG_PREPARED && msg.u.report.ok)
			memset(msg.u.report.id, byte(s) | 1, WIRE_ID_LEN);
		for (int k = 0; k < WIRE_TIMES; k++)
			msg.u.report.ms[k] = byte(s);
	}
	if (msg.hdr.nodeid)
		multicast(s, &msg);
}

static void raw(struct sim *s)
{
	size_t len = byte(s);
	uint8_t *buf;

	if (len > s->left)
		len = s->left;
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	memcpy(buf, s->in, len);
	s->in += len;
	s->left -= len;
	if (len >= WIRE_HEADER_LEN)
		queue_bytes(s, buf, len);
	else
		free(buf);
}

static void fact(struct sim *s)
{
	int i = (int)some_member(s, byte(s));
	struct wire_fact *f = &s->facts[i][byte(s) % 4];
	uint8_t b = byte(s);

	if (!i)
		return;         /* no member to probe anything */

	f->role = b % 3;
	f->mounted = (b >> 2) & 1;
	f->running = (b >> 3) & 1;
	f->connection = (b >> 4) % 3;
	f->disk = (uint8_t)(b >> 6) * 3;
	TRACE("node %d facts of %s: role %u mounted %u running %u\n", i, f->name, f->role,
	      f->mounted, f->running);
}

static void forged_state(struct sim *s)
{
	uint32_t from = some_member(s, byte(s));
	struct wire_msg msg = { .hdr = { .type = MSG_STATE, .nodeid = from } };
	struct wire_state *st = &msg.u.state;
	struct wire_lost lost[WIRE_LOST_MAX];
	struct wire_entry *e;
	uint8_t n_lost;

	if (!from)
		return;
	rsm_fill_state(&s->m[from], st, s->facts[from], 3);
	st->table_gen += byte(s);
	st->flags ^= byte(s) & 0xf;
	e = &st->entries[byte(s) % st->n_entries];
	e->owner = byte(s) % (N + 2);
	e->phase = byte(s) % PHASE__MAX;
	e->epoch += byte(s);
	e->target = byte(s) % (N + 2);
	/* the lost owners: only this entry's, from the bytes */
	n_lost = byte(s) % (WIRE_LOST_MAX + 1);
	for (uint8_t k = 0; k < n_lost; k++) {
		lost[k].node = byte(s) % (N + 2) + 1;
		lost[k].fence = byte(s) % (LOST_CONFIRMED + 1);
	}
	for (size_t k = 0; k < st->n_entries; k++)
		st->entries[k].n_lost = 0;
	e->lost_first = 0;
	e->n_lost = n_lost;
	st->lost = lost;
	st->n_lost = n_lost;
	multicast(s, &msg);
	free(st->entries);     /* rsm_fill_state's one allocation */
}

/* 7: member I's file gets "new" or loses it; its STATE announces it. */
static void reload(struct sim *s)
{
	int i = (int)some_member(s, byte(s));
	int file = byte(s) & 1;

	if (!i || s->pending[i] || file == s->file[i])
		return;
	TRACE("node %d reloads a file %s new\n", i, file ? "with" : "without");
	s->file[i] = file;
	s->pending[i] = true;
	s->m[i].resync = true;
	send_state(s, i);
}

/* The promise: settled members hold the same table, once every member
 * follows one configuration (while they differ, only the eligible ones
 * decide, and the next merge makes one table: doc/protocol.md, rule 36). */
static void check_agreement(struct sim *s)
{
	int prev = 0;
	char why[200];

	if (s->nq)
		return;
	for (int i = 1; i <= N; i++)
		if (s->member[i] && (s->m[i].syncing || s->pending[i] ||
				     s->m[i].local_digest != s->m[some_member(s, 0)].local_digest))
			return;
	for (int i = 1; i <= N; i++) {
		const struct rsm_res *a;

		if (!s->member[i])
			continue;
		a = prev ? rsm_differs(&s->m[prev], &s->m[i]) : NULL;
		if (a) {
			const struct rsm_res *b = rsm_find(&s->m[i], a->conf->name);
			fprintf(stderr, "fuzz_rsm: %s: node %d has owner %u %s epoch %llu "
				"(%u lost, fresh %d, '%s'), node %d owner %u %s epoch %llu "
				"(%u lost, fresh %d, '%s')\n", a->conf->name, prev,
				a->owner, phase_name(a->phase), (unsigned long long)a->epoch,
				a->n_lost, a->fresh, a->last_error, i, b->owner,
				phase_name(b->phase), (unsigned long long)b->epoch, b->n_lost,
				b->fresh, b->last_error);
			abort();
		}
		if (prev && rsm_identity_differs(&s->m[prev], &s->m[i], why, sizeof(why))) {
			fprintf(stderr, "fuzz_rsm: nodes %d and %d: %s\n", prev, i, why);
			abort();
		}
		/* and the same standby flags and history (rules 23, 24) */
		if (prev && rsm_admin_differs(&s->m[prev], &s->m[i])) {
			fprintf(stderr, "fuzz_rsm: nodes %d and %d differ in %s\n", prev, i,
				rsm_admin_differs(&s->m[prev], &s->m[i]));
			abort();
		}
		prev = i;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct config_errors err = { 0 };

	if (!s)
		abort();
	trace = getenv("FUZZ_RSM_TRACE") != NULL;
	for (int v = 0; v < 2; v++) {
		char text[sizeof(CONF) + sizeof(CONF_NEW)];
		snprintf(text, sizeof(text), "%s%s", CONF, v ? CONF_NEW : "");
		config_defaults(&s->cfg[v]);
		if (config_load_string(&s->cfg[v], "fuzz.conf", text, &err) < 0)
			abort();
	}
	for (int i = 1; i <= N; i++) {
		if (rsm_init(&s->m[i], &s->cfg[0], (uint32_t)i, IDS, NAMES, N) < 0)
			abort();
		for (int r = 0; r < 4; r++) {
			s->facts[i][r].name = RES[r];
			s->facts[i][r].role = ROLE_SECONDARY;
		}
	}
	s->in = data;
	s->left = size;
	while (s->left) {
		switch (byte(s) % 8) {
		case 0: confchg(s, byte(s)); break;
		case 1: if (s->nq) deliver(s); break;
		case 2: request(s); break;
		case 3: report(s); break;
		case 4: raw(s); break;
		case 5: fact(s); break;
		case 6: forged_state(s); break;
		case 7: reload(s); break;
		}
		check_agreement(s);
	}
	while (s->nq)
		deliver(s);
	check_agreement(s);
	for (int i = 1; i <= N; i++)
		rsm_free(&s->m[i]);
	rsm_actions_free(&s->acts);
	config_free(&s->cfg[0]);
	config_free(&s->cfg[1]);
	free(s);
	return 0;
}
