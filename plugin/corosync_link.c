#include "corosync_link.h"

#include <qb/qblog.h>
#include <stdio.h>
#include <string.h>

static void try_connect(void *data);

static void note_gate(struct corosync_link *l)
{
	enum gate_verdict v = quorum_gate_check(&l->gate);

	if (v == l->last_verdict)
		return;
	if (l->listener && l->listener->gate)
		l->listener->gate(l->listener_ctx, v);
	if (v == GATE_OPEN)
		qb_log(LOG_NOTICE, "quorum gate open: quorate in ring %x.%llx",
		       l->gate.cpg_ring.nodeid, (unsigned long long)l->gate.cpg_ring.seq);
	else
		qb_log(l->last_verdict == GATE_OPEN ? LOG_WARNING : LOG_INFO,
		       "quorum gate closed: %s", gate_verdict_str(v));
	l->last_verdict = v;
}

static void close_all(struct corosync_link *l)
{
	cpg_session_close(&l->cpg, l->connected);
	quorum_track_close(&l->quorum);
	if (l->cmap_open) {
		cmap_finalize(l->cmap);
		l->cmap_open = false;
	}
	l->connected = false;
	quorum_gate_disconnected(&l->gate);
	note_gate(l);
}

static void schedule_retry(struct corosync_link *l)
{
	if (l->retry_pending)
		return;
	if (reconnect_exhausted(l->failed_attempts, l->cfg->reconnect_limit)) {
		qb_log(LOG_CRIT, "giving up on corosync after %u attempts (reconnect_limit): %s",
		       l->failed_attempts, l->last_error);
		if (l->gave_up)
			l->gave_up(l->ctx);
		return;
	}
	l->retry_pending = true;
	qb_loop_timer_add(l->loop, QB_LOOP_MED,
			  (uint64_t)l->cfg->reconnect_interval_ms * QB_TIME_NS_IN_MSEC,
			  l, try_connect, &l->retry_timer);
}

/* Any handle failing means corosync went away: start over with all four. */
static void on_lost(void *ctx)
{
	struct corosync_link *l = ctx;

	if (!l->connected)
		return;
	qb_log(LOG_ERR, "lost the connection to corosync; reconnecting every %u ms%s",
	       l->cfg->reconnect_interval_ms,
	       l->cfg->reconnect_limit ? "" : " (no limit)");
	snprintf(l->last_error, sizeof(l->last_error), "connection lost");
	l->connected = false;   /* nothing to leave: the group is gone */
	close_all(l);
	if (l->listener && l->listener->disconnected)
		l->listener->disconnected(l->listener_ctx);
	l->failed_attempts = 0;
	schedule_retry(l);
}

static void on_confchg(void *ctx, const struct cpg_member *members, size_t n,
		       const struct cpg_member *joined, size_t n_joined,
		       const struct cpg_member *left, size_t n_left)
{
	struct corosync_link *l = ctx;

	(void)members;
	for (size_t i = 0; i < n_joined; i++)
		qb_log(LOG_NOTICE, "cpg: node %u (%s) pid %u joined group %s",
		       joined[i].nodeid, node_names_get(&l->names, joined[i].nodeid),
		       joined[i].pid, l->cfg->cpg_group);
	for (size_t i = 0; i < n_left; i++)
		qb_log(LOG_NOTICE, "cpg: node %u (%s) pid %u left group %s",
		       left[i].nodeid, node_names_get(&l->names, left[i].nodeid),
		       left[i].pid, l->cfg->cpg_group);
	qb_log(LOG_INFO, "cpg: group %s has %zu members", l->cfg->cpg_group, n);
	if (l->listener && l->listener->confchg)
		l->listener->confchg(l->listener_ctx, members, n);
}

static void on_totem(void *ctx, struct ring_id ring, const uint32_t *nodes, size_t n)
{
	struct corosync_link *l = ctx;

	(void)nodes;
	qb_log(LOG_INFO, "cpg: totem ring %x.%llx with %zu nodes",
	       ring.nodeid, (unsigned long long)ring.seq, n);
	quorum_gate_cpg_ring(&l->gate, ring);
	note_gate(l);
}

static void on_deliver(void *ctx, uint32_t nodeid, uint32_t pid,
		       const void *msg, size_t len)
{
	struct corosync_link *l = ctx;

	if (l->listener && l->listener->deliver)
		l->listener->deliver(l->listener_ctx, nodeid, pid, msg, len);
}

static void on_quorum(void *ctx, bool quorate, struct ring_id ring,
		      const uint32_t *members, size_t n)
{
	struct corosync_link *l = ctx;

	(void)members;
	qb_log(LOG_NOTICE, "quorum: %s in ring %x.%llx with %zu nodes",
	       quorate ? "quorate" : "NOT quorate", ring.nodeid,
	       (unsigned long long)ring.seq, n);
	quorum_gate_quorum(&l->gate, quorate, ring);
	note_gate(l);
}

static const struct cpg_session_callbacks cpg_cb = {
	.confchg = on_confchg,
	.totem = on_totem,
	.deliver = on_deliver,
	.lost = on_lost,
};

