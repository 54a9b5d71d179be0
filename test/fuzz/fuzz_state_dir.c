/*
 * fuzz_state_dir - libFuzzer harness for the files handoffd reads back
 * from its state_dir at start, input from disk that decides what it
 * does: the first byte picks the parser, the rest is the file.
 *
 *   even: local-state (plugin/local_state.c), which seeds the table; an
 *         accepted file names each resource once, by a non-empty name, and
 *         holds only standby records and history entries within range
 *   odd:  the self-fence marker (plugin/self_fence_marker.c), which says
 *         how much of a self-fence's deadline is left; a marker that
 *         parses formats to text that parses to the same marker
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/local_state.h"
#include "plugin/self_fence_marker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void local_state(const uint8_t *data, size_t size)
{
	struct local_state st;
	char *text = malloc(size + 1), why[256];

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';    /* the reader refuses a file with a NUL in it */
	if (local_state_parse(text, &st, why, sizeof(why)) == 0) {
		for (size_t i = 0; i < st.n_res; i++) {
			if (st.res[i].name[0] == '\0')
				abort();
			for (size_t k = 0; k < i; k++)
				if (!strcmp(st.res[i].name, st.res[k].name))
					abort();
		}
		for (size_t i = 0; i < st.n_nodes; i++)
			if (st.nodes[i].nodeid == 0 || st.nodes[i].standby > 1 ||
			    st.nodes[i].standby_gen == 0)
				abort();
		if (st.n_nodes > RSM_MAX_NODES || st.n_hist > RSM_HISTORY)
			abort();
		for (size_t i = 0; i < st.n_hist; i++)
			if (st.hist[i].seq == 0 || st.hist[i].kind == 0 || st.hist[i].kind >= HIST__MAX ||
			    strlen(st.hist[i].resource) > WIRE_NAME_MAX)
				abort();
		local_state_free(&st);
	}
	free(text);
}

static void marker(const uint8_t *data, size_t size)
{
	struct sf_marker m, again;
	char text[SF_MARKER_MAX + 1];
	bool fresh;
	int len;

	if (sf_marker_parse((const char *)data, size, &m) < 0) {
		(void)sf_marker_remaining_ms(NULL, NULL, 0, 30000, &fresh);
		return;
	}
	len = sf_marker_format(&m, text, sizeof(text));
	if (len < 0 || sf_marker_parse(text, (size_t)len, &again) < 0 ||
	    strcmp(m.boot_id, again.boot_id) || m.began_ms != again.began_ms)
		abort();
	(void)sf_marker_remaining_ms(&m, m.boot_id, m.began_ms, 30000, &fresh);
	(void)sf_marker_remaining_ms(&m, m.boot_id, 0, UINT32_MAX, &fresh);
	(void)sf_marker_remaining_ms(&m, m.boot_id, UINT64_MAX, 1, &fresh);
	(void)sf_marker_remaining_ms(&m, "00000000-0000-0000-0000-000000000000", 0, 1, &fresh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		marker(data + 1, size - 1);
	else
		local_state(data + 1, size - 1);
	return 0;
}
