/*
 * quorum_gate.h - the one place that answers "may this node act?" (S4).
 *
 * Quorum and CPG membership come from two different corosync services and
 * their notifications arrive in either order.  A node may promote, mount,
 * start or restore only when the latest quorum notification says quorate
 * *for the same ring* as the latest CPG totem confchg: then the quorum
 * verdict and the membership that the replicated state was computed from
 * describe the same configuration.  Between the two notifications of a ring
 * change the gate is closed.
 *
 * Pure state, no I/O, so every transition is unit-tested.
 */
#ifndef HANDOFF_QUORUM_GATE_H
#define HANDOFF_QUORUM_GATE_H

#include <stdbool.h>
#include <stdint.h>

struct ring_id {
	uint32_t nodeid;
	uint64_t seq;
};

struct quorum_gate {
	bool corosync_up;
	bool have_quorum;          /* a quorum notification arrived */
	bool quorate;
	struct ring_id quorum_ring;
	bool have_cpg_ring;        /* a CPG totem confchg arrived */
	struct ring_id cpg_ring;
};

enum gate_verdict {
	GATE_OPEN = 0,
	GATE_NO_COROSYNC,          /* not connected to corosync */
	GATE_NO_QUORUM_YET,        /* connected, no quorum notification yet */
	GATE_NO_RING_YET,          /* connected, no CPG totem confchg yet */
	GATE_NOT_QUORATE,
	GATE_RING_MISMATCH,        /* quorum and CPG describe different rings */
};

void quorum_gate_init(struct quorum_gate *g);
void quorum_gate_connected(struct quorum_gate *g);
/* Forget everything: after a disconnect nothing old may open the gate. */
void quorum_gate_disconnected(struct quorum_gate *g);
void quorum_gate_quorum(struct quorum_gate *g, bool quorate, struct ring_id ring);
void quorum_gate_cpg_ring(struct quorum_gate *g, struct ring_id ring);

enum gate_verdict quorum_gate_check(const struct quorum_gate *g);
static inline bool quorum_gate_open(const struct quorum_gate *g)
{
	return quorum_gate_check(g) == GATE_OPEN;
}
const char *gate_verdict_str(enum gate_verdict v);
/* Does the latest quorum notification describe the latest CPG ring (so
 * that quorate or not is known for this membership)? */
bool quorum_gate_settled(const struct quorum_gate *g);

bool ring_id_equal(struct ring_id a, struct ring_id b);
/* corosync-quorumtool's spelling: "<nodeid hex>.<seq hex>". */
void ring_id_format(struct ring_id r, char *buf, unsigned len);

#endif
