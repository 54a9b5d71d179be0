#include "node_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void read_name(cmap_handle_t cmap, const char *prefix, struct node_name *out)
{
	static const char *keys[] = { "name", "ring0_addr" };
	char key[CMAP_KEYNAME_MAXLEN + 32];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *value = NULL;
		int n = snprintf(key, sizeof(key), "%s.%s", prefix, keys[i]);
		if (n < 0 || n > CMAP_KEYNAME_MAXLEN)
			continue;
		if (cmap_get_string(cmap, key, &value) == CS_OK && value) {
			snprintf(out->name, sizeof(out->name), "%s", value);
			free(value);
			return;
		}
	}
}

cs_error_t node_names_load(cmap_handle_t cmap, struct node_names *names)
{
	char key[CMAP_KEYNAME_MAXLEN + 1];
	cmap_iter_handle_t iter;
	cs_error_t rc;

	names->n = 0;
	rc = cmap_iter_init(cmap, "nodelist.node.", &iter);
	if (rc != CS_OK)
		return rc;
	while (names->n < NODE_NAMES_MAX &&
	       cmap_iter_next(cmap, iter, key, NULL, NULL) == CS_OK) {
		size_t len = strlen(key);
		struct node_name *nn = &names->nodes[names->n];
		char prefix[CMAP_KEYNAME_MAXLEN + 1];
		static const char suffix[] = ".nodeid";

		if (len <= sizeof(suffix) - 1 ||
		    strcmp(key + len - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		if (cmap_get_uint32(cmap, key, &nn->nodeid) != CS_OK)
			continue;
		memcpy(prefix, key, len - (sizeof(suffix) - 1));
		prefix[len - (sizeof(suffix) - 1)] = '\0';
		nn->name[0] = '\0';
		read_name(cmap, prefix, nn);
		names->n++;
	}
	cmap_iter_finalize(cmap, iter);
	return CS_OK;
}

const char *node_names_get(const struct node_names *names, uint32_t nodeid)
{
	for (size_t i = 0; i < names->n; i++)
		if (names->nodes[i].nodeid == nodeid)
			return names->nodes[i].name;
	return "";
}
