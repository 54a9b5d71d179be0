/*
 * rsm_reload.c - a new configuration enters the table (handoffctl reload,
 * SIGHUP; doc/protocol.md, rules 36 and 37).
 *
 * The daemon calls rsm_reconfigure() at a point of the agreed order: the
 * delivery of its own STATE that announces the new config digest.  That
 * STATE opens a sync on every member (or joins the one under way), so
 * every member holds what follows it until the merge, and from the merge
 * on every member knows the new digest: nothing is decided in between
 * with a configuration the others do not know of.
 */
#include "rsm.h"
#include "rsm_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rsm_reconfigure(struct rsm *m, const struct handoff_config *cfg, char *why, size_t len)
{
	struct rsm_res *res = NULL;

	/* all or nothing: a resource may leave the table only when STOPPED
	 * (what runs must be stopped by a decision every member makes) */
	for (size_t i = 0; i < m->n_res; i++) {
		const struct rsm_res *r = &m->res[i];
		if (!config_resource(cfg, r->conf->name) && r->phase != PHASE_STOPPED) {
			snprintf(why, len, "cannot remove %s while it is %s: stop it first",
				 r->conf->name, phase_name(r->phase));
			return -1;
		}
	}
	if (cfg->n_resources && !(res = calloc(cfg->n_resources, sizeof(*res)))) {
		snprintf(why, len, "out of memory for the resource table");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_resources; i++) {
		const struct resource_conf *c = &cfg->resources[i];
		struct rsm_res *old = rsm_find(m, c->name);
		if (old) {
			res[i] = *old;       /* its table entry lives on */
		} else {
			/* a resource this node did not know: STOPPED and fresh, as
			 * at start; the merge takes the entry of a member that
			 * knew it (rule 5 as for any resource) */
			res[i].phase = PHASE_STOPPED;
			res[i].fresh = true;
		}
		res[i].conf = c;
	}
	free(m->res);
	m->res = res;
	m->n_res = cfg->n_resources;
	m->local_digest = config_digest(cfg);
	return 0;
}
