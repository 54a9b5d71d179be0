#include "rsm.h"
#include "rsm_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- actions --------------------------------------------------------------- */

struct rsm_action *rsm_push(struct rsm_actions *a, enum rsm_action_type type,
			       const char *res)
{
	struct rsm_action *act;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct rsm_action *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return NULL;   /* the daemon sees fewer actions; logged there */
		a->v = v;
		a->cap = cap;
	}
	act = &a->v[a->n++];
	memset(act, 0, sizeof(*act));
	act->type = type;
	if (res)
		snprintf(act->resource, sizeof(act->resource), "%s", res);
	return act;
}

void rsm_push_text(struct rsm_actions *a, enum rsm_action_type type, const char *res,
		      uint64_t epoch, uint32_t req_id, bool ok, const char *fmt, ...)
{
	struct rsm_action *act = rsm_push(a, type, res);
	va_list ap;

	if (!act)
		return;
	act->epoch = epoch;
	act->req_id = req_id;
	act->ok = ok;
	va_start(ap, fmt);
	vsnprintf(act->text, sizeof(act->text), fmt, ap);
	va_end(ap);
}

void rsm_actions_clear(struct rsm_actions *a)
{
	a->n = 0;
}

void rsm_actions_free(struct rsm_actions *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* ---- nodes and resources -------------------------------------------------- */

static struct rsm_node *node_get(struct rsm *m, uint32_t nodeid, bool add)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].nodeid == nodeid)
			return &m->nodes[i];
	if (!add || m->n_nodes == RSM_MAX_NODES)
		return NULL;
	memset(&m->nodes[m->n_nodes], 0, sizeof(m->nodes[0]));
	m->nodes[m->n_nodes].nodeid = nodeid;
	return &m->nodes[m->n_nodes++];
}

struct rsm_node *rsm_node_add(struct rsm *m, uint32_t nodeid)
{
	return node_get(m, nodeid, true);
}

const struct rsm_node *rsm_node(const struct rsm *m, uint32_t nodeid)
{
	return node_get((struct rsm *)m, nodeid, false);
}

struct rsm_res *rsm_find(struct rsm *m, const char *name)
{
	for (size_t i = 0; i < m->n_res; i++)
		if (!strcmp(m->res[i].conf->name, name))
			return &m->res[i];
	return NULL;
}

/* field by field: struct wire_lost has padding */
static bool same_lost(const struct rsm_res *a, const struct rsm_res *b)
{
	if (a->n_lost != b->n_lost)
		return false;
	for (size_t k = 0; k < a->n_lost; k++)
		if (a->lost[k].node != b->lost[k].node || a->lost[k].fence != b->lost[k].fence)
			return false;
	return true;
}

const struct rsm_res *rsm_differs(const struct rsm *a, const struct rsm *b)
{
	for (size_t i = 0; i < a->n_res && i < b->n_res; i++) {
		const struct rsm_res *x = &a->res[i], *y = &b->res[i];
		if (x->owner != y->owner || x->phase != y->phase || x->epoch != y->epoch ||
		    x->target != y->target || strcmp(x->last_error, y->last_error) ||
		    x->dump_epoch != y->dump_epoch || memcmp(x->dump_id, y->dump_id, WIRE_ID_LEN) ||
		    x->fresh != y->fresh || !same_lost(x, y) || memcmp(x->ms, y->ms, sizeof(x->ms)) ||
		    x->fail_count != y->fail_count || x->last_fail_ms != y->last_fail_ms ||
		    strcmp(x->last_fail, y->last_fail) || x->restarting != y->restarting ||
		    x->reloc_count != y->reloc_count || x->relocating != y->relocating)
			return x;
	}
	return NULL;
}

bool rsm_identity_differs(const struct rsm *a, const struct rsm *b, char *why, size_t len)
{
	if (a->n_members != b->n_members) {
		snprintf(why, len, "%zu members against %zu", a->n_members, b->n_members);
		return true;
	}
	for (size_t i = 0; i < a->n_members; i++) {
		const struct rsm_member *x = &a->members[i];
		const struct rsm_member *y = rsm_member(b, x->nodeid, x->pid);
		if (!y || x->status != y->status) {
			snprintf(why, len, "member node %u pid %u: %s against %s", x->nodeid, x->pid,
				 rsm_member_status_name(x->status),
				 y ? rsm_member_status_name(y->status) : "absent");
			return true;
		}
	}
	/* the node arrays are in order of first sight: compare by nodeid, a
	 * node one of them never saw counts as a non-member not in standby */
	for (int pass = 0; pass < 2; pass++) {
		const struct rsm *p = pass ? b : a, *q = pass ? a : b;
		for (size_t i = 0; i < p->n_nodes; i++) {
			const struct rsm_node *x = &p->nodes[i], *y = rsm_node(q, x->nodeid);
			bool ym = y && y->member, ys = y && y->standby;
			if (x->member != ym || x->standby != ys) {
				snprintf(why, len, "node %u: member %d standby %d against member %d "
					 "standby %d", x->nodeid, x->member, x->standby, ym, ys);
				return true;
			}
		}
	}
	return false;
}

static uint32_t nodeid_of(const struct rsm *m, const char *name)
{
	char *end;
	unsigned long id;

	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].name[0] && !strcmp(m->nodes[i].name, name))
			return m->nodes[i].nodeid;
	/* a bare nodeid is accepted too */
	id = strtoul(name, &end, 10);
	return (*end == '\0' && id > 0 && id <= UINT32_MAX) ? (uint32_t)id : 0;
}

size_t rsm_preference(const struct rsm *m, const struct rsm_res *r, uint32_t *ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->conf->n_nodes && n < max; i++) {
		uint32_t id = nodeid_of(m, r->conf->nodes[i]);
		if (id)
			ids[n++] = id;
	}
	return n;
}

const char *rsm_ineligible(const struct rsm *m, const struct rsm_res *r, uint32_t nodeid)
{
	const struct rsm_node *n = rsm_node(m, nodeid);
	uint32_t pref[RES_MAX_NODES];
	size_t np = rsm_preference(m, r, pref, RES_MAX_NODES);
	bool allowed = false;

	for (size_t i = 0; i < np; i++)
		if (pref[i] == nodeid)
			allowed = true;
	if (!allowed)
		return "not among the resource's nodes";
	if (!n || !n->member)
		return "not a member of the cluster";
	if (!n->eligible)
		return "its configuration differs from the cluster's (config digest)";
	if (!r->known[n - m->nodes])
		return "its configuration has no such resource (at the last sync)";
	if (n->timing_why[0])
		return n->timing_why;
	if (n->standby)
		return "it is in standby";
	if (n->maint)
		return "it is in maintenance";
	return NULL;
}

int rsm_init(struct rsm *m, const struct handoff_config *cfg, uint32_t local_nodeid,
	     const uint32_t *ids, const char *const *names, size_t n_names)
{
	memset(m, 0, sizeof(*m));
	m->local_nodeid = local_nodeid;
	m->local_digest = config_digest(cfg);
	m->timing.self_fence_timeout_ms = cfg->self_fence_timeout_ms;
	m->timing.fence_delay_ms = cfg->fence_delay_ms;
	for (size_t i = 0; i < n_names; i++) {
		struct rsm_node *n = node_get(m, ids[i], true);
		if (n)
			snprintf(n->name, sizeof(n->name), "%s", names[i]);
	}
	if (cfg->n_resources) {
		m->res = calloc(cfg->n_resources, sizeof(*m->res));
		if (!m->res)
			return -1;
	}
	m->n_res = cfg->n_resources;
	for (size_t i = 0; i < m->n_res; i++) {
		m->res[i].conf = &cfg->resources[i];
		m->res[i].phase = PHASE_STOPPED;
		m->res[i].fresh = true;
	}
	return 0;
}

