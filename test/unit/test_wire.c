/* The wire format: round trips, and every kind of bad message refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpg/wire.h"

static size_t encode_state(uint8_t **buf, uint32_t nodeid)
{
	struct wire_entry entries[2] = {
		{ .name = "web", .owner = 2, .phase = PHASE_RUNNING, .epoch = 7, .target = 0,
		  .flags = WIRE_ENTRY_FRESH, .dump_epoch = 6,
		  .dump_id = { 0xde, 0xad, [7] = 0x42, [15] = 0x01 } },
		{ .name = "db", .owner = 0, .phase = PHASE_FAILED, .epoch = 3,
		  .last_error = "promote: 0: State change failed",
		  .fail_count = 4, .last_fail_ms = 0x1a2b3c4d5e6full,
		  .last_fail = "workload on node 1: monitor: exit 1", .reloc_count = 0x0102 },
	};
	struct wire_fact facts[1] = {
		{ .name = "web", .role = ROLE_PRIMARY, .disk = 9, .mounted = 1, .running = 1 },
	};
	struct wire_msg m = { .hdr = { .type = MSG_STATE, .nodeid = nodeid, .epoch = 0 } };

	m.u.state = (struct wire_state){
		.proto_min = 3, .proto_max = 3, .config_digest = 0x1122334455667788ull,
		.flags = WIRE_STATE_QUORATE_SEEN, .quorate_ring_nodeid = 1,
		.table_gen = 0x2c, .entries = entries, .n_entries = 2,
		.facts = facts, .n_facts = 1, .clock_ms = 1800000000456ull,
	};
	return wire_encode(&m, WIRE_VERSION_MAX, buf);
}

static void state_roundtrip(void **state)
{
	uint8_t *buf;
	size_t len = encode_state(&buf, 2);
	struct wire_msg m;
	char why[256];
	(void)state;

	assert_true(len > WIRE_HEADER_LEN);
	/* little-endian on the wire, whatever the host */
	assert_int_equal(buf[0], 0x48);
	assert_int_equal(buf[3], 0x46);
	assert_int_equal(buf[12] | buf[13] << 8, len);
	assert_int_equal(wire_decode(buf, len, 2, &m, why, sizeof(why)), 0);
	assert_int_equal(m.hdr.type, MSG_STATE);
	assert_int_equal(m.hdr.version, 5);
	/* version 5: the sender's clock, and an entry's relocation count */
	assert_true(m.u.state.clock_ms == 1800000000456ull);
	assert_int_equal(m.u.state.entries[1].reloc_count, 0x0102);
	assert_int_equal(m.u.state.entries[0].reloc_count, 0);
	assert_int_equal(m.u.state.config_digest, 0x1122334455667788ull);
	assert_int_equal(m.u.state.table_gen, 0x2c);
	assert_int_equal(m.u.state.n_entries, 2);
	assert_string_equal(m.u.state.entries[0].name, "web");
	assert_int_equal(m.u.state.entries[0].owner, 2);
	assert_int_equal(m.u.state.entries[0].phase, PHASE_RUNNING);
	assert_int_equal(m.u.state.entries[0].epoch, 7);
	/* the dump the table names (S3), and the entry's flags (version 2) */
	assert_int_equal(m.u.state.entries[0].flags, WIRE_ENTRY_FRESH);
	assert_int_equal(m.u.state.entries[0].dump_epoch, 6);
	assert_int_equal(m.u.state.entries[0].dump_id[0], 0xde);
	assert_int_equal(m.u.state.entries[0].dump_id[7], 0x42);
	assert_int_equal(m.u.state.entries[0].dump_id[15], 0x01);
	assert_int_equal(m.u.state.entries[1].flags, 0);
	assert_int_equal(m.u.state.entries[1].dump_epoch, 0);
	assert_true(wire_id_is_zero(m.u.state.entries[1].dump_id));
	assert_string_equal(m.u.state.entries[1].last_error, "promote: 0: State change failed");
	/* the recovery policy's count (version 4) */
	assert_int_equal(m.u.state.entries[1].fail_count, 4);
	assert_true(m.u.state.entries[1].last_fail_ms == 0x1a2b3c4d5e6full);
	assert_string_equal(m.u.state.entries[1].last_fail, "workload on node 1: monitor: exit 1");
	assert_int_equal(m.u.state.entries[0].fail_count, 0);
	assert_string_equal(m.u.state.entries[0].last_fail, "");
	assert_int_equal(m.u.state.n_facts, 1);
	assert_int_equal(m.u.state.facts[0].role, ROLE_PRIMARY);
	assert_int_equal(m.u.state.facts[0].running, 1);
	/* an unset string goes out as "" */
	assert_string_equal(m.u.state.entries[0].last_error, "");
	assert_string_equal(m.u.state.facts[0].name, "web");
	/* the strings live in one block no larger than the message, not in
	 * fixed arrays per entry (every member holds every member's STATE
	 * for a whole sync: wire.h) */
	for (size_t i = 0; i < 2; i++) {
		assert_true(m.u.state.entries[i].name >= m.u.state.strings);
		assert_true(m.u.state.entries[i].last_error < m.u.state.strings + len);
	}
	assert_true(m.u.state.facts[0].name >= m.u.state.strings &&
		    m.u.state.facts[0].name < m.u.state.strings + len);
	/* 64 bytes, the phase times of version 4 (28, padded), its fail
	 * count, time and reason pointer, and version 5's relocation count
	 * and maintenance generation */
	assert_true(sizeof(struct wire_entry) <= 128 &&
		    sizeof(struct wire_fact) <= 16);
	wire_free(&m);
	free(buf);
}

