/*
 * drbd_parse.h - read what drbdadm (drbd-utils 9) prints, for DRBD 8.4 and 9.
 *
 * Pure functions over (buffer, length): no I/O, no allocation, no reliance
 * on a terminating NUL.  Any input is accepted (empty, binary, huge, no
 * final newline); what is not understood yields the UNKNOWN value, a
 * return of -1 and a one-line reason in err (printable ASCII only).
 *
 * Formats (drbd-utils 9; an 8.4 kernel is driven through drbdadm-84):
 *   role    8.4 "Primary/Secondary" (local/peer), one line per volume;
 *           9   "Primary" (the resource's role only).
 *           "Unconfigured" (8.4) when the resource is down.
 *   cstate  8.4 one word per volume: StandAlone ... WFConnection,
 *           WFReportParams, Connected, SyncSource, ..., Behind;
 *           9   one word per connection: StandAlone ... Connecting, Connected.
 *   dstate  "Local/Peer" per volume (9: "Local/Peer1/Peer2..." or just
 *           "Local" without peers).
 *   status  "r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n"
 *           "    replication:Established peer-disk:UpToDate\n"; 9 names the
 *           peer ("  node2 role:Secondary"); a connection that is not up
 *           shows "  peer connection:Connecting" and no peer role/disk.
 *           Lines wrap at 80 columns (continuations are indented deeper),
 *           so fields are read by key, not by position.
 * Several volumes or peers are folded into one answer that errs on the
 * safe side: the worst disk, "connected" only if every connection is,
 * peer role Primary if any peer is (Unknown if any peer is unknown).
 *
 * "Connected" means a replication link to the peer is up, so DRBD itself
 * would refuse a second Primary: 8.4 cstate Connected or anything after it
 * in DRBD's order (StartingSync*, WFBitMap*, WFSyncUUID, Sync*, PausedSync*,
 * Verify*, Ahead, Behind); DRBD 9 cstate Connected (its sync states live in
 * the separate replication state, where everything but Off is up).
 * WFReportParams (8.4) and replication Off are still handshaking: not
 * connected.  A connected peer may be Inconsistent: readiness must also
 * look at the disk states.
 */
#ifndef HANDOFF_DRBD_PARSE_H
#define HANDOFF_DRBD_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest DRBD state word is 14 ("NetworkFailure"); room for a little more. */
#define DRBD_NAME_MAX 32

enum drbd_role {
	DRBD_ROLE_UNKNOWN = 0,   /* also DRBD's own "Unknown" */
	DRBD_ROLE_PRIMARY,
	DRBD_ROLE_SECONDARY,
};

/* DRBD's disk states.  The enum order is not DRBD's "how good" order:
 * use drbd_disk_worse() to compare. */
enum drbd_disk {
	DRBD_DISK_UNKNOWN = 0,   /* not understood (not DRBD's DUnknown) */
	DRBD_DISK_DISKLESS,
	DRBD_DISK_ATTACHING,
	DRBD_DISK_DETACHING,     /* DRBD 9 only */
	DRBD_DISK_FAILED,
	DRBD_DISK_NEGOTIATING,
	DRBD_DISK_INCONSISTENT,
	DRBD_DISK_OUTDATED,
	DRBD_DISK_CONSISTENT,
	DRBD_DISK_UPTODATE,
	DRBD_DISK_DUNKNOWN,      /* the peer's disk is not known (not connected) */
};

struct drbd_roles {
	enum drbd_role local;
	enum drbd_role peer;     /* DRBD_ROLE_UNKNOWN unless have_peer */
	bool have_peer;          /* 8.4 "Local/Peer" form */
};

struct drbd_cstate {
	char name[DRBD_NAME_MAX];  /* as printed ("" if unreadable) */
	bool connected;
};

struct drbd_dstate {
	enum drbd_disk local;
	enum drbd_disk peer;     /* DRBD_DISK_UNKNOWN unless have_peer */
	bool have_peer;
};

struct drbd_status {
	enum drbd_role role;
	enum drbd_disk disk;
	bool connected;            /* peers > 0 and every connection is up */
	unsigned peers;            /* connections listed */
	enum drbd_role peer_role;
	enum drbd_disk peer_disk;  /* DUNKNOWN when not connected */
	char cstate[DRBD_NAME_MAX]; /* first connection not up, else "Connected" */
};

const char *drbd_role_name(enum drbd_role r);
const char *drbd_disk_name(enum drbd_disk d);
/* Exact DRBD spelling of one word (n bytes, no NUL needed). */
enum drbd_role drbd_role_from_name(const char *s, size_t n);
enum drbd_disk drbd_disk_from_name(const char *s, size_t n);
/* true if a is a worse disk than b in DRBD's order
 * (Diskless < Attaching < Detaching < Failed < Negotiating < Inconsistent
 *  < Outdated < DUnknown < Consistent < UpToDate); UNKNOWN is the worst. */
bool drbd_disk_worse(enum drbd_disk a, enum drbd_disk b);
/* Is this cstate word (8.4 or 9) an established link?  *known says whether
 * the word is a DRBD connection state at all. */
bool drbd_cstate_connected(const char *s, size_t n, bool *known);

/* Each returns 0, or -1 with err set (err may be NULL; errlen 0 is fine). */
int drbd_parse_role(const char *out, size_t len, struct drbd_roles *r,
		    char *err, size_t errlen);
int drbd_parse_cstate(const char *out, size_t len, struct drbd_cstate *c,
		      char *err, size_t errlen);
int drbd_parse_dstate(const char *out, size_t len, struct drbd_dstate *d,
		      char *err, size_t errlen);
/* resource: the block to read; NULL takes the first one. */
int drbd_parse_status(const char *out, size_t len, const char *resource,
		      struct drbd_status *st, char *err, size_t errlen);

/*
 * The line of drbdadm's stderr worth showing to a human, trimmed and made
 * printable, into dst (always NUL-terminated when dstlen > 0).  In order of
 * preference: DRBD's "State change failed: (-N) ..." (with the kernel's
 * "additional info" appended), a "Failure: (N) ..." line, "not defined in
 * your config", any other line that is not drbdadm's own "Command '...'
 * terminated with exit code N" trailer, and that trailer last.
 * Returns the length written ("" when stderr holds nothing printable).
 */
size_t drbd_error_line(const char *err, size_t len, char *dst, size_t dstlen);

/* What drbdadm's exit code means: 11 "refused by DRBD", 17 "refused by
 * DRBD: no access to UpToDate data", 10 "failed (DRBD error or resource not
 * defined)", 20 "drbdadm error" ...; never NULL. */
const char *drbd_exit_reason(int exit_code);

/* "refused by DRBD: 0: State change failed: (-1) Multiple primaries not
 * allowed by config": the reason for exit_code, then drbd_error_line(). */
size_t drbd_describe_failure(int exit_code, const char *err, size_t len,
			     char *dst, size_t dstlen);

#endif
