#include "ctl_commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff/ipc.h"

static json_object *error_doc(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static int not_connected(struct handoffd *d, json_object **result)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "handoffd is not connected to corosync (%s); it retries every %u ms",
		 d->link.last_error[0] ? d->link.last_error : "connecting",
		 d->cfg.reconnect_interval_ms);
	*result = error_doc(msg);
	return -ENOTCONN;
}

static int cmp_member(const void *a, const void *b)
{
	const struct cpg_member *x = a, *y = b;

	if (x->nodeid != y->nodeid)
		return x->nodeid < y->nodeid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static json_object *ring_doc(struct ring_id r)
{
	char buf[48];

	ring_id_format(r, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static int process_members(struct handoffd *d, json_object **result)
{
	struct corosync_link *l = &d->link;
	struct cpg_member sorted[CPG_SESSION_MAX_MEMBERS];
	json_object *o, *arr;
	size_t n;

	if (!l->connected)
		return not_connected(d, result);
	n = l->cpg.n_members;
	memcpy(sorted, l->cpg.members, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_member);

	o = json_object_new_object();
	json_object_object_add(o, "group", json_object_new_string(d->cfg.cpg_group));
	json_object_object_add(o, "local_nodeid", json_object_new_int64(l->local_nodeid));
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_new_object();
		json_object_object_add(m, "nodeid", json_object_new_int64(sorted[i].nodeid));
		json_object_object_add(m, "pid", json_object_new_int64(sorted[i].pid));
		json_object_object_add(m, "name", json_object_new_string(
			node_names_get(&l->names, sorted[i].nodeid)));
		json_object_object_add(m, "local", json_object_new_boolean(
			sorted[i].nodeid == l->local_nodeid && sorted[i].pid == (uint32_t)getpid()));
		/* who speaks for the node: its handoffd, or a foreign CPG
		 * process (silent past the bound), or not known yet */
		json_object_object_add(m, "role", json_object_new_string(
			rm_member_role(&d->rm, sorted[i].nodeid, sorted[i].pid)));
		/* its node is in maintenance: handoffd leaves what it runs alone */
		json_object_object_add(m, "maintenance", json_object_new_boolean(
			rm_node_in_maintenance(&d->rm, sorted[i].nodeid)));
		json_object_array_add(arr, m);
	}
	json_object_object_add(o, "members", arr);
	*result = o;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static json_object *flags_doc(uint32_t flags)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ VOTEQUORUM_INFO_TWONODE, "two_node" },
		{ VOTEQUORUM_INFO_WAIT_FOR_ALL, "wait_for_all" },
		{ VOTEQUORUM_INFO_LAST_MAN_STANDING, "last_man_standing" },
		{ VOTEQUORUM_INFO_AUTO_TIE_BREAKER, "auto_tie_breaker" },
		{ VOTEQUORUM_INFO_ALLOW_DOWNSCALE, "allow_downscale" },
		{ VOTEQUORUM_INFO_QDEVICE_REGISTERED, "qdevice" },
	};
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit)
			json_object_array_add(arr, json_object_new_string(names[i].name));
	return arr;
}