bool rsm_seed(struct rsm *m, const char *name, uint64_t epoch, uint64_t dump_epoch,
	      const uint8_t dump_id[WIRE_ID_LEN])
{
	struct rsm_res *r = rsm_find(m, name);

	if (!r)
		return false;
	/* a dump of a later epoch than its table, or half a name: not a
	 * dump this table ever named, so it names none */
	if (dump_epoch > epoch || (dump_epoch == 0) != wire_id_is_zero(dump_id)) {
		dump_epoch = 0;
		dump_id = NULL;
	}
	r->epoch = epoch;
	r->dump_epoch = dump_epoch;
	if (dump_id)
		memcpy(r->dump_id, dump_id, WIRE_ID_LEN);
	else
		memset(r->dump_id, 0, WIRE_ID_LEN);
	return true;
}

void rsm_new_epoch(struct rsm_res *r)
{
	r->epoch++;
	r->fresh = false;
}

static void free_state(struct wire_state *st)
{
	struct wire_msg tmp = { .hdr = { .type = MSG_STATE } };

	tmp.u.state = *st;
	wire_free(&tmp);
	memset(st, 0, sizeof(*st));
}

static void free_states(struct rsm *m)
{
	for (size_t i = 0; i < m->n_nodes; i++) {
		free_state(&m->nodes[i].state);
		m->nodes[i].state_seen = false;
		m->nodes[i].state_pid = 0;
	}
}

static void free_held(struct rsm *m)
{
	for (size_t i = 0; i < m->n_held; i++)
		wire_free(&m->held[i]);
	m->n_held = 0;
}

void rsm_free(struct rsm *m)
{
	free_states(m);
	free_held(m);
	free(m->held);
	free(m->res);
	memset(m, 0, sizeof(*m));
}

/* ---- who speaks for a node ---------------------------------------------------- */

/*
 * A member's status (doc/protocol.md rules 17-22), by event; every member
 * applies the same events in the same order, so all hold the same:
 *
 *                       unknown     handoffd    handoffd    foreign     contested
 *                                   unsettled   settled
 *  confchg, a join      unknown     unknown     unknown     unknown     unknown
 *  confchg, leaves only unknown     unsettled   settled     foreign     unknown
 *  it announces, node   handoffd    -           -           handoffd    refused
 *   has no handoffd                                         (a sync)
 *  it announces, node's contested   -           -           contested   refused
 *   handoffd unsettled  (both)                              (both)
 *  it announces, node's refused     -           -           refused     refused
 *   handoffd settled
 *  FOREIGN names it,    foreign     -           -           -           -
 *   silent this sync
 *  the merge            unknown     settled     settled     foreign     contested
 *
 * announce() takes the announcement rows, contest() the pair, mark_foreign()
 * the FOREIGN row, rsm_confchg_members() the confchg rows and merge() the
 * last; receive_hello/_state/_foreign are the handlers.
 */

/* N's STATE in this sync is *ST (moved), sent by its handoffd PID. */
static void take_state(struct rsm_node *n, uint32_t pid, struct wire_state *st)
{
	if (n->state_seen)
		free_state(&n->state);
	n->state = *st;
	memset(st, 0, sizeof(*st));
	n->state_pid = pid;
	n->state_seen = true;
	n->digest = n->state.config_digest;
	n->proto_min = n->state.proto_min;
	n->proto_max = n->state.proto_max;
	n->quorate_now = (n->state.flags & WIRE_STATE_QUORATE_NOW) != 0;
	n->timing.self_fence_timeout_ms = n->state.self_fence_timeout_ms;
	n->timing.fence_delay_ms = n->state.fence_delay_ms;
	n->timing.watchdog_ms = n->state.watchdog_ms;
	n->timing.detect_ms = n->state.detect_ms;
	n->timing_seen = true;
}

static struct rsm_member *member_find(struct rsm *m, uint32_t nodeid, uint32_t pid)
{
	for (size_t i = 0; i < m->n_members; i++)
		if (m->members[i].nodeid == nodeid && m->members[i].pid == pid)
			return &m->members[i];
	return NULL;
}

const struct rsm_member *rsm_member(const struct rsm *m, uint32_t nodeid, uint32_t pid)
{
	return member_find((struct rsm *)m, nodeid, pid);
}

const char *rsm_member_status_name(uint8_t status)
{
	return status == MEMBER_DAEMON ? "handoffd" : status == MEMBER_FOREIGN ? "foreign" :
	       "unknown";
}

/* NODEID's handoffd member other than NOT, or NULL (at most one: S1 needs
 * one voice per node). */
static struct rsm_member *daemon_of(struct rsm *m, uint32_t nodeid, const struct rsm_member *not)
{
	for (size_t i = 0; i < m->n_members; i++)
		if (m->members[i].nodeid == nodeid && m->members[i].status == MEMBER_DAEMON &&
		    &m->members[i] != not)
			return &m->members[i];
	return NULL;
}

/*
 * A node takes part (the barrier waits for its STATE, the table counts it
 * as present) while it has a member not marked foreign: its handoffd, or
 * one that has not announced itself yet.  A node whose only members are
 * foreign is away, as when its handoffd is down.
 */
static void members_to_nodes(struct rsm *m)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		m->nodes[i].member = false;
	for (size_t i = 0; i < m->n_members; i++) {
		struct rsm_node *n;
		if (m->members[i].status == MEMBER_FOREIGN ||
		    !(n = node_get(m, m->members[i].nodeid, true)))
			continue;
		n->member = true;
		if (m->members[i].status == MEMBER_DAEMON)
			n->fence_confirmed = false;   /* back: it is not down now */
	}
	/* Standby is not reset here for a node that left: every member
	 * holds the same records of every node, members or not (each STATE
	 * carries them, and the merge takes the same from them: rule 23).
	 * Before, a node was in standby as its own STATE said, and members
	 * forgot it when it left. */
}

