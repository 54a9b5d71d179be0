#include "quorum_gate.h"

#include <stdio.h>
#include <string.h>

void quorum_gate_init(struct quorum_gate *g)
{
	memset(g, 0, sizeof(*g));
}

void quorum_gate_connected(struct quorum_gate *g)
{
	quorum_gate_init(g);
	g->corosync_up = true;
}

void quorum_gate_disconnected(struct quorum_gate *g)
{
	quorum_gate_init(g);
}

void quorum_gate_quorum(struct quorum_gate *g, bool quorate, struct ring_id ring)
{
	g->have_quorum = true;
	g->quorate = quorate;
	g->quorum_ring = ring;
}

void quorum_gate_cpg_ring(struct quorum_gate *g, struct ring_id ring)
{
	g->have_cpg_ring = true;
	g->cpg_ring = ring;
}

bool ring_id_equal(struct ring_id a, struct ring_id b)
{
	return a.nodeid == b.nodeid && a.seq == b.seq;
}

enum gate_verdict quorum_gate_check(const struct quorum_gate *g)
{
	if (!g->corosync_up)
		return GATE_NO_COROSYNC;
	if (!g->have_quorum)
		return GATE_NO_QUORUM_YET;
	if (!g->quorate)
		return GATE_NOT_QUORATE;
	if (!g->have_cpg_ring)
		return GATE_NO_RING_YET;
	if (!ring_id_equal(g->quorum_ring, g->cpg_ring))
		return GATE_RING_MISMATCH;
	return GATE_OPEN;
}

const char *gate_verdict_str(enum gate_verdict v)
{
	switch (v) {
	case GATE_OPEN:          return "open";
	case GATE_NO_COROSYNC:   return "no connection to corosync";
	case GATE_NO_QUORUM_YET: return "no quorum notification yet";
	case GATE_NO_RING_YET:   return "no CPG ring yet";
	case GATE_NOT_QUORATE:   return "not quorate";
	case GATE_RING_MISMATCH: return "quorum and CPG ring ids differ";
	}
	return "unknown";
}

void ring_id_format(struct ring_id r, char *buf, unsigned len)
{
	snprintf(buf, len, "%x.%llx", r.nodeid, (unsigned long long)r.seq);
}

bool quorum_gate_settled(const struct quorum_gate *g)
{
	return g->corosync_up && g->have_quorum && g->have_cpg_ring &&
	       ring_id_equal(g->quorum_ring, g->cpg_ring);
}
