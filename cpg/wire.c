#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ------------------------------------------------------------ */

struct writer {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

static void put(struct writer *w, const void *data, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n > WIRE_MAX_MSG) {
		w->failed = true;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		uint8_t *b;
		while (cap < w->len + n)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->failed = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
}

static void put_u8(struct writer *w, uint8_t v) { put(w, &v, 1); }

static void put_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { v & 0xff, v >> 8 };
	put(w, b, 2);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
	put(w, b, 4);
}

static void put_u64(struct writer *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(struct writer *w, const char *s, size_t max)
{
	size_t n;

	if (!s)          /* a STATE's string that was never set */
		s = "";
	n = strlen(s);

	if (n > max) {
		w->failed = true;
		return;
	}
	put_u16(w, (uint16_t)n);
	put(w, s, n);
}

/* ---- reader: every get fails softly, the first failure sticks ----------- */

struct reader {
	const uint8_t *p;
	size_t left;
	const char *error;
};

static bool take(struct reader *r, size_t n, const char *what)
{
	if (r->error)
		return false;
	if (r->left < n) {
		r->error = what;
		return false;
	}
	return true;
}

static uint8_t get_u8(struct reader *r)
{
	uint8_t v;
	if (!take(r, 1, "truncated"))
		return 0;
	v = r->p[0];
	r->p++; r->left--;
	return v;
}

static uint16_t get_u16(struct reader *r)
{
	uint16_t v;
	if (!take(r, 2, "truncated"))
		return 0;
	v = (uint16_t)(r->p[0] | r->p[1] << 8);
	r->p += 2; r->left -= 2;
	return v;
}

static uint32_t get_u32(struct reader *r)
{
	uint32_t v;
	if (!take(r, 4, "truncated"))
		return 0;
	v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 |
	    (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
	r->p += 4; r->left -= 4;
	return v;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t lo = get_u32(r);
	uint64_t hi = get_u32(r);
	return lo | hi << 32;
}

static void get_str(struct reader *r, char *dst, size_t max)
{
	uint16_t n = get_u16(r);

	dst[0] = '\0';
	if (r->error)
		return;
	if (n > max) {
		r->error = "string too long";
		return;
	}
	if (!take(r, n, "truncated string"))
		return;
	for (size_t i = 0; i < n; i++) {
		if (r->p[i] < 0x20 || r->p[i] == 0x7f) {
			r->error = "control character in a string";
			return;
		}
	}
	memcpy(dst, r->p, n);
	dst[n] = '\0';
	r->p += n; r->left -= n;
}

static void get_bytes(struct reader *r, uint8_t *dst, size_t n)
{
	memset(dst, 0, n);
	if (!take(r, n, "truncated"))
		return;
	memcpy(dst, r->p, n);
	r->p += n; r->left -= n;
}

/* A string of a STATE, copied to *AT (room checked by the caller: the
 * block is as large as the message); returns where it starts, "" after an
 * error. */
static const char *get_str_at(struct reader *r, char **at, size_t max)
{
	char *dst = *at;

	get_str(r, dst, max);
	if (r->error)
		return "";
	*at += strlen(dst) + 1;
	return dst;
}

/* ---- names ------------------------------------------------------------- */

const char *wire_type_name(unsigned type)
{
	static const char *names[MSG__MAX] = {
		[MSG_STATE] = "STATE", [MSG_START] = "START", [MSG_STOP] = "STOP",
		[MSG_CLEANUP] = "CLEANUP", [MSG_RESULT] = "RESULT",
		[MSG_MIGRATE] = "MIGRATE", [MSG_PREPARED] = "PREPARED",
		[MSG_RELEASED] = "RELEASED", [MSG_STARTED] = "STARTED",
		[MSG_ABORT] = "ABORT", [MSG_HANDBACK] = "HANDBACK", [MSG_STANDBY] = "STANDBY",
		[MSG_FENCE_CONFIRM] = "FENCE_CONFIRM", [MSG_HELLO] = "HELLO",
		[MSG_FOREIGN] = "FOREIGN", [MSG_FAILED] = "FAILED",
		[MSG_MAINTENANCE] = "MAINTENANCE",
	};
	return type < MSG__MAX && names[type] ? names[type] : "UNKNOWN";
}

const char *phase_name(unsigned phase)
{
	static const char *names[PHASE__MAX] = {
		[PHASE_STOPPED] = "STOPPED", [PHASE_STARTING] = "STARTING",
		[PHASE_RUNNING] = "RUNNING", [PHASE_STOPPING] = "STOPPING",
		[PHASE_FAILED] = "FAILED", [PHASE_PREPARING] = "PREPARING",
		[PHASE_RELEASING] = "RELEASING", [PHASE_RESTORING] = "RESTORING",
		[PHASE_HANDING_BACK] = "HANDING_BACK",
		[PHASE_FAILING_OVER] = "FAILING_OVER",
	};
	return phase < PHASE__MAX ? names[phase] : "UNKNOWN";
}

/* ---- encode ------------------------------------------------------------ */

/* Standby or maintenance records: a u8 count, then each. */
static void put_flags(struct writer *w, const struct wire_standby *v, size_t n)
{
	put_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++) {
		put_u32(w, v[i].node);
		put_u8(w, v[i].on);
		put_u64(w, v[i].gen);
	}
}

static void encode_state(struct writer *w, const struct wire_state *s)
{
	put_u16(w, s->proto_min);
	put_u16(w, s->proto_max);
	put_u64(w, s->config_digest);
	put_u32(w, s->flags);
	put_u32(w, s->quorate_ring_nodeid);
	put_u64(w, s->table_gen);
	put_u32(w, s->self_fence_timeout_ms);
	put_u32(w, s->fence_delay_ms);
	put_u32(w, s->watchdog_ms);
	put_u32(w, s->detect_ms);
	put_u64(w, s->clock_ms);
	if (s->n_entries > UINT16_MAX || s->n_facts > UINT16_MAX) {
		w->failed = true;
		return;
	}
	put_u16(w, (uint16_t)s->n_entries);
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct wire_entry *e = &s->entries[i];
		put_str(w, e->name, WIRE_NAME_MAX);
		put_u32(w, e->owner);
		put_u8(w, e->phase);
		put_u64(w, e->epoch);
		put_u32(w, e->target);
		put_str(w, e->last_error, WIRE_STR_MAX);
		put_u8(w, e->flags);
		put_u64(w, e->dump_epoch);
		put(w, e->dump_id, WIRE_ID_LEN);
		if (e->n_lost > WIRE_LOST_MAX || e->lost_first + (size_t)e->n_lost > s->n_lost) {
			w->failed = true;
			return;
		}
		put_u8(w, e->n_lost);
		for (size_t k = 0; k < e->n_lost; k++) {
			put_u32(w, s->lost[e->lost_first + k].node);
			put_u8(w, s->lost[e->lost_first + k].fence);
		}
		for (int k = 0; k < WIRE_TIMES; k++)
			put_u32(w, e->ms[k]);
		put_u16(w, e->fail_count);
		put_u64(w, e->last_fail_ms);
		put_str(w, e->last_fail ? e->last_fail : "", WIRE_STR_MAX);
		put_u16(w, e->reloc_count);
		put_u64(w, e->maint_gen);
	}
	put_u16(w, (uint16_t)s->n_facts);
	for (size_t i = 0; i < s->n_facts; i++) {
		const struct wire_fact *f = &s->facts[i];
		put_str(w, f->name, WIRE_NAME_MAX);
		put_u8(w, f->role);
		put_u8(w, f->disk);
		put_u8(w, f->mounted);
		put_u8(w, f->running);
		put_u8(w, f->connection);
	}
	if (s->n_members > WIRE_MEMBERS_MAX) {
		w->failed = true;
		return;
	}
	put_u8(w, (uint8_t)s->n_members);
	for (size_t i = 0; i < s->n_members; i++) {
		put_u32(w, s->members[i].nodeid);
		put_u32(w, s->members[i].pid);
		put_u8(w, s->members[i].status);
	}
	if (s->n_standby > WIRE_STANDBY_MAX || s->n_history > WIRE_HISTORY_MAX ||
	    s->n_maint > WIRE_MAINT_MAX) {
		w->failed = true;
		return;
	}
	put_flags(w, s->standby, s->n_standby);
	put_u8(w, (uint8_t)s->n_history);
	for (size_t i = 0; i < s->n_history; i++) {
		const struct wire_hist *h = &s->history[i];
		put_u64(w, h->seq);
		put_u8(w, h->kind);
		put_str(w, h->resource, WIRE_NAME_MAX);
		put_u64(w, h->epoch);
		put_u32(w, h->source);
		put_u32(w, h->target);
		put_u8(w, h->ok);
		put_str(w, h->result, WIRE_STR_MAX);
		for (int k = 0; k < WIRE_TIMES; k++)
			put_u32(w, h->ms[k]);
	}
	put_flags(w, s->maint, s->n_maint);
}