static void requests_and_results_roundtrip(void **state)
{
	struct wire_msg m = { .hdr = { .type = MSG_START, .nodeid = 3, .epoch = 0 } }, d;
	uint8_t *buf;
	size_t len;
	char why[256];
	(void)state;

	m.u.req = (struct wire_request){ .req_id = 42, .resource = "web", .node = 2 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.req.req_id, 42);
	assert_string_equal(d.u.req.resource, "web");
	assert_int_equal(d.u.req.node, 2);
	free(buf);

	m.hdr.type = MSG_STOP;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.hdr.type, MSG_STOP);
	assert_int_equal(d.u.req.node, 0);   /* STOP carries no node */
	free(buf);

	m.hdr.type = MSG_RESULT;
	m.hdr.epoch = 9;
	m.u.result = (struct wire_result){ .resource = "web", .op = WIRE_OP_START, .ok = 0,
					   .error = "mount: wrong fs type" };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.hdr.epoch, 9);
	assert_int_equal(d.u.result.op, WIRE_OP_START);
	assert_int_equal(d.u.result.ok, 0);
	assert_string_equal(d.u.result.error, "mount: wrong fs type");
	free(buf);
}

static void expect_reject(const uint8_t *buf, size_t len, uint32_t sender, const char *reason)
{
	struct wire_msg m;
	char why[256] = "";

	if (wire_decode(buf, len, sender, &m, why, sizeof(why)) == 0)
		fail_msg("accepted a message that should fail with '%s'", reason);
	if (!strstr(why, reason))
		fail_msg("reason '%s' lacks '%s'", why, reason);
}

/* M, once encoded, is refused for REASON */
static void expect_encoded_rejected(const struct wire_msg *m, const char *reason)
{
	uint8_t *buf;
	size_t len = wire_encode(m, WIRE_VERSION_MAX, &buf);

	assert_true(len > 0);
	expect_reject(buf, len, m->hdr.nodeid, reason);
	free(buf);
}

