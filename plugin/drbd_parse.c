/*
 * drbd_parse.c - drbdadm's answers into enums; see drbd_parse.h for the
 * formats and for what "connected" means.
 *
 * The input is whatever a child process wrote, so nothing here trusts it:
 * every read is bounded by the length given, a NUL byte is just another
 * byte, and a word is copied into a small buffer (longer words are marked
 * truncated and never match a DRBD name).  drbdsetup colours its output
 * only on a terminal or when asked, but its escape sequences are dropped
 * anyway so that "role:<ESC>[1mPrimary<ESC>[0m" still reads as Primary.
 */
#include "drbd_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TOK_MAX 128   /* longer than any resource name handoff accepts (63) */

struct cursor {
	const char *p;
	size_t len, pos;
};

struct span {
	const char *p;
	size_t n;
};

struct token {
	char s[TOK_MAX];
	size_t n;
	bool truncated;
};

/* ---- names ---------------------------------------------------------------- */

static const char *const role_names[] = {
	[DRBD_ROLE_UNKNOWN] = "Unknown",
	[DRBD_ROLE_PRIMARY] = "Primary",
	[DRBD_ROLE_SECONDARY] = "Secondary",
};

static const char *const disk_names[] = {
	[DRBD_DISK_UNKNOWN] = "unknown",
	[DRBD_DISK_DISKLESS] = "Diskless",
	[DRBD_DISK_ATTACHING] = "Attaching",
	[DRBD_DISK_DETACHING] = "Detaching",
	[DRBD_DISK_FAILED] = "Failed",
	[DRBD_DISK_NEGOTIATING] = "Negotiating",
	[DRBD_DISK_INCONSISTENT] = "Inconsistent",
	[DRBD_DISK_OUTDATED] = "Outdated",
	[DRBD_DISK_CONSISTENT] = "Consistent",
	[DRBD_DISK_UPTODATE] = "UpToDate",
	[DRBD_DISK_DUNKNOWN] = "DUnknown",
};

/* DRBD's own order of disk states (drbd_disk_state in the kernel headers),
 * which is what "worse" means; UNKNOWN (unparsed) is below everything. */
static int disk_rank(enum drbd_disk d)
{
	switch (d) {
	case DRBD_DISK_DISKLESS: return 0;
	case DRBD_DISK_ATTACHING: return 1;
	case DRBD_DISK_DETACHING: return 2;
	case DRBD_DISK_FAILED: return 3;
	case DRBD_DISK_NEGOTIATING: return 4;
	case DRBD_DISK_INCONSISTENT: return 5;
	case DRBD_DISK_OUTDATED: return 6;
	case DRBD_DISK_DUNKNOWN: return 7;
	case DRBD_DISK_CONSISTENT: return 8;
	case DRBD_DISK_UPTODATE: return 9;
	case DRBD_DISK_UNKNOWN: break;
	}
	return -1;
}

/* Connection states that mean the link is up.  8.4 shows the per-volume
 * state, where everything from Connected on is a live link (syncing,
 * verifying, ahead/behind); DRBD 9 keeps those in the replication state
 * and its cstate says Connected. */
static const char *const cstates_up[] = {
	"Connected", "StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT",
	"WFSyncUUID", "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT",
	"VerifyS", "VerifyT", "Ahead", "Behind",
};
static const char *const cstates_down[] = {
	"StandAlone", "Disconnecting", "Unconnected", "Timeout", "BrokenPipe",
	"NetworkFailure", "ProtocolError", "TearDown", "WFConnection",
	"WFReportParams", "Connecting",
};
/* DRBD 9 replication states (and 8.4's through drbdsetup-84 status). */
static const char *const repl_up[] = {
	"Established", "StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT",
	"WFSyncUUID", "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT",
	"VerifyS", "VerifyT", "Ahead", "Behind",
};

static bool word_is(const char *s, size_t n, const char *name)
{
	size_t l = strlen(name);
	return n == l && memcmp(s, name, l) == 0;
}

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (word_is(s, n, list[i]))
			return true;
	return false;
}

