/*
 * rsm_health.c - the recovery policy in the replicated state machine
 * (doc/protocol.md, rules 25-32): what every member decides, alike, from
 * an owner's FAILED report or a workload found dead at a sync.
 *
 *   failure, restart budget left      -> restart in place: STOPPING
 *                                        (restart), then STARTING there
 *   budget spent, or a storage failure,
 *   or the owner may not run it       -> relocate, up to max_relocations:
 *     workload alive on a mounted Primary (storage failure)
 *                                      -> live migration (PREPARING)
 *     otherwise                        -> STOPPING (relocate), then a cold
 *                                        STARTING on the target
 *   relocations spent, or no target   -> FAILED until a cleanup
 *
 * Every input is in the ordered messages (the reporter's clock in the
 * report or in the owner's STATE, never a local one), so every member
 * counts and decides the same.
 */
#include <stdio.h>
#include <string.h>

#include "rsm_priv.h"

bool rsm_seed_failures(struct rsm *m, const char *name, uint16_t fail_count,
		       uint16_t reloc_count, uint64_t last_fail_ms, const char *last_fail)
{
	struct rsm_res *r = rsm_find(m, name);

	if (!r)
		return false;
	r->fail_count = fail_count;
	r->reloc_count = reloc_count;
	r->last_fail_ms = last_fail_ms;
	snprintf(r->last_fail, sizeof(r->last_fail), "%s", last_fail);
	return true;
}

static void fail(struct rsm_res *r, struct rsm_actions *out)
{
	r->phase = PHASE_FAILED;
	rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, false,
		      "%s: %s; FAILED until a cleanup", r->conf->name, r->last_error);
}

/*
 * The restart budget is spent (or never applied): relocate R, or leave it
 * FAILED.  H is the failure's history entry, made a relocation's here.
 * Only a quorate partition moves a resource (S4: the decision grows the
 * epoch, and the target's start passes its own gate too).
 */
static void relocate(struct rsm *m, struct rsm_res *r, struct rsm_history *h, bool live,
		     const char *why_not_here, struct rsm_actions *out)
{
	const char *name = r->conf->name;
	uint32_t to;

	if (r->reloc_count >= r->conf->max_relocations) {
		rsm_set_error(r, "failure %u (%s), relocations %u of max_relocations %u spent: "
			      "%.150s", r->fail_count, why_not_here, r->reloc_count,
			      r->conf->max_relocations, r->last_fail);
		fail(r, out);
		return;
	}
	to = m->partition_quorate ? rsm_relocation_target(m, r) : 0;
	if (!to) {
		rsm_set_error(r, "failure %u (%s); no other eligible member with UpToDate data "
			      "to relocate to: %.150s", r->fail_count, why_not_here, r->last_fail);
		fail(r, out);
		return;
	}
	if (r->reloc_count < UINT16_MAX)
		r->reloc_count++;
	/* the new node gets its own restart budget; the relocation count and
	 * the last failure's time keep the policy's memory */
	r->fail_count = 0;
	h->kind = HIST_RELOCATE;
	h->target = to;
	h->ok = true;
	snprintf(h->result, sizeof(h->result), "%s: %s; %.180s", live ? "live" : "cold",
		 why_not_here, r->last_fail);
	if (live) {
		/* S5 and S1 as any migration: the target's PREPARED first, the
		 * source demotes before the target promotes */
		rsm_begin_migration(m, r, to, out);
	} else {
		/* S1, S2: the target starts only after the owner's stop said it
		 * let go (rsm_recovery_stopped) */
		r->phase = PHASE_STOPPING;
		r->relocating = true;
		r->target = to;
		rsm_new_epoch(r);
		if (r->owner == m->local_nodeid)
			rsm_push_text(out, ACT_STOP, name, r->epoch, 0, true, "relocate");
	}
	rsm_push_text(out, ACT_LOG, name, r->epoch, 0, false,
		      "%s: %s; relocating it %s from node %u to node %u (relocation %u of at "
		      "most %u, epoch %llu)", name, r->last_fail,
		      live ? "live" : "by a stop and a cold start", r->owner, to,
		      r->reloc_count, r->conf->max_relocations, (unsigned long long)r->epoch);
}