/* The STATE M, once encoded, decodes with FLAGS on its first entry */
static void expect_first_entry_flags(const struct wire_msg *m, uint8_t flags)
{
	struct wire_msg d;
	char why[256];
	uint8_t *buf;
	size_t len = wire_encode(m, WIRE_VERSION_MAX, &buf);

	assert_true(len > 0);
	assert_int_equal(wire_decode(buf, len, m->hdr.nodeid, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.state.entries[0].flags, flags);
	wire_free(&d);
	free(buf);
}

static void migration_messages(void **state)
{
	struct wire_msg m = { .hdr = { .type = MSG_MIGRATE, .nodeid = 2 } }, d;
	uint8_t *buf;
	size_t len;
	char why[256];
	(void)state;

	m.u.req = (struct wire_request){ .req_id = 7, .resource = "vm1", .node = 3 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.hdr.type, MSG_MIGRATE);
	assert_int_equal(d.u.req.node, 3);
	assert_string_equal(d.u.req.resource, "vm1");
	free(buf);
	m.u.req.node = 0;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	expect_reject(buf, len, 2, "migrate names no target");
	free(buf);

	for (unsigned t = MSG_PREPARED; t <= MSG_HANDBACK; t++) {
		struct wire_msg r = { .hdr = { .type = (uint16_t)t, .nodeid = 3, .epoch = 12 } };
		assert_true(wire_is_report(t));
		r.u.report = (struct wire_report){ .resource = "vm1", .ok = t != MSG_ABORT,
						   .error = "umount: busy" };
		if (t == MSG_PREPARED)
			memset(r.u.report.id, 0xa5, WIRE_ID_LEN);
		for (int i = 0; i < WIRE_TIMES; i++)
			r.u.report.ms[i] = 100u * (unsigned)i + t;
		len = wire_encode(&r, WIRE_VERSION_MAX, &buf);
		assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
		assert_int_equal(d.hdr.type, t);
		assert_int_equal(d.hdr.epoch, 12);
		assert_string_equal(d.u.report.resource, "vm1");
		assert_int_equal(d.u.report.ok, t != MSG_ABORT);
		assert_string_equal(d.u.report.error, "umount: busy");
		assert_int_equal(d.u.report.ms[WT_RESTORE], 600 + t);
		/* only PREPARED carries the migration's id */
		assert_int_equal(len, (size_t)(t == MSG_PREPARED ? 72 + WIRE_ID_LEN : 72));
		assert_int_equal(d.u.report.id[0], t == MSG_PREPARED ? 0xa5 : 0);
		assert_int_equal(d.u.report.id[15], t == MSG_PREPARED ? 0xa5 : 0);
		free(buf);
		/* a report without its epoch cannot be told from a stale one */
		r.hdr.epoch = 0;
		len = wire_encode(&r, WIRE_VERSION_MAX, &buf);
		expect_reject(buf, len, 3, "needs its epoch");
		free(buf);
	}
	assert_false(wire_is_report(MSG_MIGRATE));

	m = (struct wire_msg){ .hdr = { .type = MSG_STANDBY, .nodeid = 2 } };
	m.u.req = (struct wire_request){ .req_id = 9, .node = 3, .on = 1, .parallel = 4 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.req.node, 3);
	assert_int_equal(d.u.req.on, 1);
	assert_int_equal(d.u.req.parallel, 4);
	assert_string_equal(d.u.req.resource, "");
	free(buf);
	m.u.req.parallel = 0;
	expect_encoded_rejected(&m, "out of range");
	assert_string_equal(wire_type_name(MSG_HANDBACK), "HANDBACK");
	assert_string_equal(phase_name(PHASE_FAILING_OVER), "FAILING_OVER");
}

/* Issue 15: the timings, each entry's dump epoch and lost owners, and
 * FENCE_CONFIRM travel and are checked. */
static void fencing_fields(void **state)
{
	struct wire_lost lost[3] = { { 3, LOST_UNFENCED }, { 2, LOST_CONFIRMED }, { 1, LOST_WATCHDOG } };
	struct wire_entry entries[2] = {
		{ .name = "web", .owner = 1, .phase = PHASE_FAILING_OVER, .epoch = 9,
		  .dump_epoch = 8, .dump_id = { 8 }, .n_lost = 2, .lost_first = 0 },
		{ .name = "db", .owner = 2, .phase = PHASE_FAILING_OVER, .epoch = 4,
		  .n_lost = 1, .lost_first = 2 },
	};
	struct wire_msg m = { .hdr = { .type = MSG_STATE, .nodeid = 1 } }, d;
	uint8_t *buf;
	size_t len, at;
	char why[256];
	(void)state;

	m.u.state = (struct wire_state){
		.proto_min = 3, .proto_max = 3, .flags = WIRE_STATE_RESYNC,
		.self_fence_timeout_ms = 30000, .fence_delay_ms = 60000, .watchdog_ms = 10000,
		.detect_ms = 2200, .entries = entries, .n_entries = 2, .lost = lost, .n_lost = 3,
	};
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_true(len > 0);
	assert_int_equal(wire_decode(buf, len, 1, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.state.flags, WIRE_STATE_RESYNC);
	assert_int_equal(d.u.state.self_fence_timeout_ms, 30000);
	assert_int_equal(d.u.state.fence_delay_ms, 60000);
	assert_int_equal(d.u.state.watchdog_ms, 10000);
	assert_int_equal(d.u.state.detect_ms, 2200);
	assert_int_equal(d.u.state.entries[0].dump_epoch, 8);
	assert_int_equal(d.u.state.entries[0].n_lost, 2);
	assert_int_equal(d.u.state.entries[1].n_lost, 1);
	assert_int_equal(d.u.state.n_lost, 3);
	assert_int_equal(d.u.state.lost[d.u.state.entries[0].lost_first + 1].node, 2);
	assert_int_equal(d.u.state.lost[d.u.state.entries[0].lost_first + 1].fence, LOST_CONFIRMED);
	assert_int_equal(d.u.state.lost[d.u.state.entries[1].lost_first].node, 1);
	assert_int_equal(d.u.state.lost[d.u.state.entries[1].lost_first].fence, LOST_WATCHDOG);
	wire_free(&d);
	/* db's lost owner ends its lost owners: its fence byte comes right
	 * before the entry's phase times (version 4), fail count (2 bytes),
	 * last failure time (8) and reason (2: ""), relocation count (2,
	 * version 5), maint_gen (8, version 5), then n_facts (2 bytes, no
	 * facts follow), n_members (1 byte, no members follow), n_standby,
	 * n_history and n_maint (1 byte each) */
	at = len - 1 - 2 - 1 - 2 - 14 - 4 * WIRE_TIMES - 8 - 1;
	buf[at] = 7;
	expect_reject(buf, len, 1, "lost owner out of range");
	buf[at] = LOST_WATCHDOG;
	buf[at - 4] = buf[at - 3] = buf[at - 2] = buf[at - 1] = 0;    /* node 0 */
	expect_reject(buf, len, 1, "lost owner out of range");
	free(buf);
	/* timings no configuration allows: their sum would wrap into a short
	 * deadline (self_fence_timeout 0xfffffff0 + watchdog 0x20 = 16 ms) */
	m.u.state.self_fence_timeout_ms = 0xfffffff0u;
	m.u.state.watchdog_ms = 0x20;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	expect_reject(buf, len, 1, "timing out of range");
	free(buf);
	m.u.state.self_fence_timeout_ms = 30000;
	m.u.state.watchdog_ms = WIRE_TIMING_MAX_MS + 1;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	expect_reject(buf, len, 1, "timing out of range");
	free(buf);
	m.u.state.watchdog_ms = 10000;
	/* more lost owners than an entry may have: refused on both sides */
	entries[1].n_lost = WIRE_LOST_MAX + 1;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);

	m = (struct wire_msg){ .hdr = { .type = MSG_FENCE_CONFIRM, .nodeid = 2 } };
	m.u.req = (struct wire_request){ .req_id = 5, .node = 3 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.hdr.type, MSG_FENCE_CONFIRM);
	assert_int_equal(d.u.req.req_id, 5);
	assert_int_equal(d.u.req.node, 3);
	free(buf);
	m.u.req.node = 0;
	expect_encoded_rejected(&m, "fence-confirm names no node");
	assert_string_equal(wire_type_name(MSG_FENCE_CONFIRM), "FENCE_CONFIRM");
}

/* Issue 16: who speaks for a node.  HELLO has no body; FOREIGN names
 * members; a STATE carries the group as its sync found it. */
static void identity_messages(void **state)
{
	struct wire_msg m = { .hdr = { .type = MSG_HELLO, .nodeid = 3 } }, d;
	uint8_t *buf;
	size_t len;
	char why[256];
	(void)state;

	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(len, WIRE_HEADER_LEN);
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.hdr.type, MSG_HELLO);
	assert_string_equal(wire_type_name(MSG_HELLO), "HELLO");
	free(buf);

	m = (struct wire_msg){ .hdr = { .type = MSG_FOREIGN, .nodeid = 1 } };
	m.u.foreign.n = 2;
	m.u.foreign.m[0] = (struct wire_member){ 3, 4242, 0 };
	m.u.foreign.m[1] = (struct wire_member){ 2, 0x01020304, 0 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(len, WIRE_HEADER_LEN + 1 + 2 * 8);
	assert_int_equal(buf[WIRE_HEADER_LEN], 2);
	assert_int_equal(buf[WIRE_HEADER_LEN + 1 + 8 + 4], 0x04);   /* little-endian pid */
	assert_int_equal(wire_decode(buf, len, 1, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.foreign.n, 2);
	assert_int_equal(d.u.foreign.m[0].nodeid, 3);
	assert_int_equal(d.u.foreign.m[0].pid, 4242);
	assert_int_equal(d.u.foreign.m[1].pid, 0x01020304);
	buf[WIRE_HEADER_LEN + 1] = buf[WIRE_HEADER_LEN + 2] = 0;      /* node 0 */
	expect_reject(buf, len, 1, "member out of range");
	buf[WIRE_HEADER_LEN] = 0;
	expect_reject(buf, len, 1, "member count out of range");
	buf[WIRE_HEADER_LEN] = WIRE_MEMBERS_MAX + 1;
	expect_reject(buf, len, 1, "member count out of range");
	free(buf);
	assert_string_equal(wire_type_name(MSG_FOREIGN), "FOREIGN");
	m.u.foreign.n = 0;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);
	m.u.foreign.n = WIRE_MEMBERS_MAX + 1;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);

	m = (struct wire_msg){ .hdr = { .type = MSG_STATE, .nodeid = 2 } };
	m.u.state.proto_min = m.u.state.proto_max = 4;
	m.u.state.n_members = 3;
	m.u.state.members[0] = (struct wire_member){ 1, 100, MEMBER_DAEMON };
	m.u.state.members[1] = (struct wire_member){ 2, 200, MEMBER_UNKNOWN };
	m.u.state.members[2] = (struct wire_member){ 3, 300, MEMBER_FOREIGN };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.state.n_members, 3);
	assert_int_equal(d.u.state.members[0].pid, 100);
	assert_int_equal(d.u.state.members[0].status, MEMBER_DAEMON);
	assert_int_equal(d.u.state.members[2].nodeid, 3);
	assert_int_equal(d.u.state.members[2].status, MEMBER_FOREIGN);
	wire_free(&d);
	/* the members come last but for n_standby, n_history (version 4)
	 * and n_maint (version 5) */
	buf[len - 4] = 3;                       /* the last member's status */
	expect_reject(buf, len, 2, "member out of range");
	buf[len - 4 - 9 * 3] = WIRE_MEMBERS_MAX + 1;   /* n_members */
	expect_reject(buf, len, 2, "too many members");
	free(buf);
	m.u.state.n_members = WIRE_MEMBERS_MAX + 1;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);
}