static int process_quorum(struct handoffd *d, json_object **result)
{
	struct corosync_link *l = &d->link;
	struct quorum_track *q = &l->quorum;
	struct quorum_votes votes;
	uint32_t members[QUORUM_TRACK_MAX_NODES];
	enum gate_verdict v;
	json_object *o, *arr, *gate;
	cs_error_t rc;

	if (!l->connected)
		return not_connected(d, result);
	if (!q->have_notification) {
		*result = error_doc("no quorum notification from corosync yet; try again");
		return -EAGAIN;
	}
	rc = quorum_track_votes(q, &votes);
	if (rc != CS_OK) {
		char msg[128];
		snprintf(msg, sizeof(msg), "votequorum_getinfo failed: %s", cs_strerror(rc));
		*result = error_doc(msg);
		return -EIO;
	}
	o = json_object_new_object();
	json_object_object_add(o, "local_nodeid", json_object_new_int64(l->local_nodeid));
	json_object_object_add(o, "quorate", json_object_new_boolean(q->quorate));
	json_object_object_add(o, "ring_id", ring_doc(q->ring));
	json_object_object_add(o, "expected_votes", json_object_new_int64(votes.expected_votes));
	json_object_object_add(o, "highest_expected", json_object_new_int64(votes.highest_expected));
	json_object_object_add(o, "total_votes", json_object_new_int64(votes.total_votes));
	json_object_object_add(o, "quorum", json_object_new_int64(votes.quorum));
	json_object_object_add(o, "node_votes", json_object_new_int64(votes.node_votes));
	json_object_object_add(o, "flags", flags_doc(votes.flags));

	memcpy(members, q->members, q->n_members * sizeof(members[0]));
	qsort(members, q->n_members, sizeof(members[0]), cmp_u32);
	arr = json_object_new_array();
	for (size_t i = 0; i < q->n_members; i++) {
		json_object *m = json_object_new_object();
		json_object_object_add(m, "nodeid", json_object_new_int64(members[i]));
		json_object_object_add(m, "name", json_object_new_string(
			node_names_get(&l->names, members[i])));
		json_object_array_add(arr, m);
	}
	json_object_object_add(o, "members", arr);

	v = quorum_gate_check(&l->gate);
	gate = json_object_new_object();
	json_object_object_add(gate, "open", json_object_new_boolean(v == GATE_OPEN));
	json_object_object_add(gate, "reason", json_object_new_string(gate_verdict_str(v)));
	if (l->gate.have_cpg_ring)
		json_object_object_add(gate, "cpg_ring_id", ring_doc(l->gate.cpg_ring));
	json_object_object_add(o, "gate", gate);
	*result = o;
	return 0;
}

int ctl_command_run(struct handoffd *d, qb_ipcs_connection_t *conn, int32_t cmd,
		    json_object *args, json_object **result)
{
	switch (cmd) {
	case HANDOFF_CMD_STATUS:
		return d->link.connected ? rm_status(&d->rm, result) : not_connected(d, result);
	case HANDOFF_CMD_START:
	case HANDOFF_CMD_STOP:
	case HANDOFF_CMD_CLEANUP:
	case HANDOFF_CMD_MIGRATE:
		if (!d->link.connected)
			return not_connected(d, result);
		return rm_request(&d->rm, conn, cmd, args, result);
	case HANDOFF_CMD_PROBE:
		return rm_probe(&d->rm, conn, args, result);
	case HANDOFF_CMD_STANDBY:
		return d->link.connected ? rm_standby(&d->rm, conn, args, result) : not_connected(d, result);
	case HANDOFF_CMD_FENCE_PEER:
		return d->link.connected ? rm_fence_peer(&d->rm, args, result) : not_connected(d, result);
	case HANDOFF_CMD_FENCE_CONFIRM:
		return d->link.connected ? rm_fence_confirm(&d->rm, conn, args, result) :
					   not_connected(d, result);
	case HANDOFF_CMD_HISTORY:
		return d->link.connected ? rm_history(&d->rm, args, result) : not_connected(d, result);
	case HANDOFF_CMD_MAINTENANCE:
		return d->link.connected ? rm_maintenance(&d->rm, conn, args, result) :
					   not_connected(d, result);
	case HANDOFF_CMD_RELOAD:
		/* without corosync too: the table is then re-made at connect */
		return rm_reload(&d->rm, conn, result);
	case HANDOFF_CMD_MEMBERS:
		return process_members(d, result);
	case HANDOFF_CMD_QUORUM:
		return process_quorum(d, result);
	default: {
		char msg[64];
		snprintf(msg, sizeof(msg), "unknown command %d", (int)cmd);
		*result = error_doc(msg);
		return -EOPNOTSUPP;
	}
	}
}
