/*
 * drbd_events.c - `drbdsetup events2` lines (drbd_events.h).
 *
 * Strict where a decision depends on it (the words before the fields, the
 * name, the role and disk values, each field's shape), lenient only about
 * keys it does not read: drbd-utils adds fields between versions.
 */
#include "drbd_events.h"

#include <string.h>

#include "reason.h"

static bool is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* The next space-separated token from *I; false at the end. */
static bool token(const char *l, size_t len, size_t *i, const char **s, size_t *n)
{
	if (*i >= len)
		return false;
	*s = l + *i;
	while (*i < len && l[*i] != ' ')
		(*i)++;
	*n = (size_t)(l + *i - *s);
	if (*i < len)
		(*i)++;       /* the one space */
	return true;
}

static bool printable_token(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] <= ' ' || (unsigned char)s[k] > '~')
			return false;
	return n > 0;
}

static int kind_of(const char *s, size_t n, enum drbd_ev_kind *k)
{
	static const struct { const char *w; enum drbd_ev_kind k; } kinds[] = {
		{ "exists", DRBD_EV_EXISTS }, { "create", DRBD_EV_CREATE },
		{ "change", DRBD_EV_CHANGE }, { "destroy", DRBD_EV_DESTROY },
		{ "call", DRBD_EV_CALL }, { "response", DRBD_EV_RESPONSE },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (is_word(s, n, kinds[i].w)) {
			*k = kinds[i].k;
			return 0;
		}
	return -1;
}

static int object_of(const char *s, size_t n, enum drbd_ev_object *o)
{
	static const struct { const char *w; enum drbd_ev_object o; } objs[] = {
		{ "resource", DRBD_OBJ_RESOURCE }, { "connection", DRBD_OBJ_CONNECTION },
		{ "device", DRBD_OBJ_DEVICE }, { "peer-device", DRBD_OBJ_PEER_DEVICE },
		{ "path", DRBD_OBJ_PATH }, { "helper", DRBD_OBJ_HELPER }, { "-", DRBD_OBJ_END },
	};
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		if (is_word(s, n, objs[i].w)) {
			*o = objs[i].o;
			return 0;
		}
	return -1;
}

int drbd_event_parse(const char *line, size_t len, struct drbd_event *out,
		     char *err, size_t errlen)
{
	struct drbd_event ev = { .role = DRBD_ROLE_UNKNOWN, .disk = DRBD_DISK_UNKNOWN };
	const char *s;
	size_t n, i = 0;
	bool named = false;

	if (len > DRBD_EV_LINE_MAX) {
		refuse(err, errlen, "line of %zu bytes (at most %u)", len, DRBD_EV_LINE_MAX);
		return -1;
	}
	if (!token(line, len, &i, &s, &n) || kind_of(s, n, &ev.kind) < 0) {
		refuse(err, errlen, "not an events2 line (no exists/create/change/destroy/"
			"call/response first)");
		return -1;
	}
	if (!token(line, len, &i, &s, &n) || object_of(s, n, &ev.object) < 0) {
		refuse(err, errlen, "unknown object (not resource, connection, device, "
			"peer-device, path, helper or -)");
		return -1;
	}
	if (ev.object == DRBD_OBJ_END) {
		if (ev.kind != DRBD_EV_EXISTS || i < len) {
			refuse(err, errlen, "\"-\" only ends the initial state, alone");
			return -1;
		}
		*out = ev;
		return 0;
	}
	while (token(line, len, &i, &s, &n)) {
		const char *colon = memchr(s, ':', n);
		const char *v;
		size_t kn, vn;

		if (!printable_token(s, n) || !colon || colon == s) {
			refuse(err, errlen, "a field that is not KEY:VALUE");
			return -1;
		}
		kn = (size_t)(colon - s);
		v = colon + 1;
		vn = n - kn - 1;
		if (is_word(s, kn, "name")) {
			if (named || vn == 0 || vn > DRBD_EV_NAME_MAX) {
				refuse(err, errlen, named ? "two names" : "a name of %zu bytes "
					"(1 to %d)", vn, DRBD_EV_NAME_MAX);
				return -1;
			}
			memcpy(ev.name, v, vn);
			ev.name[vn] = '\0';
			named = true;
		} else if (is_word(s, kn, "role") && ev.object == DRBD_OBJ_RESOURCE) {
			ev.role = drbd_role_from_name(v, vn);
			if (ev.has_role || (ev.role == DRBD_ROLE_UNKNOWN && !is_word(v, vn, "Unknown"))) {
				refuse(err, errlen, ev.has_role ? "two roles" : "an unknown role");
				return -1;
			}
			ev.has_role = true;
		} else if (is_word(s, kn, "disk") && ev.object == DRBD_OBJ_DEVICE) {
			ev.disk = drbd_disk_from_name(v, vn);
			if (ev.has_disk || ev.disk == DRBD_DISK_UNKNOWN) {
				refuse(err, errlen, ev.has_disk ? "two disk states" :
					"an unknown disk state");
				return -1;
			}
			ev.has_disk = true;
		}
	}
	if (!named && ev.object != DRBD_OBJ_HELPER) {
		refuse(err, errlen, "no name:");
		return -1;
	}
	*out = ev;
	return 0;
}

bool drbd_event_alarms(const struct drbd_event *ev)
{
	if (ev->kind == DRBD_EV_DESTROY)
		return ev->object == DRBD_OBJ_RESOURCE || ev->object == DRBD_OBJ_DEVICE;
	if (ev->kind != DRBD_EV_EXISTS && ev->kind != DRBD_EV_CHANGE)
		return false;
	if (ev->object == DRBD_OBJ_RESOURCE && ev->has_role)
		return ev->role != DRBD_ROLE_PRIMARY;
	if (ev->object == DRBD_OBJ_DEVICE && ev->has_disk)
		return ev->disk != DRBD_DISK_UPTODATE;
	return false;
}

void drbd_lines_feed(struct drbd_lines *l, const char *data, size_t n, drbd_line_fn fn,
		     void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];

		if (c == '\n') {
			if (l->overlong || l->nul)
				l->dropped++;
			else
				fn(ctx, l->buf, l->len);
			l->len = 0;
			l->overlong = l->nul = false;
			continue;
		}
		if (c == '\0')
			l->nul = true;
		if (l->len == sizeof(l->buf))
			l->overlong = true;
		else
			l->buf[l->len++] = c;
	}
}