size_t wire_encode(const struct wire_msg *msg, uint16_t version, uint8_t **out)
{
	struct writer w = { 0 };

	*out = NULL;
	put_u32(&w, WIRE_MAGIC);
	put_u16(&w, version);
	put_u16(&w, msg->hdr.type);
	put_u32(&w, msg->hdr.nodeid);
	put_u32(&w, 0);                  /* length, patched below */
	put_u64(&w, msg->hdr.epoch);
	switch (msg->hdr.type) {
	case MSG_STATE:
		encode_state(&w, &msg->u.state);
		break;
	case MSG_START:
	case MSG_STOP:
	case MSG_CLEANUP:
	case MSG_MIGRATE:
		put_u32(&w, msg->u.req.req_id);
		put_str(&w, msg->u.req.resource, WIRE_NAME_MAX);
		if (msg->hdr.type == MSG_START || msg->hdr.type == MSG_MIGRATE)
			put_u32(&w, msg->u.req.node);
		break;
	case MSG_STANDBY:
		put_u32(&w, msg->u.req.req_id);
		put_u32(&w, msg->u.req.node);
		put_u8(&w, msg->u.req.on);
		put_u16(&w, msg->u.req.parallel);
		break;
	case MSG_FENCE_CONFIRM:
		put_u32(&w, msg->u.req.req_id);
		put_u32(&w, msg->u.req.node);
		break;
	case MSG_MAINTENANCE:
		put_u32(&w, msg->u.req.req_id);
		put_u8(&w, msg->u.req.scope);
		put_u8(&w, msg->u.req.on);
		put_u32(&w, msg->u.req.node);
		put_str(&w, msg->u.req.resource, WIRE_NAME_MAX);
		break;
	case MSG_HELLO:
		break;
	case MSG_FOREIGN:
		if (msg->u.foreign.n == 0 || msg->u.foreign.n > WIRE_MEMBERS_MAX) {
			w.failed = true;
			break;
		}
		put_u8(&w, (uint8_t)msg->u.foreign.n);
		for (size_t i = 0; i < msg->u.foreign.n; i++) {
			put_u32(&w, msg->u.foreign.m[i].nodeid);
			put_u32(&w, msg->u.foreign.m[i].pid);
		}
		break;
	case MSG_PREPARED: case MSG_RELEASED: case MSG_STARTED: case MSG_ABORT:
	case MSG_HANDBACK:
		put_str(&w, msg->u.report.resource, WIRE_NAME_MAX);
		put_u8(&w, msg->u.report.ok);
		put_str(&w, msg->u.report.error, WIRE_STR_MAX);
		for (int i = 0; i < WIRE_TIMES; i++)
			put_u32(&w, msg->u.report.ms[i]);
		if (msg->hdr.type == MSG_PREPARED)
			put(&w, msg->u.report.id, WIRE_ID_LEN);
		break;
	case MSG_FAILED:
		put_str(&w, msg->u.failure.resource, WIRE_NAME_MAX);
		put_u8(&w, msg->u.failure.kind);
		put_u64(&w, msg->u.failure.at_ms);
		put_str(&w, msg->u.failure.reason, WIRE_STR_MAX);
		put_u8(&w, msg->u.failure.flags);
		break;
	case MSG_RESULT:
		put_str(&w, msg->u.result.resource, WIRE_NAME_MAX);
		put_u8(&w, msg->u.result.op);
		put_u8(&w, msg->u.result.ok);
		put_str(&w, msg->u.result.error, WIRE_STR_MAX);
		break;
	default:
		w.failed = true;
	}
	if (w.failed) {
		free(w.buf);
		return 0;
	}
	w.buf[12] = w.len & 0xff;
	w.buf[13] = (w.len >> 8) & 0xff;
	w.buf[14] = (w.len >> 16) & 0xff;
	w.buf[15] = (uint8_t)(w.len >> 24);
	*out = w.buf;
	return w.len;
}

