/*
 * notify.h - run the `notify` program of handoff.conf(5) for each event
 * (notify_event.h), on the loop, bounded in time, count and memory.
 *
 * Each run is an op_start() child (op_runner.h): own process group, clean
 * environment plus the event's variables, argv = { PATH, EVENT }, stdin
 * /dev/null, output captured; after notify_timeout SIGTERM to its group,
 * then SIGKILL.  At most NOTIFY_PARALLEL run at once; up to NOTIFY_QUEUE
 * more wait in a fixed ring, in order; an event beyond that is dropped and
 * counted (one log line when the burst begins, one with the count when the
 * queue has drained), so a storm of events costs bounded memory and
 * processes.  A run that exits non-zero, times out or cannot be executed
 * is logged with its event.
 *
 * A self-fence's event (notify_submit_urgent) skips the queue and the
 * limit, with a bound of at most NOTIFY_URGENT_MS: starting it is a vfork
 * and an exec, and nothing waits for it, so it never delays the fence.
 */
#ifndef HANDOFF_NOTIFY_H
#define HANDOFF_NOTIFY_H

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stdint.h>

#include "handoff_conf.h"
#include "notify_event.h"

#define NOTIFY_PARALLEL 4
#define NOTIFY_QUEUE 64
#define NOTIFY_URGENT_MS 5000u

/* The waiting events: a fixed ring (pure, unit-tested). */
struct notify_queue {
	struct notify_event v[NOTIFY_QUEUE];
	size_t head, n;
};
/* false when full: the caller counts the drop */
bool notify_queue_push(struct notify_queue *q, const struct notify_event *ev);
bool notify_queue_pop(struct notify_queue *q, struct notify_event *ev);

struct notify_run;

struct notify {
	qb_loop_t *loop;
	const struct handoff_config *cfg;   /* notify, notify_timeout_ms */
	struct notify_queue queue;
	struct notify_run *runs;            /* in flight, for notify_fini */
	size_t running;                     /* of them, counted against the limit */
	uint64_t seq;                       /* events numbered so far */
	uint64_t dropped;                   /* ever */
	uint64_t burst_dropped;             /* since the queue was last empty */
	uint64_t failed;                    /* runs that did not exit 0 */
};

void notify_init(struct notify *n, qb_loop_t *loop, const struct handoff_config *cfg);
/* Cancel what runs (SIGKILL to its group) and forget what waits. */
void notify_fini(struct notify *n);
/* Queue EV (seq and time stamped here); a no-op without `notify`. */
void notify_submit(struct notify *n, struct notify_event *ev);
/* The same, at once and outside the limit: the self-fence. */
void notify_submit_urgent(struct notify *n, struct notify_event *ev);

#endif