/* Version 4: a STATE's standby records and history (rules 23, 24). */
static void admin_state(void **state)
{
	struct wire_standby sb[2] = { { 2, 1, 5 }, { 7, 0, UINT64_MAX } };
	struct wire_hist h[2] = {
		{ .seq = 3, .kind = 1, .ok = 1, .resource = "web", .epoch = 9, .source = 1,
		  .target = 2, .result = "migrated", .ms = { 1, 2, 3, 4, 5, 6, 7 } },
		{ .seq = UINT64_MAX, .kind = 3, .resource = "", .source = 3, .target = 2,
		  .result = "node 2 confirmed down" },
	};
	struct wire_entry e = { .name = "web", .last_error = "", .phase = PHASE_RELEASING,
				.ms = { 11, 22, 0, 0, 0, 0, UINT32_MAX } };
	struct wire_msg m = { .hdr = { .type = MSG_STATE, .nodeid = 2 } }, d;
	char why[256];
	uint8_t *buf;
	size_t len, hist_at;
	(void)state;

	m.u.state.proto_min = m.u.state.proto_max = 4;
	/* an entry's phase times so far (the history entry that ends the
	 * migration carries the winner's: rule 24) */
	m.u.state.entries = &e;
	m.u.state.n_entries = 1;
	m.u.state.standby = sb;
	m.u.state.n_standby = 2;
	m.u.state.history = h;
	m.u.state.n_history = 2;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_true(len > 0);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.state.n_entries, 1);
	assert_memory_equal(d.u.state.entries[0].ms, e.ms, sizeof(e.ms));
	assert_int_equal(d.u.state.n_standby, 2);
	assert_int_equal(d.u.state.standby[0].node, 2);
	assert_int_equal(d.u.state.standby[0].on, 1);
	assert_int_equal(d.u.state.standby[0].gen, 5);
	assert_true(d.u.state.standby[1].gen == UINT64_MAX && d.u.state.standby[1].on == 0);
	assert_int_equal(d.u.state.n_history, 2);
	assert_int_equal(d.u.state.history[0].seq, 3);
	assert_string_equal(d.u.state.history[0].resource, "web");
	assert_string_equal(d.u.state.history[0].result, "migrated");
	assert_int_equal(d.u.state.history[0].ms[6], 7);
	assert_int_equal(d.u.state.history[0].target, 2);
	assert_true(d.u.state.history[1].seq == UINT64_MAX);
	assert_string_equal(d.u.state.history[1].resource, "");
	assert_int_equal(d.u.state.history[1].kind, 3);
	wire_free(&d);
	assert_null(d.u.state.standby);
	assert_null(d.u.state.history);

	/* each record checked: the standby records start after the members */
	hist_at = WIRE_HEADER_LEN + 2 + 2 + 8 + 4 + 4 + 8 + 16 + 8 + 2 +
		  (2 + 3 + 4 + 1 + 8 + 4 + 2 + 1 + 8 + 16 + 1 + 4 * WIRE_TIMES + 2 + 8 + 2 + 2 + 8) +
		  2 + 1;
	buf[hist_at + 1 + 4] = 2;                          /* on */
	expect_reject(buf, len, 2, "standby or maintenance record out of range");
	buf[hist_at + 1 + 4] = 1;
	memset(buf + hist_at + 1 + 5, 0, 8);               /* gen 0 */
	expect_reject(buf, len, 2, "standby or maintenance record out of range");
	buf[hist_at + 1 + 5] = 5;
	memcpy(buf + hist_at + 1 + 13, buf + hist_at + 1, 4);   /* node 2 twice */
	expect_reject(buf, len, 2, "standby or maintenance record of a node twice");
	buf[hist_at + 1 + 13] = 7;
	buf[hist_at] = WIRE_STANDBY_MAX + 1;
	expect_reject(buf, len, 2, "standby count out of range");
	buf[hist_at] = 2;
	hist_at += 1 + 2 * 13;                             /* n_history */
	buf[hist_at + 1 + 8] = 0;                          /* kind 0 */
	expect_reject(buf, len, 2, "history entry out of range");
	buf[hist_at + 1 + 8] = 1;
	buf[hist_at] = 3;
	expect_reject(buf, len, 2, "history count out of range");
	buf[hist_at] = 1;
	/* the second entry's first byte (its seq, 0xff) is read as n_maint */
	expect_reject(buf, len, 2, "maintenance count out of range");
	buf[hist_at] = 2;
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	wire_free(&d);
	free(buf);
	m.u.state.n_history = WIRE_HISTORY_MAX + 1;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);
	m.u.state.n_history = 0;
	m.u.state.n_standby = WIRE_STANDBY_MAX + 1;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);
}