/* ---- decode ------------------------------------------------------------ */

/* An entry's lost owners, appended to S->lost (grown as needed: the
 * entry keeps an index, not a pointer). */
static void decode_lost(struct reader *r, struct wire_state *s, struct wire_entry *e)
{
	uint8_t n = get_u8(r);

	if (r->error)
		return;
	if (n > WIRE_LOST_MAX) {
		r->error = "too many lost owners";
		return;
	}
	if ((size_t)n * 5 > r->left) {
		r->error = "truncated";
		return;
	}
	if (n) {
		struct wire_lost *l = realloc(s->lost, (s->n_lost + n) * sizeof(*l));
		if (!l) {
			r->error = "out of memory";
			return;
		}
		s->lost = l;
	}
	e->lost_first = (uint32_t)s->n_lost;
	e->n_lost = n;
	for (size_t k = 0; k < n; k++) {
		struct wire_lost *l = &s->lost[s->n_lost++];
		l->node = get_u32(r);
		l->fence = get_u8(r);
		if (!r->error && (l->node == 0 || l->fence > LOST_CONFIRMED))
			r->error = "lost owner out of range";
	}
}

/* A u8 count of records of at least MIN_BYTES each, at most MAX, and room
 * for them (calloc'd, SIZE bytes each; NULL for none or after an error). */
