#include "resource_manager.h"

#include <errno.h>
#include <stdarg.h>
#include <qb/qblog.h>
#include <qb/qbutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handoff/ipc.h"
#include "drbd_parse.h"
#include "handoffd.h"
#include "json_out.h"

/* A handoffctl waiting for its request to be delivered and decided. */
struct pending_request {
	struct pending_request *next;
	uint32_t req_id;
	int32_t cmd;
	qb_ipcs_connection_t *conn;
};

static void execute(struct resource_manager *rm);

/* ---- answering handoffctl ------------------------------------------------ */

void rm_respond(qb_ipcs_connection_t *c, int32_t cmd, int32_t error, json_object *doc)
{
	struct qb_ipc_response_header hdr = { .id = cmd, .error = error };
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text) + 1;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)text, .iov_len = len },
	};

	hdr.size = (int32_t)(sizeof(hdr) + len);
	if (qb_ipcs_response_sendv(c, iov, 2) < 0)
		qb_log(LOG_INFO, "ipc: the client went away before its answer");
}

static json_object *message_doc(bool ok, const char *resource, uint64_t epoch, const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "resource", json_object_new_string(resource));
	json_object_object_add(o, "epoch", json_object_new_int64((int64_t)epoch));
	json_object_object_add(o, ok ? "message" : "error", json_object_new_string(text));
	return o;
}

static void answer(struct resource_manager *rm, uint32_t req_id, bool ok,
		   const char *resource, uint64_t epoch, const char *text)
{
	struct pending_request **pp = &rm->pending;

	for (; *pp; pp = &(*pp)->next) {
		struct pending_request *p = *pp;
		json_object *doc;
		if (p->req_id != req_id)
			continue;
		doc = message_doc(ok, resource, epoch, text);
		rm_respond(p->conn, p->cmd, ok ? 0 : -EAGAIN, doc);
		json_object_put(doc);
		qb_ipcs_connection_unref(p->conn);
		*pp = p->next;
		free(p);
		return;
	}
}

static void answer_all(struct resource_manager *rm, const char *why)
{
	while (rm->pending) {
		struct pending_request *p = rm->pending;
		answer(rm, p->req_id, false, "", 0, why);
	}
}

/* ---- sending -------------------------------------------------------------- */

int rm_send(struct resource_manager *rm, struct wire_msg *msg)
{
	struct corosync_link *l = &rm->d->link;
	uint8_t *buf;
	size_t len;

	msg->hdr.nodeid = l->local_nodeid;
	len = wire_encode(msg, rm->rsm.version ? rm->rsm.version : WIRE_VERSION_MAX, &buf);
	if (len == 0) {
		qb_log(LOG_ERR, "cannot encode a %s message", wire_type_name(msg->hdr.type));
		return -1;
	}
	return cpg_session_send(&l->cpg, buf, len);
}

static void send_result(struct resource_manager *rm, const char *resource, enum wire_op op,
			uint64_t epoch, bool ok, const char *error)
{
	struct wire_msg msg = { .hdr = { .type = MSG_RESULT, .epoch = epoch } };

	snprintf(msg.u.result.resource, sizeof(msg.u.result.resource), "%s", resource);
	msg.u.result.op = (uint8_t)op;
	msg.u.result.ok = ok;
	snprintf(msg.u.result.error, sizeof(msg.u.result.error), "%s", error ? error : "");
	rm_send(rm, &msg);
}

/* ---- STATE: probe, then send --------------------------------------------- */

bool rm_gate_open(struct resource_manager *rm, char *why, size_t len)
{
	/* nothing is taken while this node still lets go of what it held */
	if (rm->fence.state == SF_FENCING) {
		snprintf(why, len, "still self-fencing");
		return false;
	}
	if (quorum_gate_open(&rm->d->link.gate))
		return true;
	snprintf(why, len, "quorum gate closed (%s)",
		 gate_verdict_str(quorum_gate_check(&rm->d->link.gate)));
	return false;
}

/*
 * votequorum's two_node keeps both halves of a split 2-node cluster
 * quorate: each would fail over what the other runs.  Without a quorum
 * device to break the tie, a node that is quorate only thanks to two_node
 * does not count as quorate for failover (it still is for everything it
 * already runs: it does not fence itself).
 */
bool rm_two_node_split(struct resource_manager *rm)
{
	struct quorum_votes v;

	if (quorum_track_votes(&rm->d->link.quorum, &v) != CS_OK)
		return false;
	return (v.flags & VOTEQUORUM_INFO_TWONODE) && !(v.flags & VOTEQUORUM_INFO_QDEVICE_CAST_VOTE) &&
	       v.total_votes < v.expected_votes;
}

static bool two_node_split(struct resource_manager *rm)
{
	if (!rm_two_node_split(rm))
		return false;
	qb_log(LOG_WARNING, "two_node cluster split and no quorum device: "
	       "no failover from this side (a tie-breaker, corosync-qdevice, decides splits)");
	return true;
}

/* How long a STATE may wait for the quorum notification of its ring. */
#define STATE_QUORUM_WAIT_MS 3000

static void send_state_now(struct resource_manager *rm);

/*
 * Does this sync know its ring?  corosync delivers a CPG confchg before the
 * totem ring callback of the same membership change, so right after a
 * confchg that removed a node the gate still compares the old rings and
 * says "quorate": a node left alone claimed quorum in its STATE, and its
 * partition failed resources over (S4; seen in t-fenceconfirm.sh).
 */
static bool state_ring_known(struct resource_manager *rm)
{
	if (rm->ring_expected && ring_id_equal(rm->d->link.gate.cpg_ring, rm->confchg_ring))
		return false;
	rm->ring_expected = false;
	return quorum_gate_settled(&rm->d->link.gate);
}

static void state_wait_over(void *data)
{
	struct resource_manager *rm = data;

	rm->state_timer_armed = false;
	if (!rm->state_waiting || !rm->ready)
		return;
	qb_log(LOG_WARNING, "no quorum notification for this ring after %u ms: "
	       "sending STATE as not quorate", STATE_QUORUM_WAIT_MS);
	rm->state_wait_expired = true;
	send_state_now(rm);
	rm->state_wait_expired = false;
}

/*
 * STATE says whether this node is quorate in the ring of the sync, and
 * the merge lets only a quorate partition fail resources over: so it waits
 * until the quorum notification of this ring has arrived (corosync sends
 * it and the CPG confchg in either order), at most STATE_QUORUM_WAIT_MS.
 */