static void header_checks(void **state)
{
	uint8_t *buf;
	size_t len = encode_state(&buf, 2);
	uint8_t *copy = malloc(len + 1);
	(void)state;

	expect_reject(buf, len, 3, "claims nodeid 2 but CPG sender is 3");
	expect_reject(buf, 10, 2, "shorter than a header");
	expect_reject(buf, len - 1, 2, "length field");

	memcpy(copy, buf, len);
	copy[0] ^= 0xff;
	expect_reject(copy, len, 2, "bad magic");

	memcpy(copy, buf, len);
	/* version 1 knew no dump ids, version 2 no group members (who
	 * speaks for a node), version 3 no standby records, history or
	 * fail counts, version 4 no relocation or maintenance: none is spoken any more */
	copy[4] = 1;
	expect_reject(copy, len, 2, "protocol version 1, we speak 5..5");
	copy[4] = 2;
	expect_reject(copy, len, 2, "protocol version 2, we speak 5..5");
	copy[4] = 3;
	expect_reject(copy, len, 2, "protocol version 3, we speak 5..5");
	copy[4] = 4;
	expect_reject(copy, len, 2, "protocol version 4, we speak 5..5");
	copy[4] = 6;
	expect_reject(copy, len, 2, "protocol version 6");

	memcpy(copy, buf, len);
	copy[6] = 77;
	expect_reject(copy, len, 2, "unknown message type 77");

	/* a trailing byte, with the length field telling the truth about it */
	memcpy(copy, buf, len);
	copy[len] = 0;
	copy[12] = (uint8_t)(len + 1);
	copy[13] = (uint8_t)((len + 1) >> 8);
	expect_reject(copy, len + 1, 2, "trailing bytes");
	free(copy);
	free(buf);
}

static void every_truncation_fails_cleanly(void **state)
{
	uint8_t *buf;
	size_t len = encode_state(&buf, 2);
	(void)state;

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct wire_msg m;
		char why[256];
		memcpy(copy, buf, cut);
		if (cut >= 16) {   /* make the length field agree, so the body is parsed */
			copy[12] = (uint8_t)cut;
			copy[13] = (uint8_t)(cut >> 8);
		}
		assert_int_equal(wire_decode(copy, cut, 2, &m, why, sizeof(why)), -1);
		free(copy);
	}
	free(buf);
}

