/*
 * rm_local_state.c - the daemon's use of local_state.h: the table is seeded
 * from the file when it is built (a new corosync connection), and the file
 * is written again when an epoch or a named dump changed.
 *
 * Not on the hot path more than needed: changes are compared per event
 * (a few compares a resource), and the write (the whole file, fsynced) is
 * coalesced over LOCAL_STATE_DELAY_MS, so a standby drain of a thousand
 * resources writes it a few times a second, not a thousand times.  That
 * delay costs no safety: S3 rests on the migration id the dump carries,
 * which a lagging file never reuses; the file only keeps epochs from
 * starting again at 0 (S4: they grow only through quorum-gated decisions,
 * and a lagging epoch merely loses the merge to a newer one).
 */
#include <errno.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handoffd.h"
#include "local_state.h"
#include "resource_manager.h"

#define LOCAL_STATE_DELAY_MS 100

static void state_path(const struct resource_manager *rm, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", rm->d->cfg.state_dir, LOCAL_STATE_FILE);
}

static void entry_of(const struct rsm_res *r, struct local_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", r->conf->name);
	e->epoch = r->epoch;
	e->dump_epoch = r->dump_epoch;
	memcpy(e->dump_id, r->dump_id, WIRE_ID_LEN);
}

static bool entry_differs(const struct rsm_res *r, const struct local_entry *e)
{
	return r->epoch != e->epoch || r->dump_epoch != e->dump_epoch ||
	       memcmp(r->dump_id, e->dump_id, WIRE_ID_LEN) != 0;
}

void rm_local_state_flush(struct resource_manager *rm)
{
	char path[RES_PATH_MAX + 32], why[256];

	if (rm->kept_timer_armed) {
		qb_loop_timer_del(rm->d->loop, rm->kept_timer);
		rm->kept_timer_armed = false;
	}
	if (!rm->kept_dirty || !rm->kept)
		return;
	for (size_t i = 0; i < rm->rsm.n_res; i++)
		entry_of(&rm->rsm.res[i], &rm->kept[i]);
	state_path(rm, path, sizeof(path));
	if (local_state_save(path, rm->kept, rm->rsm.n_res, why, sizeof(why)) < 0) {
		/* tried again at the next change; loud, for it weakens S4 */
		qb_log(LOG_ERR, "cannot keep the epochs in %s: %s", path, why);
		return;
	}
	rm->kept_dirty = false;
}

static void flush_timer(void *data)
{
	struct resource_manager *rm = data;

	rm->kept_timer_armed = false;
	rm_local_state_flush(rm);
}

void rm_local_state_note(struct resource_manager *rm)
{
	if (!rm->ready || !rm->kept)
		return;
	for (size_t i = 0; i < rm->rsm.n_res && !rm->kept_dirty; i++)
		rm->kept_dirty = entry_differs(&rm->rsm.res[i], &rm->kept[i]);
	if (!rm->kept_dirty || rm->kept_timer_armed)
		return;
	if (qb_loop_timer_add(rm->d->loop, QB_LOOP_LOW, LOCAL_STATE_DELAY_MS * 1000000ULL, rm,
			      flush_timer, &rm->kept_timer) == 0)
		rm->kept_timer_armed = true;
	else
		rm_local_state_flush(rm);
}

void rm_local_state_seed(struct resource_manager *rm)
{
	char path[RES_PATH_MAX + 32], why[256];
	struct local_entry *v;
	size_t n, seeded = 0;
	int rc;

	free(rm->kept);
	rm->kept = calloc(rm->rsm.n_res ? rm->rsm.n_res : 1, sizeof(*rm->kept));
	rm->kept_dirty = false;
	state_path(rm, path, sizeof(path));
	rc = local_state_load(path, &v, &n, why, sizeof(why));
	if (rc < 0) {
		/* hostile or broken: never half-used; the merge brings the
		 * other nodes' epochs, and the next change rewrites it */
		qb_log(LOG_ERR, "ignoring %s: %s", path, why);
		n = 0;
	} else if (rc == 1) {
		qb_log(LOG_INFO, "no %s yet: epochs start at 0", path);
	}
	for (size_t i = 0; i < n; i++)
		seeded += rsm_seed(&rm->rsm, v[i].name, v[i].epoch, v[i].dump_epoch,
				   v[i].dump_id);
	if (n)
		qb_log(LOG_NOTICE, "%zu of the %zu resources in %s seeded the table", seeded, n, path);
	free(v);
	for (size_t i = 0; rm->kept && i < rm->rsm.n_res; i++)
		entry_of(&rm->rsm.res[i], &rm->kept[i]);
	/* a broken file is replaced as soon as possible */
	rm->kept_dirty = rc < 0;
}