#define IN_LIST(s, n, list) in_list((s), (n), (list), sizeof(list) / sizeof((list)[0]))

const char *drbd_role_name(enum drbd_role r)
{
	if ((unsigned)r < sizeof(role_names) / sizeof(role_names[0]))
		return role_names[r];
	return role_names[DRBD_ROLE_UNKNOWN];
}

const char *drbd_disk_name(enum drbd_disk d)
{
	if ((unsigned)d < sizeof(disk_names) / sizeof(disk_names[0]))
		return disk_names[d];
	return disk_names[DRBD_DISK_UNKNOWN];
}

enum drbd_role drbd_role_from_name(const char *s, size_t n)
{
	if (!s)
		return DRBD_ROLE_UNKNOWN;
	if (word_is(s, n, "Primary"))
		return DRBD_ROLE_PRIMARY;
	if (word_is(s, n, "Secondary"))
		return DRBD_ROLE_SECONDARY;
	return DRBD_ROLE_UNKNOWN;
}

enum drbd_disk drbd_disk_from_name(const char *s, size_t n)
{
	if (!s)
		return DRBD_DISK_UNKNOWN;
	/* "unknown" is our word for unparsed, not a DRBD state */
	for (size_t i = DRBD_DISK_UNKNOWN + 1; i < sizeof(disk_names) / sizeof(disk_names[0]); i++)
		if (word_is(s, n, disk_names[i]))
			return (enum drbd_disk)i;
	return DRBD_DISK_UNKNOWN;
}

bool drbd_disk_worse(enum drbd_disk a, enum drbd_disk b)
{
	return disk_rank(a) < disk_rank(b);
}

bool drbd_cstate_connected(const char *s, size_t n, bool *known)
{
	bool up = s && IN_LIST(s, n, cstates_up);
	bool down = s && IN_LIST(s, n, cstates_down);

	if (known)
		*known = up || down;
	return up;
}

/* The peer role that matters for safety: Primary if any peer is, unknown if
 * any peer might be, Secondary only when all are. */
static enum drbd_role peer_role_fold(enum drbd_role a, enum drbd_role b)
{
	if (a == DRBD_ROLE_PRIMARY || b == DRBD_ROLE_PRIMARY)
		return DRBD_ROLE_PRIMARY;
	if (a == DRBD_ROLE_UNKNOWN || b == DRBD_ROLE_UNKNOWN)
		return DRBD_ROLE_UNKNOWN;
	return DRBD_ROLE_SECONDARY;
}

/* ---- errors ----------------------------------------------------------------- */

