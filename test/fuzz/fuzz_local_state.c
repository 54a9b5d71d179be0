/*
 * fuzz_local_state - libFuzzer harness for STATE_DIR/local-state
 * (plugin/local_state.c): input from disk that seeds the table at start.
 * An accepted file names each resource once, by a non-empty name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/local_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct local_entry *v = NULL;
	char *text = malloc(size + 1), why[256];
	size_t n = 0;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';    /* the reader refuses a file with a NUL in it */
	if (local_state_parse(text, &v, &n, why, sizeof(why)) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (v[i].name[0] == '\0')
				abort();
			for (size_t k = 0; k < i; k++)
				if (!strcmp(v[i].name, v[k].name))
					abort();
		}
		free(v);
	}
	free(text);
	return 0;
}