static void *get_records(struct reader *r, size_t *n, size_t max, size_t min_bytes,
			 size_t size, const char *what)
{
	void *v = NULL;

	*n = get_u8(r);
	if (r->error)
		return NULL;
	if (*n > max || *n * min_bytes > r->left)
		r->error = what;
	else if (*n && !(v = calloc(*n, size)))
		r->error = "out of memory";
	return v;
}

/* Standby (or maintenance) records into *V, *N: each node once, gen > 0;
 * node 0 (the whole cluster) only where CLUSTER allows it. */
static void get_flags(struct reader *r, struct wire_standby **v, size_t *nv, size_t max,
		      bool cluster, const char *what)
{
	size_t n;

	*v = get_records(r, &n, max, 13, sizeof(**v), what);
	for (size_t i = 0; i < n && !r->error; i++) {
		struct wire_standby *b = &(*v)[(*nv)++];
		b->node = get_u32(r);
		b->on = get_u8(r);
		b->gen = get_u64(r);
		if (!r->error && ((b->node == 0 && !cluster) || b->on > 1 || b->gen == 0))
			r->error = "standby or maintenance record out of range";
		for (size_t k = 0; k < i && !r->error; k++)
			if ((*v)[k].node == b->node)
				r->error = "standby or maintenance record of a node twice";
	}
}

/* Version 4: the standby records and the history (strings at AT);
 * version 5: the maintenance records. */
