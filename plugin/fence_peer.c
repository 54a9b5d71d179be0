/*
 * fence_peer.c - the answer behind handoff-fence-peer, DRBD's fence-peer
 * handler: is the peer fenced?
 *
 * Yes only when this node is quorate, the peer is outside corosync's
 * quorate membership (not merely without handoffd: its corosync, and so
 * its DRBD, could still be up), and the peer's self-fence deadline has
 * passed: self_fence_timeout since this node saw it leave.  The peer
 * detects its own loss of quorum no later than this node detects its
 * departure (the same token timeout), so by then it has stopped, unmounted
 * and demoted, or its watchdog has reset it.
 */
#include <errno.h>
#include <json-c/json.h>
#include <qb/qblog.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "handoffd.h"
#include "resource_manager.h"

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool in_quorum(const struct quorum_track *q, uint32_t nodeid)
{
	for (size_t i = 0; i < q->n_members; i++)
		if (q->members[i] == nodeid)
			return true;
	return false;
}

bool rm_in_quorum(struct resource_manager *rm, uint32_t nodeid)
{
	return rm->d->link.quorum.have_notification && in_quorum(&rm->d->link.quorum, nodeid);
}

void fence_watch_quorum(struct resource_manager *rm)
{
	const struct quorum_track *q = &rm->d->link.quorum;
	uint64_t now = now_ms();

	if (!q->have_notification)
		return;
	if (!rm->first_quorum_ms)
		rm->first_quorum_ms = now;
	/* who left since the last look starts their self-fence clock now */
	for (size_t i = 0; i < rm->n_quorum_seen; i++)
		if (!in_quorum(q, rm->quorum_seen[i]))
			for (size_t k = 0; k < RSM_MAX_NODES; k++)
				if (rm->left[k].nodeid == 0 || rm->left[k].nodeid == rm->quorum_seen[i]) {
					rm->left[k].nodeid = rm->quorum_seen[i];
					rm->left[k].at_ms = now;
					break;
				}
	for (size_t k = 0; k < RSM_MAX_NODES; k++)
		if (rm->left[k].nodeid && in_quorum(q, rm->left[k].nodeid))
			rm->left[k].nodeid = 0;
	rm->n_quorum_seen = q->n_members < RSM_MAX_NODES ? q->n_members : RSM_MAX_NODES;
	memcpy(rm->quorum_seen, q->members, rm->n_quorum_seen * sizeof(rm->quorum_seen[0]));
}

static json_object *answer(bool fenced, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_object *answer(bool fenced, uint32_t node, const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "node", json_object_new_int64(node));
	json_object_object_add(o, "fenced", json_object_new_boolean(fenced));
	json_object_object_add(o, "reason", json_object_new_string(why));
	return o;
}

const char *rm_peer_fence_state(struct resource_manager *rm, uint32_t node, uint64_t *left_ms)
{
	uint64_t left_at = rm->first_quorum_ms;

	*left_ms = 0;
	if (node == rm->d->link.local_nodeid)
		return self_fence_state_name(rm->fence.state);
	if (!rm->d->link.quorum.have_notification || in_quorum(&rm->d->link.quorum, node) ||
	    !quorum_gate_open(&rm->d->link.gate))
		return "";
	for (size_t k = 0; k < RSM_MAX_NODES; k++)
		if (rm->left[k].nodeid == node)
			left_at = rm->left[k].at_ms;
	if (!left_at)
		return "";
	*left_ms = now_ms() - left_at;
	return *left_ms < rm->d->cfg.self_fence_timeout_ms ? "fencing" : "fenced";
}

int rm_fence_peer(struct resource_manager *rm, json_object *args, json_object **result)
{
	const struct quorum_track *q = &rm->d->link.quorum;
	json_object *jnode = NULL;
	uint32_t node, timeout = rm->d->cfg.self_fence_timeout_ms;
	uint64_t left_at = rm->first_quorum_ms, gone;
	const char *name;
	char why[160];

	if (!json_object_object_get_ex(args, "node", &jnode)) {
		*result = json_object_new_object();
		json_object_object_add(*result, "error", json_object_new_string(
			"no peer named in the request"));
		return -EINVAL;
	}
	name = json_object_get_string(jnode);
	node = rm_node_id(rm, name);
	if (!node) {
		char msg[128];
		snprintf(msg, sizeof(msg), "unknown node '%s'", name);
		*result = json_object_new_object();
		json_object_object_add(*result, "error", json_object_new_string(msg));
		return -ENOENT;
	}
	if (node == rm->d->link.local_nodeid) {
		*result = answer(false, node, "node %u is this node", node);
		return 0;
	}
	if (!rm_gate_open(rm, why, sizeof(why))) {
		*result = answer(false, node, "this node is not quorate: %s", why);
		return 0;
	}
	if (in_quorum(q, node)) {
		*result = answer(false, node, "node %u is a member of the quorate membership", node);
		return 0;
	}
	/* seen leaving, or never a member since this handoffd started: then at
	 * the latest it left at the first quorum notification */
	for (size_t k = 0; k < RSM_MAX_NODES; k++)
		if (rm->left[k].nodeid == node)
			left_at = rm->left[k].at_ms;
	gone = left_at ? now_ms() - left_at : 0;
	if (gone < timeout)
		*result = answer(false, node, "node %u left %llu ms ago; its self-fence deadline "
				 "passes in %llu ms", node, (unsigned long long)gone,
				 (unsigned long long)(timeout - gone));
	else
		*result = answer(true, node, "node %u left the quorate membership %llu ms ago, "
				 "more than self_fence_timeout (%u ms)", node,
				 (unsigned long long)gone, timeout);
	return 0;
}