void rsm_count_failure(struct rsm *m, struct rsm_res *r, uint8_t kind, uint8_t flags,
		       uint64_t at_ms, const char *reason, struct rsm_actions *out)
{
	const char *what = kind == FAIL_STORAGE ? "storage" : "workload";
	char why_not_here[160];
	struct rsm_history *h;
	const char *why;
	uint64_t since;

	/* a clock that went back (another owner's, or stepped) counts as no
	 * time: never a reason to forget failures (rule 27) */
	since = at_ms > r->last_fail_ms ? at_ms - r->last_fail_ms : 0;
	if (since > r->conf->failure_timeout_ms) {
		r->fail_count = 0;
		r->reloc_count = 0;
	}
	if (r->fail_count < UINT16_MAX)
		r->fail_count++;
	r->last_fail_ms = at_ms;
	snprintf(r->last_fail, sizeof(r->last_fail), "%s on node %u: %.200s", what, r->owner,
		 reason);
	h = rsm_history_push(m);
	snprintf(h->resource, sizeof(h->resource), "%s", r->conf->name);
	h->epoch = r->epoch;
	h->kind = HIST_RESTART;
	h->source = h->target = r->owner;
	snprintf(h->result, sizeof(h->result), "%s", r->last_fail);

	why = rsm_ineligible(m, r, r->owner);
	if (kind == FAIL_STORAGE)
		/* a restart in place would fail its own disk check (rule 30) */
		snprintf(why_not_here, sizeof(why_not_here), "a storage failure moves it away");
	else if (r->fail_count > r->conf->max_restarts)
		snprintf(why_not_here, sizeof(why_not_here), "max_restarts %u",
			 r->conf->max_restarts);
	else if (why)
		snprintf(why_not_here, sizeof(why_not_here), "node %u may not run it: %.100s",
			 r->owner, why);
	else
		why_not_here[0] = '\0';
	if (why_not_here[0]) {
		/* live only when the workload still runs on a mounted Primary:
		 * a dead one has nothing to dump (rule 30) */
		relocate(m, r, h, kind == FAIL_STORAGE && (flags & WIRE_FAIL_LIVE), why_not_here,
			 out);
		return;
	}
	h->ok = true;
	r->phase = PHASE_STOPPING;
	r->restarting = true;
	rsm_new_epoch(r);
	rsm_push_text(out, ACT_LOG, r->conf->name, r->epoch, 0, false,
		      "%s: %s; failure %u of at most %u: restarting it in place (epoch %llu)",
		      r->conf->name, r->last_fail, r->fail_count, r->conf->max_restarts,
		      (unsigned long long)r->epoch);
	if (r->owner == m->local_nodeid)
		rsm_push_text(out, ACT_STOP, r->conf->name, r->epoch, 0, true, "restart");
}

/*
 * FAILED: the owner's monitor found its RUNNING resource failed.  Only
 * the owner's report for the current epoch counts (an old one, or one
 * from anyone else, says nothing about what runs now: rule 25).
 */
void rsm_process_failed(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	const struct wire_failure *f = &msg->u.failure;
	struct rsm_res *r = rsm_find(m, f->resource);

	if (!r || msg->hdr.epoch != r->epoch || msg->hdr.nodeid != r->owner ||
	    r->phase != PHASE_RUNNING) {
		rsm_push_text(out, ACT_LOG, f->resource, msg->hdr.epoch, 0, false,
			      "ignored a stale FAILED for %s (epoch %llu) from node %u",
			      f->resource, (unsigned long long)msg->hdr.epoch, msg->hdr.nodeid);
		return;
	}
	rsm_count_failure(m, r, f->kind, f->flags, f->at_ms, f->reason, out);
}

/*
 * The stop of a restart in place or of a cold relocation ended well: a
 * new decision with a new epoch, like any start (S3: cold, the dump of an
 * earlier life is not restored).  S4 is the starter's: its start opens
 * nothing without quorum.  A restart whose owner may no longer run it
 * (standby since, another configuration) is left STOPPED; a relocation
 * whose target may no longer take it goes to the next one, else FAILED.
 */
void rsm_recovery_stopped(struct rsm *m, struct rsm_res *r, struct rsm_actions *out)
{
	const char *name = r->conf->name;
	uint32_t to = r->relocating ? r->target : r->owner;
	const char *why = rsm_ineligible(m, r, to);
	bool relocating = r->relocating;
	char buf[160];

	r->restarting = r->relocating = false;
	r->target = 0;
	if (relocating && (why || !m->partition_quorate || to == r->owner)) {
		to = m->partition_quorate ? rsm_relocation_target(m, r) : 0;
		why = to ? NULL : "no other eligible member with UpToDate data";
	}
	if (!why)       /* the operator took it meanwhile (rule 34) */
		why = rsm_maint_why(m, r, buf, sizeof(buf));
	if (why) {
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, false,
			      "%s stopped for a %s, but node %u may not run it now (%s): left %s",
			      name, relocating ? "relocation" : "restart", to, why,
			      relocating ? "FAILED" : "stopped");
		r->owner = 0;
		if (relocating) {
			rsm_set_error(r, "stopped to relocate it, but %s may start it: %.150s",
				      why, r->last_fail);
			r->phase = PHASE_FAILED;
		} else {
			r->phase = PHASE_STOPPED;
			r->last_error[0] = '\0';
		}
		return;
	}
	rsm_start_on(r, to);
	if (relocating)
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, true,
			      "starting %s on node %u after its relocation (epoch %llu)", name, to,
			      (unsigned long long)r->epoch);
	else
		rsm_push_text(out, ACT_LOG, name, r->epoch, 0, true,
			      "restarting %s on node %u (epoch %llu, failure %u of at most %u)",
			      name, to, (unsigned long long)r->epoch, r->fail_count,
			      r->conf->max_restarts);
	if (to == m->local_nodeid)
		rsm_push_text(out, ACT_START, name, r->epoch, 0, true,
			      relocating ? "relocate" : "restart");
}