static void decode_admin(struct reader *r, struct wire_state *s, char *at)
{
	size_t n;

	get_flags(r, &s->standby, &s->n_standby, WIRE_STANDBY_MAX, false,
		  "standby count out of range");
	if (r->error)
		return;
	/* each entry needs at least 8+1+2+8+4+4+1+2 + 4 * WIRE_TIMES bytes */
	s->history = get_records(r, &n, WIRE_HISTORY_MAX, 30 + 4 * WIRE_TIMES,
				 sizeof(*s->history), "history count out of range");
	if (r->error)
		return;
	for (size_t i = 0; i < n && !r->error; i++) {
		struct wire_hist *h = &s->history[s->n_history++];
		h->seq = get_u64(r);
		h->kind = get_u8(r);
		h->resource = get_str_at(r, &at, WIRE_NAME_MAX);
		h->epoch = get_u64(r);
		h->source = get_u32(r);
		h->target = get_u32(r);
		h->ok = get_u8(r);
		h->result = get_str_at(r, &at, WIRE_STR_MAX);
		for (int k = 0; k < WIRE_TIMES; k++)
			h->ms[k] = get_u32(r);
		if (!r->error && (h->seq == 0 || h->kind == 0 || h->ok > 1))
			r->error = "history entry out of range";
	}
	if (!r->error)
		get_flags(r, &s->maint, &s->n_maint, WIRE_MAINT_MAX, true,
			  "maintenance count out of range");
}

static void decode_state(struct reader *r, struct wire_state *s)
{
	char *at;

	s->proto_min = get_u16(r);
	s->proto_max = get_u16(r);
	s->config_digest = get_u64(r);
	s->flags = get_u32(r);
	s->quorate_ring_nodeid = get_u32(r);
	s->table_gen = get_u64(r);
	s->self_fence_timeout_ms = get_u32(r);
	s->fence_delay_ms = get_u32(r);
	s->watchdog_ms = get_u32(r);
	s->detect_ms = get_u32(r);
	s->clock_ms = get_u64(r);
	s->n_entries = get_u16(r);
	if (r->error)
		return;
	/* others add these up to a deadline (rsm_fence.c, fence_peer.c): a
	 * value no configuration allows could wrap it into a short one */
	if (s->self_fence_timeout_ms > WIRE_TIMING_MAX_MS || s->fence_delay_ms > WIRE_TIMING_MAX_MS ||
	    s->watchdog_ms > WIRE_TIMING_MAX_MS || s->detect_ms > WIRE_TIMING_MAX_MS) {
		r->error = "timing out of range";
		return;
	}
	/* each entry needs at least 2+4+1+8+4+2 + 1+8+16 + 1 + 4 * WIRE_TIMES
	 * + 2+8+2 + 2+8 bytes: refuse counts the message cannot hold before
	 * allocating for them */
	if (s->n_entries * (69 + 4 * WIRE_TIMES) > r->left) {
		r->error = "entry count larger than the message";
		s->n_entries = 0;
		return;
	}
	/* every string that follows takes its bytes and a NUL in place of
	 * its two length bytes: what is left of the message holds them all */
	s->strings = malloc(r->left + 1);
	if (!s->strings) {
		r->error = "out of memory";
		s->n_entries = 0;
		return;
	}
	at = s->strings;
	if (s->n_entries) {
		s->entries = calloc(s->n_entries, sizeof(*s->entries));
		if (!s->entries) {
			r->error = "out of memory";
			s->n_entries = 0;
			return;
		}
	}
	for (size_t i = 0; i < s->n_entries; i++) {
		struct wire_entry *e = &s->entries[i];
		e->name = get_str_at(r, &at, WIRE_NAME_MAX);
		e->owner = get_u32(r);
		e->phase = get_u8(r);
		e->epoch = get_u64(r);
		e->target = get_u32(r);
		e->last_error = get_str_at(r, &at, WIRE_STR_MAX);
		e->flags = get_u8(r);
		e->dump_epoch = get_u64(r);
		get_bytes(r, e->dump_id, WIRE_ID_LEN);
		if (!r->error && (e->flags & ~WIRE_ENTRY_FLAGS))
			r->error = "unknown entry flags";
		if (!r->error && (e->dump_epoch == 0) != wire_id_is_zero(e->dump_id))
			r->error = "a dump needs both its epoch and its id";
		decode_lost(r, s, e);
		for (int k = 0; k < WIRE_TIMES; k++)
			e->ms[k] = get_u32(r);
		e->fail_count = get_u16(r);
		e->last_fail_ms = get_u64(r);
		e->last_fail = get_str_at(r, &at, WIRE_STR_MAX);
		e->reloc_count = get_u16(r);
		e->maint_gen = get_u64(r);
		if (!r->error && (e->flags & WIRE_ENTRY_MAINT) && e->maint_gen == 0)
			r->error = "maintenance without its generation";
		if (!r->error && (e->flags & WIRE_ENTRY_MAINT) && (e->flags & WIRE_ENTRY_ADOPT))
			r->error = "an adoption of a resource still in maintenance";
		if (!r->error && e->phase >= PHASE__MAX)
			r->error = "unknown phase";
		if (!r->error && (e->flags & WIRE_ENTRY_RESTART) && e->phase != PHASE_STOPPING)
			r->error = "a restart flag outside STOPPING";
		if (!r->error && (e->flags & WIRE_ENTRY_RELOCATE) &&
		    (e->phase != PHASE_STOPPING || e->target == 0 ||
		     (e->flags & WIRE_ENTRY_RESTART)))
			r->error = "a relocation flag outside STOPPING, or without its target";
		if (!r->error && e->name[0] == '\0')
			r->error = "empty resource name";
	}
	s->n_facts = get_u16(r);
	if (r->error)
		return;
	if (s->n_facts * 7 > r->left) {
		r->error = "fact count larger than the message";
		s->n_facts = 0;
		return;
	}
	if (s->n_facts) {
		s->facts = calloc(s->n_facts, sizeof(*s->facts));
		if (!s->facts) {
			r->error = "out of memory";
			s->n_facts = 0;
			return;
		}
	}
	for (size_t i = 0; i < s->n_facts; i++) {
		struct wire_fact *f = &s->facts[i];
		f->name = get_str_at(r, &at, WIRE_NAME_MAX);
		f->role = get_u8(r);
		f->disk = get_u8(r);
		f->mounted = get_u8(r);
		f->running = get_u8(r);
		f->connection = get_u8(r);
		if (!r->error && (f->role > ROLE_PRIMARY || f->mounted > 1 || f->running > 1 ||
				  f->connection > CONN_DISCONNECTED))
			r->error = "fact out of range";
	}
	if (!r->error && s->proto_min > s->proto_max)
		r->error = "protocol range min > max";
	s->n_members = get_u8(r);
	if (!r->error && s->n_members > WIRE_MEMBERS_MAX) {
		r->error = "too many members";
		s->n_members = 0;
		return;
	}
	for (size_t i = 0; i < s->n_members && !r->error; i++) {
		s->members[i].nodeid = get_u32(r);
		s->members[i].pid = get_u32(r);
		s->members[i].status = get_u8(r);
		if (!r->error && (s->members[i].nodeid == 0 || s->members[i].status > MEMBER_FOREIGN))
			r->error = "member out of range";
	}
	decode_admin(r, s, at);
}

