/*
 * local_state.h - what this node keeps through a restart of every node:
 * per resource its epoch and the dump its table names (epoch and id), and
 * the admin state: every node's standby flag with its generation, and the
 * history (doc/protocol.md, rules 23 and 24), and the recovery policy's
 * counts (rule 32), in one small file under the
 * config's state_dir.  It seeds the table at start (rsm_seed,
 * rsm_seed_standby, rsm_seed_history), so it enters the merge through
 * STATE: epochs never start again at 0 (S3: a dump of an earlier life
 * never passes for a new one; S4: epochs only grow), a node in standby
 * stays so, and a cold start of every node keeps the history.
 *
 * The file is text, one record a line, written whole and atomically
 * (temporary file, fsync, rename, fsync of the directory):
 *
 *   handoff-local-state 3
 *   res NAME EPOCH DUMP_EPOCH DUMP_ID      (DUMP_ID: 32 hex digits)
 *   node NODEID STANDBY STANDBY_GEN        (STANDBY: 0 or 1; GEN > 0)
 *   hist SEQ KIND EPOCH SOURCE TARGET OK MS,MS,MS,MS,MS,MS,MS RESOURCE RESULT
 *   fail NAME FAIL_COUNT RELOC_COUNT LAST_FAIL_MS LAST_FAIL
 *   maint all - ON GEN                     (format 3: the cluster's maintenance,
 *   maint node NODEID ON GEN                a node's, a resource's; ON: 0 or 1;
 *   maint res NAME ON GEN                   GEN > 0; each at most once)
 *   end COUNT                              (how many lines above, all kinds)
 *
 * RESOURCE, RESULT and LAST_FAIL are percent-encoded (every byte outside
 * '!'..'~', and '%', as %XX); "-" is the empty string.  A fail line
 * (version 3; counts at most 65535) is written only for a resource with
 * a count or a last failure.  Versions 1 (only res lines, end counting
 * them) and 2 (no fail or maint lines) are still read.  A new kind of
 * record goes on a line of its own under a new version number, whose
 * reader still reads the older ones.
 *
 * Reading it trusts nothing: a file that does not parse as exactly this
 * (a missing end line, a bad number, an overlong line, a duplicate name
 * or node, more than RSM_HISTORY hist or RSM_MAX_NODES node lines) is
 * refused whole with a reason, never half-used.
 */
#ifndef HANDOFF_LOCAL_STATE_H
#define HANDOFF_LOCAL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "../cpg/wire.h"
#include "rsm.h"

#define LOCAL_STATE_FILE "local-state"
#define LOCAL_STATE_MAX_BYTES (4u * 1024 * 1024)

struct local_entry {
	char name[WIRE_NAME_MAX + 1];
	uint64_t epoch;
	uint64_t dump_epoch;
	uint8_t dump_id[WIRE_ID_LEN];
};

struct local_node {
	uint32_t nodeid;
	uint8_t standby;
	uint64_t standby_gen;
};

/* a fail line: the recovery policy's counts of one resource (rule 32) */
struct local_fail {
	char name[WIRE_NAME_MAX + 1];
	uint16_t fail_count, reloc_count;
	uint64_t last_fail_ms;
	char last_fail[WIRE_STR_MAX + 1];
};

/* a maint line: the maintenance of the cluster, a node or a resource */
struct local_maint {
	uint8_t scope;                 /* enum wire_maint_scope */
	uint32_t nodeid;               /* MAINT_NODE */
	char name[WIRE_NAME_MAX + 1];  /* MAINT_RESOURCE */
	uint8_t on;
	uint64_t gen;
};

struct local_state {
	struct local_entry *res;       /* malloc'd */
	size_t n_res;
	struct local_node nodes[RSM_MAX_NODES];
	size_t n_nodes;
	struct rsm_history *hist;      /* malloc'd, at most RSM_HISTORY */
	size_t n_hist;
	struct local_fail *fail;       /* malloc'd */
	size_t n_fail;
	struct local_maint *maint;     /* malloc'd (format 3) */
	size_t n_maint;
};

/*
 * Read PATH into *ST (release with local_state_free).  Returns 0, 1 when
 * there is no such file (a first start: *ST empty), or -1 with the reason
 * in WHY (*ST empty).
 */
int local_state_load(const char *path, struct local_state *st, char *why, size_t why_len);
/* The same, from the file's TEXT (NUL-terminated; cut up in place):
 * 0, or -1 with the reason in WHY.  The fuzz tier's entry point. */
int local_state_parse(char *text, struct local_state *st, char *why, size_t why_len);
/* Write *ST to PATH atomically; 0, or -1 with WHY. */
int local_state_save(const char *path, const struct local_state *st, char *why,
		     size_t why_len);
void local_state_free(struct local_state *st);

#endif
