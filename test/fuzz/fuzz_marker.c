/*
 * fuzz_marker - libFuzzer harness for STATE_DIR/self-fence
 * (plugin/self_fence_marker.c): a marker read back from disk decides how
 * much of a self-fence's deadline is left.  A marker that parses must
 * format to text that parses to the same marker.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/self_fence_marker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_marker m, again;
	char text[SF_MARKER_MAX + 1];
	bool fresh;
	int len;

	if (sf_marker_parse((const char *)data, size, &m) < 0) {
		(void)sf_marker_remaining_ms(NULL, NULL, 0, 30000, &fresh);
		return 0;
	}
	len = sf_marker_format(&m, text, sizeof(text));
	if (len < 0 || sf_marker_parse(text, (size_t)len, &again) < 0 ||
	    strcmp(m.boot_id, again.boot_id) || m.began_ms != again.began_ms)
		abort();
	(void)sf_marker_remaining_ms(&m, m.boot_id, m.began_ms, 30000, &fresh);
	(void)sf_marker_remaining_ms(&m, m.boot_id, 0, UINT32_MAX, &fresh);
	(void)sf_marker_remaining_ms(&m, m.boot_id, UINT64_MAX, 1, &fresh);
	(void)sf_marker_remaining_ms(&m, "00000000-0000-0000-0000-000000000000", 0, 1, &fresh);
	return 0;
}