int wire_decode(const uint8_t *buf, size_t len, uint32_t sender,
		struct wire_msg *msg, char *why, size_t why_len)
{
	struct reader r = { .p = buf, .left = len };
	uint32_t magic;

	memset(msg, 0, sizeof(*msg));
	magic = get_u32(&r);
	msg->hdr.version = get_u16(&r);
	msg->hdr.type = get_u16(&r);
	msg->hdr.nodeid = get_u32(&r);
	msg->hdr.length = get_u32(&r);
	msg->hdr.epoch = get_u64(&r);
	if (r.error) {
		snprintf(why, why_len, "%zu bytes: shorter than a header", len);
		return -1;
	}
	if (magic != WIRE_MAGIC) {
		snprintf(why, why_len, "bad magic 0x%08x (not a handoff message)", magic);
		return -1;
	}
	if (msg->hdr.version < WIRE_VERSION_MIN || msg->hdr.version > WIRE_VERSION_MAX) {
		snprintf(why, why_len, "protocol version %u, we speak %u..%u",
			 msg->hdr.version, WIRE_VERSION_MIN, WIRE_VERSION_MAX);
		return -1;
	}
	if (msg->hdr.length != len) {
		snprintf(why, why_len, "length field %u but %zu bytes delivered",
			 msg->hdr.length, len);
		return -1;
	}
	if (msg->hdr.nodeid != sender) {
		snprintf(why, why_len, "claims nodeid %u but CPG sender is %u",
			 msg->hdr.nodeid, sender);
		return -1;
	}
	switch (msg->hdr.type) {
	case MSG_STATE:
		decode_state(&r, &msg->u.state);
		break;
	case MSG_START:
	case MSG_STOP:
	case MSG_CLEANUP:
	case MSG_MIGRATE:
		msg->u.req.req_id = get_u32(&r);
		get_str(&r, msg->u.req.resource, WIRE_NAME_MAX);
		if (msg->hdr.type == MSG_START || msg->hdr.type == MSG_MIGRATE)
			msg->u.req.node = get_u32(&r);
		if (!r.error && msg->hdr.type == MSG_MIGRATE && msg->u.req.node == 0)
			r.error = "migrate names no target";
		break;
	case MSG_STANDBY:
		msg->u.req.req_id = get_u32(&r);
		msg->u.req.node = get_u32(&r);
		msg->u.req.on = get_u8(&r);
		msg->u.req.parallel = get_u16(&r);
		msg->u.req.resource[0] = '\0';
		if (!r.error && (msg->u.req.node == 0 || msg->u.req.on > 1 ||
				 msg->u.req.parallel == 0 || msg->u.req.parallel > 64))
			r.error = "standby node, on or parallel out of range";
		break;
	case MSG_FENCE_CONFIRM:
		msg->u.req.req_id = get_u32(&r);
		msg->u.req.node = get_u32(&r);
		if (!r.error && msg->u.req.node == 0)
			r.error = "fence-confirm names no node";
		break;
	case MSG_MAINTENANCE:
		msg->u.req.req_id = get_u32(&r);
		msg->u.req.scope = get_u8(&r);
		msg->u.req.on = get_u8(&r);
		msg->u.req.node = get_u32(&r);
		get_str(&r, msg->u.req.resource, WIRE_NAME_MAX);
		/* exactly what the scope names, nothing else */
		if (!r.error && (msg->u.req.on > 1 || msg->u.req.scope < MAINT_CLUSTER ||
				 msg->u.req.scope > MAINT_RESOURCE ||
				 (msg->u.req.scope == MAINT_NODE) != (msg->u.req.node != 0) ||
				 (msg->u.req.scope == MAINT_RESOURCE) != (msg->u.req.resource[0] != '\0')))
			r.error = "maintenance scope, on, node or resource out of range";
		break;
	case MSG_HELLO:
		break;
	case MSG_FOREIGN:
		msg->u.foreign.n = get_u8(&r);
		if (!r.error && (msg->u.foreign.n == 0 || msg->u.foreign.n > WIRE_MEMBERS_MAX))
			r.error = "member count out of range";
		for (size_t i = 0; i < msg->u.foreign.n && !r.error; i++) {
			msg->u.foreign.m[i].nodeid = get_u32(&r);
			msg->u.foreign.m[i].pid = get_u32(&r);
			if (!r.error && msg->u.foreign.m[i].nodeid == 0)
				r.error = "member out of range";
		}
		break;
	case MSG_PREPARED: case MSG_RELEASED: case MSG_STARTED: case MSG_ABORT:
	case MSG_HANDBACK:
		get_str(&r, msg->u.report.resource, WIRE_NAME_MAX);
		msg->u.report.ok = get_u8(&r);
		get_str(&r, msg->u.report.error, WIRE_STR_MAX);
		for (int i = 0; i < WIRE_TIMES; i++)
			msg->u.report.ms[i] = get_u32(&r);
		if (msg->hdr.type == MSG_PREPARED)
			get_bytes(&r, msg->u.report.id, WIRE_ID_LEN);
		/* a ready target names the migration; a refusal names none */
		if (!r.error && msg->hdr.type == MSG_PREPARED &&
		    (msg->u.report.ok == 1) == wire_id_is_zero(msg->u.report.id))
			r.error = "a PREPARED has a migration id exactly when it is ok";
		if (!r.error && msg->u.report.ok > 1)
			r.error = "report ok out of range";
		if (!r.error && msg->u.report.resource[0] == '\0')
			r.error = "empty resource name";
		if (!r.error && msg->hdr.epoch == 0)
			r.error = "a migration report needs its epoch";
		break;
	case MSG_FAILED:
		get_str(&r, msg->u.failure.resource, WIRE_NAME_MAX);
		msg->u.failure.kind = get_u8(&r);
		msg->u.failure.at_ms = get_u64(&r);
		get_str(&r, msg->u.failure.reason, WIRE_STR_MAX);
		msg->u.failure.flags = get_u8(&r);
		if (!r.error && (msg->u.failure.flags & ~WIRE_FAIL_FLAGS))
			r.error = "unknown failure flags";
		if (!r.error && msg->u.failure.kind != FAIL_WORKLOAD &&
		    msg->u.failure.kind != FAIL_STORAGE)
			r.error = "failure kind out of range";
		if (!r.error && msg->u.failure.resource[0] == '\0')
			r.error = "empty resource name";
		if (!r.error && msg->hdr.epoch == 0)
			r.error = "a failure report needs its epoch";
		break;
	case MSG_RESULT:
		get_str(&r, msg->u.result.resource, WIRE_NAME_MAX);
		msg->u.result.op = get_u8(&r);
		msg->u.result.ok = get_u8(&r);
		get_str(&r, msg->u.result.error, WIRE_STR_MAX);
		if (!r.error && (msg->u.result.op < WIRE_OP_START ||
				 msg->u.result.op > WIRE_OP_STOP || msg->u.result.ok > 1))
			r.error = "result op or ok out of range";
		break;
	default:
		snprintf(why, why_len, "unknown message type %u", msg->hdr.type);
		return -1;
	}
	if (!r.error && r.left != 0)
		r.error = "trailing bytes";
	if (r.error) {
		snprintf(why, why_len, "%s from node %u: %s",
			 wire_type_name(msg->hdr.type), sender, r.error);
		wire_free(msg);
		return -1;
	}
	return 0;
}

