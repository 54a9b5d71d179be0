/*
 * notify_event.h - the events handoffd hands to the `notify` program of
 * handoff.conf(5) (doc/notify.md), and the environment each one gets.
 *
 * Pure: no I/O, no clock (the caller stamps the time), so the environment
 * a program sees is unit-tested here (test/unit/test_notify.c).
 */
#ifndef HANDOFF_NOTIFY_EVENT_H
#define HANDOFF_NOTIFY_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cpg/wire.h"

/*
 * Every event of this version, as (identifier, HANDOFF_EVENT value).
 * Adding one is one line here and its call where the decision is seen
 * (notify_derive.c, or the local act itself, as self-fence).  restart
 * and relocated are the recovery policy's decisions (doc/protocol.md,
 * rules 26, 29); maintenance is an operator's (rules 33-35).
 */
#define NOTIFY_EVENTS(X) \
	X(START, "start") \
	X(STOP, "stop") \
	X(MIGRATED, "migrated") \
	X(FAILOVER, "failover") \
	X(FAILED, "failed") \
	X(SELF_FENCE, "self-fence") \
	X(FENCE_CONFIRM, "fence-confirm") \
	X(STANDBY, "standby") \
	X(RESTART, "restart") \
	X(RELOCATED, "relocated") \
	X(MAINTENANCE, "maintenance")

enum notify_kind {
#define NOTIFY_ENUM(id, name) NE_##id,
	NOTIFY_EVENTS(NOTIFY_ENUM)
#undef NOTIFY_ENUM
	NE__COUNT
};

#define NOTIFY_NAME_MAX 64     /* node names (corosync's nodelist) */
/* an environment value longer than this is cut: a reason carries an
 * agent's stderr line, and a hook needs no more to say what happened */
#define NOTIFY_VALUE_MAX (WIRE_STR_MAX + 1)

struct notify_event {
	enum notify_kind kind;
	char resource[WIRE_NAME_MAX + 1];   /* "" for node events */
	char node[NOTIFY_NAME_MAX];         /* the node the event is about */
	uint32_t nodeid;
	char source[NOTIFY_NAME_MAX];       /* migrated, failover, relocated: from where */
	char target[NOTIFY_NAME_MAX];       /* ... to where */
	char phase[16];                     /* the resource's phase after it, or "" */
	uint64_t epoch;
	bool ok;
	char reason[NOTIFY_VALUE_MAX];
	bool has_times;                     /* migrated, failover: ms[] from the reports */
	uint32_t ms[WIRE_TIMES];
	uint64_t total_ms, frozen_ms;       /* this node's clock; 0: not known */
	/* stamped when it is queued (notify_submit) */
	uint64_t seq;
	int64_t realtime_ms;                /* CLOCK_REALTIME, ms since the epoch */
};

const char *notify_kind_name(enum notify_kind k);

/* At most this many "K=V" strings, the NULL after the last included. */
#define NOTIFY_ENV_MAX 32
#define NOTIFY_ENV_BYTES 4096

/* The environment of one run: strings point into buf. */
struct notify_env {
	const char *v[NOTIFY_ENV_MAX];
	size_t n;
	char buf[NOTIFY_ENV_BYTES];
	size_t used;
};

/*
 * Build EV's environment (doc/notify.md lists it): HANDOFF_EVENT,
 * HANDOFF_RESOURCE, HANDOFF_NODE, HANDOFF_NODEID, HANDOFF_EPOCH,
 * HANDOFF_RESULT (ok|failed), HANDOFF_REASON, HANDOFF_PHASE,
 * HANDOFF_SEQUENCE, HANDOFF_TIMESTAMP (UTC, ISO 8601 with ms), for
 * relocated HANDOFF_SOURCE and HANDOFF_TARGET, and for
 * migrated and failover HANDOFF_SOURCE, HANDOFF_TARGET, HANDOFF_MS_DUMP ...
 * HANDOFF_MS_RESTORE, HANDOFF_TOTAL_MS, HANDOFF_FROZEN_MS.  Values go to
 * the program as environment only (never through a shell); control
 * characters in them become '?', so a value is one line.
 */
void notify_env_build(const struct notify_event *ev, struct notify_env *env);

/*
 * The checks of `notify = PATH` at config load: absolute, an existing
 * regular file, executable, owned by root (or by the user handoffd runs
 * as) and writable by nobody else, in a directory that nobody else may
 * write to either: it runs as root.  0, or -1 with the reason in WHY.
 */
int notify_path_check(const char *path, char *why, size_t len);

#endif