static void send_state_now(struct resource_manager *rm)
{
	struct wire_msg msg = { .hdr = { .type = MSG_STATE } };
	const struct wire_fact *facts = rm->facts;
	struct wire_fact *letting_go = NULL;

	if (!state_ring_known(rm) && !rm->state_wait_expired) {
		rm->state_waiting = true;
		if (!rm->state_timer_armed) {
			qb_loop_timer_add(rm->d->loop, QB_LOOP_HIGH,
					  (uint64_t)STATE_QUORUM_WAIT_MS * 1000000ULL, rm,
					  state_wait_over, &rm->state_timer);
			rm->state_timer_armed = true;
		}
		return;
	}
	rm->state_waiting = false;
	if (rm->state_timer_armed) {
		qb_loop_timer_del(rm->d->loop, rm->state_timer);
		rm->state_timer_armed = false;
	}
	rm->rsm.quorate_now = quorum_gate_open(&rm->d->link.gate) && !two_node_split(rm);
	rm->state_said_quorate = rm->rsm.quorate_now;
	{
		/* the time of a failure a merge finds on this node (rule 31) */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		rm->rsm.clock_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	}
	/* the timings other members check their fence_delay against (rsm.h) */
	rm->rsm.timing.watchdog_ms = rm->fence.watchdog_timeout_ms;
	rm->rsm.timing.detect_ms = rm->d->link.token_ms + rm->d->link.consensus_ms;
	/* A node still self-fencing lets go of what runs here: the merge must
	 * not adopt it here (doc/protocol.md, rule 8). */
	if (rm->fence.state == SF_FENCING && rm->facts && rm->rsm.n_res &&
	    (letting_go = malloc(rm->rsm.n_res * sizeof(*letting_go)))) {
		memcpy(letting_go, rm->facts, rm->rsm.n_res * sizeof(*letting_go));
		for (size_t i = 0; i < rm->rsm.n_res; i++)
			letting_go[i].running = 0;
		facts = letting_go;
	}
	rsm_fill_state(&rm->rsm, &msg.u.state, facts, rm->rsm.n_res);
	/* a reload's digest, announced before it applies (rule 36) */
	rm_reload_announces(rm, &msg.u.state.config_digest);
	rm->rsm.resync = false;
	rm_send(rm, &msg);
	free(msg.u.state.entries);     /* the facts stay ours */
	free(letting_go);
}

static void probe_all(struct resource_manager *rm);

/*
 * The quorum notification of a ring can come after this node sent its
 * STATE as not quorate (STATE_QUORUM_WAIT_MS ran out): the merge then
 * found no quorate member and failed nothing over.  Once the gate opens,
 * a STATE flagged WIRE_STATE_RESYNC makes every member sync again, so
 * that a lost owner's resources are decided now and not at the next
 * membership change (L2).  Only when this node's last STATE said not
 * quorate and it would say quorate now: no loop.
 */
void rm_ask_for_resync(struct resource_manager *rm, const char *why)
{
	qb_log(LOG_NOTICE, "%s: asking every member for a new sync", why);
	rm->rsm.resync = true;
	probe_all(rm);
}

static void resync_if_quorum_came_late(struct resource_manager *rm)
{
	if (!rm->ready || rm->rsm.syncing || rm->rsm.partition_quorate || rm->state_said_quorate ||
	    rm->rsm.version == 0 || !quorum_gate_open(&rm->d->link.gate) ||
	    rm_two_node_split(rm) || rm->fence.state == SF_FENCING)
		return;
	rm_ask_for_resync(rm, "quorate now, after the last sync went without quorum");
}

void rm_facts_touch(struct resource_manager *rm, size_t i)
{
	if (!rm->ready || i >= rm->rsm.n_res)
		return;
	rm->fact_gen[i]++;
	rm->fact_ok[i] = false;
}

static void facts_touch_all(struct resource_manager *rm)
{
	for (size_t i = 0; rm->ready && i < rm->rsm.n_res; i++)
		rm_facts_touch(rm, i);
}

static bool fact_differs(const struct wire_fact *a, const struct wire_fact *b)
{
	return a->role != b->role || a->disk != b->disk || a->mounted != b->mounted ||
	       a->running != b->running || a->connection != b->connection;
}

/*
 * At most PROBES_AT_ONCE probes run together: with a thousand resources,
 * starting every probe at once would fork thousands of drbdadm and agent
 * processes in one go.
 */
#define PROBES_AT_ONCE 8
/* The verifying round after a sync is in no hurry: it leaves the CPU to
 * the rest of the cluster (a joining node probing everything, say). */
#define VERIFY_AT_ONCE 2

static void on_probed(void *ctx, const struct resource_conf *r, const struct wire_fact *f);

static void probe_next(struct resource_manager *rm)
{
	size_t at_once = rm->round_sends_state ? PROBES_AT_ONCE : VERIFY_AT_ONCE;

	while (rm->probe_next < rm->rsm.n_res && rm->probes_running < at_once) {
		size_t i = rm->probe_next++;
		const struct resource_conf *r = &rm->d->cfg.resources[i];
		if (!rm->probe_want[i])
			continue;
		rm->probe_want[i] = false;
		rm->probe_gen[i] = rm->fact_gen[i];
		rm->probes_running++;
		if (driver_probe(&rm->env, r, on_probed, rm) < 0) {
			struct wire_fact f = { .name = r->name, .role = ROLE_UNKNOWN };
			on_probed(rm, r, &f);
		}
	}
}

static void on_probed(void *ctx, const struct resource_conf *r, const struct wire_fact *f)
{
	struct resource_manager *rm = ctx;
	size_t i;

	if (!rm->ready)
		return;
	i = rm_res_index(rm, r);
	if (i >= rm->rsm.n_res) {
		/* a resource a reload removed while its probe ran: it only counts */
		if (rm->probes_left == 0)
			return;
		if (rm->probes_running > 0)
			rm->probes_running--;
		rm->probes_left--;
		goto round;
	}
	if (rm->fact_ok[i] && fact_differs(&rm->facts[i], f)) {
		qb_log(LOG_NOTICE, "%s: its facts changed since they were last probed", r->name);
		rm->verify_changed = true;
	}
	rm->facts[i] = *f;
	rm->facts[i].name = rm->rsm.res[i].conf->name;   /* R may be of a retired config */
	if (rm->probes_left == 0)       /* a probe of a connection since replaced */
		return;
	/* a local op that began or ended meanwhile may have changed them again;
	 * self-fencing's stops are such ops too; and a DRBD disk that is not
	 * UpToDate is in motion (a resync: it becomes UpToDate behind our
	 * back), so it is probed again at the next sync, or this node would
	 * stay "not UpToDate" to the cluster and never be eligible (L2) */
	rm->fact_ok[i] = rm->probe_gen[i] == rm->fact_gen[i] && !rm->op_busy[i] &&
			 rm->fence.state != SF_FENCING && rm->fence.stops_left == 0 &&
			 (r->storage != STORAGE_DRBD || f->disk == DRBD_DISK_UPTODATE);
	if (rm->probes_running > 0)
		rm->probes_running--;
	--rm->probes_left;
round:
	if (rm->probes_left > 0) {
		probe_next(rm);
		return;
	}
	if (!rm->round_sends_state) {
		/* the difference goes out with the next sync, as any change
		 * found between two syncs does (doc/architecture.md) */
		if (rm->verify_changed)
			qb_log(LOG_NOTICE, "local facts changed since the last sync: "
			       "the next sync carries them");
		rm->verify_changed = false;
		if (rm->state_again) {
			rm->state_again = false;
			probe_all(rm);
		}
		return;
	}
	send_state_now(rm);
	if (rm->state_again) {
		rm->state_again = false;
		probe_all(rm);
	}
}

