/*
 * fuzz_wire - libFuzzer harness for wire_decode: every CPG message is
 * hostile input (any local CPG client may multicast into the group).
 *
 * Besides the sanitizers' findings, it checks one property: a message that
 * decodes encodes back to the very same bytes (decoding is strict: no
 * trailing bytes, exact lengths), so nothing is accepted that the encoder
 * would not have written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpg/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg msg;
	char why[256];
	uint32_t sender = 1;
	uint8_t *again = NULL;
	size_t n;

	/* the header's own nodeid as the sender, so that the body is reached */
	if (size >= 12)
		sender = (uint32_t)data[8] | (uint32_t)data[9] << 8 |
			 (uint32_t)data[10] << 16 | (uint32_t)data[11] << 24;
	if (wire_decode(data, size, sender, &msg, why, sizeof(why)) < 0) {
		if (strlen(why) >= sizeof(why) - 1 || why[0] == '\0')
			abort();        /* every refusal says why, in a line */
		return 0;
	}
	(void)wire_type_name(msg.hdr.type);
	if (msg.hdr.type == MSG_STATE)
		for (size_t i = 0; i < msg.u.state.n_entries; i++)
			(void)phase_name(msg.u.state.entries[i].phase);
	n = wire_encode(&msg, msg.hdr.version, &again);
	if (n != size || memcmp(again, data, size)) {
		fprintf(stderr, "fuzz_wire: a decoded %s of %zu bytes encodes to %zu other bytes\n",
			wire_type_name(msg.hdr.type), size, n);
		abort();
	}
	free(again);
	wire_free(&msg);
	return 0;
}
