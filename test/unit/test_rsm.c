/*
 * The replicated state machine, driven the way CPG drives it: a small
 * simulated cluster where every message goes through the wire encoding and
 * is delivered to every member in one total order.  After every step all
 * members must hold the same table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/drbd_parse.h"
#include "plugin/rsm.h"

#define N 3
#define T0 1800000000000ull     /* a reporter's clock, ms since 1970 */

static const char CONF[] =
	"[resource web]\nstorage = drbd\ndrbd_resource = r0\ndevice = /dev/drbd0\n"
	"mount_point = /srv/web\nworkload = exec\nagent = /bin/true\n"
	"nodes = node1 node2 node3\n"
	"[resource db]\nstorage = shared\ndevice = /dev/sdb1\nmount_point = /srv/db\n"
	"workload = exec\nagent = /bin/true\nnodes = node2 node1\n";

struct sim {
	struct handoff_config cfg[N + 1];     /* per node: node 3 may differ */
	struct handoff_config reloaded[N + 1];   /* a reload's (rsm_reconfigure) */
	struct rsm m[N + 1];
	bool up[N + 1];                        /* handoffd running */
	struct wire_fact facts[N + 1][3];      /* per node, web, db and new (a reload's) */
	struct rsm_actions acts[N + 1];        /* everything each node was told */
	uint32_t watchdog_ms[N + 1];           /* each node's armed watchdog (0: none) */
	uint8_t *queue[64];
	size_t qlen[64];
	uint32_t qpid[64];                     /* the sender's pid: 0 for a handoffd */
	size_t nq;
	uint32_t next_req;
};

static const uint32_t IDS[] = { 1, 2, 3 };
static const char *const NAMES[] = { "node1", "node2", "node3" };

static void load_conf(struct sim *s, int i, const char *text)
{
	struct config_errors err = { 0 };
	config_defaults(&s->cfg[i]);
	assert_int_equal(config_load_string(&s->cfg[i], "sim.conf", text, &err), 0);
}

static void boot(struct sim *s, int i)
{
	rsm_free(&s->m[i]);
	assert_int_equal(rsm_init(&s->m[i], &s->cfg[i], (uint32_t)i, IDS, NAMES, 3), 0);
	s->up[i] = true;
}

static struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof(*s));
	for (int i = 1; i <= N; i++) {
		load_conf(s, i, CONF);
		s->facts[i][0].name = "web";
		s->facts[i][1].name = "db";
		s->facts[i][2].name = "new";
		s->facts[i][0].role = s->facts[i][1].role = ROLE_SECONDARY;
		s->facts[i][0].disk = DRBD_DISK_UPTODATE;    /* web is on DRBD */
		/* a watchdog everywhere unless a test says otherwise: a lost
		 * owner is then fenced once fence_delay passed */
		s->watchdog_ms[i] = 5000;
		boot(s, i);
	}
	return s;
}

static void sim_free(struct sim *s)
{
	for (int i = 0; i <= N; i++) {
		rsm_free(&s->m[i]);
		config_free(&s->cfg[i]);
		config_free(&s->reloaded[i]);
		rsm_actions_free(&s->acts[i]);
	}
	for (size_t q = 0; q < s->nq; q++)
		free(s->queue[q]);
	free(s);
}

/* MSG from the group member (its nodeid, PID): a handoffd's pid is 0 here,
 * any other pid is a foreign CPG process */
static void multicast_pid(struct sim *s, const struct wire_msg *msg, uint32_t pid)
{
	uint8_t *buf;
	size_t len = wire_encode(msg, WIRE_VERSION_MAX, &buf);
	assert_true(len > 0);
	assert_true(s->nq < 64);
	s->queue[s->nq] = buf;
	s->qpid[s->nq] = pid;
	s->qlen[s->nq++] = len;
}

static void multicast(struct sim *s, const struct wire_msg *msg)
{
	multicast_pid(s, msg, 0);
}

static void send_state(struct sim *s, int i)
{
	struct wire_msg msg = { .hdr = { .type = MSG_STATE, .nodeid = (uint32_t)i } };
	s->m[i].timing.watchdog_ms = s->watchdog_ms[i];
	s->m[i].timing.detect_ms = 2200;
	rsm_fill_state(&s->m[i], &msg.u.state, s->facts[i], 3);
	multicast(s, &msg);
	free(msg.u.state.entries);   /* the facts are borrowed */
}

/* The daemon's part: carry out ACT_SEND_STATE and ACT_SEND_HELLO. */
static void react(struct sim *s, int i, size_t from)
{
	for (size_t a = from; a < s->acts[i].n; a++) {
		if (s->acts[i].v[a].type == ACT_SEND_STATE)
			send_state(s, i);
		if (s->acts[i].v[a].type == ACT_SEND_HELLO) {
			struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = (uint32_t)i } };
			multicast(s, &hello);
		}
	}
}

/* Deliver everything queued, in order, to every running member. */
static void run(struct sim *s)
{
	for (size_t q = 0; q < s->nq; q++) {
		for (int i = 1; i <= N; i++) {
			struct wire_msg msg;
			char why[256];
			size_t before = s->acts[i].n;
			uint32_t sender;
			if (!s->up[i])
				continue;
			sender = s->queue[q][8];
			assert_int_equal(wire_decode(s->queue[q], s->qlen[q], sender, &msg, why,
						     sizeof(why)), 0);
			rsm_deliver_from(&s->m[i], s->qpid[q], &msg, &s->acts[i]);
			react(s, i, before);
		}
		free(s->queue[q]);
		s->queue[q] = NULL;
	}
	s->nq = 0;
}

#define FOREIGN_PID 4242

/* A confchg of the group LIST: a member of pid 0 is a node's handoffd (it
 * is told, if it runs), any other pid a foreign CPG process. */
static void confchg_to(struct sim *s, const struct wire_member *list, size_t nl)
{
	size_t n = 0;

	for (size_t k = 0; k < nl; k++)
		n += list[k].pid == 0;
	/* votequorum's verdict for 3 votes: a majority is quorate */
	for (int i = 1; i <= N; i++)
		s->m[i].quorate_now = n * 2 > N;
	for (size_t k = 0; k < nl; k++) {
		int i = (int)list[k].nodeid;
		size_t before = s->acts[i].n;
		if (list[k].pid != 0)
			continue;
		rsm_confchg_members(&s->m[i], list, nl, &s->acts[i]);
		react(s, i, before);
	}
}

/* ... of the handoffds of IDS and the foreign processes (node,
 * FOREIGN_PID) of FOREIGN_ON */
static void confchg_group(struct sim *s, const uint32_t *ids, size_t n,
			  const uint32_t *foreign_on, size_t nf)
{
	struct wire_member list[8];
	size_t nl = 0;

	for (size_t k = 0; k < n; k++)
		list[nl++] = (struct wire_member){ ids[k], 0, 0 };
	for (size_t k = 0; k < nf; k++)
		list[nl++] = (struct wire_member){ foreign_on[k], FOREIGN_PID, 0 };
	confchg_to(s, list, nl);
}

static void confchg(struct sim *s, const uint32_t *members, size_t n)
{
	confchg_group(s, members, n, NULL, 0);
}

static void all_up(struct sim *s)
{
	confchg(s, IDS, 3);
	run(s);
}

static void request(struct sim *s, int from, enum wire_type type, const char *res, uint32_t node)
{
	struct wire_msg msg = { .hdr = { .type = (uint16_t)type, .nodeid = (uint32_t)from } };
	msg.u.req.req_id = ++s->next_req;
	msg.u.req.node = node;
	snprintf(msg.u.req.resource, sizeof(msg.u.req.resource), "%s", res);
	multicast(s, &msg);
}

static void result(struct sim *s, int from, const char *res, enum wire_op op, bool ok,
		   uint64_t epoch, const char *error)
{
	struct wire_msg msg = { .hdr = { .type = MSG_RESULT, .nodeid = (uint32_t)from, .epoch = epoch } };
	snprintf(msg.u.result.resource, sizeof(msg.u.result.resource), "%s", res);
	msg.u.result.op = (uint8_t)op;
	msg.u.result.ok = ok;
	snprintf(msg.u.result.error, sizeof(msg.u.result.error), "%s", error ? error : "");
	multicast(s, &msg);
}

/* every running member holds the same table */
static void agree(struct sim *s)
{
	int first = 0;
	char why[200];
	for (int i = 1; i <= N; i++) {
		if (!s->up[i])
			continue;
		if (!first) {
			first = i;
			continue;
		}
		for (size_t r = 0; r < s->m[i].n_res; r++) {
			const struct rsm_res *a = &s->m[first].res[r], *b = &s->m[i].res[r];
			/* the fields one by one first: cmocka names the one that differs */
			assert_int_equal(a->owner, b->owner);
			assert_int_equal(a->phase, b->phase);
			assert_int_equal(a->epoch, b->epoch);
			assert_string_equal(a->last_error, b->last_error);
		}
		assert_null(rsm_differs(&s->m[first], &s->m[i]));
		/* and the same standby flags and history (rules 23, 24) */
		assert_null(rsm_admin_differs(&s->m[first], &s->m[i]));
		if (rsm_identity_differs(&s->m[first], &s->m[i], why, sizeof(why)))
			fail_msg("nodes %d and %d: %s", first, i, why);
		assert_false(s->m[i].syncing);
	}
}

static const struct rsm_action *last(struct sim *s, int i, enum rsm_action_type t)
{
	for (size_t a = s->acts[i].n; a > 0; a--)
		if (s->acts[i].v[a - 1].type == t)
			return &s->acts[i].v[a - 1];
	return NULL;
}

static size_t count(struct sim *s, int i, enum rsm_action_type t)
{
	size_t n = 0;
	for (size_t a = 0; a < s->acts[i].n; a++)
		n += s->acts[i].v[a].type == t;
	return n;
}

static struct rsm_res *res(struct sim *s, int i, const char *name)
{
	return rsm_find(&s->m[i], name);
}

/* ---- tests ----------------------------------------------------------------- */

static void start_then_running(void **state)
{
	struct sim *s = sim_new();
	const struct rsm_action *a;
	(void)state;

	all_up(s);
	agree(s);
	assert_int_equal(s->m[1].version, 5);
	request(s, 1, MSG_START, "web", 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STARTING);
	assert_int_equal(res(s, 1, "web")->owner, 2);
	assert_int_equal(res(s, 1, "web")->epoch, 1);
	/* only the owner acts; only the requester is answered */
	assert_int_equal(count(s, 2, ACT_START), 1);
	assert_int_equal(count(s, 1, ACT_START), 0);
	assert_int_equal(count(s, 3, ACT_START), 0);
	a = last(s, 1, ACT_REPLY);
	assert_non_null(a);
	assert_true(a->ok);
	assert_non_null(strstr(a->text, "starting web on node 2 (epoch 1)"));
	assert_null(last(s, 2, ACT_REPLY));

	result(s, 2, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RUNNING);
	sim_free(s);
}

static void start_rejections(void **state)
{
	struct sim *s = sim_new();
	const struct rsm_action *a;
	(void)state;

	all_up(s);
	request(s, 1, MSG_START, "nosuch", 0);
	run(s);
	a = last(s, 1, ACT_REPLY);
	assert_false(a->ok);
	assert_string_equal(a->text, "unknown resource 'nosuch'");

	request(s, 1, MSG_START, "db", 3);   /* node3 is not among db's nodes */
	run(s);
	a = last(s, 1, ACT_REPLY);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "not among the resource's nodes"));

	request(s, 1, MSG_START, "web", 2);
	request(s, 3, MSG_START, "web", 3);   /* the second of two requests loses */
	run(s);
	agree(s);
	assert_true(last(s, 1, ACT_REPLY)->ok);
	a = last(s, 3, ACT_REPLY);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "busy: web is STARTING on node 2"));
	assert_int_equal(res(s, 1, "web")->owner, 2);

	result(s, 2, "web", WIRE_OP_START, false, 1, "mount: wrong fs type");
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_FAILED);
	assert_string_equal(res(s, 1, "web")->last_error, "start on node 2: mount: wrong fs type");
	request(s, 2, MSG_START, "web", 1);
	run(s);
	a = last(s, 2, ACT_REPLY);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "run handoffctl cleanup web first"));
	sim_free(s);
}

static void start_picks_first_eligible_member(void **state)
{
	struct sim *s = sim_new();
	const uint32_t without2[] = { 1, 3 };
	(void)state;

	all_up(s);
	request(s, 3, MSG_START, "db", 0);
	run(s);
	assert_int_equal(res(s, 1, "db")->owner, 2);   /* db prefers node2 */

	/* node 2 crashes: db's next choice is node 1 */
	s->up[2] = false;
	confchg(s, without2, 2);
	run(s);
	agree(s);
	assert_true(res(s, 1, "db")->owner_lost || res(s, 1, "db")->phase == PHASE_FAILED);
	request(s, 3, MSG_START, "web", 0);
	run(s);
	assert_int_equal(res(s, 1, "web")->owner, 1);
	request(s, 1, MSG_START, "web", 2);
	run(s);
	sim_free(s);
}

static void stop_cycle(void **state)
{
	struct sim *s = sim_new();
	const struct rsm_action *a;
	(void)state;

	all_up(s);
	request(s, 3, MSG_STOP, "web", 0);
	run(s);
	a = last(s, 3, ACT_REPLY);
	assert_true(a->ok);
	assert_string_equal(a->text, "web is already stopped");

	request(s, 1, MSG_START, "web", 3);
	run(s);
	result(s, 3, "web", WIRE_OP_START, true, 1, NULL);
	request(s, 1, MSG_STOP, "web", 0);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPING);
	assert_int_equal(res(s, 2, "web")->epoch, 2);
	assert_int_equal(count(s, 3, ACT_STOP), 1);
	assert_int_equal(count(s, 1, ACT_STOP), 0);

	/* a RESULT of the earlier epoch changes nothing */
	result(s, 3, "web", WIRE_OP_STOP, true, 1, NULL);
	run(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPING);
	assert_non_null(strstr(last(s, 2, ACT_LOG)->text, "stale RESULT"));
	/* nor one from a node that is not the owner */
	result(s, 1, "web", WIRE_OP_STOP, true, 2, NULL);
	run(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPING);

	result(s, 3, "web", WIRE_OP_STOP, true, 2, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPED);
	assert_int_equal(res(s, 2, "web")->owner, 0);
	sim_free(s);
}

static void requests_are_held_during_sync(void **state)
{
	struct sim *s = sim_new();
	(void)state;

	/* the START is delivered between the confchg and the STATEs */
	for (int i = 1; i <= N; i++)
		rsm_confchg(&s->m[i], IDS, 3, &s->acts[i]);
	request(s, 2, MSG_START, "web", 1);
	for (int i = 1; i <= N; i++)
		send_state(s, i);
	run(s);
	for (int i = 1; i <= N; i++)
		assert_false(s->m[i].syncing);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STARTING);
	assert_int_equal(count(s, 1, ACT_START), 1);
	sim_free(s);
}

static void confchg_during_sync_drops_held_requests(void **state)
{
	struct sim *s = sim_new();
	const uint32_t two[] = { 1, 2 };
	const struct rsm_action *a;
	(void)state;

	for (int i = 1; i <= N; i++)
		rsm_confchg(&s->m[i], IDS, 3, &s->acts[i]);
	request(s, 2, MSG_START, "web", 1);
	send_state(s, 1);
	run(s);          /* node 2 and 3 have not sent STATE: the START is held */
	assert_true(s->m[1].syncing);
	s->up[3] = false;
	confchg(s, two, 2);
	a = last(s, 2, ACT_REPLY);
	assert_non_null(a);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "try again"));
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STOPPED);
	sim_free(s);
}

static void different_config_is_ineligible(void **state)
{
	struct sim *s = sim_new();
	const struct rsm_action *a;
	char other[sizeof(CONF) + 64];
	(void)state;

	snprintf(other, sizeof(other), "%s", CONF);
	memcpy(strstr(other, "/srv/web"), "/srv/WEB", 8);
	config_free(&s->cfg[3]);
	load_conf(s, 3, other);
	boot(s, 3);
	all_up(s);
	assert_true(rsm_node(&s->m[1], 1)->eligible);
	assert_false(rsm_node(&s->m[1], 3)->eligible);
	assert_false(rsm_node(&s->m[3], 3)->eligible);   /* it knows itself */

	request(s, 1, MSG_START, "web", 3);
	run(s);
	a = last(s, 1, ACT_REPLY);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "configuration differs"));
	request(s, 3, MSG_START, "web", 1);
	run(s);
	a = last(s, 3, ACT_REPLY);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "this node's configuration differs"));
	request(s, 1, MSG_START, "web", 0);   /* first eligible: node 1 */
	run(s);
	assert_int_equal(res(s, 2, "web")->owner, 1);
	sim_free(s);
}

static void restart_everywhere_adopts_the_running_workload(void **state)
{
	struct sim *s = sim_new();
	(void)state;

	/* every handoffd restarted: empty tables, but node 2 runs web */
	s->facts[2][0].running = 1;
	s->facts[2][0].mounted = 1;
	s->facts[2][0].role = ROLE_PRIMARY;
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 1, "web")->owner, 2);
	/* adopted, not restarted, and nobody releases it */
	for (int i = 1; i <= N; i++) {
		assert_int_equal(count(s, i, ACT_START), 0);
		assert_int_equal(count(s, i, ACT_RELEASE), 0);
	}
	sim_free(s);
}

static void newest_epoch_wins_the_merge(void **state)
{
	struct sim *s = sim_new();
	const uint32_t one[] = { 1 };
	(void)state;

	all_up(s);
	request(s, 1, MSG_START, "web", 1);
	run(s);
	result(s, 1, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	/* node 3's daemon restarts with an empty table, node 1 keeps epoch 1 */
	s->facts[1][0].running = 1;
	boot(s, 3);
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->epoch, 1);
	assert_int_equal(res(s, 3, "web")->owner, 1);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RUNNING);
	(void)one;
	sim_free(s);
}

static void holder_without_ownership_releases(void **state)
{
	struct sim *s = sim_new();
	(void)state;

	s->facts[3][0].role = ROLE_PRIMARY;   /* node 3 is Primary for web, unowned */
	all_up(s);
	assert_int_equal(count(s, 3, ACT_RELEASE), 1);
	assert_string_equal(last(s, 3, ACT_RELEASE)->resource, "web");
	assert_int_equal(count(s, 1, ACT_RELEASE), 0);
	assert_int_equal(count(s, 2, ACT_RELEASE), 0);
	sim_free(s);
}

static void running_twice_keeps_the_owner(void **state)
{
	struct sim *s = sim_new();
	(void)state;

	all_up(s);
	request(s, 1, MSG_START, "web", 3);
	run(s);
	result(s, 3, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	s->facts[3][0].running = 1;
	s->facts[1][0].running = 1;        /* S2 broken: it runs on 1 too */
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->owner, 3);
	assert_int_equal(count(s, 1, ACT_RELEASE), 1);
	assert_int_equal(count(s, 3, ACT_RELEASE), 0);
	assert_non_null(strstr(last(s, 2, ACT_LOG)->text, "runs on 2 nodes at once"));
	sim_free(s);
}

static void owner_loss(void **state)
{
	struct sim *s = sim_new();
	const uint32_t without3[] = { 1, 2 };
	(void)state;

	all_up(s);
	request(s, 1, MSG_START, "web", 3);
	request(s, 1, MSG_START, "db", 2);
	run(s);
	result(s, 3, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	s->facts[2][1].running = 0;  /* db still STARTING on node 2 */
	s->up[3] = false;
	confchg(s, without3, 2);
	run(s);
	agree(s);
	/* web: its owner left: the first eligible member takes it over */
	assert_int_equal(res(s, 1, "web")->phase, PHASE_FAILING_OVER);
	assert_int_equal(res(s, 1, "web")->owner, 1);
	assert_int_equal(res(s, 1, "web")->epoch, 2);
	assert_int_equal(count(s, 1, ACT_FAILOVER), 1);
	/* web was started cold: the table names no dump to restore (S3) */
	assert_int_equal(last(s, 1, ACT_FAILOVER)->dump_epoch, 0);
	assert_true(wire_id_is_zero(last(s, 1, ACT_FAILOVER)->dump_id));
	assert_int_equal(last(s, 1, ACT_FAILOVER)->node, 3);   /* the owner it lost */
	assert_int_equal(count(s, 2, ACT_FAILOVER), 0);
	/* db's owner is still here with the op in flight: unchanged */
	assert_int_equal(res(s, 1, "db")->phase, PHASE_STARTING);

	/* RUNNING, owner present, workload gone at the sync: counted like
	 * its owner's report (rule 31), so restarted in place */
	result(s, 2, "db", WIRE_OP_START, true, 1, NULL);
	run(s);
	s->m[2].clock_ms = T0 + 77;
	confchg(s, without3, 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "db")->phase, PHASE_STOPPING);
	assert_true(res(s, 1, "db")->restarting);
	assert_int_equal(res(s, 1, "db")->fail_count, 1);
	assert_true(res(s, 1, "db")->last_fail_ms == T0 + 77);
	assert_string_equal(res(s, 1, "db")->last_fail,
			    "workload on node 2: not running at the sync");
	assert_int_equal(last(s, 2, ACT_STOP)->epoch, res(s, 1, "db")->epoch);
	sim_free(s);
}