static void drop(struct rsm *m, const struct wire_msg *msg, uint32_t pid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void drop(struct rsm *m, const struct wire_msg *msg, uint32_t pid, const char *fmt, ...)
{
	int n;
	va_list ap;

	m->n_dropped++;
	n = snprintf(m->drop_why, sizeof(m->drop_why), "%s from node %u pid %u: ",
		     wire_type_name(msg->hdr.type), msg->hdr.nodeid, pid);
	if (n < 0 || (size_t)n >= sizeof(m->drop_why))
		return;
	va_start(ap, fmt);
	vsnprintf(m->drop_why + n, sizeof(m->drop_why) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void start_sync(struct rsm *m, struct rsm_actions *out);

static bool all_states_seen(const struct rsm *m);
static void merge(struct rsm *m, struct rsm_actions *out);

/* A and B, two members of one node, announced themselves in one sync:
 * neither speaks for it until the next confchg (rule 17).  Whichever came
 * first cannot be the handoffd by that alone: a process beside it may race
 * every handoffd's HELLO after a confchg.  The node is away, as when its
 * handoffd is down; what it sent counts for nothing. */
static void contest(struct rsm *m, struct rsm_member *a, struct rsm_member *b,
		    struct rsm_actions *out)
{
	struct rsm_node *n = node_get(m, a->nodeid, false);

	a->status = b->status = MEMBER_FOREIGN;
	a->contested = b->contested = true;
	a->settled = b->settled = false;
	if (n && n->state_seen) {
		free_state(&n->state);
		n->state_seen = false;
		n->state_pid = 0;
	}
	members_to_nodes(m);
	if (out)
		rsm_push_text(out, ACT_LOG, "", 0, 0, true,
			      "node %u: pids %u and %u both announced themselves as its handoffd "
			      "in one sync: neither speaks for node %u until the membership changes "
			      "(a process other than handoffd uses CPG there: doc/security.md)",
			      a->nodeid, a->pid, b->pid, a->nodeid);
}

/*
 * MB announced itself (HELLO or STATE).  False when it is refused: its
 * node has a settled handoffd, or MB is contested, or MB and its node's
 * unsettled handoffd are now contested.  A foreign member on a node
 * without a handoffd is one again (a handoffd whose loop stalled past the
 * bound: re-admitted); outside a sync a new one opens, so that its STATE
 * enters the table.  The caller ends the barrier if a contest let it end.
 */
static bool announce(struct rsm *m, struct rsm_member *mb, struct rsm_actions *out)
{
	bool was_foreign = mb->status == MEMBER_FOREIGN;
	struct rsm_member *other;

	if (mb->contested)
		return false;
	if ((other = daemon_of(m, mb->nodeid, mb))) {
		if (!other->settled)
			contest(m, other, mb, out);
		return false;
	}
	if (mb->status == MEMBER_DAEMON)
		return true;
	mb->status = MEMBER_DAEMON;
	members_to_nodes(m);
	if (was_foreign && out) {
		rsm_push_text(out, ACT_LOG, "", 0, 0, true,
			      "node %u pid %u announced itself after it was marked foreign: "
			      "it speaks for node %u again", mb->nodeid, mb->pid, mb->nodeid);
		if (!m->syncing)
			start_sync(m, out);
	}
	return true;
}

/* A FOREIGN from SENDER names (NODEID, PID): foreign, if it is not known
 * yet (a handoffd stays one: a sync that RESYNC, CLEANUP or a re-admission
 * opened resets `announced`, but nobody says HELLO for it) and announced
 * nothing since this sync began.  Every member decides alike: the
 * statuses, the sync's beginning and the announcements are points of the
 * agreed order. */
static void mark_foreign(struct rsm *m, const struct rsm_member *sender, uint32_t nodeid,
			 uint32_t pid, struct rsm_actions *out)
{
	struct rsm_member *mb = member_find(m, nodeid, pid);

	if (!sender || sender->status != MEMBER_DAEMON || !mb || mb->announced ||
	    mb->status != MEMBER_UNKNOWN)
		return;
	mb->status = MEMBER_FOREIGN;
	members_to_nodes(m);
	if (!out)
		return;
	rsm_push_text(out, ACT_LOG, "", 0, 0, false,
		      "node %u pid %u is in CPG group but announced nothing for %u ms: "
		      "foreign, ignored (the sync no longer waits for it)",
		      nodeid, pid, FOREIGN_AFTER_MS);
	/* ourselves, stalled that long: say who we are again */
	if (nodeid == m->local_nodeid && pid == m->local_pid)
		rsm_push(out, ACT_SEND_HELLO, NULL);
}

/* Is S's members list the group as it is now (a STATE of this sync's
 * membership, not of one before the last confchg)? */
static bool snap_current(const struct rsm *m, const struct wire_state *s)
{
	if (s->n_members != m->n_members)
		return false;
	for (size_t i = 0; i < s->n_members; i++)
		if (!rsm_member(m, s->members[i].nodeid, s->members[i].pid))
			return false;
	return true;
}

/* ---- the sync barrier ------------------------------------------------------ */

static void start_sync(struct rsm *m, struct rsm_actions *out)
{
	free_states(m);
	m->syncing = true;
	/* the group as this sync finds it (STATE: a STATE whose list is not
	 * the receiver's group is of an earlier sync and does not count) */
	m->n_snap = m->n_members;
	for (size_t i = 0; i < m->n_members; i++) {
		m->snap[i] = (struct wire_member){ m->members[i].nodeid, m->members[i].pid,
						   m->members[i].status };
		m->members[i].announced = m->members[i].refused = false;
	}
	rsm_push(out, ACT_SEND_STATE, NULL);
}

void rsm_resync(struct rsm *m, struct rsm_actions *out)
{
	start_sync(m, out);
}

size_t rsm_silent(const struct rsm *m, struct wire_member *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_members && n < max; i++)
		if (m->members[i].status == MEMBER_UNKNOWN && !m->members[i].announced)
			out[n++] = (struct wire_member){ m->members[i].nodeid, m->members[i].pid, 0 };
	return n;
}

void rsm_confchg_members(struct rsm *m, const struct wire_member *members, size_t n,
			 struct rsm_actions *out)
{
	/* (nodeid, pid, status) only: a struct rsm_member holds a parked
	 * STATE, RSM_MAX_MEMBERS of them would take 200 KB of stack */
	struct wire_member next[RSM_MAX_MEMBERS];
	bool settled[RSM_MAX_MEMBERS];
	size_t nn = 0;
	bool local = false, joined = false;

	for (size_t i = 0; i < n && nn < RSM_MAX_MEMBERS; i++) {
		struct rsm_member *old = member_find(m, members[i].nodeid, members[i].pid);
		/* a contested member may announce itself again (its rival may
		 * have left); the others that stay keep what they are */
		bool keep = old && !old->contested;
		settled[nn] = keep && old->settled;
		next[nn++] = (struct wire_member){ members[i].nodeid, members[i].pid,
						   keep ? old->status : MEMBER_UNKNOWN };
		joined |= !old;
		node_get(m, members[i].nodeid, true);
		local |= members[i].nodeid == m->local_nodeid && members[i].pid == m->local_pid;
	}
	/*
	 * Somebody joined (a process, or the other side of a healed
	 * partition): every member of the new group sees a join, and only the
	 * ones that were together before share what they knew.  So everyone
	 * forgets every status and takes what the announcements after this
	 * confchg say; none has to learn another's past (rule 17).  When
	 * members only left, all that stay come from one group and hold the
	 * same statuses.
	 */
	for (size_t i = 0; joined && i < nn; i++) {
		next[i].status = MEMBER_UNKNOWN;
		settled[i] = false;
	}
	for (size_t i = 0; i < nn; i++) {
		memset(&m->members[i], 0, sizeof(m->members[i]));
		m->members[i].nodeid = next[i].nodeid;
		m->members[i].pid = next[i].pid;
		m->members[i].status = next[i].status;
		m->members[i].settled = settled[i];
	}
	m->n_members = nn;
	members_to_nodes(m);
	/* a handoffd says who it is before anything else: the others' bound
	 * (FOREIGN_AFTER_MS) must not catch it while it probes for its STATE */
	if (local)
		rsm_push(out, ACT_SEND_HELLO, NULL);
	/*
	 * Messages held for an unfinished sync were delivered to the old
	 * membership only; a new member never saw them.  Every old member
	 * drops them alike, and the requesters are told to retry.
	 */
	for (size_t i = 0; i < m->n_held; i++) {
		const struct wire_msg *h = &m->held[i];
		if (h->hdr.nodeid == m->local_nodeid &&
		    (h->hdr.type == MSG_START || h->hdr.type == MSG_STOP ||
		     h->hdr.type == MSG_CLEANUP || h->hdr.type == MSG_MIGRATE ||
		     h->hdr.type == MSG_STANDBY || h->hdr.type == MSG_FENCE_CONFIRM ||
		     h->hdr.type == MSG_MAINTENANCE))
			rsm_push_text(out, ACT_REPLY, h->u.req.resource, 0, h->u.req.req_id, false,
				  "membership changed before the request was decided; try again");
	}
	free_held(m);
	start_sync(m, out);
}

void rsm_confchg(struct rsm *m, const uint32_t *members, size_t n, struct rsm_actions *out)
{
	struct wire_member list[RSM_MAX_MEMBERS];

	for (size_t i = 0; i < n && i < RSM_MAX_MEMBERS; i++)
		list[i] = (struct wire_member){ members[i], 0, 0 };
	rsm_confchg_members(m, list, n < RSM_MAX_MEMBERS ? n : RSM_MAX_MEMBERS, out);
}

static int phase_rank(unsigned phase)
{
	/* how far a resource got; breaks ties between entries of one epoch */
	static const int rank[PHASE__MAX] = {
		[PHASE_STOPPED] = 0, [PHASE_STARTING] = 1, [PHASE_RUNNING] = 2,
		[PHASE_PREPARING] = 3, [PHASE_RELEASING] = 4, [PHASE_RESTORING] = 5,
		[PHASE_HANDING_BACK] = 6, [PHASE_FAILING_OVER] = 7,
		[PHASE_STOPPING] = 8, [PHASE_FAILED] = 9,
	};
	return phase < PHASE__MAX ? rank[phase] : -1;
}

static void choose_reference(struct rsm *m)
{
	uint16_t ranges[RSM_MAX_NODES][2];
	size_t nr = 0;
	size_t best_count = 0;

	m->reference_digest = 0;
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *a = &m->nodes[i];
		size_t count = 0;
		if (!a->member)
			continue;
		ranges[nr][0] = a->proto_min;
		ranges[nr][1] = a->proto_max;
		nr++;
		for (size_t j = 0; j < m->n_nodes; j++)
			if (m->nodes[j].member && m->nodes[j].digest == a->digest)
				count++;
		/* the digest most members hold; a tie goes to the smaller value */
		if (count > best_count || (count == best_count && a->digest < m->reference_digest)) {
			best_count = count;
			m->reference_digest = a->digest;
		}
	}
	m->version = wire_negotiate((const uint16_t (*)[2])ranges, nr);
	for (size_t i = 0; i < m->n_nodes; i++) {
		struct rsm_node *n = &m->nodes[i];
		n->eligible = n->member && n->digest == m->reference_digest &&
			      m->version != 0 && n->proto_min <= m->version &&
			      m->version <= n->proto_max;
	}
	rsm_check_timings(m);
}

/*
 * Where NAME is among N names (each at STRIDE bytes from the last, the
 * first at BASE), or N.  A node with our configuration sends its entries
 * and facts in the order of our table, so HINT (the resource's index)
 * hits at once; a node whose configuration differs costs a scan.  Without
 * the hint, 8 members of 1000 resources took 8 million compares a sync.
 */
static size_t index_of(const void *base, size_t n, size_t stride, size_t name_off,
		       const char *name, size_t hint)
{
	const char *p = base;

#define NAME_AT(i) (*(const char *const *)(p + (i) * stride + name_off))
	if (hint < n && !strcmp(NAME_AT(hint), name))
		return hint;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(NAME_AT(i), name))
			return i;
#undef NAME_AT
	return n;
}