static void body_checks(void **state)
{
	struct wire_msg m = { .hdr = { .type = MSG_RESULT, .nodeid = 1 } };
	uint8_t *buf;
	size_t len;
	(void)state;

	m.u.result = (struct wire_result){ .resource = "web", .op = WIRE_OP_STOP, .ok = 1 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	buf[len - 3] = 9;   /* op */
	expect_reject(buf, len, 1, "out of range");
	free(buf);

	m.u.result = (struct wire_result){ .resource = "w\teb", .op = WIRE_OP_STOP, .ok = 1 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	expect_reject(buf, len, 1, "control character");
	free(buf);
}

/* FAILED: an owner's monitor report (version 4) */
static void failure_reports(void **state)
{
	struct wire_msg m = { .hdr = { .type = MSG_FAILED, .nodeid = 2, .epoch = 5 } }, d;
	struct wire_entry e = { .name = "web", .owner = 2, .phase = PHASE_RUNNING, .epoch = 7,
				.flags = WIRE_ENTRY_RESTART };
	struct wire_msg st = { .hdr = { .type = MSG_STATE, .nodeid = 2 } };
	uint8_t *buf;
	char why[256];
	size_t len;
	(void)state;

	m.u.failure = (struct wire_failure){ .resource = "web", .kind = FAIL_STORAGE,
					     .at_ms = 1800000000123ull,
					     .reason = "drbd: disk Diskless" };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_string_equal(wire_type_name(d.hdr.type), "FAILED");
	assert_int_equal(d.hdr.epoch, 5);
	assert_string_equal(d.u.failure.resource, "web");
	assert_int_equal(d.u.failure.kind, FAIL_STORAGE);
	assert_true(d.u.failure.at_ms == 1800000000123ull);
	assert_string_equal(d.u.failure.reason, "drbd: disk Diskless");
	assert_int_equal(d.u.failure.flags, 0);
	/* the sender is checked like every message's */
	expect_reject(buf, len, 3, "claims nodeid 2");
	free(buf);
	/* version 5: the reporter's word that a dump can still be written */
	m.u.failure.flags = WIRE_FAIL_LIVE;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(buf[len - 1], WIRE_FAIL_LIVE);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.failure.flags, WIRE_FAIL_LIVE);
	buf[len - 1] = 0x2;
	expect_reject(buf, len, 2, "unknown failure flags");
	free(buf);
	m.u.failure.flags = 0;

	m.u.failure.kind = 3;
	expect_encoded_rejected(&m, "failure kind out of range");
	m.u.failure.kind = FAIL_WORKLOAD;
	m.hdr.epoch = 0;
	expect_encoded_rejected(&m, "needs its epoch");
	m.hdr.epoch = 5;
	m.u.failure.resource[0] = '\0';
	expect_encoded_rejected(&m, "empty resource name");
	snprintf(m.u.failure.resource, sizeof(m.u.failure.resource), "web");
	snprintf(m.u.failure.reason, sizeof(m.u.failure.reason), "a\nb");
	expect_encoded_rejected(&m, "control character");

	/* a restart is a STOPPING's and nothing else's */
	st.u.state = (struct wire_state){ .proto_min = 4, .proto_max = 4, .entries = &e,
					  .n_entries = 1 };
	expect_encoded_rejected(&st, "a restart flag outside STOPPING");
	e.phase = PHASE_STOPPING;
	expect_first_entry_flags(&st, WIRE_ENTRY_RESTART);
	/* a cold relocation is a STOPPING's with its target, and not a
	 * restart at once (version 5) */
	e.flags = WIRE_ENTRY_RELOCATE;
	expect_encoded_rejected(&st, "a relocation flag outside STOPPING, or without its target");
	e.target = 3;
	len = wire_encode(&st, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.state.entries[0].flags, WIRE_ENTRY_RELOCATE);
	assert_int_equal(d.u.state.entries[0].target, 3);
	wire_free(&d);
	free(buf);
	e.flags = WIRE_ENTRY_RELOCATE | WIRE_ENTRY_RESTART;
	expect_encoded_rejected(&st, "a relocation flag outside STOPPING, or without its target");
	e.phase = PHASE_RUNNING;
	e.flags = WIRE_ENTRY_RELOCATE;
	expect_encoded_rejected(&st, "a relocation flag outside STOPPING, or without its target");
	e.flags = 0x20;
	expect_encoded_rejected(&st, "unknown entry flags");
}

/* Version 5: MAINTENANCE, a STATE entry's maintenance and the cluster's
 * and nodes' maintenance records (rules 33-35). */
static void maintenance_state_and_request(void **state)
{
	struct wire_standby mt[2] = { { 0, 1, 3 }, { 2, 0, 9 } };
	struct wire_entry e = { .name = "web", .last_error = "", .phase = PHASE_RUNNING,
				.flags = WIRE_ENTRY_MAINT, .maint_gen = 7 };
	struct wire_msg m = { .hdr = { .type = MSG_STATE, .nodeid = 2 } }, d;
	char why[256];
	uint8_t *buf;
	size_t len;
	(void)state;

	m.u.state.entries = &e;
	m.u.state.n_entries = 1;
	m.u.state.maint = mt;
	m.u.state.n_maint = 2;
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_true(len > 0);
	assert_int_equal(wire_decode(buf, len, 2, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.state.entries[0].flags, WIRE_ENTRY_MAINT);
	assert_int_equal(d.u.state.entries[0].maint_gen, 7);
	assert_int_equal(d.u.state.n_maint, 2);
	assert_int_equal(d.u.state.maint[0].node, 0);      /* the whole cluster */
	assert_int_equal(d.u.state.maint[0].gen, 3);
	assert_true(d.u.state.maint[1].node == 2 && !d.u.state.maint[1].on);
	wire_free(&d);
	assert_null(d.u.state.maint);
	/* the records end the message: 2 of 13 bytes, after n_maint */
	buf[len - 13 + 4] = 2;                             /* on */
	expect_reject(buf, len, 2, "maintenance record out of range");
	buf[len - 13 + 4] = 0;
	memset(buf + len - 13, 0, 4);                      /* the cluster twice */
	expect_reject(buf, len, 2, "maintenance record of a node twice");
	buf[len - 2 * 13 - 1] = WIRE_MAINT_MAX + 1;
	expect_reject(buf, len, 2, "maintenance count out of range");
	free(buf);
	e.maint_gen = 0;                   /* on, but never decided */
	expect_encoded_rejected(&m, "maintenance without its generation");
	e.maint_gen = 7;
	e.flags = WIRE_ENTRY_MAINT | WIRE_ENTRY_ADOPT;
	expect_encoded_rejected(&m, "an adoption of a resource still in maintenance");
	e.flags = WIRE_ENTRY_ADOPT;
	expect_first_entry_flags(&m, WIRE_ENTRY_ADOPT);

	/* the request names exactly what its scope says */
	m = (struct wire_msg){ .hdr = { .type = MSG_MAINTENANCE, .nodeid = 3 } };
	m.u.req = (struct wire_request){ .req_id = 0x01020304, .scope = MAINT_RESOURCE, .on = 1,
					 .resource = "web" };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(len, WIRE_HEADER_LEN + 4 + 1 + 1 + 4 + 2 + 3);
	assert_int_equal(buf[WIRE_HEADER_LEN], 0x04);      /* little-endian req_id */
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.req.scope, MAINT_RESOURCE);
	assert_int_equal(d.u.req.on, 1);
	assert_string_equal(d.u.req.resource, "web");
	assert_string_equal(wire_type_name(MSG_MAINTENANCE), "MAINTENANCE");
	buf[WIRE_HEADER_LEN + 5] = 2;                      /* on */
	expect_reject(buf, len, 3, "maintenance scope, on, node or resource out of range");
	buf[WIRE_HEADER_LEN + 5] = 1;
	buf[WIRE_HEADER_LEN + 4] = 4;                      /* scope */
	expect_reject(buf, len, 3, "maintenance scope, on, node or resource out of range");
	buf[WIRE_HEADER_LEN + 4] = MAINT_CLUSTER;          /* ... with a resource */
	expect_reject(buf, len, 3, "maintenance scope, on, node or resource out of range");
	free(buf);
	m.u.req = (struct wire_request){ .scope = MAINT_NODE, .node = 2 };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.req.node, 2);
	memset(buf + WIRE_HEADER_LEN + 6, 0, 4);           /* a node scope without a node */
	expect_reject(buf, len, 3, "maintenance scope, on, node or resource out of range");
	free(buf);
	m.u.req = (struct wire_request){ .scope = MAINT_CLUSTER };
	len = wire_encode(&m, WIRE_VERSION_MAX, &buf);
	assert_int_equal(wire_decode(buf, len, 3, &d, why, sizeof(why)), 0);
	assert_int_equal(d.u.req.scope, MAINT_CLUSTER);
	free(buf);
}