static void starting_owner_leaves(void **state)
{
	struct sim *s = sim_new();
	const uint32_t without2[] = { 1, 3 };
	(void)state;

	all_up(s);
	request(s, 1, MSG_START, "web", 2);
	run(s);
	s->up[2] = false;
	confchg(s, without2, 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_FAILED);
	assert_string_equal(res(s, 1, "web")->last_error, "owner node 2 left during start");
	sim_free(s);
}

static void cleanup_probes_reality(void **state)
{
	struct sim *s = sim_new();
	(void)state;

	all_up(s);
	request(s, 1, MSG_START, "web", 2);
	run(s);
	result(s, 2, "web", WIRE_OP_START, false, 1, "agent exited 1");
	run(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_FAILED);

	request(s, 3, MSG_CLEANUP, "web", 0);
	request(s, 1, MSG_START, "db", 1);   /* delivered during the cleanup's sync */
	run(s);
	agree(s);
	assert_true(last(s, 3, ACT_REPLY)->ok);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STOPPED);
	assert_int_equal(res(s, 1, "web")->owner, 0);
	assert_int_equal(res(s, 1, "web")->epoch, 2);
	assert_string_equal(res(s, 1, "web")->last_error, "");
	assert_int_equal(res(s, 1, "db")->phase, PHASE_STARTING);  /* held, then replayed */

	/* FAILED, but it does run on node 1 after all: cleanup adopts it */
	result(s, 1, "db", WIRE_OP_START, false, 1, "monitor timed out");
	run(s);
	s->facts[1][1].running = 1;
	request(s, 2, MSG_CLEANUP, "db", 0);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "db")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 2, "db")->owner, 1);

	request(s, 2, MSG_CLEANUP, "db", 0);
	run(s);
	assert_non_null(strstr(last(s, 2, ACT_REPLY)->text, "nothing to clean up"));
	sim_free(s);
}

static void state_from_a_non_member_is_ignored(void **state)
{
	struct sim *s = sim_new();
	const uint32_t two[] = { 1, 2 };
	(void)state;

	s->up[3] = false;
	confchg(s, two, 2);
	send_state(s, 3);      /* a straggler */
	run(s);
	agree(s);
	assert_false(s->m[1].syncing);
	assert_null(rsm_node(&s->m[1], 3)->state.entries);
	sim_free(s);
}

/* ---- live migration ------------------------------------------------------------ */

/* The id a ready target FROM draws for the migration of EPOCH, here made
 * up from both so that a test can tell ids apart. */
static void mig_id(uint64_t epoch, int from, uint8_t id[WIRE_ID_LEN])
{
	memset(id, 0x5a, WIRE_ID_LEN);
	id[0] = (uint8_t)epoch;
	id[1] = (uint8_t)from;
}

static void assert_names_dump(const uint64_t dump_epoch, const uint8_t *dump_id,
			      uint64_t epoch, int from)
{
	uint8_t want[WIRE_ID_LEN];

	mig_id(epoch, from, want);
	assert_int_equal(dump_epoch, epoch);
	assert_memory_equal(dump_id, want, WIRE_ID_LEN);
}

static void report(struct sim *s, int from, enum wire_type type, const char *resname,
		   uint64_t epoch, bool ok, const char *error)
{
	struct wire_msg msg = { .hdr = { .type = (uint16_t)type, .nodeid = (uint32_t)from,
					 .epoch = epoch } };
	snprintf(msg.u.report.resource, sizeof(msg.u.report.resource), "%s", resname);
	msg.u.report.ok = ok;
	snprintf(msg.u.report.error, sizeof(msg.u.report.error), "%s", error ? error : "");
	for (int i = 0; i < WIRE_TIMES; i++)
		msg.u.report.ms[i] = (uint32_t)(10 * (i + 1));
	if (type == MSG_PREPARED && ok)
		mig_id(epoch, from, msg.u.report.id);
	multicast(s, &msg);
}

/* web RUNNING on node 1 at epoch 1 */
static struct sim *running_on_1(void)
{
	struct sim *s = sim_new();
	all_up(s);
	request(s, 1, MSG_START, "web", 1);
	run(s);
	result(s, 1, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	return s;
}

/* a request from FROM; its answer there */
static const struct rsm_action *ask(struct sim *s, int from, enum wire_type type, const char *name,
				    uint32_t node)
{
	request(s, from, type, name, node);
	run(s);
	return last(s, from, ACT_REPLY);
}

/* web from node 1 to node 2 (epoch 2), up to RESTORING when RELEASED */
static void migrate_1_to_2(struct sim *s, bool released)
{
	assert_true(ask(s, 1, MSG_MIGRATE, "web", 2)->ok);
	report(s, 2, MSG_PREPARED, "web", 2, true, NULL);
	if (released)
		report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
}

static void expect_phase(struct sim *s, enum phase p, uint32_t owner, uint32_t target)
{
	agree(s);
	for (int i = 1; i <= N; i++) {
		if (!s->up[i])
			continue;
		assert_int_equal(res(s, i, "web")->phase, p);
		assert_int_equal(res(s, i, "web")->owner, owner);
		assert_int_equal(res(s, i, "web")->target, target);
	}
}

static void migration_happy_path(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	const struct rsm_history *h;
	(void)state;

	request(s, 3, MSG_MIGRATE, "web", 2);
	run(s);
	expect_phase(s, PHASE_PREPARING, 1, 2);
	assert_int_equal(res(s, 1, "web")->epoch, 2);
	a = last(s, 3, ACT_REPLY);
	assert_true(a->ok);
	assert_string_equal(a->text, "migrating web from node 1 to node 2 (epoch 2)");
	/* only the target checks readiness; S5: the source has not dumped */
	assert_int_equal(count(s, 2, ACT_PREPARE), 1);
	assert_int_equal(count(s, 1, ACT_PREPARE) + count(s, 3, ACT_PREPARE), 0);
	assert_int_equal(count(s, 1, ACT_MIGRATE_RELEASE), 0);
	assert_int_equal(last(s, 2, ACT_PREPARE)->node, 1);

	report(s, 2, MSG_PREPARED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RELEASING, 1, 2);
	assert_int_equal(count(s, 1, ACT_MIGRATE_RELEASE), 1);
	/* S5: the target promotes only after RELEASED */
	assert_int_equal(count(s, 2, ACT_MIGRATE_ACQUIRE), 0);

	report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RESTORING, 1, 2);
	assert_int_equal(count(s, 2, ACT_MIGRATE_ACQUIRE), 1);
	assert_int_equal(count(s, 1, ACT_MIGRATE_ACQUIRE) + count(s, 3, ACT_MIGRATE_ACQUIRE), 0);

	report(s, 2, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);
	for (int i = 1; i <= N; i++) {
		h = rsm_history_get(&s->m[i], 0);
		assert_non_null(h);
		assert_true(h->ok);
		assert_int_equal(h->source, 1);
		assert_int_equal(h->target, 2);
		assert_int_equal(h->epoch, 2);
		assert_string_equal(h->result, "migrated");
		assert_int_equal(h->ms[WT_DUMP], 10);
		assert_int_equal(h->ms[WT_RESTORE], 70);
		assert_null(rsm_history_get(&s->m[i], 1));
	}
	sim_free(s);
}

static void migration_rejections(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	(void)state;

	a = ask(s, 2, MSG_MIGRATE, "web", 1);
	assert_false(a->ok);
	assert_string_equal(a->text, "web already runs on node 1");
	a = ask(s, 2, MSG_MIGRATE, "db", 3);
	assert_false(a->ok);
	assert_string_equal(a->text, "db is not running: start it on node 3 instead");
	a = ask(s, 2, MSG_MIGRATE, "web", 9);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "node 9 may not run web: not among the resource's nodes"));

	/* two requests at once: the first in total order wins, on every node alike */
	request(s, 2, MSG_MIGRATE, "web", 2);
	request(s, 3, MSG_MIGRATE, "web", 3);
	run(s);
	expect_phase(s, PHASE_PREPARING, 1, 2);
	assert_true(last(s, 2, ACT_REPLY)->ok);
	a = last(s, 3, ACT_REPLY);
	assert_false(a->ok);
	assert_string_equal(a->text, "busy: web is PREPARING on node 1 (epoch 2)");
	assert_int_equal(count(s, 3, ACT_PREPARE), 0);

	/* stale and misdirected reports change nothing */
	report(s, 2, MSG_PREPARED, "web", 1, true, NULL);      /* old epoch */
	report(s, 3, MSG_PREPARED, "web", 2, true, NULL);      /* not the target */
	report(s, 1, MSG_RELEASED, "web", 2, true, NULL);      /* not its turn */
	run(s);
	expect_phase(s, PHASE_PREPARING, 1, 2);
	assert_int_equal(count(s, 1, ACT_MIGRATE_RELEASE), 0);
	assert_non_null(strstr(last(s, 1, ACT_LOG)->text, "ignored a stale"));
	sim_free(s);
}

static void migration_target_not_ready(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	request(s, 1, MSG_MIGRATE, "web", 3);
	run(s);
	report(s, 3, MSG_PREPARED, "web", 2, false, "readiness: disk is Outdated, not UpToDate");
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_string_equal(res(s, 2, "web")->last_error,
			    "migration to node 3 refused: readiness: disk is Outdated, not UpToDate");
	assert_int_equal(count(s, 1, ACT_MIGRATE_RELEASE), 0);
	assert_false(rsm_history_get(&s->m[2], 0)->ok);
	sim_free(s);
}

static void migration_abort_on_the_source(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	migrate_1_to_2(s, false);
	/* umount failed, the source rolled back: it runs there again */
	report(s, 1, MSG_ABORT, "web", 2, true, "umount: target is busy; held by pid 7 (sh)");
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_non_null(strstr(res(s, 3, "web")->last_error, "held by pid 7 (sh)"));
	assert_int_equal(count(s, 2, ACT_MIGRATE_ACQUIRE), 0);

	/* the next one fails and so does its rollback */
	request(s, 1, MSG_MIGRATE, "web", 2);
	run(s);
	report(s, 2, MSG_PREPARED, "web", 3, true, NULL);
	run(s);
	report(s, 1, MSG_ABORT, "web", 3, false, "demote: exit 11");
	run(s);
	expect_phase(s, PHASE_FAILED, 1, 0);
	assert_non_null(strstr(res(s, 2, "web")->last_error, "the rollback failed too"));
	sim_free(s);
}

static void migration_hand_back(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	(void)state;

	migrate_1_to_2(s, true);
	report(s, 2, MSG_HANDBACK, "web", 2, true, "restore: exit 1: criu restore failed");
	run(s);
	expect_phase(s, PHASE_HANDING_BACK, 1, 2);
	a = last(s, 1, ACT_TAKE_BACK);
	assert_non_null(a);
	assert_int_equal(a->node, 2);
	assert_int_equal(count(s, 2, ACT_TAKE_BACK) + count(s, 3, ACT_TAKE_BACK), 0);
	report(s, 1, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_non_null(strstr(rsm_history_get(&s->m[3], 0)->result, "handed back"));
	assert_false(rsm_history_get(&s->m[3], 0)->ok);
	sim_free(s);
}

static void migration_target_leaves(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t two[] = { 1, 3 };
	(void)state;

	migrate_1_to_2(s, true);
	s->up[2] = false;
	confchg(s, two, 2);
	run(s);
	/* nobody runs it: the source takes it over, from the dump if the
	 * target had not consumed it (the new owner's dump check decides) */
	expect_phase(s, PHASE_FAILING_OVER, 1, 0);
	assert_non_null(strstr(res(s, 1, "web")->last_error, "node 2 left during RESTORING"));
	assert_int_equal(last(s, 1, ACT_FAILOVER)->node, 2);
	/* the dump it may restore: the migration's, by epoch and id (S3) */
	assert_names_dump(last(s, 1, ACT_FAILOVER)->dump_epoch, last(s, 1, ACT_FAILOVER)->dump_id,
			  2, 2);
	assert_non_null(strstr(rsm_history_get(&s->m[1], 0)->result, "interrupted"));
	sim_free(s);
}

/* ---- standby ------------------------------------------------------------------- */

static const struct rsm_action *standby(struct sim *s, int from, uint32_t node, bool on,
					uint16_t parallel)
{
	struct wire_msg msg = { .hdr = { .type = MSG_STANDBY, .nodeid = (uint32_t)from } };
	msg.u.req.req_id = ++s->next_req;
	msg.u.req.node = node;
	msg.u.req.on = on;
	msg.u.req.parallel = parallel;
	multicast(s, &msg);
	run(s);
	return last(s, from, ACT_REPLY);
}

static void standby_drains_a_node(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	(void)state;

	assert_true(ask(s, 2, MSG_START, "db", 1)->ok);
	result(s, 1, "db", WIRE_OP_START, true, 1, NULL);
	run(s);
	a = standby(s, 3, 1, true, 1);
	assert_true(a->ok);
	assert_string_equal(a->text, "node 1 is in standby: moving 2 resources off it, 1 at a time");
	agree(s);
	/* one at a time: web (first in config order) goes to its next node */
	assert_int_equal(res(s, 3, "web")->phase, PHASE_PREPARING);
	assert_int_equal(res(s, 3, "web")->target, 2);
	assert_int_equal(res(s, 3, "db")->phase, PHASE_RUNNING);
	assert_int_equal(count(s, 2, ACT_PREPARE), 1);

	/* a standby node is never a target, nor started on */
	assert_string_equal(rsm_ineligible(&s->m[2], res(s, 2, "db"), 1), "it is in standby");

	/* web's target is not ready: web stays, and the drain goes on with db */
	report(s, 2, MSG_PREPARED, "web", 2, false, "readiness: no");
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 1, "web")->owner, 1);
	assert_true(res(s, 1, "web")->drain_failed);
	assert_int_equal(res(s, 1, "db")->phase, PHASE_PREPARING);
	assert_int_equal(res(s, 1, "db")->target, 2);
	report(s, 2, MSG_PREPARED, "db", 2, true, NULL);
	report(s, 1, MSG_RELEASED, "db", 2, true, NULL);
	report(s, 2, MSG_STARTED, "db", 2, true, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "db")->owner, 2);
	/* web is not tried again by itself */
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RUNNING);
	assert_int_equal(count(s, 2, ACT_PREPARE), 2);
	a = ask(s, 3, MSG_MIGRATE, "db", 1);
	assert_false(a->ok);
	assert_string_equal(a->text, "node 1 may not run db: it is in standby");

	a = standby(s, 3, 1, false, 1);
	assert_true(a->ok);
	assert_string_equal(a->text, "node 1 is no longer in standby");
	assert_true(ask(s, 3, MSG_MIGRATE, "db", 1)->ok);
	a = standby(s, 3, 7, true, 1);
	assert_false(a->ok);
	assert_string_equal(a->text, "unknown node 7");
	sim_free(s);
}

static void standby_survives_a_sync(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	assert_true(standby(s, 2, 3, true, 2)->ok);
	/* a confchg: every node learns node 3's standby from node 3's STATE */
	all_up(s);
	for (int i = 1; i <= N; i++)
		assert_true(rsm_node(&s->m[i], 3)->standby);
	assert_false(ask(s, 1, MSG_MIGRATE, "web", 3)->ok);
	sim_free(s);
}

/* node 3's handoffd stops (or node 3 is cut off): 1 and 2 go on without it */
static void node3_leaves(struct sim *s)
{
	static const uint32_t without3[] = { 1, 2 };

	s->up[3] = false;
	confchg(s, without3, 2);
	run(s);
}

/*
 * Found by fuzz_rsm: what the drain decides from was not all in the STATE.
 * A failed move off a standby node (drain_failed) and the parallelism of
 * the last STANDBY lived only in the members that had seen them, so a
 * restarted handoffd drained what the others had given up on: its table
 * said PREPARING, theirs RUNNING, and the migration hung.  Each merge now
 * starts the drain afresh on every member, one move at a time.
 */
static void the_drain_is_the_same_after_a_restart(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	assert_true(standby(s, 3, 1, true, 2)->ok);
	report(s, 2, MSG_PREPARED, "web", 2, false, "readiness: no");
	run(s);
	assert_true(res(s, 1, "web")->drain_failed);
	s->facts[1][0].role = ROLE_PRIMARY;     /* what the probes find at the syncs */
	s->facts[1][0].mounted = 1;
	s->facts[1][0].running = 1;
	/* node 3's handoffd restarts: it knows nothing of the failed move */
	node3_leaves(s);
	boot(s, 3);
	all_up(s);
	agree(s);
	/* every member tries the move again, itself first in the next ring */
	for (int i = 1; i <= N; i++) {
		assert_int_equal(res(s, i, "web")->phase, PHASE_PREPARING);
		assert_int_equal(s->m[i].standby_parallel, 0);
	}
	sim_free(s);
}

/*
 * Found by fuzz_rsm: the drain counted the moves off standby owners that
 * were no longer members, by what each member remembered of them; a
 * restarted member remembered nothing, drained where the others waited,
 * and the tables diverged.  A node that leaves is in standby no more, on
 * every member alike, until its STATE says so again.
 */
/* A node that left stays in standby in every member's table (rule 23):
 * the records of every node travel in every STATE, so what members hold
 * of a node that is away no longer differs. */
static void a_node_that_left_stays_in_standby(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	assert_true(standby(s, 1, 3, true, 1)->ok);
	node3_leaves(s);
	agree(s);
	for (int i = 1; i <= 2; i++) {
		assert_true(rsm_node(&s->m[i], 3)->standby);
		assert_int_equal(rsm_node(&s->m[i], 3)->standby_gen, 1);
	}
	sim_free(s);
}

/* ---- admin state that survives restarts (rules 23, 24) ----------------------- */

/*
 * Node 3's handoffd restarts while it is in standby, with no local state
 * (its file lost): the others' records keep it in standby, and its first
 * sync says so everywhere.  Before rule 23 a node's standby was what its
 * own STATE said, and the others forgot it when it left: it came back
 * eligible (issue 17).
 */
static void a_restarted_member_in_standby_stays_in_standby(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	assert_true(standby(s, 1, 3, true, 1)->ok);
	node3_leaves(s);
	boot(s, 3);
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++)
		assert_true(rsm_node(&s->m[i], 3)->standby);
	assert_false(ask(s, 1, MSG_MIGRATE, "web", 3)->ok);

	/* every handoffd restarts (a cold start): each seeds its table from
	 * its local state, and the standby comes back from there */
	for (int i = 1; i <= N; i++) {
		uint64_t gen = rsm_node(&s->m[i], 3)->standby_gen;
		boot(s, i);
		rsm_seed_standby(&s->m[i], 3, true, gen);
	}
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++)
		assert_true(rsm_node(&s->m[i], 3)->standby);
	assert_string_equal(rsm_ineligible(&s->m[2], res(s, 2, "web"), 3), "it is in standby");
	sim_free(s);
}

/*
 * Node 3 is in standby and goes down; an operator takes it out of standby
 * on node 1 meanwhile.  Node 3 comes back with its own file (still "in
 * standby", generation 1): the newer decision (generation 2) wins on every
 * member, after a restart of node 3 and after a cold start of all three.
 */