static const struct wire_entry *entry_of(const struct rsm_node *n, const char *name, size_t hint)
{
	size_t i = index_of(n->state.entries, n->state.n_entries, sizeof(struct wire_entry),
			    offsetof(struct wire_entry, name), name, hint);
	return i < n->state.n_entries ? &n->state.entries[i] : NULL;
}

static const struct wire_fact *fact_of(const struct rsm_node *n, const char *name, size_t hint)
{
	size_t i = index_of(n->state.facts, n->state.n_facts, sizeof(struct wire_fact),
			    offsetof(struct wire_fact, name), name, hint);
	return i < n->state.n_facts ? &n->state.facts[i] : NULL;
}

/*
 * The entry for R that wins the merge, or NULL when no member has one: the
 * table of the newest quorate sync first (table_gen), then the highest
 * epoch, then the phase that got further, then the lowest nodeid.  The
 * generation comes first because a migration ends (STARTED, ABORT, a
 * refused PREPARED) without a new epoch: a node cut off before the end
 * would otherwise bring back, say, RESTORING of that epoch, which outranks
 * the RUNNING that ended it (the model found that: doc/protocol.md).
 */
static const struct wire_entry *best_entry(const struct rsm *m, const char *name, size_t hint,
					   const struct wire_state **from)
{
	const struct wire_entry *best = NULL;
	uint32_t best_sender = 0;
	uint64_t best_gen = 0;

	/* the node array is in order of first sight, which differs between
	 * members: every tie is broken on values, never on that order */
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		const struct wire_entry *e;
		int rank, best_rank;

		if (!n->member || !(e = entry_of(n, name, hint)))
			continue;
		rank = phase_rank(e->phase);
		best_rank = best ? phase_rank(best->phase) : -1;
		if (!best || n->state.table_gen > best_gen ||
		    (n->state.table_gen == best_gen &&
		     (e->epoch > best->epoch ||
		      (e->epoch == best->epoch && rank > best_rank) ||
		      (e->epoch == best->epoch && rank == best_rank &&
		       n->nodeid < best_sender)))) {
			best = e;
			best_sender = n->nodeid;
			best_gen = n->state.table_gen;
			*from = &n->state;
		}
	}
	return best;
}

void rsm_set_error(struct rsm_res *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_error, sizeof(r->last_error), fmt, ap);
	va_end(ap);
}

bool rsm_is_member(const struct rsm *m, uint32_t nodeid)
{
	const struct rsm_node *n = rsm_node(m, nodeid);
	return n && n->member;
}

/* The lost owners the winning entry waits for (S1: a member that joined
 * since they left learns them here). */
static void entry_lost(const struct wire_state *s, const struct wire_entry *e,
		       struct rsm_res *r)
{
	r->n_lost = 0;
	if (!e->n_lost || e->lost_first + (size_t)e->n_lost > s->n_lost)
		return;
	memcpy(r->lost, &s->lost[e->lost_first], e->n_lost * sizeof(r->lost[0]));
	r->n_lost = e->n_lost;
}