static void huge_counts_do_not_allocate(void **state)
{
	uint8_t *buf;
	size_t len = encode_state(&buf, 2);
	(void)state;

	/* n_entries sits right after the fixed STATE fields (and the timings) */
	buf[WIRE_HEADER_LEN + 52] = 0xff;
	buf[WIRE_HEADER_LEN + 53] = 0xff;
	expect_reject(buf, len, 2, "entry count larger than the message");
	free(buf);
}

/* STATE entry:  str name, u32 owner, u8 phase, u64 epoch, u32 target,
 * str last_error, u8 flags, u64 dump_epoch, u8 dump_id[16], u8 n_lost,
 * lost[]: the offset of the first entry's flags in encode_state()'s
 * message (the entries begin after the fixed fields, the timings and
 * n_entries) */
#define FIRST_ENTRY (WIRE_HEADER_LEN + 54)
#define FIRST_FLAGS (FIRST_ENTRY + 2 + 3 + 4 + 1 + 8 + 4 + 2)

static void dump_identity_checks(void **state)
{
	struct wire_msg r = { .hdr = { .type = MSG_PREPARED, .nodeid = 3, .epoch = 5 } };
	uint8_t *buf;
	size_t len;
	(void)state;

	/* a ready target must name the migration, a refusal names none */
	r.u.report = (struct wire_report){ .resource = "vm1", .ok = 1 };
	len = wire_encode(&r, WIRE_VERSION_MAX, &buf);
	expect_reject(buf, len, 3, "migration id exactly when it is ok");
	free(buf);
	r.u.report.ok = 0;
	r.u.report.id[3] = 1;
	len = wire_encode(&r, WIRE_VERSION_MAX, &buf);
	expect_reject(buf, len, 3, "migration id exactly when it is ok");
	free(buf);
	/* a PREPARED cut inside its id */
	r.u.report.ok = 1;
	len = wire_encode(&r, WIRE_VERSION_MAX, &buf);
	buf[12] = (uint8_t)(len - 5);
	expect_reject(buf, len - 5, 3, "truncated");
	free(buf);

	len = encode_state(&buf, 2);
	assert_int_equal(buf[FIRST_FLAGS], WIRE_ENTRY_FRESH);
	buf[FIRST_FLAGS] = 0x80;
	expect_reject(buf, len, 2, "unknown entry flags");
	buf[FIRST_FLAGS] = WIRE_ENTRY_FRESH;
	/* a dump epoch without an id (or an id without its epoch) names no dump */
	memset(buf + FIRST_FLAGS + 9, 0, WIRE_ID_LEN);
	expect_reject(buf, len, 2, "both its epoch and its id");
	buf[FIRST_FLAGS + 9] = 1;
	memset(buf + FIRST_FLAGS + 1, 0, 8);
	expect_reject(buf, len, 2, "both its epoch and its id");
	free(buf);
}