static void standby_cleared_while_away_wins(void **state)
{
	struct sim *s = running_on_1();
	uint64_t gen_on, gen_off;
	(void)state;

	s->facts[1][0].running = 1;
	assert_true(standby(s, 1, 3, true, 1)->ok);
	gen_on = rsm_node(&s->m[3], 3)->standby_gen;
	node3_leaves(s);
	assert_true(standby(s, 1, 3, false, 1)->ok);
	agree(s);
	gen_off = rsm_node(&s->m[1], 3)->standby_gen;
	assert_true(gen_off > gen_on);

	boot(s, 3);
	rsm_seed_standby(&s->m[3], 3, true, gen_on);       /* its file */
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_false(rsm_node(&s->m[i], 3)->standby);
		assert_int_equal(rsm_node(&s->m[i], 3)->standby_gen, gen_off);
	}
	assert_true(ask(s, 1, MSG_MIGRATE, "web", 3)->ok);

	/* the same from disk on every node: 1 and 2 kept "off", 3 "on" */
	for (int i = 1; i <= N; i++) {
		boot(s, i);
		rsm_seed_standby(&s->m[i], 3, i == 3, i == 3 ? gen_on : gen_off);
	}
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++)
		assert_false(rsm_node(&s->m[i], 3)->standby);

	/* one generation, two decisions (two partitions): standby on wins,
	 * the same on every member */
	for (int i = 1; i <= N; i++) {
		boot(s, i);
		rsm_seed_standby(&s->m[i], 3, i == 2, 7);
	}
	all_up(s);
	agree(s);
	assert_true(rsm_node(&s->m[1], 3)->standby);
	sim_free(s);
}

/* web's workload runs on NODE alone (the facts of the next sync) */
static void web_runs_on(struct sim *s, int node)
{
	for (int i = 1; i <= N; i++)
		s->facts[i][0].running = i == node;
}

/* Each member's history, as its local-state file would keep it. */
static size_t history_of(const struct rsm *m, struct rsm_history *out)
{
	size_t n = 0;

	for (size_t i = RSM_HISTORY; i-- > 0;)
		if (rsm_history_get(m, i))
			out[n++] = *rsm_history_get(m, i);
	return n;
}

/*
 * The history survives a restart of one handoffd (it learns it from the
 * others' STATEs) and a cold start of all (each seeds its own file; the
 * merge takes the union, newest RSM_HISTORY, identical on every member),
 * also when the files differ: node 3 was away for the later entries.
 */
static void history_survives_restarts(void **state)
{
	struct sim *s = running_on_1();
	static struct rsm_history kept[N + 1][RSM_HISTORY];
	size_t n_kept[N + 1];
	const struct rsm_history *h;
	uint64_t e;
	(void)state;

	migrate_1_to_2(s, true);
	report(s, 2, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	agree(s);
	web_runs_on(s, 2);
	assert_int_equal(rsm_history_get(&s->m[3], 0)->kind, HIST_MIGRATION);

	/* node 2's handoffd restarts: it learns the history from 1 and 3 */
	s->up[2] = false;
	{
		static const uint32_t without2[] = { 1, 3 };
		confchg(s, without2, 2);
		run(s);
	}
	boot(s, 2);
	all_up(s);
	agree(s);
	h = rsm_history_get(&s->m[2], 0);
	assert_non_null(h);
	assert_int_equal(h->kind, HIST_MIGRATION);
	assert_string_equal(h->resource, "web");
	assert_int_equal(h->source, 1);
	assert_int_equal(h->target, 2);
	assert_int_equal(h->epoch, 2);

	/* node 3 leaves; 1 and 2 move web back (a second entry node 3 lacks) */
	node3_leaves(s);
	assert_true(ask(s, 2, MSG_MIGRATE, "web", 1)->ok);
	e = res(s, 1, "web")->epoch;
	report(s, 1, MSG_PREPARED, "web", e, true, NULL);
	report(s, 2, MSG_RELEASED, "web", e, true, NULL);
	report(s, 1, MSG_STARTED, "web", e, true, NULL);
	run(s);
	agree(s);
	web_runs_on(s, 1);
	assert_int_equal(res(s, 1, "web")->owner, 1);
	assert_int_equal(rsm_history_get(&s->m[1], 0)->epoch, e);
	assert_null(rsm_history_get(&s->m[3], 1));

	/* every handoffd restarts, each from its own file */
	for (int i = 1; i <= N; i++)
		n_kept[i] = history_of(&s->m[i], kept[i]);
	for (int i = 1; i <= N; i++) {
		boot(s, i);
		rsm_seed_history(&s->m[i], kept[i], n_kept[i]);
	}
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_int_equal(rsm_history_get(&s->m[i], 0)->epoch, e);
		assert_int_equal(rsm_history_get(&s->m[i], 0)->target, 1);
		assert_int_equal(rsm_history_get(&s->m[i], 1)->epoch, 2);
		assert_int_equal(rsm_history_get(&s->m[i], 1)->target, 2);
		assert_null(rsm_history_get(&s->m[i], 2));
	}
	/* new entries follow the merged ones */
	assert_true(ask(s, 1, MSG_MIGRATE, "web", 3)->ok);
	report(s, 3, MSG_PREPARED, "web", res(s, 1, "web")->epoch, false, "not ready");
	run(s);
	agree(s);
	assert_true(rsm_history_get(&s->m[2], 0)->seq > rsm_history_get(&s->m[2], 1)->seq);
	sim_free(s);
}

/*
 * Found by fuzz_rsm once it compared the histories: the phase times that
 * the entry ending a migration carries were each member's own (from the
 * reports it saw), not the merged table's.  Node 2, the target, alone and
 * not quorate, takes its own PREPARED (not ready, with times); node 3, cut
 * off, still says PREPARING.  When 2 and 3 meet, node 3's PREPARING wins
 * (same table generation and epoch, the further phase) and the migration
 * ends "interrupted" (its source is away) on both: with node 2's times on
 * node 2 and none on node 3.  The times travel in STATE now (version 4).
 */
static void history_times_come_from_the_merged_table(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t only2[] = { 2 }, two_and_3[] = { 2, 3 };
	(void)state;

	assert_true(ask(s, 1, MSG_MIGRATE, "web", 2)->ok);
	agree(s);
	s->up[1] = s->up[3] = false;
	confchg(s, only2, 1);
	run(s);
	report(s, 2, MSG_PREPARED, "web", res(s, 2, "web")->epoch, false, "not ready");
	run(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_PREPARING);
	s->up[3] = true;
	confchg(s, two_and_3, 2);
	run(s);
	agree(s);
	assert_non_null(strstr(rsm_history_get(&s->m[2], 0)->result, "interrupted"));
	sim_free(s);
}

/* Files that hold more than the ring together: the newest RSM_HISTORY of
 * the union, the same on every member. */
static void history_merge_keeps_the_newest(void **state)
{
	struct sim *s = sim_new();
	static struct rsm_history v[N + 1][RSM_HISTORY];
	(void)state;

	for (int i = 1; i <= N; i++) {
		for (size_t k = 0; k < RSM_HISTORY; k++) {
			/* node i holds seq 20*i .. 20*i + 63 */
			struct rsm_history *h = &v[i][k];
			memset(h, 0, sizeof(*h));
			h->seq = 20 * (uint64_t)i + k;
			h->kind = HIST_MIGRATION;
			h->epoch = h->seq;
			snprintf(h->resource, sizeof(h->resource), "web");
			snprintf(h->result, sizeof(h->result), "entry %llu",
				 (unsigned long long)h->seq);
		}
		rsm_seed_history(&s->m[i], v[i], RSM_HISTORY);
	}
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_int_equal(rsm_history_get(&s->m[i], 0)->seq, 60 + RSM_HISTORY - 1);
		assert_int_equal(rsm_history_get(&s->m[i], RSM_HISTORY - 1)->seq, 60);
		assert_null(rsm_history_get(&s->m[i], RSM_HISTORY));
		assert_int_equal(s->m[i].hist_seq, 60 + RSM_HISTORY - 1);
	}
	sim_free(s);
}

/* ---- failover -------------------------------------------------------------------- */

static void failover_picks_by_preference_and_data(void **state)
{
	struct sim *s = sim_new();
	const uint32_t without1[] = { 2, 3 };
	const struct rsm_history *h;
	(void)state;

	all_up(s);
	assert_true(ask(s, 1, MSG_START, "web", 1)->ok);
	result(s, 1, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	/* node2 comes next by preference, but its disk is Outdated */
	s->facts[2][0].disk = DRBD_DISK_OUTDATED;
	s->up[1] = false;
	confchg(s, without1, 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILING_OVER);
	assert_int_equal(res(s, 2, "web")->owner, 3);
	assert_int_equal(count(s, 3, ACT_FAILOVER), 1);
	assert_int_equal(count(s, 2, ACT_FAILOVER), 0);
	/* the new owner says how it went */
	report(s, 3, MSG_STARTED, "web", 2, true, "cold start (no complete dump)");
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 2, "web")->owner, 3);
	h = rsm_history_get(&s->m[2], 0);
	assert_int_equal(h->kind, HIST_FAILOVER);
	assert_int_equal(h->source, 1);
	assert_int_equal(h->target, 3);
	assert_string_equal(h->result, "cold start (no complete dump)");

	/* node1 comes back Outdated; then the owner is lost again, and no
	 * one left has good data: FAILED */
	boot(s, 1);
	s->facts[1][0].disk = DRBD_DISK_OUTDATED;
	s->facts[3][0].running = 1;     /* it does run on node 3 */
	all_up(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	s->up[3] = false;
	{
		const uint32_t one_two[] = { 1, 2 };
		confchg(s, one_two, 2);
		run(s);
	}
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILED);
	assert_non_null(strstr(res(s, 2, "web")->last_error, "no eligible member with UpToDate data"));
	sim_free(s);
}

static void no_failover_without_quorum(void **state)
{
	struct sim *s = sim_new();
	const uint32_t only3[] = { 3 };
	(void)state;

	all_up(s);
	assert_true(ask(s, 1, MSG_START, "web", 1)->ok);
	result(s, 1, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	/* node3 alone: it may not decide anything, and its epoch stays */
	s->up[1] = s->up[2] = false;
	confchg(s, only3, 1);
	run(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RUNNING);
	assert_true(res(s, 3, "web")->owner_lost);
	assert_int_equal(res(s, 3, "web")->epoch, 1);
	assert_int_equal(count(s, 3, ACT_FAILOVER), 0);
	sim_free(s);
}

/* an end of a migration leaves: the phase decides (doc/failover.md) */
static void migration_ends_leave_by_phase(void **state)
{
	static const uint32_t without2[] = { 1, 3 }, without1[] = { 2, 3 };
	struct sim *s;
	(void)state;

	/* PREPARING, target gone: nothing was dumped, it runs on the source */
	s = running_on_1();
	assert_true(ask(s, 1, MSG_MIGRATE, "web", 2)->ok);
	s->up[2] = false;
	confchg(s, without2, 2);
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_int_equal(count(s, 1, ACT_FAILOVER) + count(s, 3, ACT_FAILOVER), 0);
	sim_free(s);

	/* RELEASING, target gone: the source's RELEASED then fails it over */
	s = running_on_1();
	migrate_1_to_2(s, false);
	s->up[2] = false;
	confchg(s, without2, 2);
	run(s);
	expect_phase(s, PHASE_RELEASING, 1, 2);    /* the source's report decides */
	report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_FAILING_OVER);
	assert_int_equal(res(s, 3, "web")->owner, 1);
	assert_int_equal(res(s, 3, "web")->lost_owner, 2);
	assert_int_equal(last(s, 1, ACT_FAILOVER)->node, 2);   /* the owner it lost */
	/* may restore epoch 2's dump, the one of node 2's PREPARED */
	assert_names_dump(last(s, 1, ACT_FAILOVER)->dump_epoch, last(s, 1, ACT_FAILOVER)->dump_id,
			  2, 2);
	sim_free(s);

	/* RESTORING, source gone: the target goes on alone */
	s = running_on_1();
	migrate_1_to_2(s, true);
	s->up[1] = false;
	confchg(s, without1, 2);
	run(s);
	expect_phase(s, PHASE_RESTORING, 1, 2);
	report(s, 2, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);
	sim_free(s);

	/* PREPARING, source gone: nobody runs it; the target's preference is next */
	s = running_on_1();
	assert_true(ask(s, 3, MSG_MIGRATE, "web", 2)->ok);
	s->up[1] = false;
	confchg(s, without1, 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILING_OVER);
	assert_int_equal(res(s, 2, "web")->owner, 2);
	assert_int_equal(res(s, 2, "web")->lost_owner, 1);
	sim_free(s);
}

/* The model's rule 5 (doc/protocol.md): node 3 is cut off while web is
 * RESTORING on node 2; nodes 1 and 2 end the migration (RUNNING, same epoch).
 * At the heal node 3's RESTORING of that epoch must not win: the table of
 * the newer quorate sync does. */
static void merge_prefers_the_newest_quorate_table(void **state)
{
	struct sim *s = running_on_1();
	const uint32_t without3[] = { 1, 2 };
	(void)state;

	migrate_1_to_2(s, true);
	expect_phase(s, PHASE_RESTORING, 1, 2);
	s->up[3] = false;
	confchg(s, without3, 2);
	run(s);
	report(s, 2, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RESTORING);   /* it missed the end */
	s->facts[1][0].running = 0;     /* what the probes find at the heal */
	s->facts[2][0].running = 1;
	s->up[3] = true;
	confchg(s, IDS, 3);
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);
	assert_int_equal(res(s, 3, "web")->epoch, 2);
	assert_true(s->m[3].table_gen == s->m[1].table_gen);
	sim_free(s);
}

/* web RUNNING on node 1 at epoch 1 and db STOPPED, as node I sees them */
static void expect_web_on_1(struct sim *s, int i)
{
	assert_int_equal(res(s, i, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, i, "web")->owner, 1);
	assert_int_equal(res(s, i, "web")->epoch, 1);
	assert_int_equal(res(s, i, "db")->phase, PHASE_STOPPED);
	assert_false(s->m[i].syncing);
}

/* A node whose sections come in another order sends its entries and facts
 * in that order: the merge finds them by name all the same, both ways. */
static void merge_finds_entries_in_another_order(void **state)
{
	static const char reversed[] =
		"[resource db]\nstorage = shared\ndevice = /dev/sdb1\nmount_point = /srv/db\n"
		"workload = exec\nagent = /bin/true\nnodes = node2 node1\n"
		"[resource web]\nstorage = drbd\ndrbd_resource = r0\ndevice = /dev/drbd0\n"
		"mount_point = /srv/web\nworkload = exec\nagent = /bin/true\n"
		"nodes = node1 node2 node3\n";
	struct sim *s = running_on_1();
	(void)state;

	s->facts[1][0].running = 1;
	/* node 3 comes back with its sections reversed: nodes 1 and 2's tables, in theirs */
	config_free(&s->cfg[3]);
	load_conf(s, 3, reversed);
	boot(s, 3);
	assert_string_equal(s->m[3].res[0].conf->name, "db");
	all_up(s);
	expect_web_on_1(s, 3);
	/* nodes 1 and 2 forget everything: node 3's table, in its order, wins */
	boot(s, 1);
	boot(s, 2);
	all_up(s);
	for (int i = 1; i <= N; i++)
		expect_web_on_1(s, i);
	sim_free(s);
}

/* Node 1 releases web to node 3 (RESTORING too when RELEASED), then node
 * LOST leaves; the members agree on PHASE for OWNER. */
static void end_lost(bool released, bool target_outdated, uint32_t lost, uint32_t owner)
{
	struct sim *s = running_on_1();
	uint32_t members[2];
	size_t n = 0;

	for (uint32_t i = 1; i <= N; i++)
		if (i != lost)
			members[n++] = i;
	assert_true(ask(s, 2, MSG_MIGRATE, "web", 3)->ok);
	report(s, 3, MSG_PREPARED, "web", 2, true, NULL);
	if (released)
		report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, released ? PHASE_RESTORING : PHASE_RELEASING, 1, 3);
	if (target_outdated)
		s->facts[3][0].disk = DRBD_DISK_OUTDATED;
	s->up[lost] = false;
	confchg(s, members, n);
	run(s);
	expect_phase(s, PHASE_FAILING_OVER, owner, 0);
	assert_int_equal(count(s, owner, ACT_FAILOVER), 1);
	sim_free(s);
}

/* The model's rule 6 (doc/protocol.md): when an end of a migration is lost,
 * the other end takes it over if it may, before the preference order (L1;
 * node 2 comes first by preference). */
static void failover_prefers_the_migrations_end(void **state)
{
	(void)state;
	end_lost(false, false, 1, 3);   /* source lost while releasing: the target */
	end_lost(false, true, 1, 2);    /* ... not when its disk was not UpToDate */
	end_lost(true, false, 3, 1);    /* target lost while restoring: the source */
}


/* ---- fencing (issue 15) ----------------------------------------------------- */

static void fence_confirm(struct sim *s, int from, uint32_t node)
{
	struct wire_msg msg = { .hdr = { .type = MSG_FENCE_CONFIRM, .nodeid = (uint32_t)from } };
	msg.u.req.req_id = ++s->next_req;
	msg.u.req.node = node;
	multicast(s, &msg);
	run(s);
}

static bool lost_has(const struct rsm_res *r, uint32_t node, enum wire_lost_fence fence)
{
	for (size_t i = 0; i < r->n_lost; i++)
		if (r->lost[i].node == node)
			return r->lost[i].fence == fence;
	return false;
}

/* web RUNNING on node 1; node 1 is lost (node 2 takes over by preference) */
static struct sim *owner_1_lost(uint32_t watchdog_ms_of_1, uint32_t watchdog_ms_of_2)
{
	static const uint32_t without1[] = { 2, 3 };
	struct sim *s = sim_new();

	s->watchdog_ms[1] = watchdog_ms_of_1;
	s->watchdog_ms[2] = watchdog_ms_of_2;
	all_up(s);
	assert_true(ask(s, 1, MSG_START, "web", 1)->ok);
	result(s, 1, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	s->up[1] = false;
	confchg(s, without1, 2);
	run(s);
	expect_phase(s, PHASE_FAILING_OVER, 2, 0);
	return s;
}

/* Without a watchdog no timer makes a lost owner fenced: the failover waits
 * for an operator's FENCE_CONFIRM (S1, S2); with one, it goes ahead after
 * fence_delay. */
static void failover_waits_for_a_fence_confirm_without_watchdog(void **state)
{
	struct sim *s = owner_1_lost(5000, 5000);
	const struct rsm_action *a;
	const struct rsm_history *h;
	(void)state;

	/* with a watchdog: at once, and the new owner waits fence_delay */
	a = last(s, 2, ACT_FAILOVER);
	assert_non_null(a);
	assert_true(a->ok);
	assert_true(lost_has(res(s, 2, "web"), 1, LOST_WATCHDOG));
	sim_free(s);

	s = owner_1_lost(0, 5000);
	assert_int_equal(count(s, 2, ACT_FAILOVER), 0);
	assert_true(lost_has(res(s, 3, "web"), 1, LOST_UNFENCED));
	assert_false(rsm_awaits_report_from(res(s, 2, "web"), 2));
	assert_non_null(strstr(res(s, 2, "web")->last_error, "fence-confirm"));
	/* another sync changes nothing */
	{
		static const uint32_t without1[] = { 2, 3 };
		confchg(s, without1, 2);
		run(s);
	}
	assert_int_equal(count(s, 2, ACT_FAILOVER), 0);

	/* nor may it be stopped (then started elsewhere) meanwhile */
	assert_false(ask(s, 3, MSG_STOP, "web", 0)->ok);
	assert_non_null(strstr(last(s, 3, ACT_REPLY)->text, "waiting until node 1 is fenced"));
	expect_phase(s, PHASE_FAILING_OVER, 2, 0);

	/* a member is not down; the confirmation of a lost node lets it go */
	fence_confirm(s, 3, 2);
	assert_false(last(s, 3, ACT_REPLY)->ok);
	assert_non_null(strstr(last(s, 3, ACT_REPLY)->text, "is a member"));
	fence_confirm(s, 3, 1);
	assert_true(last(s, 3, ACT_REPLY)->ok);
	agree(s);
	a = last(s, 2, ACT_FAILOVER);
	assert_non_null(a);
	assert_false(a->ok);          /* confirmed down: no fence_delay to wait */
	assert_int_equal(a->epoch, res(s, 2, "web")->epoch);
	assert_int_equal(count(s, 3, ACT_FAILOVER), 0);
	assert_true(rsm_awaits_report_from(res(s, 3, "web"), 2));
	assert_string_equal(res(s, 3, "web")->last_error, "");
	for (int i = 2; i <= N; i++) {
		h = rsm_history_get(&s->m[i], 0);
		assert_int_equal(h->kind, HIST_FENCE_CONFIRM);
		assert_int_equal(h->source, 3);
		assert_int_equal(h->target, 1);
		assert_non_null(strstr(h->result, "1 resource waited for it"));
		assert_non_null(strstr(last(s, i, ACT_LOG)->text, "FENCE_CONFIRM"));
		assert_true(rsm_node(&s->m[i], 1)->fence_confirmed);
	}
	report(s, 2, MSG_STARTED, "web", res(s, 2, "web")->epoch, true, "cold start");
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);
	assert_int_equal(res(s, 3, "web")->n_lost, 0);
	sim_free(s);
}