static void merge_resource(struct rsm *m, struct rsm_res *r, struct rsm_actions *out)
{
	const char *name = r->conf->name;
	const size_t idx = (size_t)(r - m->res);
	const struct wire_state *from = NULL;
	const struct wire_entry *e = best_entry(m, name, idx, &from);
	uint32_t running[RSM_MAX_NODES], holding[RSM_MAX_NODES];
	const struct wire_fact *facts[RSM_MAX_NODES] = { 0 };
	size_t n_running = 0, n_holding = 0;
	bool cleanup = false, maint;

	if (e) {
		/* a CLEANUP asked for this resync: the table was FAILED at the
		 * CLEANUP's epoch with the error cleared */
		cleanup = e->phase == PHASE_FAILED && e->last_error[0] == '\0';
		r->owner = e->owner;
		r->phase = e->phase;
		r->epoch = e->epoch;
		r->target = e->target;
		snprintf(r->last_error, sizeof(r->last_error), "%s", e->last_error);
		r->fresh = (e->flags & WIRE_ENTRY_FRESH) != 0;
		r->dump_epoch = e->dump_epoch;
		memcpy(r->dump_id, e->dump_id, WIRE_ID_LEN);
		/* the phase times the history entry that ends it will carry:
		 * the winner's, not what this member happened to see (rule 24) */
		memcpy(r->ms, e->ms, sizeof(r->ms));
		entry_lost(from, e, r);
		r->restarting = (e->flags & WIRE_ENTRY_RESTART) != 0;
		r->relocating = (e->flags & WIRE_ENTRY_RELOCATE) != 0;
		r->fail_count = e->fail_count;
		r->reloc_count = e->reloc_count;
		r->last_fail_ms = e->last_fail_ms;
		snprintf(r->last_fail, sizeof(r->last_fail), "%s", e->last_fail);
		r->adopt = (e->flags & WIRE_ENTRY_ADOPT) != 0;
	}
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		const struct wire_fact *f;
		/* a node whose STATE has no entry for it does not know it (a
		 * reload under way): never its owner or target (rule 37) */
		r->known[i] = n->member && entry_of(n, name, idx) != NULL;
		if (!n->member || !(f = fact_of(n, name, idx)))
			continue;
		r->disk[i] = f->disk;
		facts[i] = f;
		if (f->running)
			running[n_running++] = n->nodeid;
		if (f->running || f->mounted || f->role == ROLE_PRIMARY)
			holding[n_holding++] = n->nodeid;
	}

	maint = rsm_maint_why(m, r, NULL, 0) != NULL;
	if (maint || (r->adopt && !m->partition_quorate)) {
		/* maintenance: the operator works by hand; the table keeps what
		 * it said, repairs nothing, fails nothing over (rule 34); out of
		 * it, the adoption waits for a quorate merge (rule 35, S4) */
		r->adopt = r->adopt && !maint;
		r->owner_lost = r->owner != 0 && !rsm_is_member(m, r->owner);
		return;
	}
	if (r->adopt && rsm_adopt(m, r, running, n_running, out)) {
		/* out of maintenance: what runs is adopted (rule 35) */
	} else if (rsm_migrating(r->phase)) {
		/* the facts are in motion: the reports decide, unless an end left */
		rsm_merge_migration(m, r, out);
	} else if (n_running > 0) {
		uint32_t keep = running[0];
		bool owner_runs = false;
		for (size_t i = 0; i < n_running; i++) {
			if (running[i] == r->owner)
				owner_runs = true;
			if (running[i] < keep)
				keep = running[i];
		}
		if (owner_runs)
			keep = r->owner;
		if (n_running > 1)
			rsm_push_text(out, ACT_LOG, name, r->epoch, 0, false,
				  "%s runs on %zu nodes at once; keeping node %u, stopping the others",
				  name, n_running, keep);
		if (!(owner_runs && (r->phase == PHASE_STARTING || r->phase == PHASE_STOPPING))) {
			if (r->owner != keep || r->phase != PHASE_RUNNING)
				rsm_push_text(out, ACT_LOG, name, r->epoch, 0, true,
					  "%s found running on node %u: adopted", name, keep);
			r->owner = keep;
			r->phase = PHASE_RUNNING;
			r->last_error[0] = '\0';
		}
	} else if (r->phase == PHASE_RUNNING) {
		const struct rsm_node *o = rsm_node(m, r->owner);
		if (o && o->member && m->partition_quorate) {
			/* counted like its owner's report, at its owner's clock
			 * in the STATE every member holds (rule 31) */
			rsm_count_failure(m, r, FAIL_WORKLOAD, 0, o->state.clock_ms,
					  "not running at the sync", out);
		} else if (o && o->member) {
			r->phase = PHASE_FAILED;
			rsm_set_error(r, "not running on its owner, node %u, at the sync", r->owner);
		} else if (m->partition_quorate) {
			rsm_fail_over(m, r, r->owner, out);
		}
	} else if (r->phase == PHASE_FAILING_OVER) {
		/* the lost owners that are back holding nothing wait no more;
		 * then, if the new owner left too, the next one (it joins the
		 * lost owners if it may have begun: S1) */
		rsm_lost_prune(m, r, facts, out);
		if (!rsm_is_member(m, r->owner) && m->partition_quorate)
			rsm_fail_over(m, r, r->owner, out);
	} else if (r->phase == PHASE_STARTING || r->phase == PHASE_STOPPING) {
		if (!rsm_is_member(m, r->owner)) {
			rsm_set_error(r, "owner node %u left during %s", r->owner,
				  r->phase == PHASE_STARTING ? "start" : "stop");
			r->phase = PHASE_FAILED;
		}
	} else if (r->phase == PHASE_FAILED && cleanup) {
		r->phase = PHASE_STOPPED;
		r->owner = 0;
	} else if (r->phase == PHASE_FAILED) {
		/* its lost owners that are back holding nothing wait no more */
		rsm_lost_prune(m, r, facts, out);
	}
	r->owner_lost = r->owner != 0 && !rsm_is_member(m, r->owner);
	if (r->phase != PHASE_STOPPING) {
		/* adopted, or its owner left: no restart or relocation follows */
		if (r->relocating)
			r->target = 0;
		r->restarting = r->relocating = false;
	}
	if (r->phase != PHASE_FAILING_OVER && r->phase != PHASE_FAILED)
		r->n_lost = 0;      /* nothing waits for a lost owner any more */

	/* whoever holds it without owning it lets go, at once */
	if (r->phase == PHASE_FAILING_OVER) {
		/* the new owner is about to take it: it holds it by right; a lost
		 * owner back and still holding it lets go, which the failover
		 * waits for (S1) */
		for (size_t i = 0; i < n_holding; i++)
			if (holding[i] == m->local_nodeid && holding[i] != r->owner &&
			    rsm_lost_has(r, holding[i]))
				rsm_push_text(out, ACT_RELEASE, name, r->epoch, 0, true,
					      "%s: this node is a lost owner back from a failover that "
					      "waits for it to let go", name);
		return;
	}
	for (size_t i = 0; i < n_holding; i++) {
		if (holding[i] == r->owner && r->phase != PHASE_STOPPED)
			continue;
		if (holding[i] == r->target && rsm_migrating(r->phase))
			continue;
		if (holding[i] == m->local_nodeid)
			rsm_push_text(out, ACT_RELEASE, name, r->epoch, 0, true,
				  "this node holds %s but does not own it", name);
	}
}

static void process(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out);

/* Keep MSG (moved) until the sync is over: not from a member, or past its
 * sender's bound, it is dropped, alike on every member (the count does not
 * depend on statuses: the group and the order are what every member
 * shares first). */
static void hold(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_member *mb = member_find(m, msg->hdr.nodeid, msg->pid);

	if (!mb || mb->n_held >= RSM_HELD_PER_MEMBER(m->n_res)) {
		drop(m, msg, msg->pid, "%s", !mb ? "not a member of the group" :
		     "too many messages held from it in this sync");
		if (out && msg->hdr.nodeid == m->local_nodeid && msg->pid == m->local_pid &&
		    !wire_is_report(msg->hdr.type) && msg->hdr.type != MSG_RESULT)
			rsm_push_text(out, ACT_REPLY, msg->u.req.resource, 0, msg->u.req.req_id,
				      false, "too many messages wait for the sync; try again");
		wire_free(msg);
		return;
	}
	mb->n_held++;
	if (m->n_held == m->cap_held) {
		size_t cap = m->cap_held ? m->cap_held * 2 : 16;
		struct wire_msg *h = realloc(m->held, cap * sizeof(*h));
		if (!h) {
			wire_free(msg);
			return;
		}
		m->held = h;
		m->cap_held = cap;
	}
	m->held[m->n_held++] = *msg;
	memset(msg, 0, sizeof(*msg));
}