static void start_round(struct resource_manager *rm, size_t n, bool sends_state)
{
	rm->round_sends_state = sends_state;
	if (n == 0) {
		if (sends_state)
			send_state_now(rm);
		return;
	}
	rm->probes_left = n;
	rm->probe_next = 0;
	rm->probes_running = 0;
	probe_next(rm);
}

/* After a sync: every resource again, in the background, so that the next
 * STATE's cache is as fresh as can be. */
static void verify_all(struct resource_manager *rm)
{
	size_t n = rm->rsm.n_res;

	if (!rm->ready || rm->probes_left > 0)
		return;
	for (size_t i = 0; i < n; i++)
		rm->probe_want[i] = true;
	rm->verify_changed = false;
	start_round(rm, n, false);
}

/*
 * At a confchg only the resources whose cached facts are stale (never
 * probed on this connection, or touched by a local op since) are probed
 * before STATE goes out.  A verifying round that runs starts no more
 * probes: the STATE round begins once the ones it started have answered.
 */
static void probe_all(struct resource_manager *rm)
{
	size_t n = rm->rsm.n_res, want = 0;

	if (rm->probes_left > 0) {
		rm->state_again = true;   /* one more round after this one */
		if (!rm->round_sends_state) {
			rm->probe_next = n;
			rm->probes_left = rm->probes_running;
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		rm->probe_want[i] = !rm->fact_ok[i] || rm->op_busy[i];
		want += rm->probe_want[i];
	}
	start_round(rm, want, true);
}

/* ---- local start and stop ------------------------------------------------------ */

struct op_ctx {
	struct resource_manager *rm;
	uint64_t epoch;
	enum wire_op op;
	bool release;     /* not ours: no RESULT */
};

static void on_op_done(void *ctx, const struct resource_conf *r, bool ok, const char *error)
{
	struct op_ctx *oc = ctx;
	struct resource_manager *rm = oc->rm;

	if (rm->ready && rm_res_index(rm, r) < rm->rsm.n_res)
		rm->op_busy[rm_res_index(rm, r)] = false;
	rm_facts_touch(rm, rm_res_index(rm, r));
	if (oc->release) {
		const struct rsm_res *res = rm->ready ? rsm_find(&rm->rsm, r->name) : NULL;
		qb_log(ok ? LOG_NOTICE : LOG_CRIT, "%s: released%s%s", r->name,
		       ok ? "" : " FAILED: ", ok ? "" : error);
		/* a failover waits for this lost owner to let go: the others
		 * learn that it did from a new sync's facts (S1) */
		if (ok && res && !rm->rsm.syncing && res->phase == PHASE_FAILING_OVER &&
		    rsm_lost_has(res, rm->rsm.local_nodeid))
			rm_ask_for_resync(rm, "released as a lost owner");
	} else {
		qb_log(ok ? LOG_NOTICE : LOG_ERR, "%s: %s (epoch %llu) %s%s%s", r->name,
		       oc->op == WIRE_OP_START ? "start" : "stop",
		       (unsigned long long)oc->epoch, ok ? "done" : "failed",
		       ok ? "" : ": ", ok ? "" : error);
		if (rm->ready)
			send_result(rm, r->name, oc->op, oc->epoch, ok, error);
	}
	free(oc);
}

static void run_op(struct resource_manager *rm, const struct rsm_action *a)
{
	struct rsm_res *res = rsm_find(&rm->rsm, a->resource);
	struct op_ctx *oc;
	int rc;

	if (!res)
		return;
	if (a->type == ACT_START && !quorum_gate_open(&rm->d->link.gate)) {
		/* S4: no promote, mount or start without quorum */
		char why[128];
		snprintf(why, sizeof(why), "refused to start: quorum gate closed (%s)",
			 gate_verdict_str(quorum_gate_check(&rm->d->link.gate)));
		qb_log(LOG_WARNING, "%s: %s", a->resource, why);
		send_result(rm, a->resource, WIRE_OP_START, a->epoch, false, why);
		return;
	}
	oc = calloc(1, sizeof(*oc));
	if (!oc)
		return;
	oc->rm = rm;
	oc->epoch = a->epoch;
	oc->op = a->type == ACT_START ? WIRE_OP_START : WIRE_OP_STOP;
	oc->release = a->type == ACT_RELEASE;
	rm->op_busy[rm_res_index(rm, res->conf)] = true;
	rm_facts_touch(rm, rm_res_index(rm, res->conf));
	qb_log(LOG_NOTICE, "%s: %s (epoch %llu)", a->resource,
	       a->type == ACT_START ? "starting" : a->type == ACT_STOP ? "stopping" :
	       "releasing what this node holds without owning it",
	       (unsigned long long)a->epoch);
	rc = a->type == ACT_START ? driver_start(&rm->env, res->conf, on_op_done, oc)
				  : driver_stop(&rm->env, res->conf, on_op_done, oc);
	if (rc < 0)
		on_op_done(oc, res->conf, false, "cannot run the driver");
}

/* ---- autostart -------------------------------------------------------------------- */

/*
 * When the cluster forms: after a sync (or when the gate opens), the
 * lowest-numbered eligible member with an open quorum gate asks for every
 * autostart resource that is STOPPED and has never been touched since the
 * table was formed (fresh: epochs no longer start at 0 after a restart of
 * every node, local_state.h), so an operator's stop is never undone.  The
 * request goes through the total order like a handoffctl start, so two
 * nodes asking at once cannot start it twice.
 */
static void autostart(struct resource_manager *rm)
{
	struct rsm *m = &rm->rsm;
	uint32_t lowest = 0;

	if (m->syncing || !quorum_gate_open(&rm->d->link.gate))
		return;
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].member && m->nodes[i].eligible &&
		    (!lowest || m->nodes[i].nodeid < lowest))
			lowest = m->nodes[i].nodeid;
	if (lowest != m->local_nodeid)
		return;
	for (size_t i = 0; i < m->n_res; i++) {
		struct rsm_res *r = &m->res[i];
		struct wire_msg msg = { .hdr = { .type = MSG_START } };
		if (!r->conf->autostart || r->phase != PHASE_STOPPED || !r->fresh ||
		    rm->autostart_epoch[i] == r->epoch + 1)
			continue;
		rm->autostart_epoch[i] = r->epoch + 1;
		msg.u.req.req_id = ++rm->next_req_id;
		snprintf(msg.u.req.resource, sizeof(msg.u.req.resource), "%s", r->conf->name);
		qb_log(LOG_NOTICE, "%s: autostart", r->conf->name);
		rm_send(rm, &msg);
	}
}

/* ---- the rsm's actions ----------------------------------------------------------- */