/* A lost owner that comes back holding nothing (it fenced itself) is
 * fenced: the failover goes ahead at that sync. */
static void failover_goes_ahead_when_the_lost_owner_is_back_empty_handed(void **state)
{
	struct sim *s = owner_1_lost(0, 5000);
	(void)state;

	boot(s, 1);
	s->facts[1][0].running = 0;
	s->facts[1][0].mounted = 1;         /* still mounted: not yet */
	all_up(s);
	expect_phase(s, PHASE_FAILING_OVER, 2, 0);
	assert_int_equal(count(s, 2, ACT_FAILOVER), 0);
	assert_true(lost_has(res(s, 1, "web"), 1, LOST_UNFENCED));   /* the joiner agrees */
	/* it lets go (only it), and its next STATE opens a sync that says so */
	assert_int_equal(count(s, 1, ACT_RELEASE), 1);
	assert_int_equal(count(s, 2, ACT_RELEASE) + count(s, 3, ACT_RELEASE), 0);
	s->facts[1][0].mounted = 0;
	s->m[1].resync = true;
	send_state(s, 1);
	s->m[1].resync = false;
	run(s);
	expect_phase(s, PHASE_FAILING_OVER, 2, 0);
	assert_int_equal(count(s, 2, ACT_FAILOVER), 1);
	assert_int_equal(res(s, 1, "web")->n_lost, 0);
	sim_free(s);
}

/* A lost owner confirmed down that comes back still holding the volume was
 * not down: the confirmation is void, and if it is lost again before it let
 * go, it must be fenced again (S1; doc/protocol.md rule 16, KEEP_CONFIRM). */
static void a_confirmation_ends_when_the_node_is_back_holding_it(void **state)
{
	static const uint32_t without1[] = { 2, 3 };
	struct sim *s = owner_1_lost(0, 5000);
	(void)state;

	fence_confirm(s, 3, 1);
	assert_true(lost_has(res(s, 2, "web"), 1, LOST_CONFIRMED));
	boot(s, 1);
	s->facts[1][0].mounted = 1;         /* it was not down after all */
	all_up(s);
	expect_phase(s, PHASE_FAILING_OVER, 2, 0);
	for (int i = 1; i <= N; i++)
		assert_true(lost_has(res(s, i, "web"), 1, LOST_UNFENCED));
	/* lost again before its STATE said it let go: no failover on the old word */
	s->up[1] = false;
	confchg(s, without1, 2);
	run(s);
	assert_true(lost_has(res(s, 2, "web"), 1, LOST_UNFENCED));
	assert_false(rsm_node(&s->m[2], 1)->fence_confirmed);
	sim_free(s);
}

/* A stop while the failover waits out a lost owner's watchdog deadline
 * would let a start elsewhere skip that wait (S1, S2): refused. */
static void no_stop_while_a_watchdog_deadline_runs(void **state)
{
	struct sim *s = owner_1_lost(5000, 5000);
	(void)state;

	assert_true(lost_has(res(s, 2, "web"), 1, LOST_WATCHDOG));
	assert_false(ask(s, 3, MSG_STOP, "web", 0)->ok);
	assert_non_null(strstr(last(s, 3, ACT_REPLY)->text, "self-fence deadline"));
	expect_phase(s, PHASE_FAILING_OVER, 2, 0);
	sim_free(s);
}

/* A failover that failed (the lost owner may never have lost quorum) keeps
 * its lost owners: no cleanup, and so no start elsewhere, until the lost
 * owner is confirmed down or back (S1, S2). */
static void a_failed_failover_keeps_its_lost_owners(void **state)
{
	struct sim *s = owner_1_lost(5000, 5000);
	(void)state;

	report(s, 2, MSG_STARTED, "web", res(s, 2, "web")->epoch, false,
	       "node 1 is still a member of corosync's membership");
	run(s);
	agree(s);
	expect_phase(s, PHASE_FAILED, 2, 0);
	assert_true(lost_has(res(s, 3, "web"), 1, LOST_UNFENCED));
	assert_false(ask(s, 3, MSG_CLEANUP, "web", 0)->ok);
	assert_non_null(strstr(last(s, 3, ACT_REPLY)->text, "fence-confirm"));
	assert_false(ask(s, 3, MSG_STOP, "web", 0)->ok);
	/* another sync keeps them */
	{
		static const uint32_t without1[] = { 2, 3 };
		confchg(s, without1, 2);
		run(s);
	}
	assert_true(lost_has(res(s, 2, "web"), 1, LOST_UNFENCED));
	fence_confirm(s, 3, 1);
	assert_true(ask(s, 3, MSG_CLEANUP, "web", 0)->ok);
	agree(s);
	expect_phase(s, PHASE_STOPPED, 0, 0);
	assert_int_equal(res(s, 3, "web")->n_lost, 0);
	sim_free(s);
}

/* Point 4: a failover whose new owner is lost too keeps the first lost
 * owner; a new owner lost before it was let go never held it. */
static void lost_owners_survive_a_second_loss(void **state)
{
	static const uint32_t one_three[] = { 1, 3 };
	struct sim *s = owner_1_lost(0, 5000);
	(void)state;

	/* node 2 never got ACT_FAILOVER: not a lost owner when it leaves;
	 * node 1 (back, still holding the volume) joins, so the partition is
	 * quorate and web fails over to node 3 */
	boot(s, 1);
	s->facts[1][0].mounted = 1;
	s->facts[1][0].disk = DRBD_DISK_OUTDATED;
	s->up[2] = false;
	confchg(s, one_three, 2);
	run(s);
	expect_phase(s, PHASE_FAILING_OVER, 3, 0);
	assert_int_equal(res(s, 3, "web")->n_lost, 1);
	assert_true(lost_has(res(s, 3, "web"), 1, LOST_UNFENCED));
	sim_free(s);

	/* the same, but node 1 may take it (UpToDate): the lost owner chosen
	 * as the new owner holds it by right, nothing waits for it */
	s = owner_1_lost(0, 5000);
	boot(s, 1);
	s->facts[1][0].mounted = 1;
	s->up[2] = false;
	confchg(s, one_three, 2);
	run(s);
	expect_phase(s, PHASE_FAILING_OVER, 1, 0);
	assert_true(lost_has(res(s, 3, "web"), 1, LOST_UNFENCED));
	assert_int_equal(count(s, 1, ACT_FAILOVER), 1);
	assert_int_equal(count(s, 1, ACT_RELEASE), 0);
	sim_free(s);

	/* node 1 had a watchdog: node 2 was let go, then is lost too (without
	 * a watchdog); both stay in the set, on every member */
	s = owner_1_lost(5000, 0);
	boot(s, 1);
	s->facts[1][0].mounted = 1;         /* node 1 back, not yet let go, */
	s->facts[1][0].disk = DRBD_DISK_OUTDATED;   /* and no place for it */
	s->up[2] = false;
	confchg(s, one_three, 2);
	run(s);
	expect_phase(s, PHASE_FAILING_OVER, 3, 0);
	for (int i = 1; i <= N; i += 2) {
		assert_int_equal(res(s, i, "web")->n_lost, 2);
		assert_true(lost_has(res(s, i, "web"), 1, LOST_WATCHDOG));
		assert_true(lost_has(res(s, i, "web"), 2, LOST_UNFENCED));
	}
	assert_int_equal(count(s, 3, ACT_FAILOVER), 0);
	fence_confirm(s, 1, 2);
	assert_true(lost_has(res(s, 3, "web"), 2, LOST_CONFIRMED));
	assert_int_equal(count(s, 3, ACT_FAILOVER), 1);
	assert_true(last(s, 3, ACT_FAILOVER)->ok);   /* node 1's watchdog: fence_delay */
	sim_free(s);
}

/* Timings across nodes: node 3's fence_delay does not cover the others'
 * deadline; it is never a new owner, and says why. */
static void short_fence_delay_is_ineligible(void **state)
{
	struct sim *s = sim_new();
	char conf[sizeof(CONF) + 64];
	const char *why;
	(void)state;

	snprintf(conf, sizeof(conf), "[cluster]\nfence_delay = 36\n%s", CONF);
	rsm_free(&s->m[3]);
	config_free(&s->cfg[3]);
	load_conf(s, 3, conf);
	boot(s, 3);
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_true(rsm_node(&s->m[i], 3)->eligible);    /* the same config */
		why = rsm_ineligible(&s->m[i], res(s, i, "web"), 3);
		assert_non_null(why);
		assert_non_null(strstr(why, "fence_delay (36000 ms) does not cover node"));
		assert_null(rsm_ineligible(&s->m[i], res(s, i, "web"), 2));
	}
	assert_false(ask(s, 1, MSG_START, "web", 3)->ok);
	assert_non_null(strstr(last(s, 1, ACT_REPLY)->text, "does not cover"));
	/* it may still ask for things: its config is the cluster's */
	assert_true(ask(s, 3, MSG_START, "web", 1)->ok);
	/* without a watchdog elsewhere the deadline is shorter: eligible */
	s->watchdog_ms[1] = s->watchdog_ms[2] = s->watchdog_ms[3] = 0;
	all_up(s);
	assert_null(rsm_ineligible(&s->m[1], res(s, 1, "web"), 3));
	sim_free(s);
}

/* Point 7: the quorum notification came after the STATEs went out (all
 * as not quorate); once a member is quorate it asks for a new sync, and
 * the lost owner's resource fails over then, not at the next confchg. */
static void late_quorum_resyncs(void **state)
{
	static const uint32_t without1[] = { 2, 3 };
	struct sim *s = sim_new();
	(void)state;

	all_up(s);
	assert_true(ask(s, 1, MSG_START, "web", 1)->ok);
	result(s, 1, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	s->up[1] = false;
	for (size_t k = 0; k < 2; k++)
		rsm_confchg(&s->m[without1[k]], without1, 2, &s->acts[without1[k]]);
	for (int i = 2; i <= N; i++) {
		s->m[i].quorate_now = false;      /* no notification yet */
		send_state(s, i);
	}
	run(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	assert_false(s->m[2].partition_quorate);
	/* node 2's notification arrives: its next STATE opens a sync */
	s->m[2].quorate_now = s->m[3].quorate_now = true;
	s->m[2].resync = true;
	send_state(s, 2);
	s->m[2].resync = false;
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_FAILING_OVER);
	assert_int_equal(res(s, 3, "web")->owner, 2);
	assert_int_equal(count(s, 2, ACT_FAILOVER), 1);
	sim_free(s);
}


/* ---- dump identity and what outlives a restart of every node ---------------- */

static void prepared_names_the_dump(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	(void)state;

	assert_true(ask(s, 1, MSG_MIGRATE, "web", 2)->ok);
	agree(s);
	/* no dump of this migration exists yet: none is named */
	assert_int_equal(res(s, 3, "web")->dump_epoch, 0);
	assert_true(wire_id_is_zero(res(s, 3, "web")->dump_id));
	report(s, 2, MSG_PREPARED, "web", 2, true, NULL);
	run(s);
	agree(s);
	assert_names_dump(res(s, 3, "web")->dump_epoch, res(s, 3, "web")->dump_id, 2, 2);
	/* the source writes it with that id into its markers */
	a = last(s, 1, ACT_MIGRATE_RELEASE);
	assert_non_null(a);
	assert_names_dump(a->dump_epoch, a->dump_id, 2, 2);
	report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
	/* ... and the target checks for exactly that dump */
	a = last(s, 2, ACT_MIGRATE_ACQUIRE);
	assert_non_null(a);
	assert_names_dump(a->dump_epoch, a->dump_id, 2, 2);
	report(s, 2, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);

	/* a stop and a start: cold, so no dump is named any more */
	assert_true(ask(s, 1, MSG_STOP, "web", 0)->ok);
	result(s, 2, "web", WIRE_OP_STOP, true, 3, NULL);
	run(s);
	assert_true(ask(s, 1, MSG_START, "web", 3)->ok);
	agree(s);
	assert_int_equal(res(s, 1, "web")->epoch, 4);
	assert_int_equal(res(s, 1, "web")->dump_epoch, 0);
	assert_true(wire_id_is_zero(res(s, 1, "web")->dump_id));
	sim_free(s);
}

static void seed(struct sim *s, int i, uint64_t epoch, uint64_t dump_epoch, int id_from)
{
	uint8_t id[WIRE_ID_LEN] = { 0 };

	if (id_from)
		mig_id(dump_epoch, id_from, id);
	assert_true(rsm_seed(&s->m[i], "web", epoch, dump_epoch, id));
}

static void merge_takes_the_newest_kept_epoch(void **state)
{
	struct sim *s = sim_new();
	(void)state;

	/* every handoffd restarted at once, each with what it kept: node 2
	 * saw the newest decision (epoch 7, the migration of epoch 7) */
	seed(s, 1, 5, 4, 3);
	seed(s, 2, 7, 7, 2);
	assert_false(rsm_seed(&s->m[1], "nosuch", 9, 0, (uint8_t[WIRE_ID_LEN]){ 0 }));
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->epoch, 7);
	assert_names_dump(res(s, 3, "web")->dump_epoch, res(s, 3, "web")->dump_id, 7, 2);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_STOPPED);
	/* untouched in this life: autostart may still start it */
	assert_true(res(s, 3, "web")->fresh);
	assert_true(res(s, 3, "db")->fresh);
	/* the next decision goes on from there, not from 1 (S4) */
	assert_true(ask(s, 3, MSG_START, "web", 1)->ok);
	agree(s);
	assert_int_equal(res(s, 2, "web")->epoch, 8);
	assert_false(res(s, 2, "web")->fresh);
	result(s, 1, "web", WIRE_OP_START, true, 8, NULL);
	run(s);

	/* node 3 restarts alone and kept an older epoch: the running
	 * cluster's table wins, and it is not fresh there either, so an
	 * autostart on node 3 would not undo anything */
	s->facts[1][0].running = 1;
	boot(s, 3);
	seed(s, 3, 6, 6, 1);
	assert_true(res(s, 3, "web")->fresh);
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->epoch, 8);
	assert_false(res(s, 3, "web")->fresh);
	assert_int_equal(res(s, 3, "web")->dump_epoch, 0);
	sim_free(s);
}

static void seed_refuses_a_dump_that_does_not_fit(void **state)
{
	struct sim *s = sim_new();
	uint8_t id[WIRE_ID_LEN];
	(void)state;

	mig_id(9, 1, id);
	/* a dump newer than its table's epoch: names nothing */
	assert_true(rsm_seed(&s->m[1], "web", 5, 9, id));
	assert_int_equal(res(s, 1, "web")->epoch, 5);
	assert_int_equal(res(s, 1, "web")->dump_epoch, 0);
	assert_true(wire_id_is_zero(res(s, 1, "web")->dump_id));
	/* half a name (an epoch without an id) names nothing */
	assert_true(rsm_seed(&s->m[1], "web", 5, 4, (uint8_t[WIRE_ID_LEN]){ 0 }));
	assert_int_equal(res(s, 1, "web")->dump_epoch, 0);
	assert_true(rsm_seed(&s->m[1], "web", 5, 0, id));
	assert_true(wire_id_is_zero(res(s, 1, "web")->dump_id));
	/* what fits is kept */
	assert_true(rsm_seed(&s->m[1], "web", 5, 5, id));
	assert_int_equal(res(s, 1, "web")->dump_epoch, 5);
	assert_memory_equal(res(s, 1, "web")->dump_id, id, WIRE_ID_LEN);
	sim_free(s);
}


/* ---- who speaks for a node (issue 16) -------------------------------------------- */

/* web RUNNING on node 1, and node 1's facts say so (syncs follow) */
static struct sim *runs_on_1(void)
{
	struct sim *s = running_on_1();
	s->facts[1][0].running = 1;
	s->facts[1][0].mounted = 1;
	s->facts[1][0].role = ROLE_PRIMARY;
	return s;
}

/* What the daemon's timer does after FOREIGN_AFTER_MS: node FROM names the
 * members it finds silent. */
static size_t name_silent(struct sim *s, int from)
{
	struct wire_msg msg = { .hdr = { .type = MSG_FOREIGN, .nodeid = (uint32_t)from } };

	msg.u.foreign.n = rsm_silent(&s->m[from], msg.u.foreign.m, WIRE_MEMBERS_MAX);
	if (msg.u.foreign.n)
		multicast(s, &msg);
	return msg.u.foreign.n;
}

/* The group becomes IDS' handoffds and a silent process on each node of
 * FOREIGN_ON, and node IDS[0] names the silent ones foreign. */
static void foreign_named(struct sim *s, const uint32_t *ids, size_t n,
			  const uint32_t *foreign_on, size_t nf)
{
	confchg_group(s, ids, n, foreign_on, nf);
	run(s);
	name_silent(s, (int)ids[0]);
	run(s);
}

static uint8_t status_of(struct sim *s, int at, uint32_t nodeid, uint32_t pid)
{
	const struct rsm_member *mb = rsm_member(&s->m[at], nodeid, pid);
	assert_non_null(mb);
	return mb->status;
}

/* The first running member: the one the others are compared with. */
static int first_up(struct sim *s)
{
	for (int i = 1; i <= N; i++)
		if (s->up[i])
			return i;
	fail_msg("no member runs");
	return 0;
}

/* Every member holds the same status of (NODEID, PID). */
static uint8_t agreed_status(struct sim *s, uint32_t nodeid, uint32_t pid)
{
	int first = first_up(s);

	for (int i = first + 1; i <= N; i++)
		if (s->up[i])
			assert_int_equal(status_of(s, i, nodeid, pid), status_of(s, first, nodeid, pid));
	return status_of(s, first, nodeid, pid);
}

/* Every running member is syncing, or none is. */
static bool agreed_syncing(struct sim *s)
{
	int first = first_up(s);

	for (int i = first + 1; i <= N; i++)
		if (s->up[i])
			assert_int_equal(s->m[i].syncing, s->m[first].syncing);
	return s->m[first].syncing;
}

/*
 * A CPG process that joins the group on a node whose handoffd is down and
 * says nothing (corosync's testcpg).  Before issue 16 every sync waited
 * for its STATE for ever: the STOP below was held and never decided.
 * Now the barrier waits until a FOREIGN, sent by a handoffd's timer and
 * delivered to all, names it; then the STOP is decided everywhere alike.
 */
static void silent_member_is_named_foreign(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t two[] = { 1, 2 }, on3[] = { 3 };
	const struct rsm_action *a;
	(void)state;

	s->up[3] = false;
	confchg_group(s, two, 2, NULL, 0);
	run(s);
	agree(s);
	confchg_group(s, two, 2, on3, 1);      /* testcpg on node 3 */
	request(s, 2, MSG_STOP, "web", 0);
	run(s);
	/* it holds the barrier: the STOP waits */
	assert_true(s->m[1].syncing);
	assert_true(s->m[2].syncing);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	assert_int_equal(status_of(s, 1, 3, FOREIGN_PID), MEMBER_UNKNOWN);
	assert_true(rsm_node(&s->m[1], 3)->member);
	/* the timer of node 1 names it; its delivery decides */
	assert_int_equal(name_silent(s, 1), 1);
	run(s);
	agree(s);
	assert_int_equal(status_of(s, 1, 3, FOREIGN_PID), MEMBER_FOREIGN);
	assert_int_equal(status_of(s, 2, 3, FOREIGN_PID), MEMBER_FOREIGN);
	assert_false(rsm_node(&s->m[2], 3)->member);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STOPPING);
	a = last(s, 2, ACT_REPLY);
	assert_non_null(a);
	assert_true(a->ok);
	/* logged once, on every member */
	a = last(s, 1, ACT_LOG);
	assert_non_null(a);
	assert_non_null(strstr(a->text, "node 3 pid 4242 is in CPG group but announced nothing"));
	/* a second FOREIGN changes nothing; the next sync does not wait for it */
	assert_int_equal(name_silent(s, 2), 0);
	confchg_group(s, two, 2, on3, 1);
	run(s);
	agree(s);
	sim_free(s);
}

/* A FOREIGN names only a member that announced nothing in this sync:
 * one that said HELLO meanwhile (a handoffd that was slow, or a FOREIGN
 * sent before its HELLO was delivered) stays, on every member alike. */