static void merge(struct rsm *m, struct rsm_actions *out)
{
	struct wire_msg *held = m->held;
	size_t n_held = m->n_held;
	uint64_t max_gen;

	choose_reference(m);
	/* Quorum is the partition's, so one member that knew it is enough;
	 * without it nothing here may fail over (its epochs must not grow). */
	m->partition_quorate = false;
	max_gen = 0;
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		m->partition_quorate |= n->member && n->quorate_now;
		if (n->member && n->state.table_gen > max_gen)
			max_gen = n->state.table_gen;
	}
	/* standby first: the failovers below choose among eligible nodes */
	rsm_merge_standby(m);
	rsm_merge_maint(m);
	rsm_merge_history(m);
	for (size_t i = 0; i < m->n_res; i++)
		merge_resource(m, &m->res[i], out);
	m->table_gen = max_gen + (m->partition_quorate ? 1 : 0);
	free_states(m);
	m->syncing = false;
	/* The drain must decide alike on every member, but neither its failed
	 * moves nor the last STANDBY's parallelism is in a STATE: a restarted
	 * member knows neither (test/fuzz/fuzz_rsm found the tables apart).
	 * So every merge starts it afresh, one move at a time. */
	m->standby_parallel = 0;
	for (size_t i = 0; i < m->n_res; i++)
		m->res[i].drain_failed = false;
	/* the handoffds this sync ended with: a rival is refused now */
	for (size_t i = 0; i < m->n_members; i++)
		m->members[i].settled = m->members[i].status == MEMBER_DAEMON;
	rsm_drain(m, out);

	/*
	 * Replay what was held, in the order it was delivered.  A replayed
	 * CLEANUP starts a new sync: what follows it is held again.
	 */
	m->held = NULL;
	m->n_held = m->cap_held = 0;
	for (size_t i = 0; i < m->n_members; i++)
		m->members[i].n_held = 0;
	for (size_t i = 0; i < n_held; i++) {
		if (m->syncing) {
			hold(m, &held[i], out);
			continue;
		}
		process(m, &held[i], out);
		wire_free(&held[i]);
	}
	free(held);
}

/*
 * The barrier ends when every node with a member not marked foreign has
 * sent its STATE, and every member nobody knows yet has said something
 * (accepted or refused) or been named foreign.  The second half keeps a
 * process that races a node's handoffd after a join from ending the sync
 * as that node before the handoffd's own HELLO is delivered: the HELLO
 * comes, and the two are contested (rule 17).
 */
static bool all_states_seen(const struct rsm *m)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].member && !m->nodes[i].state_seen)
			return false;
	for (size_t i = 0; i < m->n_members; i++)
		if (m->members[i].status == MEMBER_UNKNOWN && !m->members[i].announced &&
		    !m->members[i].refused)
			return false;
	return true;
}

/* MB's announcement was refused: say why; a contest may have let the
 * barrier end (the node is away now) */
static void refused(struct rsm *m, const struct rsm_member *mb, const struct wire_msg *msg)
{
	const struct rsm_member *speaker = daemon_of(m, mb->nodeid, mb);

	if (speaker)
		drop(m, msg, msg->pid, "node %u's handoffd is pid %u", mb->nodeid, speaker->pid);
	else
		drop(m, msg, msg->pid, "node %u is contested (two members announced themselves "
		     "in one sync): nobody speaks for it until the membership changes", mb->nodeid);
}

static void receive_state(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_node *n = node_get(m, msg->hdr.nodeid, false);
	struct rsm_member *mb = member_find(m, msg->hdr.nodeid, msg->pid);

	if (!mb || !n) {
		drop(m, msg, msg->pid, "not a member of the group");
		wire_free(msg);
		return;
	}
	/* A member's quorum came after it sent its STATE as not quorate, or
	 * it let go of what a failover waits for: it asks everyone for a new
	 * sync, so that the failover is decided now, not at the next confchg
	 * (L2).  Every member sees this STATE at the same point of the order. */
	if (mb->status == MEMBER_DAEMON && !m->syncing && (msg->u.state.flags & WIRE_STATE_RESYNC))
		start_sync(m, out);
	if (!announce(m, mb, out)) {
		mb->refused = true;
		refused(m, mb, msg);
		wire_free(msg);
		if (m->syncing && all_states_seen(m))
			merge(m, out);
		return;
	}
	mb->announced = true;
	if (!n->member || !m->syncing || !snap_current(m, &msg->u.state)) {
		wire_free(msg);   /* a stale sync, or one before the last confchg */
		return;
	}
	take_state(n, mb->pid, &msg->u.state);
	if (all_states_seen(m))
		merge(m, out);
}

/* HELLO: the sender announces itself as its node's handoffd. */
static void receive_hello(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_member *mb = member_find(m, msg->hdr.nodeid, msg->pid);

	if (!mb) {
		drop(m, msg, msg->pid, "not a member of the group");
		return;
	}
	if (!announce(m, mb, out)) {
		mb->refused = true;
		refused(m, mb, msg);
		if (m->syncing && all_states_seen(m))
			merge(m, out);
		return;
	}
	mb->announced = true;
}

/* FOREIGN: the members it names that are still silent are not handoffds;
 * the barrier may end without them. */
static void receive_foreign(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_member *sender = member_find(m, msg->hdr.nodeid, msg->pid);

	if (!sender) {
		drop(m, msg, msg->pid, "not a member of the group");
		return;
	}
	if (sender->status != MEMBER_DAEMON) {
		drop(m, msg, msg->pid, "not its node's handoffd");
		return;
	}
	for (size_t i = 0; i < msg->u.foreign.n; i++)
		mark_foreign(m, sender, msg->u.foreign.m[i].nodeid, msg->u.foreign.m[i].pid, out);
	if (m->syncing && all_states_seen(m))
		merge(m, out);
}

/* ---- requests and results --------------------------------------------------- */

/* Answer the request MSG: only its sender has a handoffctl waiting. */
void rsm_reply(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out,
		  bool ok, uint64_t epoch, const char *fmt, ...)
{
	struct rsm_action *act;
	va_list ap;

	if (msg->hdr.nodeid != m->local_nodeid)
		return;
	act = rsm_push(out, ACT_REPLY, msg->u.req.resource);
	if (!act)
		return;
	act->epoch = epoch;
	act->req_id = msg->u.req.req_id;
	act->ok = ok;
	va_start(ap, fmt);
	vsnprintf(act->text, sizeof(act->text), fmt, ap);
	va_end(ap);
}

bool rsm_requester_ok(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out,
			 struct rsm_res **rp)
{
	const struct rsm_node *sender = rsm_node(m, msg->hdr.nodeid);

	*rp = rsm_find(m, msg->u.req.resource);
	if (!sender || !sender->eligible) {
		rsm_reply(m, msg, out, false, 0, "%s",
		      "this node's configuration differs from the cluster's; it may not change resources");
		return false;
	}
	if (!*rp) {
		rsm_reply(m, msg, out, false, 0, "unknown resource '%s'", msg->u.req.resource);
		return false;
	}
	return true;
}

void rsm_busy(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out,
		 const struct rsm_res *r)
{

	rsm_reply(m, msg, out, false, r->epoch, "busy: %s is %s on node %u (epoch %llu)", r->conf->name,
		 phase_name(r->phase), r->owner, (unsigned long long)r->epoch);
}

bool rsm_requester_ok_not_failed(struct rsm *m, const struct wire_msg *msg,
				 struct rsm_actions *out, struct rsm_res **rp)
{
	struct rsm_res *r;

