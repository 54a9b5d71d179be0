/*
 * local_state.h - what this node keeps through a restart of every node:
 * per resource its epoch and the dump its table names (epoch and id), in
 * one small file under the config's state_dir.  It seeds the table at
 * start (rsm_seed), so it enters the merge through STATE and epochs never
 * start again at 0 (S3: a dump of an earlier life never passes for a new
 * one; S4: epochs only grow).
 *
 * The file is text, one resource a line, written whole and atomically
 * (temporary file, fsync, rename, fsync of the directory):
 *
 *   handoff-local-state 1
 *   res NAME EPOCH DUMP_EPOCH DUMP_ID      (DUMP_ID: 32 hex digits)
 *   end COUNT
 *
 * Reading it trusts nothing: a file that does not parse as exactly this
 * (a missing end line, a bad number, an overlong line, a duplicate name)
 * is refused whole with a reason, never half-used.
 */
#ifndef HANDOFF_LOCAL_STATE_H
#define HANDOFF_LOCAL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "../cpg/wire.h"

#define LOCAL_STATE_FILE "local-state"
#define LOCAL_STATE_MAX_BYTES (4u * 1024 * 1024)

struct local_entry {
	char name[WIRE_NAME_MAX + 1];
	uint64_t epoch;
	uint64_t dump_epoch;
	uint8_t dump_id[WIRE_ID_LEN];
};

/*
 * Read PATH into *OUT (malloc'd, *N entries).  Returns 0, 1 when there is
 * no such file (a first start: *N = 0), or -1 with the reason in WHY.
 */
int local_state_load(const char *path, struct local_entry **out, size_t *n,
		     char *why, size_t why_len);
/* The same, from the file's TEXT (NUL-terminated; cut up in place):
 * 0, or -1 with the reason in WHY.  The fuzz tier's entry point. */
int local_state_parse(char *text, struct local_entry **out, size_t *n, char *why,
		      size_t why_len);
/* Write the N entries of V to PATH atomically; 0, or -1 with WHY. */
int local_state_save(const char *path, const struct local_entry *v, size_t n,
		     char *why, size_t why_len);

#endif