static void execute(struct resource_manager *rm)
{
	for (size_t i = 0; i < rm->acts.n; i++) {
		const struct rsm_action *a = &rm->acts.v[i];
		switch (a->type) {
		case ACT_SEND_STATE:
			probe_all(rm);
			break;
		case ACT_SEND_HELLO: {
			struct wire_msg hello = { .hdr = { .type = MSG_HELLO } };
			rm_send(rm, &hello);
			break;
		}
		case ACT_START:
		case ACT_STOP:
		case ACT_RELEASE:
			run_op(rm, a);
			break;
		case ACT_REPLY:
			answer(rm, a->req_id, a->ok, a->resource, a->epoch, a->text);
			break;
		case ACT_LOG:
			qb_log(a->ok ? LOG_NOTICE : LOG_WARNING, "%s", a->text);
			break;
		case ACT_PREPARE:
		case ACT_MIGRATE_RELEASE:
		case ACT_MIGRATE_ACQUIRE:
		case ACT_TAKE_BACK:
			rm_migration_action(rm, a);
			break;
		case ACT_FAILOVER:
			rm_fail_over(rm, a);
			break;
		}
	}
	rsm_actions_clear(&rm->acts);
}

/*
 * A RESULT we sent can be lost: when a confchg interrupts a sync, every
 * member drops the messages it held.  After a sync, a resource still
 * STARTING or STOPPING on this node with no op running here gets its
 * RESULT again, from the facts this node has just probed.
 */
static void resend_results(struct resource_manager *rm)
{
	struct rsm *m = &rm->rsm;

	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_res *r = &m->res[i];
		const struct wire_fact *f = &rm->facts[i];
		bool start = r->phase == PHASE_STARTING;
		bool ok;

		if (r->owner != m->local_nodeid || rm->op_busy[i] ||
		    (r->phase != PHASE_STARTING && r->phase != PHASE_STOPPING))
			continue;
		ok = start ? f->running : !f->running && !f->mounted && f->role != ROLE_PRIMARY;
		qb_log(LOG_NOTICE, "%s: reporting the %s of epoch %llu again (%s)", r->conf->name,
		       start ? "start" : "stop", (unsigned long long)r->epoch,
		       ok ? "done" : "not done");
		send_result(rm, r->conf->name, start ? WIRE_OP_START : WIRE_OP_STOP, r->epoch, ok,
			    ok ? NULL : "the outcome was lost in a membership change");
	}
}

/* Run the rsm's actions; autostart only when a sync has just ended. */
static void after_event(struct resource_manager *rm, bool was_syncing)
{
	rm_observe(rm);
	execute(rm);
	rm_prune_failovers(rm);
	rm_local_state_note(rm);
	if (was_syncing && !rm->rsm.syncing) {
		verify_all(rm);
		resend_results(rm);
		rm_resend_reports(rm);
		autostart(rm);
		resync_if_quorum_came_late(rm);
	}
	rm_monitor_update(rm);
	rm_reload_tidy(rm);
}

/* ---- link events --------------------------------------------------------------- */

static void on_connected(void *ctx)
{
	struct resource_manager *rm = ctx;
	struct corosync_link *l = &rm->d->link;
	uint32_t ids[NODE_NAMES_MAX];
	const char *names[NODE_NAMES_MAX];
	size_t n = l->names.n, nres = rm->d->cfg.n_resources;

	for (size_t i = 0; i < n; i++) {
		ids[i] = l->names.nodes[i].nodeid;
		names[i] = l->names.nodes[i].name;
	}
	if (rm->kept.res)            /* a reconnect: the old table's last word */
		rm_local_state_flush(rm);
	rm_monitor_fini(rm);
	rsm_free(&rm->rsm);
	if (rsm_init(&rm->rsm, &rm->d->cfg, l->local_nodeid, ids, names, n) < 0) {
		qb_log(LOG_CRIT, "out of memory for the resource table");
		return;
	}
	/* its messages are checked against the group's (nodeid, pid) too */
	rm->rsm.local_pid = (uint32_t)getpid();
	rm->n_silent = 0;
	/* before the first STATE: it carries what this node kept (S4) */
	rm_local_state_seed(rm);
	rm_notify_reset(rm);
	free(rm->facts);
	free(rm->fact_ok);
	free(rm->fact_gen);
	free(rm->probe_gen);
	free(rm->probe_want);
	free(rm->autostart_epoch);
	free(rm->op_busy);
	free(rm->last_report);
	free(rm->seen_phase);
	free(rm->t_migrate);
	free(rm->t_release);
	/* a new connection starts with no cache: the first STATE probes all */
	rm->fact_ok = calloc(nres ? nres : 1, sizeof(*rm->fact_ok));
	rm->fact_gen = calloc(nres ? nres : 1, sizeof(*rm->fact_gen));
	rm->probe_gen = calloc(nres ? nres : 1, sizeof(*rm->probe_gen));
	rm->probe_want = calloc(nres ? nres : 1, sizeof(*rm->probe_want));
	rm->seen_phase = calloc(nres ? nres : 1, sizeof(*rm->seen_phase));
	rm->t_migrate = calloc(nres ? nres : 1, sizeof(*rm->t_migrate));
	rm->t_release = calloc(nres ? nres : 1, sizeof(*rm->t_release));
	rm->seen_seq = 0;
	memset(rm->seen, 0, sizeof(rm->seen));
	rm->facts = calloc(nres ? nres : 1, sizeof(*rm->facts));
	rm->autostart_epoch = calloc(nres ? nres : 1, sizeof(*rm->autostart_epoch));
	rm->op_busy = calloc(nres ? nres : 1, sizeof(*rm->op_busy));
	rm->last_report = calloc(nres ? nres : 1, sizeof(*rm->last_report));
	rm->probes_left = 0;
	rm->probe_next = rm->probes_running = 0;
	rm->state_again = false;
	rm->state_waiting = false;
	rm->verify_changed = false;
	rm->ready = rm->facts && rm->fact_ok && rm->fact_gen && rm->probe_gen && rm->probe_want &&
		    rm->autostart_epoch && rm->op_busy && rm->last_report &&
		    rm->seen_phase && rm->t_migrate && rm->t_release;
}

static void on_disconnected(void *ctx)
{
	struct resource_manager *rm = ctx;

	rm->ready = false;
	rm_prune_failovers(rm);
	rm_monitor_fini(rm);
	answer_all(rm, "handoffd lost its connection to corosync before the request was decided");
	rm_reload_drop(rm, "handoffd lost its connection to corosync before the reload was "
		       "announced: nothing applied");
}

/*
 * Does the confchg to IDS come with a new totem ring?  Yes when a node that
 * left the group is still in the last quorum membership (it is going), or
 * one that joined is not in it yet.  A handoffd alone leaving or joining,
 * its corosync staying, changes no ring.
 */
static bool membership_changes(struct resource_manager *rm, const uint32_t *ids, size_t n)
{
	const struct rsm *m = &rm->rsm;

	for (size_t i = 0; i < m->n_nodes; i++) {
		bool still = false;
		if (!m->nodes[i].member)
			continue;
		for (size_t k = 0; k < n; k++)
			still |= ids[k] == m->nodes[i].nodeid;
		if (!still && rm_in_quorum(rm, m->nodes[i].nodeid))
			return true;
	}
	for (size_t k = 0; k < n; k++) {
		const struct rsm_node *node = rsm_node(m, ids[k]);
		if ((!node || !node->member) && !rm_in_quorum(rm, ids[k]))
			return true;
	}
	return false;
}

static uint64_t now_ms(void)
{
	return qb_util_nano_current_get() / QB_TIME_NS_IN_MSEC;
}