	if (!rsm_requester_ok(m, msg, out, rp))
		return false;
	r = *rp;
	if (r->phase == PHASE_FAILED) {
		rsm_reply(m, msg, out, false, r->epoch, "%s has failed (%.120s); run handoffctl cleanup %s first",
			 r->conf->name, r->last_error, r->conf->name);
		return false;
	}
	return true;
}

/* R starts on NODE: a decision of its own (a new epoch). */
void rsm_start_on(struct rsm_res *r, uint32_t node)
{
	r->owner = node;
	r->phase = PHASE_STARTING;
	rsm_new_epoch(r);
	/* a start is cold: no dump of an earlier life may be restored after it
	 * (the start removes it from the filesystem too; S3) */
	r->dump_epoch = 0;
	memset(r->dump_id, 0, WIRE_ID_LEN);
	r->target = 0;
	r->last_error[0] = '\0';
	r->owner_lost = false;
}

static void process_start(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_res *r;
	uint32_t node = msg->u.req.node;
	const char *why;

	if (!rsm_requester_ok_not_failed(m, msg, out, &r))
		return;
	if (r->phase != PHASE_STOPPED) {
		rsm_busy(m, msg, out, r);
		return;
	}
	if (node == 0) {
		uint32_t pref[RES_MAX_NODES];
		size_t np = rsm_preference(m, r, pref, RES_MAX_NODES);
		for (size_t i = 0; i < np && !node; i++)
			if (!rsm_ineligible(m, r, pref[i]))
				node = pref[i];
		if (!node) {
			rsm_reply(m, msg, out, false, r->epoch, "no eligible node for %s among its nodes",
				 r->conf->name);
			return;
		}
	} else if ((why = rsm_ineligible(m, r, node))) {
		rsm_reply(m, msg, out, false, r->epoch, "node %u may not run %s: %s", node, r->conf->name, why);
		return;
	}
	rsm_start_on(r, node);
	rsm_reply(m, msg, out, true, r->epoch, "starting %s on node %u (epoch %llu)", r->conf->name, node,
		 (unsigned long long)r->epoch);
	if (node == m->local_nodeid)
		rsm_push_text(out, ACT_START, r->conf->name, r->epoch, 0, true, "start");
}

static void process_stop(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_res *r;

	if (!rsm_requester_ok(m, msg, out, &r))
		return;
	if (r->phase == PHASE_STOPPED) {
		rsm_reply(m, msg, out, true, r->epoch, "%s is already stopped", r->conf->name);
		return;
	}
	if (r->phase == PHASE_STARTING || r->phase == PHASE_STOPPING) {
		rsm_busy(m, msg, out, r);
		return;
	}
	if (rsm_lost_unconfirmed(m, r)) {
		/* a lost owner may still run it: stopped here, it could then be
		 * started elsewhere while it still runs there (S1, S2) */
		rsm_reply(m, msg, out, false, r->epoch, "%s: %s", r->conf->name,
			  rsm_failover_gated(r) || r->phase == PHASE_FAILED ? r->last_error :
			  "its failover waits out a lost owner's self-fence deadline: stop it "
			  "once it runs");
		return;
	}
	if (r->owner == 0) {            /* FAILED before it had an owner */
		r->phase = PHASE_STOPPED;
		rsm_new_epoch(r);
		r->last_error[0] = '\0';
		rsm_reply(m, msg, out, true, r->epoch, "%s had no owner; now stopped", r->conf->name);
		return;
	}
	if (!rsm_is_member(m, r->owner)) {
		rsm_reply(m, msg, out, false, r->epoch, "%s's owner, node %u, is not a member: "
			 "it cannot be stopped from here", r->conf->name, r->owner);
		return;
	}
	r->phase = PHASE_STOPPING;
	rsm_new_epoch(r);
	rsm_reply(m, msg, out, true, r->epoch, "stopping %s on node %u (epoch %llu)", r->conf->name,
		 r->owner, (unsigned long long)r->epoch);
	if (r->owner == m->local_nodeid)
		rsm_push_text(out, ACT_STOP, r->conf->name, r->epoch, 0, true, "stop");
}

static void process_cleanup(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_res *r;

	if (!rsm_requester_ok(m, msg, out, &r))
		return;
	if (r->phase != PHASE_FAILED) {
		/* the fail count goes back to 0 in any phase: it is the
		 * operator's word that the failures are dealt with */
		bool had = r->fail_count != 0 || r->reloc_count != 0;
		r->fail_count = 0;
		r->reloc_count = 0;
		rsm_reply(m, msg, out, true, r->epoch, "%s is %s: %s", r->conf->name,
			  phase_name(r->phase), had ? "fail count reset" : "nothing to clean up");
		return;
	}
	if (rsm_lost_unconfirmed(m, r)) {
		/* cleaned up, it could be started elsewhere while a lost owner
		 * still runs it (S1, S2) */
		rsm_reply(m, msg, out, false, r->epoch, "%s: a lost owner may still hold it (%s): "
			  "it comes back, or an operator runs handoffctl fence-confirm",
			  r->conf->name, r->last_error);
		return;
	}
	/*
	 * Probe reality: every member sends a fresh STATE with its local
	 * facts, and the merge decides (running somewhere: adopted there;
	 * nowhere: STOPPED).  A FAILED entry with an empty error marks the
	 * cleanup for the merge.
	 */
	rsm_new_epoch(r);
	r->last_error[0] = '\0';
	r->fail_count = 0;
	r->reloc_count = 0;
	rsm_reply(m, msg, out, true, r->epoch, "cleaning up %s: probing every node (epoch %llu)",
		 r->conf->name, (unsigned long long)r->epoch);
	start_sync(m, out);
}

static void process_result(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	struct rsm_res *r = rsm_find(m, msg->u.result.resource);
	const struct wire_result *res = &msg->u.result;
	bool start = res->op == WIRE_OP_START;

	if (!r || msg->hdr.epoch != r->epoch || msg->hdr.nodeid != r->owner ||
	    r->phase != (start ? PHASE_STARTING : PHASE_STOPPING)) {
		rsm_push_text(out, ACT_LOG, res->resource, msg->hdr.epoch, 0, false,
			  "ignored a stale RESULT for %s (epoch %llu) from node %u",
			  res->resource, (unsigned long long)msg->hdr.epoch, msg->hdr.nodeid);
		return;
	}
	if (res->ok && (r->restarting || r->relocating)) {
		rsm_recovery_stopped(m, r, out);
		return;
	}
	if (r->relocating)
		r->target = 0;
	r->restarting = r->relocating = false;
	if (res->ok) {
		r->phase = start ? PHASE_RUNNING : PHASE_STOPPED;
		if (!start)
			r->owner = 0;
		r->last_error[0] = '\0';
	} else {
		r->phase = PHASE_FAILED;
		rsm_set_error(r, "%s on node %u: %s", start ? "start" : "stop", msg->hdr.nodeid,
			  res->error[0] ? res->error : "failed");
	}
}

/*
 * Does MSG come from its node's handoffd?  Checked when it is processed
 * (after the merge for a held one), when every member knows the same
 * statuses.  A request of ours that is refused is answered.
 */