void wire_free(struct wire_msg *msg)
{
	if (msg->hdr.type == MSG_STATE) {
		free(msg->u.state.entries);
		free(msg->u.state.facts);
		free(msg->u.state.strings);
		free(msg->u.state.lost);
		free(msg->u.state.standby);
		free(msg->u.state.history);
		free(msg->u.state.maint);
		msg->u.state.maint = NULL;
		msg->u.state.n_maint = 0;
		msg->u.state.standby = NULL;
		msg->u.state.history = NULL;
		msg->u.state.n_standby = msg->u.state.n_history = 0;
		msg->u.state.lost = NULL;
		msg->u.state.n_lost = 0;
		msg->u.state.entries = NULL;
		msg->u.state.facts = NULL;
		msg->u.state.strings = NULL;
		msg->u.state.n_entries = msg->u.state.n_facts = 0;
	}
}

bool wire_id_is_zero(const uint8_t id[WIRE_ID_LEN])
{
	uint8_t any = 0;

	for (size_t i = 0; i < WIRE_ID_LEN; i++)
		any |= id[i];
	return any == 0;
}

void wire_id_hex(const uint8_t id[WIRE_ID_LEN], char hex[2 * WIRE_ID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < WIRE_ID_LEN; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 0xf];
	}
	hex[2 * WIRE_ID_LEN] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int wire_id_parse(const char *hex, uint8_t id[WIRE_ID_LEN])
{
	for (size_t i = 0; i < WIRE_ID_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hi < 0 ? -1 : hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[2 * WIRE_ID_LEN] == '\0' ? 0 : -1;
}

uint16_t wire_negotiate(const uint16_t (*ranges)[2], size_t n)
{
	uint16_t lo = 0, hi = UINT16_MAX;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (ranges[i][0] > lo)
			lo = ranges[i][0];
		if (ranges[i][1] < hi)
			hi = ranges[i][1];
	}
	return lo <= hi ? hi : 0;
}
