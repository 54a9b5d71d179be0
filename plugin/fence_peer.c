/*
 * fence_peer.c - the answer behind handoff-fence-peer, DRBD's fence-peer
 * handler: is the peer fenced?
 *
 * Yes only when this node is quorate (and not only thanks to two_node:
 * in a split both halves are), the peer is outside corosync's quorate
 * membership (not merely without handoffd: its corosync, and so its DRBD,
 * could still be up), and either an operator confirmed it down
 * (FENCE_CONFIRM) or it has an armed watchdog and its deadline has passed:
 * its self_fence_timeout plus its watchdog's timeout (both from its STATE)
 * since this node saw it leave.  The peer detects its own loss of quorum
 * no later than this node detects its departure (the same token timeout),
 * so by then it has stopped, unmounted and demoted, or its watchdog has
 * reset it.  Without a watchdog no timer makes it fenced: a stop can hang
 * (S1).
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

/*
 * How far NODE (not this node) is from fenced, as far as this node can
 * tell.  *GONE_MS: since it left the quorate membership.
 */
enum peer_fence { PEER_HERE, PEER_FENCING, PEER_FENCED, PEER_CONFIRMED, PEER_NO_WATCHDOG };

static enum peer_fence peer_fence(struct resource_manager *rm, uint32_t node, uint64_t *gone_ms,
				  uint32_t *deadline_ms)
{
	const struct rsm_node *n = rsm_node(&rm->rsm, node);
	uint64_t left_at = rm->first_quorum_ms;

	*gone_ms = 0;
	*deadline_ms = 0;
	if (!rm->d->link.quorum.have_notification || in_quorum(&rm->d->link.quorum, node))
		return PEER_HERE;
	/* seen leaving, or never a member since this handoffd started: then at
	 * the latest it left at the first quorum notification */
	for (size_t k = 0; k < RSM_MAX_NODES; k++)
		if (rm->left[k].nodeid == node)
			left_at = rm->left[k].at_ms;
	*gone_ms = left_at ? now_ms() - left_at : 0;
	if (n && n->fence_confirmed)
		return PEER_CONFIRMED;
	/* without a watchdog no timer makes it fenced: its stop may hang */
	if (!n || !n->timing_seen || !n->timing.watchdog_ms)
		return PEER_NO_WATCHDOG;
	/* both at most WIRE_TIMING_MAX_MS (wire.c refuses more): no wrap */
	*deadline_ms = n->timing.self_fence_timeout_ms + n->timing.watchdog_ms;
	return left_at && *gone_ms >= *deadline_ms ? PEER_FENCED : PEER_FENCING;
}

const char *rm_peer_fence_state(struct resource_manager *rm, uint32_t node, uint64_t *left_ms)
{
	uint32_t deadline;

	*left_ms = 0;
	if (node == rm->d->link.local_nodeid)
		return self_fence_state_name(rm->fence.state);
	if (!quorum_gate_open(&rm->d->link.gate))
		return "";
	switch (peer_fence(rm, node, left_ms, &deadline)) {
	case PEER_FENCING: return "fencing";
	case PEER_FENCED: case PEER_CONFIRMED: return "fenced";
	case PEER_NO_WATCHDOG: return "unknown";
	default: return "";
	}
}

int rm_fence_peer(struct resource_manager *rm, json_object *args, json_object **result)
{
	json_object *jnode = NULL;
	uint32_t node, deadline;
	uint64_t gone;
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
	/* both halves of a split two_node cluster stay quorate and neither
	 * fences itself: the peer may well be Primary (S1) */
	if (rm_two_node_split(rm)) {
		*result = answer(false, node, "this node is quorate only thanks to two_node "
				 "(no quorum device): node %u may be quorate too and does not "
				 "fence itself", node);
		return 0;
	}
	switch (peer_fence(rm, node, &gone, &deadline)) {
	case PEER_HERE:
		*result = answer(false, node, "node %u is a member of the quorate membership", node);
		break;
	case PEER_CONFIRMED:
		*result = answer(true, node, "node %u left the quorate membership %llu ms ago and an "
				 "operator confirmed it down (handoffctl fence-confirm)", node,
				 (unsigned long long)gone);
		break;
	case PEER_NO_WATCHDOG:
		*result = answer(false, node, "node %u left %llu ms ago and has no watchdog: no timer "
				 "makes it fenced; waiting for it to come back or for handoffctl "
				 "fence-confirm %u", node, (unsigned long long)gone, node);
		break;
	case PEER_FENCING:
		*result = answer(false, node, "node %u left %llu ms ago; its self-fence deadline "
				 "passes in %llu ms", node, (unsigned long long)gone,
				 (unsigned long long)(deadline - gone));
		break;
	case PEER_FENCED:
		*result = answer(true, node, "node %u left the quorate membership %llu ms ago, more "
				 "than its self_fence_timeout plus its watchdog's timeout (%u ms)", node,
				 (unsigned long long)gone, deadline);
		break;
	}
	return 0;
}