static void foreign_spares_a_member_that_announced_itself(void **state)
{
	struct sim *s = sim_new();
	const uint32_t two[] = { 1, 2 };
	struct wire_msg msg = { .hdr = { .type = MSG_FOREIGN, .nodeid = 1 } };
	(void)state;

	s->up[3] = false;
	confchg_group(s, two, 2, NULL, 0);
	run(s);
	/* node 3's handoffd joins; node 1 names it before its HELLO arrives */
	s->up[3] = true;
	{
		const uint32_t ids[] = { 1, 2, 3 };
		confchg_group(s, ids, 3, NULL, 0);
	}
	msg.u.foreign.n = 1;
	msg.u.foreign.m[0] = (struct wire_member){ 3, 0, 0 };
	/* the queue: HELLO and STATE of 1, 2, 3 in that order; the FOREIGN after them */
	multicast(s, &msg);
	run(s);
	agree(s);
	for (int i = 1; i <= N; i++)
		assert_int_equal(status_of(s, i, 3, 0), MEMBER_DAEMON);
	assert_true(rsm_node(&s->m[1], 3)->member);
	sim_free(s);
}

/*
 * A second CPG process on a member node forges a STATE as that node: a
 * table_gen far ahead and web RUNNING on node 2 at epoch 99.  Before
 * issue 16 its pid was ignored and the merge took its table.  Now node
 * 2's handoffd speaks for node 2; the forged STATE is dropped with a
 * reason, and the table is what it was.
 */
static void forged_state_from_a_second_pid_is_dropped(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t ids[] = { 1, 2, 3 }, on2[] = { 2 };
	struct wire_msg forged = { .hdr = { .type = MSG_STATE, .nodeid = 2 } };
	struct wire_entry e[2] = {
		{ .name = "web", .owner = 2, .phase = PHASE_RUNNING, .epoch = 99, .last_error = "" },
		{ .name = "db", .owner = 2, .phase = PHASE_RUNNING, .epoch = 99, .last_error = "" },
	};
	struct wire_fact f[2] = { { .name = "web", .running = 1, .role = ROLE_PRIMARY },
				  { .name = "db", .running = 1 } };
	(void)state;

	foreign_named(s, ids, 3, on2, 1);     /* it joined silent: named; node 2's handoffd settled */
	forged.u.state = (struct wire_state){ .proto_min = 3, .proto_max = 3,
		.config_digest = s->m[2].local_digest, .flags = WIRE_STATE_QUORATE_NOW,
		.table_gen = 1000, .entries = e, .n_entries = 2, .facts = f, .n_facts = 2 };
	/* it even names the group right, claiming to be node 2's handoffd */
	forged.u.state.n_members = 4;
	for (size_t k = 0; k < 3; k++)
		forged.u.state.members[k] = (struct wire_member){ ids[k], 0, MEMBER_DAEMON };
	forged.u.state.members[3] = (struct wire_member){ 2, FOREIGN_PID, MEMBER_DAEMON };
	multicast_pid(s, &forged, FOREIGN_PID);
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_int_equal(res(s, 1, "web")->epoch, 1);
	assert_int_equal(res(s, 1, "db")->phase, PHASE_STOPPED);
	assert_true(s->m[1].table_gen < 1000);
	assert_true(s->m[3].n_dropped > 0);
	assert_non_null(strstr(s->m[3].drop_why, "STATE from node 2 pid 4242: node 2's handoffd is pid 0"));
	/* a refused announcement changes nothing: it stays foreign */
	assert_int_equal(agreed_status(s, 2, FOREIGN_PID), MEMBER_FOREIGN);
	assert_true(rsm_node(&s->m[1], 2)->member);     /* node 2's handoffd speaks on */
	sim_free(s);
}

/*
 * The same process forges requests: a MIGRATE (and a HELLO first, to
 * claim the node).  Before issue 16 the MIGRATE was accepted as node 1's,
 * skipping handoffctl's admin check.  Now it is dropped, and web stays.
 */
static void forged_migrate_is_dropped(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t ids[] = { 1, 2, 3 }, on1[] = { 1 };
	struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = 1 } };
	struct wire_msg mig = { .hdr = { .type = MSG_MIGRATE, .nodeid = 1 } };
	uint64_t dropped;
	(void)state;

	foreign_named(s, ids, 3, on1, 1);
	agree(s);
	dropped = s->m[2].n_dropped;
	multicast_pid(s, &hello, FOREIGN_PID);
	mig.u.req.req_id = 7;
	mig.u.req.node = 2;
	snprintf(mig.u.req.resource, sizeof(mig.u.req.resource), "web");
	multicast_pid(s, &mig, FOREIGN_PID);
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_int_equal(count(s, 2, ACT_PREPARE), 0);
	assert_int_equal(s->m[2].n_dropped, dropped + 2);
	assert_non_null(strstr(s->m[2].drop_why, "MIGRATE from node 1 pid 4242: node 1's handoffd is pid 0"));
	/* node 1's handoffd did not send it: nobody answers a handoffctl */
	assert_null(last(s, 1, ACT_REPLY) && last(s, 1, ACT_REPLY)->req_id == 7 ?
		    last(s, 1, ACT_REPLY) : NULL);
	sim_free(s);
}

/* tell only the nodes in TELL of the group LIST (the others are stalled) */
static void confchg_only(struct sim *s, const struct wire_member *list, size_t nl,
			 const int *tell, size_t nt)
{
	for (size_t k = 0; k < nt; k++) {
		int i = tell[k];
		size_t before = s->acts[i].n;
		s->m[i].quorate_now = true;
		rsm_confchg_members(&s->m[i], list, nl, &s->acts[i]);
		react(s, i, before);
	}
}

/* Node FROM's timer names the N silent members (one of them on NODEID):
 * foreign on every member, and every barrier ends at that FOREIGN. */
static void naming_ends_the_sync(struct sim *s, int from, size_t n, uint32_t nodeid)
{
	assert_int_equal(name_silent(s, from), n);
	run(s);
	assert_int_equal(agreed_status(s, nodeid, FOREIGN_PID), MEMBER_FOREIGN);
	assert_false(agreed_syncing(s));
	agree(s);
}

/* web runs on node 1; node 3's handoffd is down and a silent process there
 * was named foreign by nodes 1 and 2; then node 2 leaves (it restarts, or
 * is cut off): the group is {1, that process}, which stays foreign. */
static struct sim *foreign_on_3_and_2_leaves(void)
{
	struct sim *s = runs_on_1();
	const uint32_t two[] = { 1, 2 }, one[] = { 1 }, on3[] = { 3 };

	s->up[3] = false;
	foreign_named(s, two, 2, on3, 1);
	agree(s);
	s->up[2] = false;
	confchg_group(s, one, 1, on3, 1);
	run(s);
	assert_int_equal(status_of(s, 1, 3, FOREIGN_PID), MEMBER_FOREIGN);   /* a leave keeps it */
	return s;
}

/*
 * A join makes everyone forget every status (rule 17): here a foreign
 * process sits on node 3 (its handoffd down), named foreign long ago, when
 * node 2's handoffd restarts.  Before, node 1 kept it foreign and the
 * joiner had to learn that from a STATE (which it could not always do:
 * the next tests); now both hold it unknown, both wait, and one FOREIGN
 * delivered to both ends both barriers at the same message.
 */
static void a_join_resets_who_is_foreign(void **state)
{
	struct sim *s = foreign_on_3_and_2_leaves();
	const uint32_t two[] = { 1, 2 }, on3[] = { 3 };
	(void)state;

	boot(s, 2);          /* node 2's handoffd restarts: a fresh table */
	confchg_group(s, two, 2, on3, 1);
	run(s);
	assert_int_equal(agreed_status(s, 3, FOREIGN_PID), MEMBER_UNKNOWN);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_DAEMON);
	assert_true(agreed_syncing(s));
	naming_ends_the_sync(s, 2, 1, 3);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	sim_free(s);
}

/*
 * Review finding 2 (issue 16): a joiner learned only from a STATE whose
 * sender was alone on its node.  With a silent process beside nodes 1 and
 * 2 (named foreign), node 3's restarted handoffd never learned, ended its
 * learning anyway, and held them unknown where nodes 1 and 2 held them
 * foreign; once node 1's handoffd left, node 3's barrier waited for node 1
 * and node 2's did not.  Now every member resets at the join and they
 * agree at every step.
 */
static void a_joiner_agrees_without_a_lone_handoffd(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t two[] = { 1, 2 }, twothree[] = { 2, 3 }, on12[] = { 1, 2 };
	(void)state;

	foreign_named(s, IDS, 3, on12, 2);
	agree(s);
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_FOREIGN);
	/* node 3's handoffd restarts */
	s->up[3] = false;
	confchg_group(s, two, 2, on12, 2);
	run(s);
	boot(s, 3);
	confchg_group(s, IDS, 3, on12, 2);
	run(s);
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_UNKNOWN);
	assert_int_equal(agreed_status(s, 2, FOREIGN_PID), MEMBER_UNKNOWN);
	assert_true(agreed_syncing(s));     /* every member waits for the silent ones */
	/* node 1's handoffd dies before anyone's timer names them */
	s->up[1] = false;
	confchg_group(s, twothree, 2, on12, 2);
	run(s);
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_UNKNOWN);
	assert_true(agreed_syncing(s));
	naming_ends_the_sync(s, 3, 2, 1);
	assert_int_equal(agreed_status(s, 2, FOREIGN_PID), MEMBER_FOREIGN);
	/* node 1's handoffd comes back: a join, the silent ones are waited for again */
	boot(s, 1);
	confchg_group(s, IDS, 3, on12, 2);
	run(s);
	assert_true(agreed_syncing(s));
	naming_ends_the_sync(s, 2, 2, 2);
	sim_free(s);
}

/*
 * Review findings 1 and 3 (issue 16): a partition heals.  Node 3 has only
 * a silent process (its handoffd down), named foreign on side A = {1, f3}
 * but never seen by side B = {2}.  Before, after the heal it held B's
 * barrier and not A's; a RESYNC STATE of node 1 then opened a sync on A
 * only, and A waited for ever once B's FOREIGN ended B's.  Now the heal is
 * a join for both sides: both forget, both wait, the RESYNC opens nothing
 * (both are syncing), and the FOREIGN ends both barriers.
 */
static void a_partition_heal_resets_who_is_foreign(void **state)
{
	struct sim *s = foreign_on_3_and_2_leaves();   /* cut off: side A = {1, f3} */
	const uint32_t only2[] = { 2 }, two[] = { 1, 2 }, on3[] = { 3 };
	(void)state;

	/* side B = {2}: it is told its own side */
	s->up[2] = true;
	s->up[1] = false;
	confchg_group(s, only2, 1, NULL, 0);
	run(s);
	s->up[1] = true;
	assert_int_equal(status_of(s, 1, 3, FOREIGN_PID), MEMBER_FOREIGN);
	/* heal */
	confchg_group(s, two, 2, on3, 1);
	run(s);
	assert_int_equal(agreed_status(s, 3, FOREIGN_PID), MEMBER_UNKNOWN);
	assert_true(agreed_syncing(s));
	/* node 1's late quorum: a RESYNC STATE */
	s->m[1].resync = true;
	send_state(s, 1);
	s->m[1].resync = false;
	run(s);
	assert_true(agreed_syncing(s));
	naming_ends_the_sync(s, 2, 1, 3);      /* node 2's timer names f3 */
	sim_free(s);
}

/*
 * Review finding 1 (issue 16): a second process on node 1 that says HELLO
 * before node 1's handoffd, in the sync after a join, was taken by the
 * joiner (which knew nobody) as node 1's handoffd, while node 1 refused
 * it: the joiner's barrier never ended.  Now both members see the same
 * two announcements in the same order: node 1 is contested on both, it is
 * away (nobody speaks for it, what the forger sent counts for nothing),
 * and both barriers end at the same message.
 */
static void a_forged_hello_at_a_join_is_contested(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t two[] = { 1, 2 }, one[] = { 1 }, on1[] = { 1 };
	struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = 1 } };
	struct wire_msg mig = { .hdr = { .type = MSG_MIGRATE, .nodeid = 1 } };
	const struct rsm_action *a = NULL;
	(void)state;

	s->up[3] = false;
	foreign_named(s, two, 2, on1, 1);
	s->up[2] = false;
	confchg_group(s, one, 1, on1, 1);
	run(s);
	boot(s, 2);
	multicast_pid(s, &hello, FOREIGN_PID);   /* the forger spams HELLO */
	confchg_group(s, two, 2, on1, 1);
	mig.u.req.req_id = 9;
	mig.u.req.node = 2;
	snprintf(mig.u.req.resource, sizeof(mig.u.req.resource), "web");
	multicast_pid(s, &mig, FOREIGN_PID);
	run(s);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_FOREIGN);
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_FOREIGN);
	assert_false(agreed_syncing(s));
	assert_false(rsm_node(&s->m[1], 1)->member);
	assert_false(rsm_node(&s->m[2], 1)->member);
	agree(s);
	assert_int_equal(count(s, 2, ACT_PREPARE), 0);       /* the forged MIGRATE counts for nothing */
	for (size_t k = 0; k < s->acts[2].n && !a; k++)
		if (s->acts[2].v[k].type == ACT_LOG &&
		    strstr(s->acts[2].v[k].text, "node 1: pids 4242 and 0 both announced themselves"))
			a = &s->acts[2].v[k];
	assert_non_null(a);
	/* it stays so for this membership: a HELLO again changes nothing */
	hello.hdr.nodeid = 1;
	multicast(s, &hello);
	run(s);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_FOREIGN);
	assert_non_null(strstr(s->m[2].drop_why, "node 1 is contested"));
	/* the forger goes: node 1's handoffd speaks for it again, and the
	 * merge takes what runs there */
	confchg_group(s, two, 2, NULL, 0);
	run(s);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_DAEMON);
	assert_false(agreed_syncing(s));
	assert_true(rsm_node(&s->m[2], 1)->member);
	agree(s);
	assert_int_equal(res(s, 2, "web")->owner, 1);
	sim_free(s);
}

/*
 * What a contest costs (rule 17): a process joins beside node 1's running
 * handoffd and announces itself in the join's sync.  Node 1 is away for
 * this membership, as if its handoffd were down: nobody tells node 1 to
 * stop or release what it runs (its workload goes on), a failover the
 * others decide is refused by the target's daemon while node 1 is in
 * corosync's membership (rm_in_quorum, not in this simulation), and once
 * the process goes, node 1 speaks again and the merge takes what it runs.
 */
static void a_contest_leaves_the_workload_alone(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t on1[] = { 1 };
	struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = 1 } };
	size_t stops, releases;
	(void)state;

	agree(s);
	stops = count(s, 1, ACT_STOP) + count(s, 1, ACT_MIGRATE_RELEASE);
	releases = count(s, 1, ACT_RELEASE);
	multicast_pid(s, &hello, FOREIGN_PID);     /* sent as it joins */
	confchg_group(s, IDS, 3, on1, 1);
	run(s);
	assert_false(agreed_syncing(s));
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_FOREIGN);
	assert_false(rsm_node(&s->m[2], 1)->member);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILING_OVER);   /* to node 2 */
	assert_int_equal(count(s, 1, ACT_STOP) + count(s, 1, ACT_MIGRATE_RELEASE), stops);
	assert_int_equal(count(s, 1, ACT_RELEASE), releases);
	/* node 2's daemon refuses the takeover: node 1 is in corosync's
	 * membership ("only its handoffd is gone") */
	report(s, 2, MSG_STARTED, "web", res(s, 2, "web")->epoch, false,
	       "node 1 is still a member of corosync's membership");
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILED);
	/* the process goes */
	confchg_group(s, IDS, 3, NULL, 0);
	run(s);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_DAEMON);
	assert_false(agreed_syncing(s));
	agree(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);      /* adopted where it runs */
	assert_int_equal(count(s, 1, ACT_RELEASE), releases);
	sim_free(s);
}

/*
 * A process joins beside node 1's running handoffd and sends a STATE as
 * node 1 (flagged RESYNC) before that handoffd's HELLO for the join is
 * delivered: the cluster tier's t-foreign saw it.  Statuses are forgotten
 * at a join, so it announced first; without the barrier's wait for every
 * member nobody knows yet, the sync ended with its STATE as node 1's, and
 * node 1's handoffd was refused (the forged table, epoch 1000, merged).
 * Now the sync waits for node 1's handoffd too, whose HELLO contests them.
 */
static void a_forger_racing_its_own_join_is_contested(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t on1[] = { 1 };
	struct wire_msg forged = { .hdr = { .type = MSG_STATE, .nodeid = 1 } };
	struct wire_entry e[1] = {
		{ .name = "web", .owner = 1, .phase = PHASE_RUNNING, .epoch = 1000, .last_error = "" },
	};
	(void)state;

	agree(s);
	{
		/* the forger's STATE is the first message of the new group */
		struct wire_member list[4] = { { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 },
					       { 1, FOREIGN_PID, 0 } };
		forged.u.state = (struct wire_state){ .proto_min = WIRE_VERSION_MIN,
			.proto_max = WIRE_VERSION_MAX, .config_digest = s->m[2].local_digest,
			.flags = WIRE_STATE_QUORATE_NOW | WIRE_STATE_RESYNC, .table_gen = 1000,
			.entries = e, .n_entries = 1, .n_members = 4 };
		const int t23[] = { 2, 3 }, t1[] = { 1 };
		memcpy(forged.u.state.members, list, sizeof(list));
		forged.u.state.members[3].status = MEMBER_DAEMON;   /* its claim */
		/* nodes 2 and 3 handle the confchg first; node 1's handoffd is
		 * slower than the forger */
		confchg_only(s, list, 4, t23, 2);
		multicast_pid(s, &forged, FOREIGN_PID);
		confchg_only(s, list, 4, t1, 1);
	}
	(void)on1;
	run(s);
	assert_false(agreed_syncing(s));
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_FOREIGN);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_FOREIGN);      /* contested */
	agree(s);
	for (int i = 1; i <= N; i++)
		assert_true(res(s, i, "web")->epoch < 1000);
	assert_true(s->m[2].table_gen < 1000);
	sim_free(s);
}

/* A settled handoffd (a sync ended with it) is not contested: a forger
 * that announces itself later, even in the sync after a confchg where
 * members only left, is refused, and the node speaks on. */
static void a_settled_handoffd_is_not_contested(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t two[] = { 1, 2 }, on1[] = { 1 };
	struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = 1 } };
	(void)state;

	foreign_named(s, IDS, 3, on1, 1);
	agree(s);
	/* node 3 leaves; the forger's HELLO is the first message after it */
	s->up[3] = false;
	multicast_pid(s, &hello, FOREIGN_PID);
	{
		/* the confchg comes after the forger's HELLO was sent but the
		 * HELLO is delivered in the new membership: move it behind */
		uint8_t *q = s->queue[s->nq - 1];
		size_t ql = s->qlen[s->nq - 1];
		s->nq--;
		confchg_group(s, two, 2, on1, 1);
		memmove(&s->queue[1], &s->queue[0], s->nq * sizeof(s->queue[0]));
		memmove(&s->qlen[1], &s->qlen[0], s->nq * sizeof(s->qlen[0]));
		memmove(&s->qpid[1], &s->qpid[0], s->nq * sizeof(s->qpid[0]));
		s->queue[0] = q;
		s->qlen[0] = ql;
		s->qpid[0] = FOREIGN_PID;
		s->nq++;
	}
	run(s);
	assert_int_equal(agreed_status(s, 1, 0), MEMBER_DAEMON);
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_FOREIGN);
	assert_non_null(strstr(s->m[2].drop_why, "HELLO from node 1 pid 4242: node 1's handoffd is pid 0"));
	assert_false(agreed_syncing(s));
	agree(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	sim_free(s);
}

/*
 * Re-admission (doc/protocol.md rule 22).  A handoffd named foreign before
 * its HELLO was delivered (its loop stalled past the bound) is one again
 * when its HELLO comes, and says HELLO again when it sees itself named.
 * A member named foreign on a node without a handoffd that announces
 * itself later, outside a sync, opens one, and its STATE enters the table.
 */
