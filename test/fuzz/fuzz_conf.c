/*
 * fuzz_conf - libFuzzer harness for handoff.conf(5): the [cluster] keys
 * and the [resource NAME] sections (plugin/handoff_conf.c,
 * plugin/resource_conf.c), read from a buffer as from the file, then what
 * handoffd computes from a loaded config (the digest, the timing checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/handoff_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct handoff_config *cfg = malloc(sizeof(*cfg));
	char *text = malloc(size + 1);
	char errbuf[1024] = "", why[512];
	struct config_errors err = { .buf = errbuf, .len = sizeof(errbuf) };

	if (!cfg || !text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';    /* the file's text ends at a NUL as fgets() reads it */
	config_defaults(cfg);
	if (config_load_string(cfg, "fuzz.conf", text, &err) == 0) {
		(void)config_digest(cfg);
		(void)config_check_stop_path(cfg, why, sizeof(why));
		(void)config_check_fence_delay(cfg, cfg->watchdog_timeout_ms, UINT32_MAX,
					       UINT32_MAX, why, sizeof(why));
		for (size_t i = 0; i < cfg->n_resources; i++)
			if (config_resource(cfg, cfg->resources[i].name) != &cfg->resources[i])
				abort();   /* a name given twice makes one section */
	} else if (err.count == 0 || errbuf[0] == '\0') {
		abort();               /* a refusal names at least one problem */
	}
	config_free(cfg);
	free(cfg);
	free(text);
	return 0;
}