/*
 * Dropped messages (not from their node's handoffd, or not decodable: rsm.h)
 * are logged with their reason, at most DROP_LOG_LINES lines every
 * DROP_LOG_MS; the next line counts what was left out, so that a process
 * flooding the group cannot flood the log.
 */
#define DROP_LOG_MS 10000
#define DROP_LOG_LINES 5

static void log_drops(struct resource_manager *rm)
{
	uint64_t n = rm->rsm.n_dropped - rm->drops_logged, now = now_ms();

	if (n == 0)
		return;
	if (!rm->drop_log_ms || now - rm->drop_log_ms >= DROP_LOG_MS) {
		rm->drop_log_ms = now;
		rm->drop_lines = 0;
	}
	if (rm->drop_lines == DROP_LOG_LINES)
		return;
	rm->drop_lines++;
	if (n == 1)
		qb_log(LOG_WARNING, "dropped a message: %s", rm->rsm.drop_why);
	else
		qb_log(LOG_WARNING, "dropped %llu messages (not logged one by one); the last: %s",
		       (unsigned long long)n, rm->rsm.drop_why);
	rm->drops_logged = rm->rsm.n_dropped;
}

static void foreign_check(struct resource_manager *rm);

static void foreign_tick(void *data)
{
	struct resource_manager *rm = data;

	rm->foreign_timer_armed = false;
	foreign_check(rm);
}

/*
 * A group member that announced nothing in a sync for FOREIGN_AFTER_MS
 * (by this node's clock) is named in a FOREIGN.  The clock only sends the
 * message; the decision is its delivery, the same on every member (rsm.h).
 * Every handoffd may send it: a second one naming the same member changes
 * nothing.
 */
static void foreign_check(struct resource_manager *rm)
{
	struct wire_member silent[RSM_MAX_MEMBERS], named[RSM_MAX_MEMBERS];
	size_t n = 0, nn = 0, kept = 0;
	uint64_t now = now_ms();
	const struct rsm_member *me;

	if (rm->ready)
		n = rsm_silent(&rm->rsm, silent, RSM_MAX_MEMBERS);
	for (size_t i = 0; i < n; i++) {
		uint64_t since = now;
		for (size_t k = 0; k < rm->n_silent; k++)
			if (rm->silent[k].nodeid == silent[i].nodeid && rm->silent[k].pid == silent[i].pid)
				since = rm->silent[k].since_ms;
		rm->silent[kept].nodeid = silent[i].nodeid;
		rm->silent[kept].pid = silent[i].pid;
		rm->silent[kept].since_ms = since;
		kept++;
		if (now - since >= FOREIGN_AFTER_MS)
			named[nn++] = silent[i];
	}
	rm->n_silent = kept;
	me = rm->ready ? rsm_member(&rm->rsm, rm->rsm.local_nodeid, rm->rsm.local_pid) : NULL;
	if (nn && me && me->status == MEMBER_DAEMON) {
		struct wire_msg msg = { .hdr = { .type = MSG_FOREIGN } };
		memcpy(msg.u.foreign.m, named, nn * sizeof(named[0]));
		msg.u.foreign.n = nn;
		qb_log(LOG_NOTICE, "%zu CPG member%s announced nothing for %u ms (first: node %u pid %u): "
		       "naming %s foreign", nn, nn == 1 ? "" : "s", FOREIGN_AFTER_MS,
		       named[0].nodeid, named[0].pid, nn == 1 ? "it" : "them");
		rm_send(rm, &msg);
		for (size_t k = 0; k < rm->n_silent; k++)   /* again only after another bound */
			rm->silent[k].since_ms = now;
	}
	if (kept && !rm->foreign_timer_armed) {
		rm->foreign_timer_armed = true;
		qb_loop_timer_add(rm->d->loop, QB_LOOP_MED, 500ULL * QB_TIME_NS_IN_MSEC, rm,
				  foreign_tick, &rm->foreign_timer);
	}
}

/* the rsm keeps every member CPG reports (a cut would differ by what each
 * member knows; libcpg's own bound is the only one) */
_Static_assert(RSM_MAX_MEMBERS >= CPG_SESSION_MAX_MEMBERS, "the rsm holds every CPG member");

static void on_confchg(void *ctx, const struct cpg_member *members, size_t n)
{
	struct resource_manager *rm = ctx;
	uint32_t ids[CPG_SESSION_MAX_MEMBERS];
	struct wire_member list[CPG_SESSION_MAX_MEMBERS];

	if (!rm->ready)
		return;
	for (size_t i = 0; i < n; i++) {
		ids[i] = members[i].nodeid;
		list[i] = (struct wire_member){ members[i].nodeid, members[i].pid, 0 };
	}
	rm->ring_expected = membership_changes(rm, ids, n);
	rm->confchg_ring = rm->d->link.gate.cpg_ring;
	rsm_confchg_members(&rm->rsm, list, n, &rm->acts);
	execute(rm);     /* a confchg only starts a sync */
	foreign_check(rm);
}

static void on_deliver(void *ctx, uint32_t nodeid, uint32_t pid, const void *buf, size_t len)
{
	struct resource_manager *rm = ctx;
	struct wire_msg msg;
	char why[256];

	if (!rm->ready)
		return;
	if (wire_decode(buf, len, nodeid, &msg, why, sizeof(why)) < 0) {
		/* counted with the others, so that garbage cannot flood the log */
		rm->rsm.n_dropped++;
		snprintf(rm->rsm.drop_why, sizeof(rm->rsm.drop_why), "from node %u pid %u: %s",
			 nodeid, pid, why);
		log_drops(rm);
		return;
	}
	qb_log(LOG_DEBUG, "deliver %s from node %u pid %u (epoch %llu)", wire_type_name(msg.hdr.type),
	       nodeid, pid, (unsigned long long)msg.hdr.epoch);
	{
		bool was_syncing = rm->rsm.syncing;
		rm_reload_delivered(rm, &msg, pid);
		rsm_deliver_from(&rm->rsm, pid, &msg, &rm->acts);
		wire_free(&msg);
		after_event(rm, was_syncing);
		log_drops(rm);
		foreign_check(rm);
	}
}

static void on_gate(void *ctx, enum gate_verdict v)
{
	struct resource_manager *rm = ctx;
	bool open = v == GATE_OPEN;

	/* a running step sequence takes nothing more after this (driver.c, S4) */
	if (v == GATE_NOT_QUORATE || v == GATE_NO_COROSYNC)
		rm->quorum_losses++;
	/* self-fencing stops what this node holds: no cached fact survives it
	 * (nor its end: a stop may still have been running) */
	if (v == GATE_NOT_QUORATE || v == GATE_NO_COROSYNC || rm->fence.state != SF_IDLE)
		facts_touch_all(rm);
	self_fence_verdict(&rm->fence, v);
	fence_watch_quorum(rm);
	if (rm->state_waiting && rm->ready && state_ring_known(rm))
		send_state_now(rm);
	if (open && rm->ready) {
		rm->rsm.quorate_ring_nodeid = rm->d->link.gate.cpg_ring.nodeid;
		rm->rsm.quorate_ring_seq = rm->d->link.gate.cpg_ring.seq;
		autostart(rm);
		resync_if_quorum_came_late(rm);
	}
}