static void a_member_named_foreign_is_readmitted(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t ids[] = { 1, 2, 3 }, two[] = { 1, 2 }, on3[] = { 3 };
	struct wire_msg msg = { .hdr = { .type = MSG_FOREIGN, .nodeid = 1 } };
	struct wire_msg hello = { .hdr = { .type = MSG_HELLO, .nodeid = 3 } };
	const struct rsm_action *a = NULL;
	(void)state;

	/* node 3's handoffd restarts; node 1 names it before its HELLO */
	s->up[3] = false;
	confchg_group(s, two, 2, NULL, 0);
	run(s);
	boot(s, 3);
	{
		/* nodes 1 and 2 handle the confchg (their HELLOs go out) and
		 * node 1 names node 3 before node 3's loop sends its HELLO */
		const struct wire_member l123[] = { { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 } };
		const int t12[] = { 1, 2 }, t3[] = { 3 };
		confchg_only(s, l123, 3, t12, 2);
		msg.u.foreign.n = 1;
		msg.u.foreign.m[0] = (struct wire_member){ 3, 0, 0 };
		multicast(s, &msg);
		confchg_only(s, l123, 3, t3, 1);
	}
	(void)ids;
	run(s);
	agree(s);
	for (int i = 1; i <= N; i++)
		assert_int_equal(status_of(s, i, 3, 0), MEMBER_DAEMON);
	assert_true(count(s, 3, ACT_SEND_HELLO) >= 2);   /* at the confchg, and once named */
	for (size_t k = 0; k < s->acts[2].n && !a; k++)
		if (s->acts[2].v[k].type == ACT_LOG &&
		    strstr(s->acts[2].v[k].text, "node 3 pid 0 announced itself after it was marked foreign"))
			a = &s->acts[2].v[k];
	assert_non_null(a);

	/* node 3's handoffd is down; a process there was named foreign */
	s->up[3] = false;
	foreign_named(s, two, 2, on3, 1);
	agree(s);
	assert_false(s->m[1].syncing);
	assert_false(rsm_node(&s->m[1], 3)->member);
	/* it announces itself: node 3 has no handoffd, so it speaks for it now */
	multicast_pid(s, &hello, FOREIGN_PID);
	run(s);
	assert_int_equal(status_of(s, 1, 3, FOREIGN_PID), MEMBER_DAEMON);
	assert_true(s->m[1].syncing);             /* a sync opened: it waits for its STATE */
	assert_true(s->m[2].syncing);
	{
		struct wire_msg st = { .hdr = { .type = MSG_STATE, .nodeid = 3 } };
		rsm_fill_state(&s->m[1], &st.u.state, s->facts[3], 2);
		st.u.state.n_members = s->m[1].n_snap;
		memcpy(st.u.state.members, s->m[1].snap, s->m[1].n_snap * sizeof(s->m[1].snap[0]));
		multicast_pid(s, &st, FOREIGN_PID);
		free(st.u.state.entries);
	}
	run(s);
	agree(s);
	assert_true(rsm_node(&s->m[2], 3)->member);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	sim_free(s);
}

/* ---- health: FAILED reports and restart in place --------------------------- */


/* the owner FROM's monitor found RES of EPOCH failed at AT_MS: KIND, FLAGS */
static void failed_kind(struct sim *s, int from, const char *resname, uint64_t epoch,
			uint64_t at_ms, uint8_t kind, uint8_t flags, const char *reason)
{
	struct wire_msg msg = { .hdr = { .type = MSG_FAILED, .nodeid = (uint32_t)from,
					 .epoch = epoch } };
	snprintf(msg.u.failure.resource, sizeof(msg.u.failure.resource), "%s", resname);
	msg.u.failure.kind = kind;
	msg.u.failure.flags = flags;
	msg.u.failure.at_ms = at_ms;
	snprintf(msg.u.failure.reason, sizeof(msg.u.failure.reason), "%s", reason);
	multicast(s, &msg);
}

/* ... a workload failure */
static void failed(struct sim *s, int from, const char *resname, uint64_t epoch,
		   uint64_t at_ms, const char *reason)
{
	failed_kind(s, from, resname, epoch, at_ms, FAIL_WORKLOAD, 0, reason);
}

/* web, RUNNING on node 1 at epoch E, fails at AT_MS and is restarted there:
 * returns the epoch it runs at again */
static uint64_t fail_and_restart(struct sim *s, uint64_t e, uint64_t at_ms)
{
	size_t stops = count(s, 1, ACT_STOP), starts = count(s, 1, ACT_START);

	failed(s, 1, "web", e, at_ms, "monitor: exit 1");
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPING);
	assert_true(res(s, 2, "web")->restarting);
	assert_int_equal(res(s, 2, "web")->epoch, e + 1);
	/* the owner stops it: nobody else acts */
	assert_int_equal(count(s, 1, ACT_STOP), stops + 1);
	assert_int_equal(count(s, 2, ACT_STOP), 0);
	assert_int_equal(count(s, 3, ACT_STOP), 0);
	result(s, 1, "web", WIRE_OP_STOP, true, e + 1, NULL);
	run(s);
	agree(s);
	/* ... and starts it again, as a start of its own (a new epoch) */
	assert_int_equal(res(s, 3, "web")->phase, PHASE_STARTING);
	assert_int_equal(res(s, 3, "web")->owner, 1);
	assert_int_equal(res(s, 3, "web")->epoch, e + 2);
	assert_false(res(s, 3, "web")->restarting);
	assert_int_equal(count(s, 1, ACT_START), starts + 1);
	assert_int_equal(last(s, 1, ACT_START)->epoch, e + 2);
	assert_int_equal(count(s, 2, ACT_START), 0);
	result(s, 1, "web", WIRE_OP_START, true, e + 2, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	return e + 2;
}

static void a_failure_restarts_in_place(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_history *h;
	(void)state;

	assert_int_equal(fail_and_restart(s, 1, T0), 3);
	for (int i = 1; i <= N; i++) {
		assert_int_equal(res(s, i, "web")->fail_count, 1);
		assert_true(res(s, i, "web")->last_fail_ms == T0);
		assert_string_equal(res(s, i, "web")->last_fail,
				    "workload on node 1: monitor: exit 1");
		h = rsm_history_get(&s->m[i], 0);
		assert_non_null(h);
		assert_int_equal(h->kind, HIST_RESTART);
		assert_int_equal(h->source, 1);
		assert_true(h->ok);
		assert_string_equal(h->result, "workload on node 1: monitor: exit 1");
	}
	sim_free(s);
}

static void failures_past_max_restarts_leave_it_failed(void **state)
{
	struct sim *s = running_on_1();
	uint64_t e = 1;
	size_t stops;
	(void)state;

	/* without relocations: the budget spent is FAILED at once */
	for (int i = 1; i <= N; i++) {
		s->cfg[i].resources[0].max_relocations = 0;
		s->cfg[i].resources[1].max_relocations = 0;
	}
	for (int k = 0; k < 3; k++)       /* max_restarts = 3 (the default) */
		e = fail_and_restart(s, e, T0 + (uint64_t)k * 1000);
	stops = count(s, 1, ACT_STOP);
	failed(s, 1, "web", e, T0 + 3000, "monitor: exit 1");
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILED);
	assert_int_equal(res(s, 2, "web")->fail_count, 4);
	assert_non_null(strstr(res(s, 2, "web")->last_error, "failure 4 (max_restarts 3)"));
	assert_int_equal(count(s, 1, ACT_STOP), stops);
	assert_false(rsm_history_get(&s->m[3], 0)->ok);
	/* held: a start is refused until a cleanup */
	request(s, 2, MSG_START, "web", 0);
	run(s);
	assert_false(last(s, 2, ACT_REPLY)->ok);
	/* the cleanup probes (it does not run anywhere: STOPPED, and the owner
	 * lets go of what it holds) and sets the count back */
	s->facts[1][0].role = ROLE_PRIMARY;
	s->facts[1][0].mounted = 1;
	request(s, 2, MSG_CLEANUP, "web", 0);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_STOPPED);
	assert_int_equal(res(s, 3, "web")->fail_count, 0);
	assert_non_null(last(s, 1, ACT_RELEASE));
	sim_free(s);
}

static void the_fail_count_expires_after_failure_timeout(void **state)
{
	struct sim *s = running_on_1();
	uint64_t e;
	(void)state;

	e = fail_and_restart(s, 1, T0);
	e = fail_and_restart(s, e, T0 + 600000);            /* just within: 2 */
	assert_int_equal(res(s, 1, "web")->fail_count, 2);
	e = fail_and_restart(s, e, T0 + 1200001);           /* 600.001 s later: 1 */
	assert_int_equal(res(s, 1, "web")->fail_count, 1);
	/* a clock that went back forgets nothing */
	e = fail_and_restart(s, e, T0);
	assert_int_equal(res(s, 1, "web")->fail_count, 2);
	(void)e;
	sim_free(s);
}

static void only_the_owners_report_of_this_epoch_counts(void **state)
{
	struct sim *s = running_on_1();
	struct wire_msg msg = { .hdr = { .type = MSG_FAILED, .nodeid = 1, .epoch = 1 } };
	uint64_t e;
	(void)state;

	failed(s, 2, "web", 1, T0, "not the owner");
	failed(s, 1, "web", 2, T0, "not its epoch");
	failed(s, 1, "nosuch", 1, T0, "no such resource");
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 1, "web")->fail_count, 0);
	assert_non_null(strstr(last(s, 3, ACT_LOG)->text, "stale FAILED"));
	/* from a process of node 1 that is not its handoffd */
	snprintf(msg.u.failure.resource, sizeof(msg.u.failure.resource), "web");
	msg.u.failure.kind = FAIL_STORAGE;
	msg.u.failure.at_ms = T0;
	multicast_pid(s, &msg, FOREIGN_PID);
	run(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	assert_true(s->m[2].n_dropped > 0);
	/* an old epoch's report after a restart, and one during the restart */
	e = fail_and_restart(s, 1, T0);
	failed(s, 1, "web", 1, T0 + 1, "old");
	run(s);
	assert_int_equal(res(s, 2, "web")->fail_count, 1);
	failed(s, 1, "web", e, T0 + 2, "monitor: exit 1");
	failed(s, 1, "web", e + 1, T0 + 3, "during the stop");
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPING);
	assert_int_equal(res(s, 2, "web")->fail_count, 2);
	sim_free(s);
}

static void cleanup_resets_the_count_of_a_running_resource(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	fail_and_restart(s, 1, T0);
	request(s, 3, MSG_CLEANUP, "web", 0);
	run(s);
	agree(s);
	assert_true(last(s, 3, ACT_REPLY)->ok);
	assert_non_null(strstr(last(s, 3, ACT_REPLY)->text, "fail count reset"));
	assert_int_equal(res(s, 1, "web")->fail_count, 0);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	sim_free(s);
}

/* ---- relocation (doc/protocol.md, rules 29-32) ------------------------------ */

/* web runs on node NODE as its facts say (a sync would find it there) */
static void web_facts_on(struct sim *s, int node)
{
	for (int i = 1; i <= N; i++) {
		s->facts[i][0].role = i == node ? ROLE_PRIMARY : ROLE_SECONDARY;
		s->facts[i][0].mounted = s->facts[i][0].running = i == node;
	}
}

/* every member holds R's relocation as the newest history entry */
static void expect_relocation_entry(struct sim *s, uint32_t from, uint32_t to, const char *how)
{
	for (int i = 1; i <= N; i++) {
		const struct rsm_history *h;
		if (!s->up[i])
			continue;
		h = rsm_history_get(&s->m[i], 0);
		assert_non_null(h);
		assert_int_equal(h->kind, HIST_RELOCATE);
		assert_int_equal(h->source, from);
		assert_int_equal(h->target, to);
		assert_true(h->ok);
		assert_true(!strncmp(h->result, how, strlen(how)));
	}
}

/* web (RUNNING on node 1 at epoch E) is stopped there and started cold on
 * node TO; returns the epoch it runs at there */
static uint64_t cold_relocation_to(struct sim *s, uint64_t e, int to)
{
	size_t starts = count(s, to, ACT_START);

	agree(s);
	expect_phase(s, PHASE_STOPPING, 1, (uint32_t)to);
	assert_true(res(s, 2, "web")->relocating);
	assert_int_equal(res(s, 3, "web")->epoch, e + 1);
	/* S1, S2: only the owner acts, and only to stop */
	assert_int_equal(last(s, 1, ACT_STOP)->epoch, e + 1);
	assert_int_equal(count(s, to, ACT_START), starts);
	result(s, 1, "web", WIRE_OP_STOP, true, e + 1, NULL);
	run(s);
	expect_phase(s, PHASE_STARTING, (uint32_t)to, 0);
	assert_false(res(s, 1, "web")->relocating);
	assert_int_equal(res(s, 1, "web")->epoch, e + 2);
	assert_int_equal(count(s, to, ACT_START), starts + 1);
	assert_int_equal(last(s, to, ACT_START)->epoch, e + 2);
	for (int i = 1; i <= N; i++)
		if (i != to)
			assert_null(last(s, i, ACT_START) && last(s, i, ACT_START)->epoch == e + 2 ?
				    last(s, i, ACT_START) : NULL);
	/* a cold start: no dump is named (S3) */
	assert_int_equal(res(s, 2, "web")->dump_epoch, 0);
	result(s, to, "web", WIRE_OP_START, true, e + 2, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, (uint32_t)to, 0);
	return e + 2;
}

/* web on node 1 loses its mount (the workload with it): cold to node 2;
 * returns the epoch it runs at there */
static uint64_t unmounted_moves_to_2(struct sim *s)
{
	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, 0, "/srv/web is not mounted");
	run(s);
	expect_relocation_entry(s, 1, 2, "cold: a storage failure moves it away");
	return cold_relocation_to(s, 1, 2);
}

static void restarts_spent_relocate_to_the_next_node(void **state)
{
	struct sim *s = running_on_1();
	uint64_t e = 1;
	(void)state;

	for (int k = 0; k < 3; k++)       /* max_restarts = 3 (the default) */
		e = fail_and_restart(s, e, T0 + (uint64_t)k * 1000);
	failed(s, 1, "web", e, T0 + 3000, "monitor: exit 1");
	run(s);
	/* node 2 is the first by preference after the owner */
	assert_int_equal(res(s, 1, "web")->reloc_count, 1);
	/* the new node gets its own restart budget */
	assert_int_equal(res(s, 1, "web")->fail_count, 0);
	assert_true(res(s, 1, "web")->last_fail_ms == T0 + 3000);
	expect_relocation_entry(s, 1, 2, "cold: max_restarts 3");
	e = cold_relocation_to(s, e, 2);
	assert_int_equal(res(s, 3, "web")->reloc_count, 1);
	/* the same once more on node 2, then the relocation budget (1) is spent */
	sim_free(s);
}

/* the target is the first member by preference, not the owner, whose disk
 * was UpToDate at the last sync and that may run it */
static void relocation_skips_a_node_without_uptodate_data(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t all[] = { 1, 2, 3 };
	(void)state;

	web_facts_on(s, 1);
	s->facts[2][0].disk = DRBD_DISK_OUTDATED;
	confchg(s, all, 3);
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, 0, "/srv/web is not mounted");
	run(s);
	expect_relocation_entry(s, 1, 3, "cold: a storage failure moves it away");
	cold_relocation_to(s, 1, 3);
	sim_free(s);
}

/* rule 30: a storage failure is not restarted in place; with the workload
 * still running on a mounted Primary it migrates live */
static void a_storage_failure_moves_it_away_live(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, WIRE_FAIL_LIVE,
		    "DRBD resource r0: disk Diskless, not UpToDate");
	run(s);
	expect_phase(s, PHASE_PREPARING, 1, 2);
	assert_int_equal(res(s, 2, "web")->epoch, 2);
	assert_int_equal(res(s, 2, "web")->fail_count, 0);
	assert_int_equal(res(s, 2, "web")->reloc_count, 1);
	/* S5: the target checks readiness first; the source has not stopped */
	assert_int_equal(last(s, 2, ACT_PREPARE)->epoch, 2);
	assert_int_equal(count(s, 1, ACT_STOP), 0);
	assert_int_equal(count(s, 1, ACT_MIGRATE_RELEASE), 0);
	expect_relocation_entry(s, 1, 2, "live: a storage failure moves it away");
	report(s, 2, MSG_PREPARED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RELEASING, 1, 2);
	assert_int_equal(last(s, 1, ACT_MIGRATE_RELEASE)->epoch, 2);
	report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
	report(s, 2, MSG_STARTED, "web", 2, true, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 2, 0);
	assert_int_equal(rsm_history_get(&s->m[3], 0)->kind, HIST_MIGRATION);
	assert_int_equal(rsm_history_get(&s->m[3], 1)->kind, HIST_RELOCATE);
	sim_free(s);
}

/* ... and without it (the workload is gone too), cold */
static void a_storage_failure_of_a_dead_workload_moves_it_cold(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, 0, "DRBD resource r0 is Secondary");
	run(s);
	expect_relocation_entry(s, 1, 2, "cold: a storage failure moves it away");
	cold_relocation_to(s, 1, 2);
	/* a workload failure is never live, whatever its flags say */
	failed_kind(s, 2, "web", 3, T0 + 1, FAIL_WORKLOAD, WIRE_FAIL_LIVE, "monitor: exit 1");
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STOPPING);
	assert_true(res(s, 1, "web")->restarting);
	sim_free(s);
}

/* past max_relocations: FAILED, held until a cleanup, which resets both
 * counts */
static void relocations_spent_leave_it_failed(void **state)
{
	struct sim *s = running_on_1();
	uint64_t e;
	(void)state;

	e = unmounted_moves_to_2(s);
	failed_kind(s, 2, "web", e, T0 + 1000, FAIL_STORAGE, WIRE_FAIL_LIVE,
		    "/srv/web is not mounted");
	run(s);
	expect_phase(s, PHASE_FAILED, 2, 0);
	assert_non_null(strstr(res(s, 1, "web")->last_error,
			       "relocations 1 of max_relocations 1 spent"));
	assert_int_equal(res(s, 1, "web")->reloc_count, 1);
	assert_int_equal(res(s, 1, "web")->fail_count, 1);
	assert_int_equal(count(s, 2, ACT_PREPARE), 0);
	assert_int_equal(rsm_history_get(&s->m[1], 0)->kind, HIST_RESTART);
	assert_false(rsm_history_get(&s->m[1], 0)->ok);
	/* held */
	assert_false(ask(s, 3, MSG_START, "web", 0)->ok);
	web_facts_on(s, 0);
	assert_true(ask(s, 3, MSG_CLEANUP, "web", 0)->ok);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STOPPED);
	assert_int_equal(res(s, 2, "web")->reloc_count, 0);
	assert_int_equal(res(s, 2, "web")->fail_count, 0);
	sim_free(s);
}

/* the relocation count expires with the fail count (failure_timeout, by
 * the reporter's clock), and a cleanup resets it in any phase */
static void the_relocation_count_expires(void **state)
{
	struct sim *s = running_on_1();
	uint64_t e;
	(void)state;

	e = unmounted_moves_to_2(s);
	/* 600.001 s later: a new count, so it may move again (to node 1) */
	failed_kind(s, 2, "web", e, T0 + 600001, FAIL_STORAGE, 0, "/srv/web is not mounted");
	run(s);
	expect_relocation_entry(s, 2, 1, "cold: a storage failure");
	assert_int_equal(res(s, 3, "web")->reloc_count, 1);
	result(s, 2, "web", WIRE_OP_STOP, true, e + 1, NULL);
	run(s);
	result(s, 1, "web", WIRE_OP_START, true, e + 2, NULL);
	run(s);
	expect_phase(s, PHASE_RUNNING, 1, 0);
	assert_true(ask(s, 3, MSG_CLEANUP, "web", 0)->ok);
	assert_non_null(strstr(last(s, 3, ACT_REPLY)->text, "fail count reset"));
	agree(s);
	assert_int_equal(res(s, 1, "web")->reloc_count, 0);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	sim_free(s);
}

/* no other member may take it (its disk, standby): FAILED, nothing moves */
static void no_relocation_target_leaves_it_failed(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t all[] = { 1, 2, 3 };
	(void)state;

	web_facts_on(s, 1);
	s->facts[2][0].disk = DRBD_DISK_INCONSISTENT;
	s->facts[3][0].disk = DRBD_DISK_DISKLESS;
	confchg(s, all, 3);
	run(s);
	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, WIRE_FAIL_LIVE, "disk Failed");
	run(s);
	expect_phase(s, PHASE_FAILED, 1, 0);
	assert_non_null(strstr(res(s, 2, "web")->last_error, "no other eligible member with "
			       "UpToDate data"));
	assert_int_equal(res(s, 2, "web")->reloc_count, 0);
	assert_int_equal(count(s, 2, ACT_PREPARE) + count(s, 3, ACT_PREPARE), 0);
	sim_free(s);
}

/* a target that became ineligible while the owner stopped: the next one */
static void a_relocation_retargets_after_the_stop(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, 0, "/srv/web is not mounted");
	run(s);
	expect_phase(s, PHASE_STOPPING, 1, 2);
	assert_true(standby(s, 3, 2, true, 1)->ok);
	result(s, 1, "web", WIRE_OP_STOP, true, 2, NULL);
	run(s);
	expect_phase(s, PHASE_STARTING, 3, 0);
	assert_int_equal(last(s, 3, ACT_START)->epoch, 3);
	sim_free(s);
}