static void id_text(void **state)
{
	uint8_t id[WIRE_ID_LEN] = { 0x00, 0x1f, 0xa0, [15] = 0xff }, back[WIRE_ID_LEN];
	char hex[2 * WIRE_ID_LEN + 1];
	(void)state;

	wire_id_hex(id, hex);
	assert_string_equal(hex, "001fa0000000000000000000000000ff");
	assert_int_equal(wire_id_parse(hex, back), 0);
	assert_memory_equal(id, back, WIRE_ID_LEN);
	assert_int_equal(wire_id_parse("001fa0000000000000000000000000f", back), -1);
	assert_int_equal(wire_id_parse("001fa0000000000000000000000000ff0", back), -1);
	assert_int_equal(wire_id_parse("001FA0000000000000000000000000ff", back), -1);
	assert_int_equal(wire_id_parse("", back), -1);
	assert_false(wire_id_is_zero(id));
	memset(id, 0, sizeof(id));
	assert_true(wire_id_is_zero(id));
}

static void encode_refuses_oversized_fields(void **state)
{
	struct wire_msg m = { .hdr = { .type = MSG_RESULT, .nodeid = 1 } };
	uint8_t *buf;
	(void)state;

	memset(m.u.result.error, 'x', WIRE_STR_MAX);
	m.u.result.error[WIRE_STR_MAX] = '\0';
	snprintf(m.u.result.resource, sizeof(m.u.result.resource), "web");
	m.u.result.op = WIRE_OP_START;
	assert_true(wire_encode(&m, WIRE_VERSION_MAX, &buf) > 0);
	free(buf);
	m.hdr.type = 99;
	assert_int_equal(wire_encode(&m, WIRE_VERSION_MAX, &buf), 0);
	assert_null(buf);
}

static void random_bytes_never_crash(void **state)
{
	uint8_t buf[512];
	unsigned seed = 12345;
	int accepted = 0;
	(void)state;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));
		struct wire_msg m;
		char why[256];
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		if (len >= 16 && (i & 1)) {   /* half with a valid-looking header */
			buf[0] = 0x48; buf[1] = 0x44; buf[2] = 0x4f; buf[3] = 0x46;
			buf[4] = 2; buf[5] = 0; buf[6] = (uint8_t)(1 + i % 5); buf[7] = 0;
			buf[8] = 1; buf[9] = buf[10] = buf[11] = 0;
			buf[12] = (uint8_t)len; buf[13] = (uint8_t)(len >> 8); buf[14] = buf[15] = 0;
		}
		if (wire_decode(buf, len, 1, &m, why, sizeof(why)) == 0) {
			accepted++;
			wire_free(&m);
		}
	}
	/* noise is almost never a valid message */
	assert_true(accepted < 100);
}

static void names_and_negotiation(void **state)
{
	const uint16_t same[][2] = { { 1, 1 }, { 1, 1 } };
	const uint16_t upgrade[][2] = { { 1, 2 }, { 1, 1 }, { 1, 3 } };
	const uint16_t disjoint[][2] = { { 1, 1 }, { 2, 3 } };
	(void)state;

	assert_string_equal(wire_type_name(MSG_STATE), "STATE");
	assert_string_equal(wire_type_name(MSG_RESULT), "RESULT");
	assert_string_equal(wire_type_name(0), "UNKNOWN");
	assert_string_equal(phase_name(PHASE_STOPPING), "STOPPING");
	assert_string_equal(phase_name(200), "UNKNOWN");
	assert_int_equal(wire_negotiate(same, 2), 1);
	assert_int_equal(wire_negotiate(upgrade, 3), 1);
	assert_int_equal(wire_negotiate(upgrade, 1), 2);
	assert_int_equal(wire_negotiate(disjoint, 2), 0);
	assert_int_equal(wire_negotiate(disjoint, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_roundtrip),
		cmocka_unit_test(requests_and_results_roundtrip),
		cmocka_unit_test(migration_messages),
		cmocka_unit_test(fencing_fields),
		cmocka_unit_test(identity_messages),
		cmocka_unit_test(admin_state),
		cmocka_unit_test(maintenance_state_and_request),
		cmocka_unit_test(header_checks),
		cmocka_unit_test(every_truncation_fails_cleanly),
		cmocka_unit_test(body_checks),
		cmocka_unit_test(failure_reports),
		cmocka_unit_test(huge_counts_do_not_allocate),
		cmocka_unit_test(dump_identity_checks),
		cmocka_unit_test(id_text),
		cmocka_unit_test(encode_refuses_oversized_fields),
		cmocka_unit_test(random_bytes_never_crash),
		cmocka_unit_test(names_and_negotiation),
	};
	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