static const struct link_listener listener = {
	.connected = on_connected,
	.disconnected = on_disconnected,
	.confchg = on_confchg,
	.deliver = on_deliver,
	.gate = on_gate,
};

void rm_init(struct resource_manager *rm, struct handoffd *d)
{
	memset(rm, 0, sizeof(*rm));
	rm->d = d;
	rm->env.loop = d->loop;
	rm->env.cfg = &d->cfg;
	rm->env.quorum_losses = &rm->quorum_losses;
	self_fence_init(&rm->fence, rm);
	corosync_link_listen(&d->link, &listener, rm);
}

void rm_fini(struct resource_manager *rm)
{
	answer_all(rm, "handoffd is stopping");
	rm_reload_drop(rm, "handoffd is stopping: nothing applied");
	self_fence_fini(&rm->fence);
	if (rm->state_timer_armed)
		qb_loop_timer_del(rm->d->loop, rm->state_timer);
	rm->state_timer_armed = false;
	if (rm->foreign_timer_armed)
		qb_loop_timer_del(rm->d->loop, rm->foreign_timer);
	rm->foreign_timer_armed = false;
	rm_monitor_fini(rm);
	rm_local_state_flush(rm);
	rm->ready = false;             /* closing the link after this fences nothing */
	rm_prune_failovers(rm);
	rsm_free(&rm->rsm);
	local_state_free(&rm->kept);
	rsm_actions_free(&rm->acts);
	rm_reload_fini(rm);
	free(rm->facts);
	free(rm->fact_ok);
	free(rm->fact_gen);
	free(rm->probe_gen);
	free(rm->probe_want);
	free(rm->autostart_epoch);
	free(rm->op_busy);
	free(rm->last_report);
	free(rm->seen_phase);
	free(rm->t_migrate);
	free(rm->t_release);
	rm->fact_ok = NULL;
	rm->fact_gen = rm->probe_gen = NULL;
	rm->probe_want = NULL;
	rm->last_report = NULL;
	rm->seen_phase = NULL;
	rm->t_migrate = rm->t_release = NULL;
	rm->facts = NULL;
	rm->ready = false;
}

/* ---- handoffctl -------------------------------------------------------------------- */

static json_object *error_doc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_object *error_doc(const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "error", json_object_new_string(buf));
	return o;
}

/* The status document (its fields: handoffctl(8), tools/ctl_render.c),
 * written as text: a tree of 1000 resources took 3.2 MB (json_out.h). */
static void write_status(void *ctx, struct json_out *o)
{
	struct resource_manager *rm = ctx;
	const struct rsm *m = &rm->rsm;
	const struct self_fence *sf = &rm->fence;
	char digest[20];

	jo_object_begin(o);
	jo_kint(o, "local_nodeid", m->local_nodeid);
	jo_kbool(o, "syncing", m->syncing);
	jo_kint(o, "protocol", m->version);
	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)m->local_digest);
	jo_kstring(o, "config_digest", digest);
	jo_kbool(o, "gate_open", quorum_gate_open(&rm->d->link.gate));
	/* the whole cluster in maintenance (rule 33): handoffd acts on nothing */
	jo_kbool(o, "maintenance", m->maint_all);
	jo_kstring(o, "gate", gate_verdict_str(quorum_gate_check(&rm->d->link.gate)));
	jo_key(o, "nodes");
	jo_array_begin(o);
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct rsm_node *n = &m->nodes[i];
		uint64_t left_ms;
		const char *st = rm_peer_fence_state(rm, n->nodeid, &left_ms);

		snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)n->digest);
		jo_object_begin(o);
		jo_kint(o, "nodeid", n->nodeid);
		jo_kstring(o, "name", n->name);
		jo_kbool(o, "member", n->member);
		jo_kbool(o, "eligible", n->eligible);
		jo_kbool(o, "standby", n->standby);
		jo_kbool(o, "maintenance", n->maint);
		jo_kstring(o, "self_fence", !strcmp(st, "idle") ? "" : st);
		if (left_ms)
			jo_kint(o, "left_ms", (int64_t)left_ms);
		/* why a member is not eligible, in words status can show */
		jo_kstring(o, "config", !n->member ? "" : n->eligible ? "ok" :
			   m->syncing ? "syncing" :
			   n->digest != m->reference_digest ? "differs" : "protocol");
		/* why its timings make it ineligible (rsm.h, "Timings"), or "" */
		jo_kstring(o, "timing", n->member ? n->timing_why : "");
		jo_kint(o, "watchdog_ms", n->timing.watchdog_ms);
		jo_kstring(o, "config_digest", n->member ? digest : "");
		jo_object_end(o);
	}
	jo_array_end(o);
	jo_key(o, "self_fence");
	jo_object_begin(o);
	jo_kstring(o, "state", self_fence_state_name(sf->state));
	jo_kint(o, "ms", (int64_t)(sf->ended_ms ? sf->ended_ms - sf->started_ms : 0));
	jo_kstring(o, "error", sf->error);
	jo_object_end(o);
	jo_key(o, "resources");
	jo_array_begin(o);
	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_res *r = &m->res[i];
		const struct rsm_node *owner = r->owner ? rsm_node(m, r->owner) : NULL;
		const struct rsm_node *t = r->target ? rsm_node(m, r->target) : NULL;
		char id_hex[2 * WIRE_ID_LEN + 1], why[160];
		const char *maint = rsm_maint_why(m, r, why, sizeof(why));

		jo_object_begin(o);
		jo_kstring(o, "name", r->conf->name);
		jo_kstring(o, "phase", phase_name(r->phase));
		jo_kint(o, "owner", r->owner);
		jo_kstring(o, "owner_name", owner ? owner->name : "");
		jo_kbool(o, "owner_lost", r->owner_lost);
		jo_kint(o, "epoch", (int64_t)r->epoch);
		/* the dump the table names (S3): the only one it may restore */
		jo_kint(o, "dump_epoch", (int64_t)r->dump_epoch);
		if (r->dump_epoch)
			wire_id_hex(r->dump_id, id_hex);
		jo_kstring(o, "dump_id", r->dump_epoch ? id_hex : "");
		jo_kint(o, "target", r->target);
		jo_kstring(o, "target_name", t ? t->name : "");
		jo_key(o, "nodes");
		jo_array_begin(o);
		for (size_t j = 0; j < r->conf->n_nodes; j++)
			jo_string(o, r->conf->nodes[j]);
		jo_array_end(o);
		jo_kbool(o, "autostart", r->conf->autostart);
		jo_kstring(o, "storage", storage_kind_name(r->conf->storage));
		jo_kstring(o, "workload", workload_kind_name(r->conf->workload));
		jo_kstring(o, "last_error", r->last_error);
		/* in maintenance (by itself, its node or the cluster): why, or "" */
		jo_kbool(o, "maintenance", maint != NULL);
		jo_kstring(o, "maintenance_why", maint ? maint : "");
		/* health (issue 17): the failures counted towards max_restarts,
		 * the last one's time (its reporter's clock, ms since 1970) */
		jo_kint(o, "fail_count", r->fail_count);
		jo_kint(o, "max_restarts", r->conf->max_restarts);
		jo_kint(o, "last_failure_ms", (int64_t)r->last_fail_ms);
		jo_kstring(o, "last_failure", r->last_fail);
		/* relocations since the count began (rules 29-32); relocating:
		 * STOPPING to start cold on target */
		jo_kint(o, "reloc_count", r->reloc_count);
		jo_kint(o, "max_relocations", r->conf->max_relocations);
		jo_kbool(o, "relocating", r->relocating);
		/* FAILING_OVER: the lost owners it waits for and how each is fenced */
		jo_key(o, "lost_owners");
		jo_array_begin(o);
		for (size_t k = 0; k < r->n_lost; k++) {
			static const char *const how[] = {
				[LOST_UNFENCED] = "unfenced", [LOST_WATCHDOG] = "watchdog",
				[LOST_CONFIRMED] = "confirmed",
			};
			const struct rsm_node *ln = rsm_node(m, r->lost[k].node);
			jo_object_begin(o);
			jo_kint(o, "nodeid", r->lost[k].node);
			jo_kstring(o, "name", ln ? ln->name : "");
			jo_kstring(o, "fence", r->lost[k].fence <= LOST_CONFIRMED ?
				   how[r->lost[k].fence] : "?");
			jo_object_end(o);
		}
		jo_array_end(o);
		jo_object_end(o);
	}
	jo_array_end(o);
	jo_object_end(o);
}