/* Copy n bytes of untrusted text as printable ASCII (others become '?'). */
static size_t printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i;

	if (dstlen == 0)
		return 0;
	for (i = 0; i < n && i + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[i] = '\0';
	return i;
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A token for an error message, with "..." when it does not fit. */
static const char *quote(const struct token *t, char *buf, size_t len)
{
	bool cut = t->truncated || t->n >= len;
	size_t n;

	if (cut && len > 4) {
		n = printable(buf, len - 3, t->s, t->n);
		memcpy(buf + n, "...", 4);
	} else {
		printable(buf, len, t->s, t->n);
	}
	return buf;
}

/* ---- lines and words ---------------------------------------------------- */

static void cursor_init(struct cursor *c, const char *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->pos = 0;
}

static bool next_line(struct cursor *c, struct span *line)
{
	const char *s, *nl;
	size_t rest, n;

	if (c->pos >= c->len)
		return false;
	s = c->p + c->pos;
	rest = c->len - c->pos;
	nl = memchr(s, '\n', rest);
	n = nl ? (size_t)(nl - s) : rest;
	c->pos += nl ? n + 1 : n;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	line->p = s;
	line->n = n;
	return true;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

/* Skip an ANSI escape sequence starting at l[*i] == ESC. */
static void skip_escape(const char *l, size_t n, size_t *i)
{
	size_t j = *i + 1;

	if (j < n && l[j] == '[') {
		j++;
		while (j < n && (unsigned char)l[j] >= 0x20 && (unsigned char)l[j] <= 0x3f)
			j++;
		if (j < n && (unsigned char)l[j] >= 0x40 && (unsigned char)l[j] <= 0x7e)
			j++;
	} else if (j < n) {
		j++;
	}
	*i = j;
}

/* The next blank-separated word of the line from *i on. */
static bool next_token(const struct span *line, size_t *i, struct token *t)
{
	const char *l = line->p;
	size_t n = line->n;

	t->n = 0;
	t->truncated = false;
	t->s[0] = '\0';
	while (*i < n && (is_blank(l[*i]) || l[*i] == '\033')) {
		if (l[*i] == '\033')
			skip_escape(l, n, i);
		else
			(*i)++;
	}
	if (*i >= n)
		return false;
	while (*i < n && !is_blank(l[*i])) {
		if (l[*i] == '\033') {
			skip_escape(l, n, i);
			continue;
		}
		if (t->n + 1 < sizeof(t->s))
			t->s[t->n++] = l[*i];
		else
			t->truncated = true;
		(*i)++;
	}
	t->s[t->n] = '\0';
	return true;
}

static size_t indent_of(const struct span *line)
{
	size_t i = 0;

	while (i < line->n && line->p[i] == ' ')
		i++;
	return i;
}

/* Split "a/b/c" at the k-th '/': the part's start and length. */
static bool nth_part(const struct token *t, size_t k, const char **s, size_t *n)
{
	size_t start = 0;

	for (size_t i = 0; i <= t->n; i++) {
		if (i == t->n || t->s[i] == '/') {
			if (k == 0) {
				*s = t->s + start;
				*n = i - start;
				return true;
			}
			k--;
			start = i + 1;
		}
	}
	return false;
}

/* The one word of a line of role/cstate/dstate output: false for a blank
 * line; *extra says the line holds more than one word. */
static bool only_word(const struct span *line, struct token *t, bool *extra)
{
	struct token rest;
	size_t i = 0;

	*extra = false;
	if (!next_token(line, &i, t))
		return false;
	*extra = next_token(line, &i, &rest);
	return true;
}

static int unconfigured(const struct token *t, char *err, size_t errlen)
{
	if (!word_is(t->s, t->n, "Unconfigured"))
		return 0;
	set_err(err, errlen, "resource is not configured (down)");
	return -1;
}

/* ---- role ------------------------------------------------------------------- */

int drbd_parse_role(const char *out, size_t len, struct drbd_roles *r,
		    char *err, size_t errlen)
{
	struct cursor c;
	struct span line;
	struct token t;
	char q[48];
	unsigned lines = 0;
	bool extra;

	r->local = r->peer = DRBD_ROLE_UNKNOWN;
	r->have_peer = false;
	cursor_init(&c, out, len);
	while (next_line(&c, &line)) {
		const char *s = NULL;
		size_t n = 0;
		enum drbd_role local;

		if (!only_word(&line, &t, &extra))
			continue;
		lines++;
		if (unconfigured(&t, err, errlen))
			goto fail;
		if (extra || t.truncated) {
			set_err(err, errlen, "not a DRBD role: '%s'", quote(&t, q, sizeof(q)));
			goto fail;
		}
		nth_part(&t, 0, &s, &n);
		local = drbd_role_from_name(s, n);
		if (local == DRBD_ROLE_UNKNOWN) {
			if (word_is(s, n, "Unknown"))
				set_err(err, errlen, "DRBD reports the role as Unknown");
			else
				set_err(err, errlen, "not a DRBD role: '%s'", quote(&t, q, sizeof(q)));
			goto fail;
		}
		if (lines > 1 && local != r->local) {
			set_err(err, errlen, "volumes report different roles");
			goto fail;
		}
		r->local = local;
		for (size_t k = 1; nth_part(&t, k, &s, &n); k++) {
			enum drbd_role p = drbd_role_from_name(s, n);

			if (p == DRBD_ROLE_UNKNOWN && !word_is(s, n, "Unknown")) {
				set_err(err, errlen, "not a DRBD peer role: '%s'", quote(&t, q, sizeof(q)));
				goto fail;
			}
			r->peer = r->have_peer ? peer_role_fold(r->peer, p) : p;
			r->have_peer = true;
		}
	}
	if (lines == 0) {
		set_err(err, errlen, "drbdadm role printed nothing");
		goto fail;
	}
	return 0;
fail:
	r->local = r->peer = DRBD_ROLE_UNKNOWN;
	r->have_peer = false;
	return -1;
}

/* ---- cstate ------------------------------------------------------------------ */

int drbd_parse_cstate(const char *out, size_t len, struct drbd_cstate *cs,
		      char *err, size_t errlen)
{
	struct cursor c;
	struct span line;
	struct token t;
	char q[48];
	unsigned lines = 0;
	bool extra, known, all_up = true;

	cs->name[0] = '\0';
	cs->connected = false;
	cursor_init(&c, out, len);
	while (next_line(&c, &line)) {
		bool up;

		if (!only_word(&line, &t, &extra))
			continue;
		lines++;
		if (unconfigured(&t, err, errlen))
			goto fail;
		up = drbd_cstate_connected(t.s, t.n, &known);
		if (extra || t.truncated || !known) {
			set_err(err, errlen, "not a DRBD connection state: '%s'", quote(&t, q, sizeof(q)));
			goto fail;
		}
		/* name the first link that is down: that is the news */
		if (lines == 1 || (all_up && !up))
			printable(cs->name, sizeof(cs->name), t.s, t.n);
		all_up = all_up && up;
	}
	if (lines == 0) {
		set_err(err, errlen, "drbdadm cstate printed nothing");
		goto fail;
	}
	cs->connected = all_up;
	return 0;
fail:
	cs->name[0] = '\0';
	cs->connected = false;
	return -1;
}

/* ---- dstate ------------------------------------------------------------------ */

static enum drbd_disk disk_fold(enum drbd_disk acc, bool first, enum drbd_disk d)
{
	return (first || drbd_disk_worse(d, acc)) ? d : acc;
}

int drbd_parse_dstate(const char *out, size_t len, struct drbd_dstate *d,
		      char *err, size_t errlen)
{
	struct cursor c;
	struct span line;
	struct token t;
	char q[48];
	unsigned lines = 0;
	bool extra;

	d->local = d->peer = DRBD_DISK_UNKNOWN;
	d->have_peer = false;
	cursor_init(&c, out, len);
	while (next_line(&c, &line)) {
		const char *s = NULL;
		size_t n = 0;

		if (!only_word(&line, &t, &extra))
			continue;
		lines++;
		if (unconfigured(&t, err, errlen))
			goto fail;
		if (extra || t.truncated) {
			set_err(err, errlen, "not a DRBD disk state: '%s'", quote(&t, q, sizeof(q)));
			goto fail;
		}
		for (size_t k = 0; nth_part(&t, k, &s, &n); k++) {
			enum drbd_disk v = drbd_disk_from_name(s, n);

			if (v == DRBD_DISK_UNKNOWN) {
				set_err(err, errlen, "not a DRBD disk state: '%s'", quote(&t, q, sizeof(q)));
				goto fail;
			}
			if (k == 0) {
				d->local = disk_fold(d->local, lines == 1, v);
			} else {
				d->peer = disk_fold(d->peer, !d->have_peer, v);
				d->have_peer = true;
			}
		}
	}
	if (lines == 0) {
		set_err(err, errlen, "drbdadm dstate printed nothing");
		goto fail;
	}
	return 0;
fail:
	d->local = d->peer = DRBD_DISK_UNKNOWN;
	d->have_peer = false;
	return -1;
}

/* ---- status ------------------------------------------------------------------ */

enum ctx { CTX_RESOURCE, CTX_DEVICE, CTX_CONNECTION };

struct conn_acc {
	bool open;
	char cstate[DRBD_NAME_MAX];
	bool cstate_seen, cstate_up;
	bool role_seen;
	enum drbd_role role;
	bool repl_seen, repl_down;
	bool disk_seen;
	enum drbd_disk peer_disk;
};

struct status_acc {
	struct drbd_status *st;
	enum ctx ctx;
	bool role_seen, disk_seen, first_peer;
	struct conn_acc conn;
	char *err;
	size_t errlen;
	bool failed;
};

/* Remember the first problem; keep reading so the rest is still filled in. */
__attribute__((format(printf, 2, 3)))
static void status_err(struct status_acc *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return;
	a->failed = true;
	if (!a->err || a->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
}

static void conn_close(struct status_acc *a)
{
	struct conn_acc *c = &a->conn;
	struct drbd_status *st = a->st;
	bool up;
	enum drbd_role role;
	enum drbd_disk disk;

	if (!c->open)
		return;
	/* both versions print the peer's role only while connected, and the
	 * connection state only while not (unless asked to be verbose) */
	up = c->cstate_seen ? c->cstate_up : c->role_seen;
	if (c->repl_seen && c->repl_down)
		up = false;
	role = up && c->role_seen ? c->role : DRBD_ROLE_UNKNOWN;
	disk = up && c->disk_seen ? c->peer_disk : DRBD_DISK_DUNKNOWN;

	st->peers++;
	st->peer_role = a->first_peer ? role : peer_role_fold(st->peer_role, role);
	st->peer_disk = disk_fold(st->peer_disk, a->first_peer, disk);
	a->first_peer = false;
	if (!up && st->connected) {
		snprintf(st->cstate, sizeof(st->cstate), "%s",
			 c->cstate_seen ? c->cstate : "Unconnected");
	}
	st->connected = st->connected && up;
	memset(c, 0, sizeof(*c));
}

static void status_field(struct status_acc *a, const struct token *t)
{
	const char *colon = memchr(t->s, ':', t->n);
	const char *key, *val;
	size_t kn, vn;
	char q[48];

	if (!colon)
		return;
	key = t->s;
	kn = (size_t)(colon - t->s);
	val = colon + 1;
	vn = t->n - kn - 1;

	if (a->ctx == CTX_RESOURCE && word_is(key, kn, "role")) {
		enum drbd_role r = drbd_role_from_name(val, vn);
		if (r == DRBD_ROLE_UNKNOWN)
			status_err(a, "unknown role in status: '%s'", quote(t, q, sizeof(q)));
		else if (a->role_seen && r != a->st->role)
			status_err(a, "status shows two roles for the resource");
		a->st->role = r;
		a->role_seen = true;
	} else if (a->ctx == CTX_DEVICE && word_is(key, kn, "disk")) {
		enum drbd_disk d = drbd_disk_from_name(val, vn);
		if (d == DRBD_DISK_UNKNOWN || t->truncated)
			status_err(a, "unknown disk state in status: '%s'", quote(t, q, sizeof(q)));
		a->st->disk = disk_fold(a->st->disk, !a->disk_seen, d);
		a->disk_seen = true;
	} else if (a->ctx == CTX_CONNECTION && word_is(key, kn, "connection")) {
		bool known;
		a->conn.cstate_up = drbd_cstate_connected(val, vn, &known);
		a->conn.cstate_seen = true;
		if (!known || t->truncated)
			status_err(a, "unknown connection state in status: '%s'", quote(t, q, sizeof(q)));
		printable(a->conn.cstate, sizeof(a->conn.cstate), val, vn);
	} else if (a->ctx == CTX_CONNECTION && word_is(key, kn, "role")) {
		a->conn.role = drbd_role_from_name(val, vn);
		a->conn.role_seen = true;
		if (a->conn.role == DRBD_ROLE_UNKNOWN && !word_is(val, vn, "Unknown"))
			status_err(a, "unknown peer role in status: '%s'", quote(t, q, sizeof(q)));
	} else if (a->ctx == CTX_CONNECTION && word_is(key, kn, "replication")) {
		bool up = IN_LIST(val, vn, repl_up);
		if (!up && !word_is(val, vn, "Off"))
			status_err(a, "unknown replication state in status: '%s'", quote(t, q, sizeof(q)));
		a->conn.repl_seen = true;
		a->conn.repl_down = a->conn.repl_down || !up;
	} else if (a->ctx == CTX_CONNECTION && word_is(key, kn, "peer-disk")) {
		enum drbd_disk d = drbd_disk_from_name(val, vn);
		if (d == DRBD_DISK_UNKNOWN || t->truncated)
			status_err(a, "unknown peer disk state in status: '%s'", quote(t, q, sizeof(q)));
		a->conn.peer_disk = disk_fold(a->conn.peer_disk, !a->conn.disk_seen, d);
		a->conn.disk_seen = true;
	}
}

static bool token_key_is(const struct token *t, const char *key)
{
	const char *colon = memchr(t->s, ':', t->n);
	return colon && word_is(t->s, (size_t)(colon - t->s), key);
}

int drbd_parse_status(const char *out, size_t len, const char *resource,
		      struct drbd_status *st, char *err, size_t errlen)
{
	struct status_acc a = { .st = st, .first_peer = true, .err = err, .errlen = errlen };
	struct cursor c;
	struct span line;
	struct token t;
	bool in_block = false, found = false;

	memset(st, 0, sizeof(*st));
	st->role = DRBD_ROLE_UNKNOWN;
	st->disk = DRBD_DISK_UNKNOWN;
	st->peer_role = DRBD_ROLE_UNKNOWN;
	st->peer_disk = DRBD_DISK_DUNKNOWN;
	st->connected = true;   /* until a connection says otherwise */
	cursor_init(&c, out, len);
	while (next_line(&c, &line)) {
		size_t i = 0, ind = indent_of(&line);

		if (!next_token(&line, &i, &t))
			continue;
		if (ind == 0) {
			if (in_block)
				break;  /* the next resource */
			if (t.s[0] == '#' || t.truncated)
				continue;  /* "# No currently configured DRBD found." */
			if (resource && !word_is(t.s, t.n, resource))
				continue;
			in_block = found = true;
			a.ctx = CTX_RESOURCE;
		} else if (!in_block) {
			continue;
		} else if (ind < 4) {
			/* a device ("disk:", "volume:N disk:") or a connection
			 * ("peer role:...", "node2 connection:...", "node-id:1 ...") */
			conn_close(&a);
			if (token_key_is(&t, "volume") || token_key_is(&t, "disk")) {
				a.ctx = CTX_DEVICE;
				status_field(&a, &t);
			} else {
				a.ctx = CTX_CONNECTION;
				a.conn.open = true;
				if (memchr(t.s, ':', t.n))
					status_field(&a, &t);
			}
		} else {
			/* deeper: a peer device, or a wrapped continuation of
			 * the line above; fields are told apart by their keys */
			status_field(&a, &t);
		}
		while (next_token(&line, &i, &t))
			status_field(&a, &t);
	}
	conn_close(&a);

	if (!found) {
		char q[TOK_MAX];
		if (resource) {
			printable(q, sizeof(q), resource, strnlen(resource, TOK_MAX - 1));
			set_err(err, errlen, "resource '%s' is not in drbdadm status", q);
		} else {
			set_err(err, errlen, "drbdadm status shows no resource");
		}
		memset(st, 0, sizeof(*st));
		st->peer_disk = DRBD_DISK_DUNKNOWN;
		return -1;
	}
	if (!a.role_seen)
		status_err(&a, "drbdadm status shows no role");
	if (!a.disk_seen)
		status_err(&a, "drbdadm status shows no disk");
	if (st->peers == 0)
		st->connected = false;
	else if (st->connected)
		snprintf(st->cstate, sizeof(st->cstate), "Connected");
	return a.failed ? -1 : 0;
}

/* ---- stderr of a failed command ------------------------------------------ */

/* A line without its surrounding blanks. */
static struct span trimmed(struct span l)
{
	while (l.n > 0 && (is_blank(l.p[0]) || l.p[0] == '\r'))
		l.p++, l.n--;
	while (l.n > 0 && (is_blank(l.p[l.n - 1]) || l.p[l.n - 1] == '\r'))
		l.n--;
	return l;
}

static bool contains(const struct span *l, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= l->n; i++)
		if (memcmp(l->p + i, needle, k) == 0)
			return true;
	return false;
}

static bool starts_with(const struct span *l, const char *prefix)
{
	size_t k = strlen(prefix);
	return l->n >= k && memcmp(l->p, prefix, k) == 0;
}

static bool has_printable(const struct span *l)
{
	for (size_t i = 0; i < l->n; i++)
		if ((unsigned char)l->p[i] > 0x20 && (unsigned char)l->p[i] < 0x7f)
			return true;
	return false;
}

enum { PICK_STATE, PICK_FAILURE, PICK_CONFIG, PICK_OTHER, PICK_TRAILER, PICK_N };

size_t drbd_error_line(const char *err, size_t len, char *dst, size_t dstlen)
{
	struct span best[PICK_N] = { { NULL, 0 } }, info = { NULL, 0 }, l;
	struct cursor c;
	bool after_state = false, want_info = false;
	size_t n;

	if (dstlen == 0)
		return 0;
	dst[0] = '\0';
	cursor_init(&c, err, len);
	while (next_line(&c, &l)) {
		int kind;

		l = trimmed(l);
		if (!has_printable(&l))
			continue;
		if (want_info && !info.p) {
			info = l;   /* the first line of the kernel's explanation */
			want_info = false;
			continue;
		}
		if (starts_with(&l, "additional info from kernel:")) {
			want_info = after_state;
			continue;
		}
		after_state = false;
		if (contains(&l, "State change failed:")) {
			kind = PICK_STATE;
			after_state = !best[PICK_STATE].p;
		} else if (contains(&l, "Failure: (")) {
			kind = PICK_FAILURE;
		} else if (contains(&l, "not defined in your config")) {
			kind = PICK_CONFIG;
		} else if (starts_with(&l, "Command '") && contains(&l, "terminated with exit code")) {
			kind = PICK_TRAILER;
		} else {
			kind = PICK_OTHER;
		}
		if (!best[kind].p)
			best[kind] = l;
	}
	for (int k = 0; k < PICK_N; k++) {
		if (!best[k].p)
			continue;
		n = printable(dst, dstlen, best[k].p, best[k].n);
		if (k == PICK_STATE && info.p && n + 4 < dstlen) {
			memcpy(dst + n, " (", 2);
			n += 2;
			n += printable(dst + n, dstlen - n, info.p, info.n);
			if (n + 1 < dstlen) {
				dst[n++] = ')';
				dst[n] = '\0';
			}
		}
		return n;
	}
	return 0;
}

/* drbdadm passes on drbdsetup's exit code; drbdsetup's print_config_error()
 * maps DRBD's answers to these. */
static const char *known_reason(int exit_code)
{
	switch (exit_code) {
	case 0: return "succeeded";
	case 5: return "refused by DRBD: disk is lower than Outdated";
	case 10: return "failed (DRBD error or resource not defined)";
	case 11: return "refused by DRBD";
	case 16: return "refused by DRBD: no local disk";
	case 17: return "refused by DRBD: no access to UpToDate data";
	case 20: return "drbdadm error";
	default: return NULL;
	}
}

const char *drbd_exit_reason(int exit_code)
{
	const char *why = known_reason(exit_code);
	return why ? why : "drbdadm failed";
}

size_t drbd_describe_failure(int exit_code, const char *err, size_t len,
			     char *dst, size_t dstlen)
{
	const char *why = drbd_exit_reason(exit_code);
	char line[256];
	int n;

	if (dstlen == 0)
		return 0;
	if (drbd_error_line(err, len, line, sizeof(line)) > 0)
		n = snprintf(dst, dstlen, "%s: %s", why, line);
	else if (known_reason(exit_code))
		n = snprintf(dst, dstlen, "%s", why);
	else
		n = snprintf(dst, dstlen, "%s (exit code %d)", why, exit_code);
	if (n < 0) {
		dst[0] = '\0';
		return 0;
	}
	return (size_t)n < dstlen ? (size_t)n : dstlen - 1;
}