static bool from_handoffd(struct rsm *m, const struct wire_msg *msg, struct rsm_actions *out)
{
	const struct rsm_member *mb = member_find(m, msg->hdr.nodeid, msg->pid);
	const struct rsm_member *speaker = daemon_of(m, msg->hdr.nodeid, NULL);

	if (mb && mb->status == MEMBER_DAEMON)
		return true;
	if (speaker)
		drop(m, msg, msg->pid, "node %u's handoffd is pid %u", msg->hdr.nodeid, speaker->pid);
	else
		drop(m, msg, msg->pid, "%s", !mb ? "not a member of the group" :
		     mb->status == MEMBER_FOREIGN ? "a foreign member" : "it has not announced itself");
	if (msg->hdr.nodeid == m->local_nodeid && msg->pid == m->local_pid &&
	    !wire_is_report(msg->hdr.type) && msg->hdr.type != MSG_RESULT &&
	    msg->hdr.type != MSG_FAILED)
		rsm_push_text(out, ACT_REPLY, msg->u.req.resource, 0, msg->u.req.req_id, false,
			      "this handoffd does not speak for node %u yet; try again",
			      m->local_nodeid);
	return false;
}

static void process(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	if (!from_handoffd(m, msg, out) || rsm_maint_refuses(m, msg, out))
		return;
	switch (msg->hdr.type) {
	case MSG_START:   process_start(m, msg, out); break;
	case MSG_STOP:    process_stop(m, msg, out); break;
	case MSG_CLEANUP: process_cleanup(m, msg, out); break;
	case MSG_RESULT:  process_result(m, msg, out); break;
	case MSG_FAILED:  rsm_process_failed(m, msg, out); break;
	case MSG_MIGRATE: rsm_process_migrate(m, msg, out); break;
	case MSG_STANDBY: rsm_process_standby(m, msg, out); break;
	case MSG_FENCE_CONFIRM: rsm_process_fence_confirm(m, msg, out); break;
	case MSG_MAINTENANCE: rsm_process_maintenance(m, msg, out); break;
	case MSG_PREPARED: case MSG_RELEASED: case MSG_STARTED: case MSG_ABORT:
	case MSG_HANDBACK:
		rsm_process_report(m, msg, out);
		break;
	default:
		/* decoded, so valid, but this version does not act on it yet */
		rsm_push_text(out, ACT_LOG, "", msg->hdr.epoch, 0, false,
			  "ignored %s from node %u: not handled by this version",
			  wire_type_name(msg->hdr.type), msg->hdr.nodeid);
		break;
	}
}

void rsm_deliver_from(struct rsm *m, uint32_t pid, struct wire_msg *msg,
		      struct rsm_actions *out)
{
	msg->pid = pid;
	if (msg->hdr.type == MSG_STATE) {
		receive_state(m, msg, out);
		return;
	}
	if (msg->hdr.type == MSG_HELLO || msg->hdr.type == MSG_FOREIGN) {
		if (msg->hdr.type == MSG_HELLO)
			receive_hello(m, msg, out);
		else
			receive_foreign(m, msg, out);
		wire_free(msg);
		return;
	}
	if (m->syncing) {
		hold(m, msg, out);
		return;
	}
	process(m, msg, out);
	wire_free(msg);
}

void rsm_deliver(struct rsm *m, struct wire_msg *msg, struct rsm_actions *out)
{
	rsm_deliver_from(m, 0, msg, out);
}

void rsm_fill_state(const struct rsm *m, struct wire_state *s,
		    const struct wire_fact *facts, size_t n_facts)
{
	size_t n_lost = 0;

	memset(s, 0, sizeof(*s));
	s->proto_min = WIRE_VERSION_MIN;
	s->proto_max = WIRE_VERSION_MAX;
	s->config_digest = m->local_digest;
	if (m->quorate_ring_seq) {
		s->flags |= WIRE_STATE_QUORATE_SEEN;
		s->quorate_ring_nodeid = m->quorate_ring_nodeid;
	}
	s->table_gen = m->table_gen;
	{
		const struct rsm_node *me = rsm_node(m, m->local_nodeid);
		if (me && me->standby)
			s->flags |= WIRE_STATE_STANDBY;
	}
	if (m->quorate_now)
		s->flags |= WIRE_STATE_QUORATE_NOW;
	if (m->resync)
		s->flags |= WIRE_STATE_RESYNC;
	s->self_fence_timeout_ms = m->timing.self_fence_timeout_ms;
	s->fence_delay_ms = m->timing.fence_delay_ms;
	s->watchdog_ms = m->timing.watchdog_ms;
	s->detect_ms = m->timing.detect_ms;
	s->clock_ms = m->clock_ms;
	for (size_t i = 0; i < m->n_res; i++)
		n_lost += m->res[i].n_lost;
	/* the lost owners, standby records and history follow the entries in
	 * the same allocation: the caller frees the entries alone */
	s->entries = calloc(1, m->n_res * sizeof(*s->entries) + n_lost * sizeof(*s->lost) +
			    RSM_MAX_NODES * sizeof(*s->standby) +
			    RSM_HISTORY * sizeof(*s->history) +
			    (RSM_MAX_NODES + 1) * sizeof(*s->maint));
	if (!s->entries)
		goto borrowed;   /* out of memory: a STATE without a table */
	s->n_entries = m->n_res;
	s->lost = (struct wire_lost *)(s->entries + m->n_res);
	s->standby = (struct wire_standby *)(s->lost + n_lost);
	s->history = (struct wire_hist *)(s->standby + RSM_MAX_NODES);
	s->maint = (struct wire_standby *)(s->history + RSM_HISTORY);
	if (m->maint_all_gen)
		s->maint[s->n_maint++] = (struct wire_standby){ 0, m->maint_all, m->maint_all_gen };
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].maint_gen)
			s->maint[s->n_maint++] = (struct wire_standby){
				m->nodes[i].nodeid, m->nodes[i].maint, m->nodes[i].maint_gen };
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].standby_gen)
			s->standby[s->n_standby++] = (struct wire_standby){
				m->nodes[i].nodeid, m->nodes[i].standby, m->nodes[i].standby_gen };
	s->n_history = rsm_history_views(m, s->history);
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct rsm_res *r = &m->res[i];
		struct wire_entry *e = &s->entries[i];
		e->name = r->conf->name;       /* borrowed, like the facts */
		e->owner = r->owner;
		e->phase = (uint8_t)r->phase;
		e->epoch = r->epoch;
		e->target = r->target;
		e->last_error = r->last_error;
		e->flags = (r->fresh ? WIRE_ENTRY_FRESH : 0) |
			   (r->restarting ? WIRE_ENTRY_RESTART : 0) |
			   (r->relocating ? WIRE_ENTRY_RELOCATE : 0) |
			   (r->maint ? WIRE_ENTRY_MAINT : 0) |
			   (r->adopt && !r->maint ? WIRE_ENTRY_ADOPT : 0);
		e->reloc_count = r->reloc_count;
		e->maint_gen = r->maint_gen;
		e->fail_count = r->fail_count;
		e->last_fail_ms = r->last_fail_ms;
		e->last_fail = r->last_fail;
		e->dump_epoch = r->dump_epoch;
		memcpy(e->dump_id, r->dump_id, WIRE_ID_LEN);
		memcpy(e->ms, r->ms, sizeof(e->ms));
		e->lost_first = (uint32_t)s->n_lost;
		e->n_lost = r->n_lost;
		memcpy(&s->lost[s->n_lost], r->lost, r->n_lost * sizeof(r->lost[0]));
		s->n_lost += r->n_lost;
	}
borrowed:
	s->facts = (struct wire_fact *)facts;   /* borrowed: the caller owns them */
	s->n_facts = n_facts;
	/* the group when this sync began, with statuses (shown, and the check
	 * that a STATE belongs to the receiver's sync) */
	memcpy(s->members, m->snap, m->n_snap * sizeof(m->snap[0]));
	s->n_members = m->n_snap;
}