int rm_status(struct resource_manager *rm, json_object **result)
{
	if (!rm->ready) {
		*result = error_doc("handoffd is not connected to corosync");
		return -ENOTCONN;
	}
	*result = json_out_doc(write_status, rm);
	if (!*result) {
		*result = error_doc("out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* ---- probe: one resource's local facts, for handoffctl probe ------------- */

struct probe_request {
	struct resource_manager *rm;
	qb_ipcs_connection_t *conn;
};

static const char *role_fact_name(uint8_t role)
{
	return role == ROLE_PRIMARY ? "Primary" : role == ROLE_SECONDARY ? "Secondary" : "Unknown";
}

static const char *conn_fact_name(uint8_t c)
{
	return c == CONN_CONNECTED ? "Connected" : c == CONN_DISCONNECTED ? "Disconnected" :
	       "Unknown";
}

static void on_probe_answer(void *ctx, const struct resource_conf *r, const struct wire_fact *f)
{
	struct probe_request *p = ctx;
	json_object *o = json_object_new_object();
	bool drbd = r->storage == STORAGE_DRBD;

	json_object_object_add(o, "resource", json_object_new_string(r->name));
	json_object_object_add(o, "nodeid", json_object_new_int64(p->rm->rsm.local_nodeid));
	json_object_object_add(o, "storage", json_object_new_string(storage_kind_name(r->storage)));
	json_object_object_add(o, "role", drbd ? json_object_new_string(role_fact_name(f->role)) : NULL);
	json_object_object_add(o, "disk", drbd ? json_object_new_string(
		drbd_disk_name((enum drbd_disk)f->disk)) : NULL);
	json_object_object_add(o, "connection", drbd ? json_object_new_string(
		conn_fact_name(f->connection)) : NULL);
	json_object_object_add(o, "mounted", json_object_new_boolean(f->mounted));
	json_object_object_add(o, "running", json_object_new_boolean(f->running));
	rm_respond(p->conn, HANDOFF_CMD_PROBE, 0, o);
	json_object_put(o);
	qb_ipcs_connection_unref(p->conn);
	free(p);
}

int rm_probe(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
	     json_object **result)
{
	json_object *jres = NULL;
	const struct resource_conf *r = NULL;
	struct probe_request *p;

	if (!json_object_object_get_ex(args, "resource", &jres) ||
	    !json_object_is_type(jres, json_type_string)) {
		*result = error_doc("no resource named in the request");
		return -EINVAL;
	}
	for (size_t i = 0; i < rm->d->cfg.n_resources; i++)
		if (!strcmp(rm->d->cfg.resources[i].name, json_object_get_string(jres)))
			r = &rm->d->cfg.resources[i];
	if (!r) {
		*result = error_doc("unknown resource '%s'", json_object_get_string(jres));
		return -ENOENT;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*result = error_doc("out of memory");
		return -ENOMEM;
	}
	p->rm = rm;
	p->conn = conn;
	qb_ipcs_connection_ref(conn);
	if (driver_probe(&rm->env, r, on_probe_answer, p) < 0) {
		qb_ipcs_connection_unref(conn);
		free(p);
		*result = error_doc("cannot run the probe of '%s'", r->name);
		return -EIO;
	}
	return 1;
}

const char *rm_member_role(struct resource_manager *rm, uint32_t nodeid, uint32_t pid)
{
	const struct rsm_member *mb = rm->ready ? rsm_member(&rm->rsm, nodeid, pid) : NULL;

	if (mb && mb->contested)
		return "contested";
	return mb ? rsm_member_status_name(mb->status) : "unknown";
}

bool rm_node_in_maintenance(struct resource_manager *rm, uint32_t nodeid)
{
	const struct rsm_node *n = rm->ready ? rsm_node(&rm->rsm, nodeid) : NULL;

	return rm->ready && (rm->rsm.maint_all || (n && n->maint));
}

uint32_t rm_node_id(struct resource_manager *rm, const char *nn)
{
	uint32_t node = 0;

	for (size_t i = 0; i < rm->rsm.n_nodes && nn; i++)
		if (!strcmp(rm->rsm.nodes[i].name, nn))
			node = rm->rsm.nodes[i].nodeid;
	if (!node && nn) {
		char *end;
		unsigned long id = strtoul(nn, &end, 10);
		if (*end == '\0' && id > 0 && id <= UINT32_MAX)
			node = (uint32_t)id;
	}
	return node;
}

/* A node named by name or nodeid; 0 with *RESULT set when unknown. */
static uint32_t node_arg(struct resource_manager *rm, json_object *jnode, json_object **result)
{
	const char *nn = json_object_get_string(jnode);
	uint32_t node = rm_node_id(rm, nn);

	if (!node)
		*result = error_doc("unknown node '%s'", nn ? nn : "");
	return node;
}

/* Multicast MSG for CONN's request and keep CONN until it is decided. */
static int send_request(struct resource_manager *rm, qb_ipcs_connection_t *conn, int32_t cmd,
			struct wire_msg *msg, json_object **result)
{
	const struct rsm_member *me = rsm_member(&rm->rsm, rm->rsm.local_nodeid, rm->rsm.local_pid);
	struct pending_request *p;

	/* every member would drop it: it must come from the node's handoffd */
	if (!me || me->status != MEMBER_DAEMON) {
		*result = error_doc("this handoffd does not speak for node %u yet (%s in the group); "
				    "try again", rm->rsm.local_nodeid,
				    me ? rsm_member_status_name(me->status) : "not");
		return -EAGAIN;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*result = error_doc("out of memory");
		return -ENOMEM;
	}
	msg->u.req.req_id = ++rm->next_req_id;
	if (rm_send(rm, msg) < 0) {
		free(p);
		*result = error_doc("cannot multicast the request");
		return -EIO;
	}
	p->req_id = msg->u.req.req_id;
	p->cmd = cmd;
	p->conn = conn;
	qb_ipcs_connection_ref(conn);
	p->next = rm->pending;
	rm->pending = p;
	return 1;
}

static bool gate_rejects(struct resource_manager *rm, json_object **result)
{
	if (quorum_gate_open(&rm->d->link.gate))
		return false;
	*result = error_doc("rejected: the quorum gate is closed (%s); nothing was changed",
			    gate_verdict_str(quorum_gate_check(&rm->d->link.gate)));
	return true;
}

int rm_standby(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
	       json_object **result)
{
	struct wire_msg msg = { .hdr = { .type = MSG_STANDBY } };
	json_object *jnode = NULL, *jon = NULL;

	if (!rm->ready) {
		*result = error_doc("handoffd is not connected to corosync");
		return -ENOTCONN;
	}
	if (!json_object_object_get_ex(args, "node", &jnode)) {
		*result = error_doc("no node named in the request");
		return -EINVAL;
	}
	if (!(msg.u.req.node = node_arg(rm, jnode, result)))
		return -ENOENT;
	if (!rsm_node(&rm->rsm, msg.u.req.node)) {
		json_object_put(*result);
		*result = error_doc("unknown node '%s'", json_object_get_string(jnode));
		return -ENOENT;
	}
	if (gate_rejects(rm, result))
		return -EAGAIN;
	msg.u.req.on = !json_object_object_get_ex(args, "on", &jon) || json_object_get_boolean(jon);
	msg.u.req.parallel = (uint16_t)rm->d->cfg.standby_parallel;
	return send_request(rm, conn, HANDOFF_CMD_STANDBY, &msg, result);
}

/* A resource of that name first, else a node by name or nodeid, else
 * the whole cluster with "all": what the MAINTENANCE names (rule 33). */
int rm_maintenance(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
		   json_object **result)
{
	struct wire_msg msg = { .hdr = { .type = MSG_MAINTENANCE } };
	json_object *jt = NULL, *jon = NULL, *jall = NULL;
	const char *name;

	if (!rm->ready) {
		*result = error_doc("handoffd is not connected to corosync");
		return -ENOTCONN;
	}
	if (json_object_object_get_ex(args, "all", &jall) && json_object_get_boolean(jall)) {
		msg.u.req.scope = MAINT_CLUSTER;
	} else if (json_object_object_get_ex(args, "target", &jt) &&
		   (name = json_object_get_string(jt)) && *name) {
		if (rsm_find(&rm->rsm, name)) {
			msg.u.req.scope = MAINT_RESOURCE;
			snprintf(msg.u.req.resource, sizeof(msg.u.req.resource), "%s", name);
		} else if ((msg.u.req.node = rm_node_id(rm, name)) &&
			   rsm_node(&rm->rsm, msg.u.req.node)) {
			msg.u.req.scope = MAINT_NODE;
		} else {
			*result = error_doc("'%.80s' is neither a resource nor a node of this cluster",
					    name);
			return -ENOENT;
		}
	} else {
		*result = error_doc("name a resource, a node, or --all");
		return -EINVAL;
	}
	if (gate_rejects(rm, result))
		return -EAGAIN;
	msg.u.req.on = !json_object_object_get_ex(args, "on", &jon) || json_object_get_boolean(jon);
	return send_request(rm, conn, HANDOFF_CMD_MAINTENANCE, &msg, result);
}

/*
 * An operator says NODE is down (as stonith_admin --confirm): the
 * failovers waiting for it go ahead (S1 rests on the operator's word).
 * Refused here when NODE is in corosync's quorum membership (then it is
 * not down, at most its handoffd is), is this node, or this node is not
 * quorate; every member checks again when it is delivered.
 */
int rm_fence_confirm(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
		     json_object **result)
{
	struct wire_msg msg = { .hdr = { .type = MSG_FENCE_CONFIRM } };
	json_object *jnode = NULL;
	uint32_t node;

	if (!rm->ready) {
		*result = error_doc("handoffd is not connected to corosync");
		return -ENOTCONN;
	}
	if (!json_object_object_get_ex(args, "node", &jnode)) {
		*result = error_doc("no node named in the request");
		return -EINVAL;
	}
	if (!(node = node_arg(rm, jnode, result)))
		return -ENOENT;
	if (!rsm_node(&rm->rsm, node)) {
		json_object_put(*result);
		*result = error_doc("unknown node '%s'", json_object_get_string(jnode));
		return -ENOENT;
	}
	if (node == rm->rsm.local_nodeid) {
		*result = error_doc("node %u is this node: it is not down", node);
		return -EINVAL;
	}
	if (rm_in_quorum(rm, node)) {
		*result = error_doc("node %u is in corosync's quorate membership: it is not down "
				    "(if only its handoffd is gone, restart it)", node);
		return -EBUSY;
	}
	if (gate_rejects(rm, result))
		return -EAGAIN;
	qb_log(LOG_WARNING, "an operator confirms node %u down (handoffctl fence-confirm)", node);
	msg.u.req.node = node;
	return send_request(rm, conn, HANDOFF_CMD_FENCE_CONFIRM, &msg, result);
}

int rm_request(struct resource_manager *rm, qb_ipcs_connection_t *conn, int32_t cmd,
	       json_object *args, json_object **result)
{
	struct wire_msg msg = { .hdr = { .type = 0 } };
	json_object *jres = NULL, *jnode = NULL;
	const char *name;
	uint32_t node = 0;

	if (!rm->ready) {
		*result = error_doc("handoffd is not connected to corosync");
		return -ENOTCONN;
	}
	if (!json_object_object_get_ex(args, "resource", &jres) ||
	    !json_object_is_type(jres, json_type_string)) {
		*result = error_doc("no resource named in the request");
		return -EINVAL;
	}
	name = json_object_get_string(jres);
	if (!rsm_find(&rm->rsm, name)) {
		*result = error_doc("unknown resource '%s'", name);
		return -ENOENT;
	}
	if (gate_rejects(rm, result))
		return -EAGAIN;
	if (json_object_object_get_ex(args, "node", &jnode) &&
	    !(node = node_arg(rm, jnode, result)))
		return -ENOENT;
	switch (cmd) {
	case HANDOFF_CMD_START:   msg.hdr.type = MSG_START; break;
	case HANDOFF_CMD_STOP:    msg.hdr.type = MSG_STOP; break;
	case HANDOFF_CMD_CLEANUP: msg.hdr.type = MSG_CLEANUP; break;
	case HANDOFF_CMD_MIGRATE:
		if (!node) {
			*result = error_doc("migrate needs a target node");
			return -EINVAL;
		}
		msg.hdr.type = MSG_MIGRATE;
		break;
	default:
		*result = error_doc("not a resource request");
		return -EINVAL;
	}
	msg.u.req.node = node;
	snprintf(msg.u.req.resource, sizeof(msg.u.req.resource), "%s", name);
	return send_request(rm, conn, cmd, &msg, result);
}
