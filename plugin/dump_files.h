/*
 * dump_files.h - the dump directory and its markers, on a filesystem the
 * workload can write (S3; doc/migration.md, "The dump directory").
 *
 * handoffd is root and the workload's filesystem is not to be trusted: a
 * workload that plants a symbolic link (the dump directory pointing to
 * /etc, "complete.new" pointing to /etc/shadow) must not make root write,
 * read or remove anything outside that filesystem.  So nothing here takes
 * a path to the kernel in one piece:
 *
 *   - the mount point is opened (O_DIRECTORY|O_NOFOLLOW) and must be the
 *     root of a mount; from there every component of dump_dir, then the
 *     dump directory itself, is opened relative to its parent's fd with
 *     O_NOFOLLOW, and must be a directory on the same device (st_dev),
 *     owned by root and not writable by group or other: a workload that is
 *     not root can then neither plant nor swap anything in that chain;
 *   - markers are read only when they are root's regular files of at most
 *     DUMP_MARKER_MAX bytes (checked before and after the open, which uses
 *     O_NOFOLLOW|O_NONBLOCK: no FIFO blocks it, no link leads it away) and
 *     their text is parsed as hostile input;
 *   - markers are written to NAME.new with O_CREAT|O_EXCL|O_NOFOLLOW,
 *     fsynced, renamed over NAME (rename never follows a link) and the
 *     directory fsynced: DRBD protocol C has them on the peer's disk when
 *     the call returns;
 *   - removal is unlinkat() entry by entry, never following a link and
 *     never entering another filesystem (st_dev).
 *
 * The calls block on the filesystem (a hung DRBD hangs them): handoffd runs
 * them in a child process (op_start_fn), never in its loop.  Each returns
 * 0, or -1 with one line in WHY (LEN bytes) that names the path and the
 * problem; the texts of the old shell steps are kept where tests grep them.
 */
#ifndef HANDOFF_DUMP_FILES_H
#define HANDOFF_DUMP_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUMP_MARKER_MAX 128     /* a longer file is not a marker */
#define DUMP_ID_HEX_LEN 32      /* the migration id, lower-case hex */

/* Where a dump lives: MOUNT_POINT/DUMP_DIR/NAME. */
struct dump_place {
	const char *mount_point;   /* absolute, canonical, a mount's root */
	const char *dump_dir;      /* relative, no ".." */
	const char *name;          /* one component */
	/* the filesystem's root directory must be root's and not writable by
	 * group or other (or sticky) too: for the steps after which an agent
	 * gets the dump directory as a path, or finds its own files under
	 * dump_dir by path, while a workload that may rename entries of the
	 * root could swap dump_dir for a link */
	bool strict_root;
};

/* "epoch E id HEX node N\n"; an older handoff wrote "epoch E node N\n"
 * (then ID is ""). */
struct dump_marker {
	uint64_t epoch;
	char id[DUMP_ID_HEX_LEN + 1];
	uint32_t node;
};

/* TEXT (LEN bytes, not NUL-terminated) into M: 0, or -1 when it is not
 * exactly one marker line (M is then cleared). */
int dump_marker_parse(const char *text, size_t len, struct dump_marker *m);

/*
 * An empty dump directory for a new dump: dump_dir's missing components
 * are created (0755), an old dump directory is removed, a new one made
 * (0700: it will hold the workload's memory).
 */
int dump_prepare(const struct dump_place *p, char *why, size_t len);

/* Marker MARKER ("complete", "consumed") in the dump directory, which must
 * exist: "epoch EPOCH id ID_HEX node NODE", atomically and fsynced. */
int dump_mark(const struct dump_place *p, const char *marker, uint64_t epoch,
	      const char *id_hex, uint32_t node, char *why, size_t len);

/* May the dump be restored for EPOCH and ID_HEX (S3)?  Its complete marker
 * carries both, and there is no consumed marker (of any kind). */
int dump_check(const struct dump_place *p, uint64_t epoch, const char *id_hex,
	       char *why, size_t len);

/* Marker MARKER goes (absent already: fine), the directory fsynced. */
int dump_unmark(const struct dump_place *p, const char *marker, char *why, size_t len);

/* The dump directory goes with everything in it (absent: fine), then the
 * filesystem is synced (syncfs). */
int dump_remove(const struct dump_place *p, char *why, size_t len);

#endif