static const struct quorum_track_callbacks quorum_cb = {
	.quorum = on_quorum,
	.lost = on_lost,
};

/*
 * The timing assumption of failover (S1, S2): a node that lost quorum has
 * fenced itself before a new owner promotes.  The quorate side notices the
 * loss after corosync's token and consensus timeouts and then waits
 * fence_delay; the lost node needs at most self_fence_timeout after its
 * own (earlier or equal) notice, and when that fails its watchdog resets
 * it within the watchdog's own timeout.  fence_delay must cover all of it.
 */
static bool fence_delay_ok(struct corosync_link *l)
{
	uint32_t token = 0, consensus = 0;
	char why[400];

	if (cmap_get_uint32(l->cmap, "runtime.config.totem.token", &token) != CS_OK ||
	    cmap_get_uint32(l->cmap, "runtime.config.totem.consensus", &consensus) != CS_OK)
		return true;   /* an older corosync: the check at start alone applies */
	l->token_ms = token;
	l->consensus_ms = consensus;
	if (config_check_fence_delay(l->cfg, l->watchdog_timeout_ms, token, consensus, why,
				     sizeof(why)) == 0)
		return true;
	qb_log(LOG_CRIT, "%s: %s: refusing to run", l->cfg->path, why);
	return false;
}

static void try_connect(void *data)
{
	struct corosync_link *l = data;
	const char *step;
	cs_error_t rc;

	l->retry_pending = false;
	step = "cmap";
	if ((rc = cmap_initialize(&l->cmap)) != CS_OK)
		goto fail;
	l->cmap_open = true;
	if ((rc = node_names_load(l->cmap, &l->names)) != CS_OK)
		goto fail;
	if (!fence_delay_ok(l)) {
		snprintf(l->last_error, sizeof(l->last_error), "fence_delay too short for corosync's timeouts");
		cmap_finalize(l->cmap);
		l->cmap_open = false;
		if (l->gave_up)
			l->gave_up(l->ctx);
		return;
	}
	step = "quorum";
	if ((rc = quorum_track_open(&l->quorum, l->loop, &quorum_cb, l)) != CS_OK)
		goto fail;
	step = "cpg";
	if ((rc = cpg_session_open(&l->cpg, l->loop, l->cfg->cpg_group, &cpg_cb, l)) != CS_OK)
		goto fail;

	l->local_nodeid = l->cpg.local_nodeid;
	l->connected = true;
	quorum_gate_connected(&l->gate);
	qb_log(LOG_NOTICE, "connected to corosync as node %u (%s), joined CPG group %s%s",
	       l->local_nodeid, node_names_get(&l->names, l->local_nodeid),
	       l->cfg->cpg_group,
	       l->failed_attempts ? " after retrying" : "");
	l->failed_attempts = 0;
	l->last_error[0] = '\0';
	if (l->listener && l->listener->connected)
		l->listener->connected(l->listener_ctx);
	note_gate(l);
	return;
fail:
	snprintf(l->last_error, sizeof(l->last_error), "%s: %s", step, cs_strerror(rc));
	close_all(l);
	l->failed_attempts++;
	/* the first failure is worth a warning, the rest only at debug level,
	 * so a long outage does not flood the log */
	if (l->cfg->reconnect_limit)
		qb_log(l->failed_attempts == 1 ? LOG_WARNING : LOG_DEBUG,
		       "cannot connect to corosync (%s), attempt %u of %u",
		       l->last_error, l->failed_attempts, l->cfg->reconnect_limit);
	else
		qb_log(l->failed_attempts == 1 ? LOG_WARNING : LOG_DEBUG,
		       "cannot connect to corosync (%s), attempt %u, no limit",
		       l->last_error, l->failed_attempts);
	schedule_retry(l);
}

void corosync_link_start(struct corosync_link *l, qb_loop_t *loop,
			 const struct handoff_config *cfg, uint32_t watchdog_timeout_ms,
			 void (*gave_up)(void *ctx), void *ctx)
{
	const struct link_listener *li = l->listener;
	void *li_ctx = l->listener_ctx;

	memset(l, 0, sizeof(*l));
	l->listener = li;               /* set before start, kept */
	l->listener_ctx = li_ctx;
	l->loop = loop;
	l->cfg = cfg;
	l->watchdog_timeout_ms = watchdog_timeout_ms;
	l->gave_up = gave_up;
	l->ctx = ctx;
	l->cpg.fd = -1;
	quorum_gate_init(&l->gate);
	l->last_verdict = quorum_gate_check(&l->gate);
	try_connect(l);
}

void corosync_link_stop(struct corosync_link *l)
{
	if (l->retry_pending) {
		qb_loop_timer_del(l->loop, l->retry_timer);
		l->retry_pending = false;
	}
	close_all(l);
}

void corosync_link_listen(struct corosync_link *l, const struct link_listener *li, void *ctx)
{
	l->listener = li;
	l->listener_ctx = ctx;
}
