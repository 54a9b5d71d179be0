/*
 * notify_event.c - the notify program's environment, and the checks of its
 * path (notify_event.h).
 */
#include "notify_event.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *notify_kind_name(enum notify_kind k)
{
	static const char *const names[] = {
#define NOTIFY_NAME(id, name) [NE_##id] = name,
		NOTIFY_EVENTS(NOTIFY_NAME)
#undef NOTIFY_NAME
	};

	return (unsigned)k < NE__COUNT ? names[k] : "unknown";
}

/* Append "KEY=VALUE" (VALUE cut to NOTIFY_VALUE_MAX - 1 bytes, control
 * characters made '?').  A full table drops the variable: the fixed ones
 * all fit (test_notify checks the largest event). */
static void put(struct notify_env *env, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strnlen(value, NOTIFY_VALUE_MAX - 1);
	char *at = env->buf + env->used;

	if (env->n + 1 >= NOTIFY_ENV_MAX || env->used + klen + 1 + vlen + 1 > sizeof(env->buf))
		return;
	memcpy(at, key, klen);
	at[klen] = '=';
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		at[klen + 1 + i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	at[klen + 1 + vlen] = '\0';
	env->v[env->n++] = at;
	env->v[env->n] = NULL;
	env->used += klen + 1 + vlen + 1;
}

static void putf(struct notify_env *env, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void putf(struct notify_env *env, const char *key, const char *fmt, ...)
{
	char value[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	put(env, key, value);
}

static void timestamp(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "%" PRId64, ms);
		return;
	}
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03dZ", (int)(ms % 1000));
}

void notify_env_build(const struct notify_event *ev, struct notify_env *env)
{
	static const char *const phase_keys[WIRE_TIMES] = {
		[WT_DUMP] = "HANDOFF_MS_DUMP", [WT_SYNC] = "HANDOFF_MS_SYNC",
		[WT_UMOUNT] = "HANDOFF_MS_UMOUNT", [WT_DEMOTE] = "HANDOFF_MS_DEMOTE",
		[WT_PROMOTE] = "HANDOFF_MS_PROMOTE", [WT_MOUNT] = "HANDOFF_MS_MOUNT",
		[WT_RESTORE] = "HANDOFF_MS_RESTORE",
	};
	char ts[40];

	env->n = 0;
	env->used = 0;
	env->v[0] = NULL;
	put(env, "HANDOFF_EVENT", notify_kind_name(ev->kind));
	put(env, "HANDOFF_RESOURCE", ev->resource);
	put(env, "HANDOFF_NODE", ev->node);
	putf(env, "HANDOFF_NODEID", "%" PRIu32, ev->nodeid);
	putf(env, "HANDOFF_EPOCH", "%" PRIu64, ev->epoch);
	put(env, "HANDOFF_RESULT", ev->ok ? "ok" : "failed");
	put(env, "HANDOFF_REASON", ev->reason);
	put(env, "HANDOFF_PHASE", ev->phase);
	putf(env, "HANDOFF_SEQUENCE", "%" PRIu64, ev->seq);
	timestamp(ev->realtime_ms, ts, sizeof(ts));
	put(env, "HANDOFF_TIMESTAMP", ts);
	if (ev->kind == NE_RELOCATED) {
		/* where the recovery policy moves it; no phase times yet */
		put(env, "HANDOFF_SOURCE", ev->source);
		put(env, "HANDOFF_TARGET", ev->target);
	}
	if (!ev->has_times)
		return;
	put(env, "HANDOFF_SOURCE", ev->source);
	put(env, "HANDOFF_TARGET", ev->target);
	for (int i = 0; i < WIRE_TIMES; i++)
		putf(env, phase_keys[i], "%" PRIu32, ev->ms[i]);
	putf(env, "HANDOFF_TOTAL_MS", "%" PRIu64, ev->total_ms);
	putf(env, "HANDOFF_FROZEN_MS", "%" PRIu64, ev->frozen_ms);
}

/* Owned by root or by us, and writable by no one else. */
static const char *unsafe(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "is owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others";
	return NULL;
}

int notify_path_check(const char *path, char *why, size_t len)
{
	char dir[4096];
	struct stat st;
	const char *bad;
	char *slash;

	if (path[0] != '/') {
		snprintf(why, len, "must be an absolute path, got '%s'", path);
		return -1;
	}
	if (stat(path, &st) < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
		snprintf(why, len, "%s is not an executable file", path);
		return -1;
	}
	/* it runs as root with what it is told: whoever may change it would
	 * run as root */
	if ((bad = unsafe(&st))) {
		snprintf(why, len, "%s %s: it would run as root", path, bad);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	/* a directory others may write to lets them replace it (a sticky
	 * one, as /tmp, does not: only the owner may rename the file) */
	if (stat(dir, &st) == 0 && !(st.st_mode & S_ISVTX) && (bad = unsafe(&st))) {
		snprintf(why, len, "its directory %s %s: it would run as root", dir, bad);
		return -1;
	}
	return 0;
}
