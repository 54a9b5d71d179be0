/*
 * drbd_events.h - read `drbdsetup events2` (drbd-utils 9; DRBD 8.4 through
 * drbdsetup-84, and 9), one line at a time, as hostile input.
 *
 * The stream, without --timestamps or --statistics:
 *   exists resource name:r0 role:Primary suspended:no
 *   exists connection name:r0 peer-node-id:1 conn-name:peer connection:Connected role:Secondary
 *   exists device name:r0 volume:0 minor:0 disk:UpToDate
 *   exists peer-device name:r0 peer-node-id:1 conn-name:peer volume:0 replication:Established ...
 *   exists -                          (the initial state is complete)
 *   change device name:r0 volume:0 minor:0 disk:Failed
 *   change resource name:r0 role:Secondary
 *   destroy device name:r0 volume:0 minor:0
 *   call helper name:r0 ... / response helper ...
 * Fields are KEY:VALUE separated by single spaces; keys that are not read
 * here are skipped, so that later drbd-utils may add some.  Only two facts
 * matter: the *resource* object's role (a connection's role is the peer's)
 * and a *device*'s disk.
 *
 * Pure functions over (buffer, length): no I/O, no allocation, no reliance
 * on a terminating NUL.  A line that does not validate returns -1 with a
 * one-line reason (printable ASCII) and leaves nothing half-set.
 */
#ifndef HANDOFF_DRBD_EVENTS_H
#define HANDOFF_DRBD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "drbd_parse.h"

/* A DRBD resource name as handoff.conf allows it (RES_NAME_MAX). */
#define DRBD_EV_NAME_MAX 63
/* A longer line is not events2's: it is dropped whole. */
#define DRBD_EV_LINE_MAX 1024

enum drbd_ev_kind { DRBD_EV_EXISTS, DRBD_EV_CREATE, DRBD_EV_CHANGE, DRBD_EV_DESTROY,
		    DRBD_EV_CALL, DRBD_EV_RESPONSE };
enum drbd_ev_object { DRBD_OBJ_RESOURCE, DRBD_OBJ_CONNECTION, DRBD_OBJ_DEVICE,
		      DRBD_OBJ_PEER_DEVICE, DRBD_OBJ_PATH, DRBD_OBJ_HELPER,
		      DRBD_OBJ_END /* "exists -": the initial state is complete */ };

struct drbd_event {
	enum drbd_ev_kind kind;
	enum drbd_ev_object object;
	char name[DRBD_EV_NAME_MAX + 1];   /* "" for DRBD_OBJ_END */
	bool has_role;                     /* a resource object's role: this node's */
	enum drbd_role role;
	bool has_disk;                     /* a device's local disk */
	enum drbd_disk disk;
};

/* One line, without its newline. 0, or -1 with err set (err may be NULL
 * when errlen is 0). */
int drbd_event_parse(const char *line, size_t len, struct drbd_event *ev,
		     char *err, size_t errlen);

/*
 * Does EV call for a check of a resource that runs here at once?  A role
 * that is not Primary, a disk that is not UpToDate (Failed, Diskless,
 * Inconsistent, ...: the check's verdict decides), the resource or a
 * device destroyed (drbdadm down).  Creations, connections, peers and
 * helpers say nothing about the local copy.
 */
bool drbd_event_alarms(const struct drbd_event *ev);

/*
 * Lines out of a byte stream: drbd_lines_feed() hands each complete line
 * (without "\n") to FN; a line longer than DRBD_EV_LINE_MAX is dropped
 * whole and counted, as is a line holding a NUL.  Keeps at most one
 * partial line between feeds.
 */
struct drbd_lines {
	char buf[DRBD_EV_LINE_MAX];
	size_t len;
	bool overlong;          /* the current line is being dropped */
	bool nul;               /* ... it held a NUL */
	unsigned long dropped;  /* lines dropped so far */
};

typedef void (*drbd_line_fn)(void *ctx, const char *line, size_t len);
void drbd_lines_feed(struct drbd_lines *l, const char *data, size_t n, drbd_line_fn fn,
		     void *ctx);

#endif
