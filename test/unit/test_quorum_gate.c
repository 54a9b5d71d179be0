/* The quorum gate (S4): open only when quorate for the CPG's own ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "quorum/quorum_gate.h"

static const struct ring_id R1 = { .nodeid = 1, .seq = 8 };
static const struct ring_id R2 = { .nodeid = 1, .seq = 12 };
static const struct ring_id R2_OTHER_REP = { .nodeid = 2, .seq = 12 };

static void closed_before_connect(void **state)
{
	struct quorum_gate g;
	(void)state;
	quorum_gate_init(&g);
	assert_int_equal(quorum_gate_check(&g), GATE_NO_COROSYNC);
	quorum_gate_quorum(&g, true, R1);
	quorum_gate_cpg_ring(&g, R1);
	/* facts without a connection never open it */
	assert_int_equal(quorum_gate_check(&g), GATE_NO_COROSYNC);
}

static void needs_both_notifications(void **state)
{
	struct quorum_gate g;
	(void)state;
	quorum_gate_init(&g);
	quorum_gate_connected(&g);
	assert_int_equal(quorum_gate_check(&g), GATE_NO_QUORUM_YET);
	quorum_gate_quorum(&g, true, R1);
	assert_int_equal(quorum_gate_check(&g), GATE_NO_RING_YET);
	quorum_gate_cpg_ring(&g, R1);
	assert_int_equal(quorum_gate_check(&g), GATE_OPEN);
	assert_true(quorum_gate_open(&g));
}

static void cpg_first_then_quorum(void **state)
{
	struct quorum_gate g;
	(void)state;
	quorum_gate_init(&g);
	quorum_gate_connected(&g);
	quorum_gate_cpg_ring(&g, R1);
	assert_int_equal(quorum_gate_check(&g), GATE_NO_QUORUM_YET);
	quorum_gate_quorum(&g, true, R1);
	assert_int_equal(quorum_gate_check(&g), GATE_OPEN);
}

static void not_quorate_closes(void **state)
{
	struct quorum_gate g;
	(void)state;
	quorum_gate_init(&g);
	quorum_gate_connected(&g);
	quorum_gate_quorum(&g, true, R1);
	quorum_gate_cpg_ring(&g, R1);
	quorum_gate_quorum(&g, false, R1);
	assert_int_equal(quorum_gate_check(&g), GATE_NOT_QUORATE);
}

static void ring_change_closes_until_both_agree(void **state)
{
	struct quorum_gate g;
	(void)state;
	quorum_gate_init(&g);
	quorum_gate_connected(&g);
	quorum_gate_quorum(&g, true, R1);
	quorum_gate_cpg_ring(&g, R1);
	/* the CPG saw the new ring first: quorum still speaks of the old one */
	quorum_gate_cpg_ring(&g, R2);
	assert_int_equal(quorum_gate_check(&g), GATE_RING_MISMATCH);
	quorum_gate_quorum(&g, true, R2);
	assert_int_equal(quorum_gate_check(&g), GATE_OPEN);
	/* the ring's representative is part of its identity */
	quorum_gate_quorum(&g, true, R2_OTHER_REP);
	assert_int_equal(quorum_gate_check(&g), GATE_RING_MISMATCH);
}

static void disconnect_forgets(void **state)
{
	struct quorum_gate g;
	(void)state;
	quorum_gate_init(&g);
	quorum_gate_connected(&g);
	quorum_gate_quorum(&g, true, R1);
	quorum_gate_cpg_ring(&g, R1);
	quorum_gate_disconnected(&g);
	assert_int_equal(quorum_gate_check(&g), GATE_NO_COROSYNC);
	/* after reconnecting, the old facts are gone too */
	quorum_gate_connected(&g);
	assert_int_equal(quorum_gate_check(&g), GATE_NO_QUORUM_YET);
}

static void verdicts_have_text(void **state)
{
	(void)state;
	assert_string_equal(gate_verdict_str(GATE_OPEN), "open");
	assert_string_equal(gate_verdict_str(GATE_NOT_QUORATE), "not quorate");
	assert_string_equal(gate_verdict_str((enum gate_verdict)99), "unknown");
}

static void ring_format_like_quorumtool(void **state)
{
	char buf[48];
	struct ring_id r = { .nodeid = 1, .seq = 0x2c };
	(void)state;
	ring_id_format(r, buf, sizeof(buf));
	assert_string_equal(buf, "1.2c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_before_connect),
		cmocka_unit_test(needs_both_notifications),
		cmocka_unit_test(cpg_first_then_quorum),
		cmocka_unit_test(not_quorate_closes),
		cmocka_unit_test(ring_change_closes_until_both_agree),
		cmocka_unit_test(disconnect_forgets),
		cmocka_unit_test(verdicts_have_text),
		cmocka_unit_test(ring_format_like_quorumtool),
	};
	return cmocka_run_group_tests_name("quorum_gate", tests, NULL, NULL);
}