/* rule 31: found dead at a sync, it is counted like a report, at its
 * owner's clock in its STATE, on every member alike; past the budget it
 * relocates; in a partition without quorum it is FAILED as before */
static void dead_at_a_sync_is_counted(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t all[] = { 1, 2, 3 };
	uint64_t e = 1;
	(void)state;

	for (int k = 0; k < 3; k++)
		e = fail_and_restart(s, e, T0 + (uint64_t)k * 1000);
	web_facts_on(s, 0);          /* it died: nobody runs it */
	s->facts[1][0].role = ROLE_PRIMARY;
	s->facts[1][0].mounted = 1;
	s->m[1].clock_ms = T0 + 5000;
	s->m[2].clock_ms = T0 + 999999;     /* not the owner's: not used */
	confchg(s, all, 3);
	run(s);
	agree(s);
	assert_true(res(s, 2, "web")->last_fail_ms == T0 + 5000);
	expect_relocation_entry(s, 1, 2, "cold: max_restarts 3");
	assert_non_null(strstr(rsm_history_get(&s->m[3], 0)->result,
			       "workload on node 1: not running at the sync"));
	cold_relocation_to(s, e, 2);
	sim_free(s);
}

static void dead_at_a_sync_without_quorum_is_failed(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t only1[] = { 1 };
	(void)state;

	s->up[2] = s->up[3] = false;
	confchg(s, only1, 1);
	run(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_FAILED);
	assert_int_equal(res(s, 1, "web")->fail_count, 0);
	assert_int_equal(res(s, 1, "web")->epoch, 1);
	sim_free(s);
}

/* a joiner learns a cold relocation under way (STATE: the flag and the
 * target) and starts it where the others do */
static void a_joiner_learns_a_relocation(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	failed_kind(s, 1, "web", 1, T0, FAIL_STORAGE, 0, "/srv/web is not mounted");
	run(s);
	s->facts[1][0].role = ROLE_PRIMARY;
	s->facts[1][0].mounted = 1;
	node3_leaves(s);
	boot(s, 3);
	all_up(s);
	expect_phase(s, PHASE_STOPPING, 1, 2);
	assert_true(res(s, 3, "web")->relocating);
	assert_int_equal(res(s, 3, "web")->reloc_count, 1);
	result(s, 1, "web", WIRE_OP_STOP, true, 2, NULL);
	run(s);
	expect_phase(s, PHASE_STARTING, 2, 0);
	sim_free(s);
}

/* local-state seeds the counts (rule 32): a cold start of every node keeps
 * them, and the merge takes the winning entry's */
static void seeded_counts_survive_a_cold_start(void **state)
{
	struct sim *s = sim_new();
	const uint8_t none[WIRE_ID_LEN] = { 0 };
	(void)state;

	for (int i = 1; i <= N; i++) {
		assert_true(rsm_seed(&s->m[i], "web", 7, 0, none));
		assert_false(rsm_seed_failures(&s->m[i], "nosuch", 1, 1, 1, "x"));
	}
	/* node 2 kept the newest epoch, and its counts with it */
	assert_true(rsm_seed(&s->m[2], "web", 9, 0, none));
	assert_true(rsm_seed_failures(&s->m[2], "web", 2, 1, T0, "storage on node 1: gone"));
	assert_true(rsm_seed_failures(&s->m[3], "web", 3, 0, T0 - 1, "older"));
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->fail_count, 2);
	assert_int_equal(res(s, 1, "web")->reloc_count, 1);
	assert_true(res(s, 3, "web")->last_fail_ms == T0);
	assert_string_equal(res(s, 3, "web")->last_fail, "storage on node 1: gone");
	sim_free(s);
}

/* The count and a restart under way are in STATE: a restarted handoffd
 * counts and restarts as the others do. */
static void a_joiner_learns_the_count_and_the_restart(void **state)
{
	struct sim *s = running_on_1();
	(void)state;

	s->facts[1][0].role = ROLE_PRIMARY;
	s->facts[1][0].mounted = 1;
	failed(s, 1, "web", 1, T0, "monitor: exit 1");
	run(s);
	node3_leaves(s);
	boot(s, 3);
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->fail_count, 1);
	assert_true(res(s, 3, "web")->restarting);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_STOPPING);
	result(s, 1, "web", WIRE_OP_STOP, true, 2, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_STARTING);
	/* a report while it starts again is stale: the count stays */
	failed(s, 1, "web", 3, T0, "x");
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->fail_count, 1);
	sim_free(s);
}

/* Review (issue 16): learn() calls members_to_nodes() with the snapshot's statuses, which
 * (since the merge with is16-e) clears standby of a node that is not a
 * member; a node re-admitted in this sync whose STATE the joiner took
 * before it learned keeps that STATE but loses its standby: the joiner
 * thinks node 3 may be a target, everyone else does not. */
/* ---- maintenance (doc/protocol.md, rules 33-35) ------------------------------ */

/* MAINTENANCE from FROM: SCOPE names the cluster, node NODE or resource NAME */
static const struct rsm_action *maint(struct sim *s, int from, uint8_t scope, const char *name,
				      uint32_t node, bool on)
{
	struct wire_msg msg = { .hdr = { .type = MSG_MAINTENANCE, .nodeid = (uint32_t)from } };
	msg.u.req.req_id = ++s->next_req;
	msg.u.req.scope = scope;
	msg.u.req.node = node;
	msg.u.req.on = on;
	snprintf(msg.u.req.resource, sizeof(msg.u.req.resource), "%s", name ? name : "");
	multicast(s, &msg);
	run(s);
	return last(s, from, ACT_REPLY);
}

static size_t count_all(struct sim *s, enum rsm_action_type t)
{
	size_t n = 0;
	for (int i = 1; i <= N; i++)
		n += count(s, i, t);
	return n;
}

/* web, in maintenance, is neither restarted, nor migrated, stopped,
 * cleaned up or repaired at a sync: the operator works by hand */
static void maintenance_blocks_restart_migrate_and_requests(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	const struct rsm_history *h;
	size_t stops, starts;
	(void)state;

	web_runs_on(s, 1);
	a = maint(s, 2, MAINT_RESOURCE, "web", 0, true);
	assert_true(a->ok);
	assert_non_null(strstr(a->text, "web is in maintenance"));
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_true(res(s, i, "web")->maint);
		assert_int_equal(res(s, i, "web")->maint_gen, 1);
		assert_non_null(rsm_maint_why(&s->m[i], res(s, i, "web"), NULL, 0));
		assert_null(rsm_maint_why(&s->m[i], res(s, i, "db"), NULL, 0));
		h = rsm_history_get(&s->m[i], 0);
		assert_int_equal(h->kind, HIST_MAINTENANCE);
		assert_true(h->ok);
		assert_int_equal(h->source, 2);
		assert_string_equal(h->resource, "web");
	}
	stops = count_all(s, ACT_STOP);
	starts = count_all(s, ACT_START);
	/* a failure report is not acted on */
	failed(s, 1, "web", 1, T0, "monitor: exit 1");
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 3, "web")->fail_count, 0);
	assert_int_equal(count_all(s, ACT_STOP), stops);
	/* requests are refused, with the reason */
	a = ask(s, 3, MSG_MIGRATE, "web", 2);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "web is in maintenance"));
	assert_non_null(strstr(a->text, "maintenance off"));
	assert_false(ask(s, 3, MSG_STOP, "web", 0)->ok);
	assert_false(ask(s, 3, MSG_CLEANUP, "web", 0)->ok);
	assert_true(ask(s, 3, MSG_START, "db", 0)->ok);     /* db is not in maintenance */
	/* the workload dies (or the operator stops it): a sync repairs nothing */
	web_runs_on(s, 0);
	all_up(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 2, "web")->owner, 1);
	assert_int_equal(res(s, 2, "web")->epoch, 1);
	assert_int_equal(count_all(s, ACT_START), starts + 1);   /* db's only */
	assert_int_equal(count_all(s, ACT_RELEASE), 0);
	sim_free(s);
}

/* A node in maintenance is no place for a resource, and when it leaves,
 * what it owns is not failed over (S1, S4: nobody promotes behind the
 * operator); out of maintenance while it is still away, the usual rule
 * (a failover after its fencing) applies. */
static void node_maintenance_blocks_failover(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t without1[] = { 2, 3 };
	const struct rsm_action *a;
	(void)state;

	web_runs_on(s, 1);
	assert_true(maint(s, 2, MAINT_NODE, NULL, 1, true)->ok);
	agree(s);
	assert_string_equal(rsm_ineligible(&s->m[3], res(s, 3, "db"), 1), "it is in maintenance");
	a = ask(s, 2, MSG_START, "db", 1);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "it is in maintenance"));
	a = ask(s, 3, MSG_MIGRATE, "web", 2);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "its owner, node 1, is in maintenance"));
	s->up[1] = false;
	confchg(s, without1, 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 2, "web")->owner, 1);
	assert_true(res(s, 2, "web")->owner_lost);
	assert_int_equal(count_all(s, ACT_FAILOVER), 0);
	assert_int_equal(count_all(s, ACT_START), 1)   /* running_on_1's only */;
	/* out of maintenance, node 1 still away: failover by the usual rules */
	a = maint(s, 3, MAINT_NODE, NULL, 1, false);
	assert_true(a->ok);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_FAILING_OVER);
	assert_int_equal(res(s, 2, "web")->owner, 2);
	assert_int_equal(count(s, 2, ACT_FAILOVER), 1);
	sim_free(s);
}

/* Leaving maintenance probes every node (a sync) and adopts what runs:
 * where the operator moved it, it is RUNNING there; running nowhere, it is
 * started again where it should run; running twice, FAILED and nothing
 * started; a stopped resource stays stopped. */
static void leaving_maintenance_adopts_what_runs(void **state)
{
	struct sim *s = running_on_1();
	const struct rsm_action *a;
	size_t starts;
	uint64_t e;
	(void)state;

	web_runs_on(s, 1);
	assert_true(maint(s, 1, MAINT_CLUSTER, NULL, 0, true)->ok);
	/* by hand: stopped on node 1, started on node 2 */
	web_runs_on(s, 2);
	s->facts[2][0].mounted = 1;
	s->facts[2][0].role = ROLE_PRIMARY;
	e = res(s, 1, "web")->epoch;
	a = maint(s, 3, MAINT_CLUSTER, NULL, 0, false);
	assert_true(a->ok);
	assert_non_null(strstr(a->text, "probing every node for 2 resources"));
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 1, "web")->owner, 2);
	assert_true(res(s, 1, "web")->epoch > e);
	assert_false(res(s, 1, "web")->adopt);
	assert_int_equal(count_all(s, ACT_START), 1);          /* running_on_1's only */
	assert_int_equal(count_all(s, ACT_RELEASE), 0);
	/* db was STOPPED and runs nowhere: it stays so */
	assert_int_equal(res(s, 1, "db")->phase, PHASE_STOPPED);

	/* running nowhere: started again on its owner (a new epoch, cold) */
	assert_true(maint(s, 1, MAINT_RESOURCE, "web", 0, true)->ok);
	web_runs_on(s, 0);
	s->facts[2][0].mounted = 0;
	s->facts[2][0].role = ROLE_SECONDARY;
	starts = count(s, 2, ACT_START);
	assert_true(maint(s, 1, MAINT_RESOURCE, "web", 0, false)->ok);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STARTING);
	assert_int_equal(res(s, 1, "web")->owner, 2);
	assert_int_equal(res(s, 1, "web")->dump_epoch, 0);
	assert_int_equal(count(s, 2, ACT_START), starts + 1);
	assert_int_equal(last(s, 2, ACT_START)->epoch, res(s, 1, "web")->epoch);
	result(s, 2, "web", WIRE_OP_START, true, res(s, 1, "web")->epoch, NULL);
	run(s);
	web_runs_on(s, 2);

	/* running on two nodes: FAILED, and nothing is started */
	assert_true(maint(s, 1, MAINT_NODE, NULL, 2, true)->ok);
	s->facts[3][0].running = 1;
	starts = count_all(s, ACT_START);
	assert_true(maint(s, 1, MAINT_NODE, NULL, 2, false)->ok);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_FAILED);
	assert_non_null(strstr(res(s, 1, "web")->last_error, "found running on nodes 2 and 3"));
	assert_int_equal(count_all(s, ACT_START), starts);

	/* db, stopped, found running on node 2 when it leaves: adopted */
	assert_true(maint(s, 2, MAINT_RESOURCE, "db", 0, true)->ok);
	s->facts[2][1].running = 1;
	assert_true(maint(s, 2, MAINT_RESOURCE, "db", 0, false)->ok);
	agree(s);
	assert_int_equal(res(s, 3, "db")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 3, "db")->owner, 2);
	sim_free(s);
}

/* The newer maintenance decision wins, alike on every member: a node that
 * was away while the cluster left maintenance comes back with its file's
 * older "on"; and maintenance survives a cold start of every node. */
static void maintenance_merges_by_generation(void **state)
{
	struct sim *s = running_on_1();
	uint64_t gen_on, gen_off;
	(void)state;

	web_runs_on(s, 1);
	assert_true(maint(s, 1, MAINT_CLUSTER, NULL, 0, true)->ok);
	assert_true(maint(s, 1, MAINT_NODE, NULL, 2, true)->ok);
	gen_on = s->m[3].maint_all_gen;
	node3_leaves(s);
	assert_true(maint(s, 1, MAINT_CLUSTER, NULL, 0, false)->ok);
	agree(s);
	gen_off = s->m[1].maint_all_gen;
	assert_true(gen_off > gen_on);
	boot(s, 3);
	assert_true(rsm_seed_maint(&s->m[3], MAINT_CLUSTER, 0, NULL, true, gen_on));
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_false(s->m[i].maint_all);
		assert_true(rsm_node(&s->m[i], 2)->maint);   /* learned from the others */
	}
	/* a cold start: each node seeds its own file */
	for (int i = 1; i <= N; i++) {
		boot(s, i);
		assert_true(rsm_seed_maint(&s->m[i], MAINT_NODE, 2, NULL, true, 1));
		assert_true(rsm_seed_maint(&s->m[i], MAINT_RESOURCE, 0, "db", i == 1, (uint64_t)i));
		assert_false(rsm_seed_maint(&s->m[i], MAINT_RESOURCE, 0, "nosuch", true, 1));
	}
	all_up(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_true(rsm_node(&s->m[i], 2)->maint);
		/* node 3's generation 3 ("off") is the newest */
		assert_false(res(s, i, "db")->maint);
		assert_int_equal(res(s, i, "db")->maint_gen, 3);
	}
	/* one generation, two decisions (two partitions): on wins */
	for (int i = 1; i <= N; i++) {
		boot(s, i);
		assert_true(rsm_seed_maint(&s->m[i], MAINT_RESOURCE, 0, "web", i == 3, 4));
	}
	all_up(s);
	agree(s);
	assert_true(res(s, 1, "web")->maint);
	assert_int_equal(count_all(s, ACT_RELEASE), 0);    /* web runs on 1, in maintenance */
	sim_free(s);
}

/* What was under way when maintenance began goes no further by the table:
 * a failover waiting for a FENCE_CONFIRM is not run when it comes (S1:
 * the operator owns it), and a migration whose target left is not failed
 * over at its RELEASED (FAILED); out of maintenance, the first is started
 * from what runs (nothing: on its owner), the second stays FAILED until a
 * cleanup. */
static void maintenance_holds_what_was_under_way(void **state)
{
	struct sim *s = owner_1_lost(0, 5000);
	static const uint32_t without2[] = { 1, 3 };
	(void)state;

	assert_int_equal(count(s, 2, ACT_FAILOVER), 0);
	assert_true(maint(s, 3, MAINT_RESOURCE, "web", 0, true)->ok);
	fence_confirm(s, 3, 1);
	assert_true(last(s, 3, ACT_REPLY)->ok);
	agree(s);
	assert_int_equal(count_all(s, ACT_FAILOVER), 0);
	assert_true(maint(s, 3, MAINT_RESOURCE, "web", 0, false)->ok);
	agree(s);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STARTING);
	assert_int_equal(res(s, 2, "web")->owner, 2);
	assert_int_equal(count(s, 2, ACT_START), 1);
	assert_int_equal(count_all(s, ACT_FAILOVER), 0);
	sim_free(s);

	s = running_on_1();
	web_runs_on(s, 1);
	migrate_1_to_2(s, false);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RELEASING);
	assert_true(maint(s, 3, MAINT_RESOURCE, "web", 0, true)->ok);
	s->up[2] = false;
	confchg(s, without2, 2);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_RELEASING);
	web_runs_on(s, 0);
	report(s, 1, MSG_RELEASED, "web", 2, true, NULL);
	run(s);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_FAILED);
	assert_non_null(strstr(res(s, 3, "web")->last_error, "web is in maintenance: no failover"));
	assert_false(rsm_lost_has(res(s, 3, "web"), 2));    /* it never promoted */
	assert_int_equal(count_all(s, ACT_FAILOVER), 0);
	assert_int_equal(count_all(s, ACT_START), 1);       /* running_on_1's only */
	/* out of maintenance: FAILED stays so (a cleanup probes), nothing started */
	assert_true(maint(s, 1, MAINT_RESOURCE, "web", 0, false)->ok);
	agree(s);
	assert_int_equal(res(s, 3, "web")->phase, PHASE_FAILED);
	assert_int_equal(count_all(s, ACT_FAILOVER), 0);
	assert_int_equal(count_all(s, ACT_START), 1);
	sim_free(s);
}

/* S4: the adoption is a decision, so it waits for a quorate merge: node 1
 * alone takes web out of maintenance, and nothing is decided until the
 * others are back (the mark travels in its STATE entry) */
static void leaving_maintenance_waits_for_quorum(void **state)
{
	struct sim *s = running_on_1();
	static const uint32_t only1[] = { 1 };
	uint64_t e;
	(void)state;

	web_runs_on(s, 0);              /* it died meanwhile */
	assert_true(maint(s, 2, MAINT_RESOURCE, "web", 0, true)->ok);
	e = res(s, 1, "web")->epoch;
	s->up[2] = s->up[3] = false;
	confchg(s, only1, 1);
	run(s);
	assert_true(maint(s, 1, MAINT_RESOURCE, "web", 0, false)->ok);
	assert_false(s->m[1].partition_quorate);
	assert_true(res(s, 1, "web")->adopt);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 1, "web")->epoch, e);
	assert_int_equal(count(s, 1, ACT_START), 1);     /* running_on_1's only */
	/* the others come back (restarted): the quorate merge adopts */
	boot(s, 2);
	boot(s, 3);
	all_up(s);
	agree(s);
	assert_false(res(s, 2, "web")->adopt);
	assert_int_equal(res(s, 2, "web")->phase, PHASE_STARTING);
	assert_int_equal(res(s, 2, "web")->owner, 1);
	assert_true(res(s, 2, "web")->epoch > e);
	assert_int_equal(count(s, 1, ACT_START), 2);
	sim_free(s);
}

static void a_joiner_keeps_the_standby_of_a_readmitted_node(void **state)
{
	struct sim *s = runs_on_1();
	const struct wire_member l12[] = { { 1, 0, 0 }, { 2, 0, 0 } };
	const struct wire_member l123[] = { { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 } };
	const struct wire_member l13[] = { { 1, 0, 0 }, { 3, 0, 0 } };
	const struct wire_member l321[] = { { 3, 0, 0 }, { 2, 0, 0 }, { 1, 0, 0 } };
	const int t12[] = { 1, 2 }, t1[] = { 1 }, t32[] = { 3, 2, 1 };
	const struct rsm_action *a;
	(void)state;

	assert_true(standby(s, 1, 3, true, 1)->ok);
	agree(s);
	/* node 3's handoffd leaves and comes back, but its loop stalls: it is
	 * named foreign before it says anything */
	s->up[3] = false;
	confchg_only(s, l12, 2, t12, 2);
	run(s);
	confchg_only(s, l123, 3, t12, 2);
	run(s);
	name_silent(s, 1);
	run(s);
	agree(s);
	assert_int_equal(status_of(s, 1, 3, 0), MEMBER_FOREIGN);
	/* node 2's handoffd restarts meanwhile */
	s->up[2] = false;
	confchg_only(s, l13, 2, t1, 1);
	run(s);
	boot(s, 2);
	/* node 3 wakes (it still thinks it is in standby) and the joiner
	 * joins: node 3's HELLO and STATE come first */
	boot(s, 3);
	((struct rsm_node *)rsm_node(&s->m[3], 3))->standby = true;
	s->up[3] = true;
	confchg_only(s, l321, 3, t32, 3);
	run(s);
	print_message("node 3 standby: at node1 %d, at node2 (joiner) %d, at node3 %d\n",
		      rsm_node(&s->m[1], 3)->standby, rsm_node(&s->m[2], 3)->standby,
		      rsm_node(&s->m[3], 3)->standby);
	agree(s);
	a = ask(s, 2, MSG_MIGRATE, "web", 3);
	print_message("MIGRATE web to 3 from node 2: %s; phase at node1 %u node2 %u\n",
		      a ? a->text : "?", res(s, 1, "web")->phase, res(s, 2, "web")->phase);
	agree(s);
	sim_free(s);
}


/*
 * A FOREIGN names only a member nobody knows yet.  A sync that RESYNC (or
 * CLEANUP, or a re-admission) opens resets every member's `announced`, but
 * no handoffd says HELLO for it: a FOREIGN delivered then (one sent for a
 * member that has announced itself since, or a handoffd's whose view was
 * stale) marked node 3's handoffd foreign, so the merge went on without it
 * wherever its STATE came late, until it said HELLO again.
 */
static void a_foreign_never_names_a_known_handoffd(void **state)
{
	struct sim *s = runs_on_1();
	struct wire_msg f = { .hdr = { .type = MSG_FOREIGN, .nodeid = 2 } };
	size_t before[N + 1];
	(void)state;

	agree(s);
	for (int i = 1; i <= N; i++)
		before[i] = s->acts[i].n;
	s->m[2].resync = true;          /* node 2's late quorum opens a sync */
	send_state(s, 2);
	s->m[2].resync = false;
	f.u.foreign.n = 1;
	f.u.foreign.m[0] = (struct wire_member){ 3, 0, 0 };
	multicast(s, &f);
	run(s);
	agree(s);
	for (int i = 1; i <= N; i++) {
		assert_int_equal(status_of(s, i, 3, 0), MEMBER_DAEMON);
		for (size_t a = before[i]; a < s->acts[i].n; a++)
			assert_null(strstr(s->acts[i].v[a].text, "announced nothing"));
	}
	sim_free(s);
}

/* Node 2's handoffd restarts and joins {1, 3, a foreign process beside
 * node 1}; before the confchg that process floods N_MSGS FOREIGNs of
 * WIRE_MEMBERS_MAX names each (of non-members, or of the real handoffds).
 * A FOREIGN counts only from a handoffd: every member drops them alike,
 * and the join's sync ends everywhere at the same message. */
static void joiner_after_a_foreign_flood(bool real_names, int n_msgs)
{
	struct sim *s = runs_on_1();
	const uint32_t on1[] = { 1 }, odd[] = { 1, 3 };
	struct wire_msg f = { .hdr = { .type = MSG_FOREIGN, .nodeid = 1 } };
	uint64_t dropped;

	s->up[2] = false;
	foreign_named(s, odd, 2, on1, 1);
	boot(s, 2);
	dropped = s->m[1].n_dropped;
	f.u.foreign.n = WIRE_MEMBERS_MAX;
	for (size_t k = 0; k < WIRE_MEMBERS_MAX; k++)
		f.u.foreign.m[k] = real_names ? (struct wire_member){ (uint32_t)(k % 3 + 1), 0, 0 } :
				   (struct wire_member){ 9, (uint32_t)(1000 + k), 0 };
	confchg_group(s, IDS, 3, on1, 1);
	for (int k = 0; k < n_msgs; k++)
		multicast_pid(s, &f, FOREIGN_PID);
	run(s);
	assert_true(agreed_syncing(s));       /* for the silent process, on every member */
	assert_int_equal(s->m[1].n_dropped, dropped + (uint64_t)n_msgs);
	for (uint32_t node = 1; node <= N; node++)
		assert_int_equal(agreed_status(s, node, 0), MEMBER_DAEMON);
	assert_int_equal(agreed_status(s, 1, FOREIGN_PID), MEMBER_UNKNOWN);
	naming_ends_the_sync(s, 2, 1, 1);
	sim_free(s);
}

/* Review (issue 16): FOREIGNs forged by a process that is not a handoffd,
 * naming non-members, change nothing anywhere. */
static void forged_foreign_names_change_nothing(void **state)
{
	(void)state;
	joiner_after_a_foreign_flood(false, 5);
}

/* The same with names of real members (the handoffds): dropped alike. */
static void a_foreign_flood_of_real_names_changes_nothing(void **state)
{
	(void)state;
	joiner_after_a_foreign_flood(true, 40);
}

/* Review (issue 16): the group was cut to 64 members (CPG_SESSION_MAX_MEMBERS, "32
 * nodes"), but members are processes now: 62 CPG handles opened on node 2
 * push node 3's restarted handoffd out of everyone's group, its own too. */
static void many_cpg_handles_do_not_shut_out_a_handoffd(void **state)
{
	struct sim *s = runs_on_1();
	struct wire_member list[66];
	size_t nl = 0;
	(void)state;

	s->up[3] = false;
	list[nl++] = (struct wire_member){ 1, 0, 0 };
	list[nl++] = (struct wire_member){ 2, 0, 0 };
	for (uint32_t k = 0; k < 62; k++)
		list[nl++] = (struct wire_member){ 2, 5000 + k, 0 };
	confchg_to(s, list, nl);
	run(s);
	boot(s, 3);
	list[nl++] = (struct wire_member){ 3, 0, 0 };
	confchg_to(s, list, nl);
	run(s);
	print_message("node 3 a member at node 1: %d, at itself: %d; node 1 dropped %llu: %s\n",
		      rsm_node(&s->m[1], 3)->member, rsm_node(&s->m[3], 3)->member,
		      (unsigned long long)s->m[1].n_dropped, s->m[1].drop_why);
	assert_true(rsm_node(&s->m[1], 3)->member);
	sim_free(s);
}


/*
 * A process in the group that floods while a sync holds messages: each held
 * one costs ~0.9 KB, and before, every one was kept until the merge.  Now
 * each member's held messages are bounded, alike on every member.
 */
static void a_flood_during_a_sync_is_bounded(void **state)
{
	struct sim *s = runs_on_1();
	const uint32_t two[] = { 1, 2 }, on3[] = { 3 };
	struct wire_msg stop = { .hdr = { .type = MSG_STOP, .nodeid = 3 } };
	size_t bound = RSM_HELD_PER_MEMBER(s->m[1].n_res);
	(void)state;

	s->up[3] = false;
	confchg_group(s, two, 2, on3, 1);   /* the barrier waits for node 3's member */
	run(s);
	assert_true(s->m[1].syncing);
	snprintf(stop.u.req.resource, sizeof(stop.u.req.resource), "web");
	for (size_t k = 0; k < bound + 100; k++) {
		multicast_pid(s, &stop, FOREIGN_PID);
		if (s->nq == 60)
			run(s);
	}
	run(s);
	assert_int_equal(s->m[1].n_held, bound);
	assert_int_equal(s->m[2].n_held, bound);
	name_silent(s, 1);
	run(s);
	agree(s);
	assert_int_equal(res(s, 1, "web")->phase, PHASE_RUNNING);
	sim_free(s);
}


/* ---- reload (doc/protocol.md, rules 36, 37) ------------------------------------ */

static const char CONF_NEW[] =
	"[resource new]\nstorage = shared\ndevice = /dev/sdc1\nmount_point = /srv/new\n"
	"workload = exec\nagent = /bin/true\nnodes = node1 node2 node3\n";

/*
 * What handoffd does for a reload of node I to TEXT: its next STATE,
 * flagged RESYNC, announces the new digest, and the configuration applies
 * when that STATE is delivered to it (rm_reload.c).  Nothing else is
 * queued, so "before run()" is that point of the order.
 */
static void reload_node(struct sim *s, int i, const char *text)
{
	struct config_errors err = { 0 };
	struct wire_msg msg = { .hdr = { .type = MSG_STATE, .nodeid = (uint32_t)i } };
	char why[200] = "";

	config_free(&s->reloaded[i]);
	config_defaults(&s->reloaded[i]);
	assert_int_equal(config_load_string(&s->reloaded[i], "reload.conf", text, &err), 0);
	assert_int_equal(s->nq, 0);
	s->m[i].resync = true;
	s->m[i].timing.watchdog_ms = s->watchdog_ms[i];
	s->m[i].timing.detect_ms = 2200;
	rsm_fill_state(&s->m[i], &msg.u.state, s->facts[i], 3);
	msg.u.state.config_digest = config_digest(&s->reloaded[i]);
	s->m[i].resync = false;
	multicast(s, &msg);
	free(msg.u.state.entries);
	assert_int_equal(rsm_reconfigure(&s->m[i], &s->reloaded[i], why, sizeof(why)), 0);
	run(s);
}

/*
 * A rolling reload that adds a resource: a member that does not know it
 * never acts on it, the members that know it are eligible only once their
 * digest is the cluster's (the most members'), and the last node to
 * reload takes its entry from the merge.  Every step is ordered: after each
 * reload every member knows the reloader's digest (S1, S2: one table).
 */
static void a_rolling_reload_adds_a_resource(void **state)
{
	struct sim *s = sim_new();
	char conf[sizeof(CONF) + sizeof(CONF_NEW)];
	const struct rsm_action *a;
	(void)state;

	snprintf(conf, sizeof(conf), "%s%s", CONF, CONF_NEW);
	all_up(s);
	request(s, 1, MSG_START, "web", 2);
	run(s);
	result(s, 2, "web", WIRE_OP_START, true, 1, NULL);
	run(s);
	s->facts[2][0].running = 1;

	reload_node(s, 1, conf);
	assert_int_equal(s->m[1].n_res, 3);
	assert_int_equal(s->m[2].n_res, 2);
	for (int i = 1; i <= N; i++) {
		assert_false(s->m[i].syncing);
		assert_int_equal(rsm_node(&s->m[i], 1)->digest, config_digest(&s->reloaded[1]));
		assert_false(rsm_node(&s->m[i], 1)->eligible);   /* one against two */
		assert_true(rsm_node(&s->m[i], 2)->eligible);
		/* what it ran before lives on */
		assert_int_equal(res(s, i, "web")->phase, PHASE_RUNNING);
		assert_int_equal(res(s, i, "web")->owner, 2);
	}
	/* the reloader alone knows it, and may not start it */
	request(s, 1, MSG_START, "new", 0);
	run(s);
	a = last(s, 1, ACT_REPLY);
	assert_false(a->ok);
	assert_non_null(strstr(a->text, "configuration differs"));
	request(s, 2, MSG_START, "new", 0);
	run(s);
	assert_string_equal(last(s, 2, ACT_REPLY)->text, "unknown resource 'new'");
	assert_int_equal(res(s, 1, "new")->phase, PHASE_STOPPED);

	reload_node(s, 2, conf);
	for (int i = 1; i <= N; i++) {
		assert_true(rsm_node(&s->m[i], 1)->eligible);    /* two against one */
		assert_true(rsm_node(&s->m[i], 2)->eligible);
		assert_false(rsm_node(&s->m[i], 3)->eligible);
	}
	request(s, 2, MSG_START, "new", 3);   /* node 3 does not know it */
	run(s);
	assert_false(last(s, 2, ACT_REPLY)->ok);
	request(s, 2, MSG_START, "new", 0);
	run(s);
	assert_true(last(s, 2, ACT_REPLY)->ok);
	assert_int_equal(res(s, 1, "new")->owner, 1);
	assert_int_equal(res(s, 2, "new")->phase, PHASE_STARTING);
	assert_null(res(s, 3, "new"));
	assert_int_equal(count(s, 1, ACT_START), 1);
	assert_int_equal(count(s, 3, ACT_START), 0);
	result(s, 1, "new", WIRE_OP_START, true, res(s, 1, "new")->epoch, NULL);
	run(s);
	s->facts[1][2].running = 1;
	assert_null(rsm_differs(&s->m[1], &s->m[2]));

	/* the last one learns the entry from the merge */
	reload_node(s, 3, conf);
	agree(s);
	assert_int_equal(res(s, 3, "new")->phase, PHASE_RUNNING);
	assert_int_equal(res(s, 3, "new")->owner, 1);
	for (int i = 1; i <= N; i++)
		assert_true(rsm_node(&s->m[i], 3)->eligible);
	assert_int_equal(res(s, 3, "web")->owner, 2);
	sim_free(s);
}

/* A resource leaves the table only when STOPPED, and then all or nothing
 * (rule 37): a refused reload changes neither the table nor the digest. */
static void a_reload_removes_only_a_stopped_resource(void **state)
{
	struct sim *s = sim_new();
	struct handoff_config without;
	struct config_errors err = { 0 };
	char conf[sizeof(CONF)], why[200] = "";
	uint64_t digest;
	(void)state;

	/* CONF without [resource db], and web's mount_point changed too */
	snprintf(conf, sizeof(conf), "%s", CONF);
	*strstr(conf, "[resource db]") = '\0';
	config_defaults(&without);
	assert_int_equal(config_load_string(&without, "r.conf", conf, &err), 0);
	all_up(s);
	request(s, 1, MSG_START, "db", 2);
	run(s);
	result(s, 2, "db", WIRE_OP_START, true, 1, NULL);
	run(s);
	digest = s->m[1].local_digest;
	assert_int_equal(rsm_reconfigure(&s->m[1], &without, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot remove db while it is RUNNING: stop it first"));
	assert_int_equal(s->m[1].n_res, 2);
	assert_int_equal(s->m[1].local_digest, digest);
	assert_int_equal(res(s, 1, "db")->phase, PHASE_RUNNING);
	agree(s);

	request(s, 1, MSG_STOP, "db", 0);
	run(s);
	result(s, 2, "db", WIRE_OP_STOP, true, res(s, 1, "db")->epoch, NULL);
	run(s);
	assert_int_equal(rsm_reconfigure(&s->m[1], &without, why, sizeof(why)), 0);
	assert_int_equal(s->m[1].n_res, 1);
	assert_null(res(s, 1, "db"));
	assert_int_equal(res(s, 1, "web")->phase, PHASE_STOPPED);
	assert_true(s->m[1].local_digest != digest);
	rsm_free(&s->m[1]);      /* its resources point into WITHOUT */
	s->up[1] = false;
	config_free(&without);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_then_running),
		cmocka_unit_test(failover_prefers_the_migrations_end),
		cmocka_unit_test(merge_prefers_the_newest_quorate_table),
		cmocka_unit_test(merge_finds_entries_in_another_order),
		cmocka_unit_test(start_rejections),
		cmocka_unit_test(start_picks_first_eligible_member),
		cmocka_unit_test(stop_cycle),
		cmocka_unit_test(requests_are_held_during_sync),
		cmocka_unit_test(confchg_during_sync_drops_held_requests),
		cmocka_unit_test(different_config_is_ineligible),
		cmocka_unit_test(restart_everywhere_adopts_the_running_workload),
		cmocka_unit_test(newest_epoch_wins_the_merge),
		cmocka_unit_test(holder_without_ownership_releases),
		cmocka_unit_test(running_twice_keeps_the_owner),
		cmocka_unit_test(owner_loss),
		cmocka_unit_test(starting_owner_leaves),
		cmocka_unit_test(cleanup_probes_reality),
		cmocka_unit_test(state_from_a_non_member_is_ignored),
		cmocka_unit_test(migration_happy_path),
		cmocka_unit_test(migration_rejections),
		cmocka_unit_test(migration_target_not_ready),
		cmocka_unit_test(migration_abort_on_the_source),
		cmocka_unit_test(migration_hand_back),
		cmocka_unit_test(migration_target_leaves),
		cmocka_unit_test(standby_drains_a_node),
		cmocka_unit_test(standby_survives_a_sync),
		cmocka_unit_test(maintenance_blocks_restart_migrate_and_requests),
		cmocka_unit_test(node_maintenance_blocks_failover),
		cmocka_unit_test(leaving_maintenance_adopts_what_runs),
		cmocka_unit_test(maintenance_merges_by_generation),
		cmocka_unit_test(maintenance_holds_what_was_under_way),
		cmocka_unit_test(leaving_maintenance_waits_for_quorum),
		cmocka_unit_test(the_drain_is_the_same_after_a_restart),
		cmocka_unit_test(a_node_that_left_stays_in_standby),
		cmocka_unit_test(a_restarted_member_in_standby_stays_in_standby),
		cmocka_unit_test(standby_cleared_while_away_wins),
		cmocka_unit_test(history_survives_restarts),
		cmocka_unit_test(history_merge_keeps_the_newest),
		cmocka_unit_test(history_times_come_from_the_merged_table),
		cmocka_unit_test(failover_picks_by_preference_and_data),
		cmocka_unit_test(no_failover_without_quorum),
		cmocka_unit_test(migration_ends_leave_by_phase),
		cmocka_unit_test(failover_waits_for_a_fence_confirm_without_watchdog),
		cmocka_unit_test(failover_goes_ahead_when_the_lost_owner_is_back_empty_handed),
		cmocka_unit_test(a_confirmation_ends_when_the_node_is_back_holding_it),
		cmocka_unit_test(no_stop_while_a_watchdog_deadline_runs),
		cmocka_unit_test(a_failed_failover_keeps_its_lost_owners),
		cmocka_unit_test(lost_owners_survive_a_second_loss),
		cmocka_unit_test(short_fence_delay_is_ineligible),
		cmocka_unit_test(late_quorum_resyncs),
		cmocka_unit_test(prepared_names_the_dump),
		cmocka_unit_test(merge_takes_the_newest_kept_epoch),
		cmocka_unit_test(seed_refuses_a_dump_that_does_not_fit),
		cmocka_unit_test(silent_member_is_named_foreign),
		cmocka_unit_test(foreign_spares_a_member_that_announced_itself),
		cmocka_unit_test(forged_state_from_a_second_pid_is_dropped),
		cmocka_unit_test(forged_migrate_is_dropped),
		cmocka_unit_test(a_join_resets_who_is_foreign),
		cmocka_unit_test(a_joiner_agrees_without_a_lone_handoffd),
		cmocka_unit_test(a_partition_heal_resets_who_is_foreign),
		cmocka_unit_test(a_forged_hello_at_a_join_is_contested),
		cmocka_unit_test(a_settled_handoffd_is_not_contested),
		cmocka_unit_test(a_forger_racing_its_own_join_is_contested),
		cmocka_unit_test(a_contest_leaves_the_workload_alone),
		cmocka_unit_test(a_member_named_foreign_is_readmitted),
		cmocka_unit_test(a_failure_restarts_in_place),
		cmocka_unit_test(failures_past_max_restarts_leave_it_failed),
		cmocka_unit_test(the_fail_count_expires_after_failure_timeout),
		cmocka_unit_test(only_the_owners_report_of_this_epoch_counts),
		cmocka_unit_test(cleanup_resets_the_count_of_a_running_resource),
		cmocka_unit_test(a_joiner_learns_the_count_and_the_restart),
		cmocka_unit_test(restarts_spent_relocate_to_the_next_node),
		cmocka_unit_test(relocation_skips_a_node_without_uptodate_data),
		cmocka_unit_test(a_storage_failure_moves_it_away_live),
		cmocka_unit_test(a_storage_failure_of_a_dead_workload_moves_it_cold),
		cmocka_unit_test(relocations_spent_leave_it_failed),
		cmocka_unit_test(the_relocation_count_expires),
		cmocka_unit_test(no_relocation_target_leaves_it_failed),
		cmocka_unit_test(a_relocation_retargets_after_the_stop),
		cmocka_unit_test(dead_at_a_sync_is_counted),
		cmocka_unit_test(dead_at_a_sync_without_quorum_is_failed),
		cmocka_unit_test(a_joiner_learns_a_relocation),
		cmocka_unit_test(seeded_counts_survive_a_cold_start),
		cmocka_unit_test(a_joiner_keeps_the_standby_of_a_readmitted_node),
		cmocka_unit_test(a_foreign_never_names_a_known_handoffd),
		cmocka_unit_test(forged_foreign_names_change_nothing),
		cmocka_unit_test(a_foreign_flood_of_real_names_changes_nothing),
		cmocka_unit_test(many_cpg_handles_do_not_shut_out_a_handoffd),
		cmocka_unit_test(a_flood_during_a_sync_is_bounded),
		cmocka_unit_test(a_rolling_reload_adds_a_resource),
		cmocka_unit_test(a_reload_removes_only_a_stopped_resource),
	};
	return cmocka_run_group_tests_name("rsm", tests, NULL, NULL);
}
