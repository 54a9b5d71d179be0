/*
 * rm_reload.c - handoffctl reload and SIGHUP: re-read handoff.conf,
 * validate it as at start, and apply what may change while handoffd runs
 * (config_reload.h says what), all or nothing (doc/protocol.md, rules 36
 * and 37).
 *
 * A change of the config digest enters the table at a point of the agreed
 * order: the reload is kept pending, this node's next STATE (flagged
 * RESYNC, so it opens a sync on every member) announces the new digest,
 * and the new configuration is applied when that STATE is delivered here.
 * From then on every member holds what follows until the merge, where it
 * learns the digest.  A reload that changes no digest (node-local keys
 * only) applies at once.
 *
 * A step that began before the reload keeps the resource_conf it began
 * with: replaced configurations are retired, not freed, until no driver
 * step runs any more (driver_busy), and rm_res_index() finds the
 * resource's new index by name (none when it was removed).
 */
#include <errno.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_reload.h"
#include "handoff/ipc.h"
#include "handoffd.h"
#include "resource_manager.h"

struct retired_config {
	struct retired_config *next;
	struct handoff_config cfg;
};

static const char *phase_of(void *ctx, const char *name)
{
	struct resource_manager *rm = ctx;
	const struct rsm_res *r;

	if (!rm->ready)
		return "in a phase not known here (handoffd is not connected to corosync)";
	r = rsm_find(&rm->rsm, name);
	return !r || r->phase == PHASE_STOPPED ? NULL : phase_name(r->phase);
}

static json_object *error_doc(const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(text));
	return o;
}

static void digest_str(uint64_t d, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx", (unsigned long long)d);
}

/* The refusals, one line, and as a list. */
static json_object *refused_doc(const char *path, const struct reload_plan *p)
{
	char text[4096 + 1024];
	size_t used;
	json_object *o = json_object_new_object(), *list = json_object_new_array();

	used = (size_t)snprintf(text, sizeof(text), "%s: reload refused, nothing applied: ", path);
	for (size_t i = 0, k = 0; i < p->n; i++) {
		const struct reload_item *it = &p->v[i];
		json_object *e;
		if (it->kind != RELOAD_REFUSED)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "resource", json_object_new_string(it->resource));
		json_object_object_add(e, "reason", json_object_new_string(it->text));
		json_object_array_add(list, e);
		if (used < sizeof(text))
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s",
						 k++ ? "; " : "", it->text);
	}
	json_object_object_add(o, "error", json_object_new_string(text));
	json_object_object_add(o, "refused", list);
	return o;
}

static json_object *changes_doc(const struct handoff_config *cfg, const struct reload_plan *p,
				uint64_t before, uint64_t after, const char *warning)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	unsigned count[RELOAD_REFUSED] = { 0 };
	char msg[4096 + 128], d1[20], d2[20];

	for (size_t i = 0; i < p->n; i++) {
		const struct reload_item *it = &p->v[i];
		json_object *e;
		if (it->kind == RELOAD_REFUSED)
			continue;
		count[it->kind]++;
		e = json_object_new_object();
		json_object_object_add(e, "kind", json_object_new_string(reload_kind_name(it->kind)));
		json_object_object_add(e, "resource", json_object_new_string(it->resource));
		json_object_object_add(e, "keys", json_object_new_string(it->text));
		json_object_array_add(list, e);
	}
	digest_str(before, d1, sizeof(d1));
	digest_str(after, d2, sizeof(d2));
	if (p->n_changes == 0)
		snprintf(msg, sizeof(msg), "%s: nothing changed (digest %s)", cfg->path, d2);
	else
		snprintf(msg, sizeof(msg), "%s reloaded: %u added, %u removed, %u changed; digest %s%s%s",
			 cfg->path, count[RELOAD_ADDED], count[RELOAD_REMOVED], count[RELOAD_CHANGED],
			 d2, before == after ? "" : ", was ", before == after ? "" : d1);
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "config", json_object_new_string(cfg->path));
	json_object_object_add(o, "digest", json_object_new_string(d2));
	json_object_object_add(o, "previous_digest", json_object_new_string(d1));
	json_object_object_add(o, "changes", list);
	if (warning && warning[0])
		json_object_object_add(o, "warning", json_object_new_string(warning));
	return o;
}

static void log_doc(json_object *doc, bool ok)
{
	json_object *v, *list;

	if (!ok) {
		json_object_object_get_ex(doc, "error", &v);
		qb_log(LOG_WARNING, "reload: %s", v ? json_object_get_string(v) : "refused");
		return;
	}
	json_object_object_get_ex(doc, "message", &v);
	qb_log(LOG_NOTICE, "reload: %s", v ? json_object_get_string(v) : "done");
	if (!json_object_object_get_ex(doc, "changes", &list))
		return;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i), *k, *r, *keys;
		json_object_object_get_ex(e, "kind", &k);
		json_object_object_get_ex(e, "resource", &r);
		json_object_object_get_ex(e, "keys", &keys);
		qb_log(LOG_NOTICE, "reload: %s %s%s%s%s", json_object_get_string(k),
		       json_object_get_string(r)[0] ? json_object_get_string(r) : "[cluster]",
		       json_object_get_string(keys)[0] ? " (" : "", json_object_get_string(keys),
		       json_object_get_string(keys)[0] ? ")" : "");
	}
}

/* ---- the per-resource arrays follow the new order ---------------------------- */

static size_t index_in(const struct handoff_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_resources; i++)
		if (!strcmp(cfg->resources[i].name, name))
			return i;
	return SIZE_MAX;
}

size_t rm_res_index(struct resource_manager *rm, const struct resource_conf *r)
{
	const struct handoff_config *cfg = &rm->d->cfg;
	uintptr_t p = (uintptr_t)r, base = (uintptr_t)cfg->resources;

	if (cfg->n_resources && p >= base && p < base + cfg->n_resources * sizeof(*r))
		return (size_t)(r - cfg->resources);
	/* a step that began before a reload: by name (SIZE_MAX: removed) */
	return index_in(cfg, r->name);
}

struct arrays {
	struct wire_fact *facts;
	bool *fact_ok, *probe_want, *op_busy;
	uint32_t *fact_gen, *probe_gen;
	uint64_t *autostart_epoch, *t_migrate, *t_release;
	struct wire_msg *last_report;
	uint8_t *seen_phase;
	struct local_entry *kept;
};

static void arrays_free(struct arrays *a)
{
	free(a->facts);
	free(a->fact_ok);
	free(a->probe_want);
	free(a->op_busy);
	free(a->fact_gen);
	free(a->probe_gen);
	free(a->autostart_epoch);
	free(a->t_migrate);
	free(a->t_release);
	free(a->last_report);
	free(a->seen_phase);
	free(a->kept);
}

static bool arrays_alloc(struct arrays *a, size_t n)
{
	size_t k = n ? n : 1;

	a->facts = calloc(k, sizeof(*a->facts));
	a->fact_ok = calloc(k, sizeof(*a->fact_ok));
	a->probe_want = calloc(k, sizeof(*a->probe_want));
	a->op_busy = calloc(k, sizeof(*a->op_busy));
	a->fact_gen = calloc(k, sizeof(*a->fact_gen));
	a->probe_gen = calloc(k, sizeof(*a->probe_gen));
	a->autostart_epoch = calloc(k, sizeof(*a->autostart_epoch));
	a->t_migrate = calloc(k, sizeof(*a->t_migrate));
	a->t_release = calloc(k, sizeof(*a->t_release));
	a->last_report = calloc(k, sizeof(*a->last_report));
	a->seen_phase = calloc(k, sizeof(*a->seen_phase));
	a->kept = calloc(k, sizeof(*a->kept));
	return a->facts && a->fact_ok && a->probe_want && a->op_busy && a->fact_gen &&
	       a->probe_gen && a->autostart_epoch && a->t_migrate && a->t_release &&
	       a->last_report && a->seen_phase && a->kept;
}

/* Move what the daemon keeps per resource into A, by name. */
static void arrays_take(struct resource_manager *rm, struct arrays *a,
			const struct handoff_config *new)
{
	for (size_t i = 0; i < new->n_resources; i++) {
		size_t j = index_in(&rm->d->cfg, new->resources[i].name);
		if (j != SIZE_MAX) {
			a->facts[i] = rm->facts[j];
			a->fact_ok[i] = rm->fact_ok[j];
			a->probe_want[i] = rm->probe_want[j];
			a->op_busy[i] = rm->op_busy[j];
			a->fact_gen[i] = rm->fact_gen[j];
			a->probe_gen[i] = rm->probe_gen[j];
			a->autostart_epoch[i] = rm->autostart_epoch[j];
			a->t_migrate[i] = rm->t_migrate[j];
			a->t_release[i] = rm->t_release[j];
			a->last_report[i] = rm->last_report[j];
			a->seen_phase[i] = rm->seen_phase[j];
		} else {
			a->facts[i].role = ROLE_UNKNOWN;
		}
		/* the name lives in the new configuration (the old one retires) */
		a->facts[i].name = new->resources[i].name;
	}
#define SWAP(field, src) do { free(rm->field); rm->field = a->src; a->src = NULL; } while (0)
	SWAP(facts, facts);
	SWAP(fact_ok, fact_ok);
	SWAP(probe_want, probe_want);
	SWAP(op_busy, op_busy);
	SWAP(fact_gen, fact_gen);
	SWAP(probe_gen, probe_gen);
	SWAP(autostart_epoch, autostart_epoch);
	SWAP(t_migrate, t_migrate);
	SWAP(t_release, t_release);
	SWAP(last_report, last_report);
	SWAP(seen_phase, seen_phase);
	SWAP(kept.res, kept);
#undef SWAP
	rm->kept.n_res = 0;
	rm->kept_dirty = true;      /* the file names the new resources soon */
}

/*
 * NEW (validated, planned) becomes the configuration; 0, or -1 with WHY
 * and nothing changed.  The struct NEW points to is freed; its contents
 * live on in d->cfg.
 */
static int apply(struct resource_manager *rm, struct handoff_config *new, char *why, size_t len)
{
	struct handoffd *d = rm->d;
	struct retired_config *old = calloc(1, sizeof(*old));
	struct arrays a = { 0 };

	if (!old) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	/* a table of an earlier connection too: its last word is written at
	 * the next connect, and its resources must not point into a
	 * configuration freed by then */
	if (rm->facts) {
		if (!arrays_alloc(&a, new->n_resources)) {
			arrays_free(&a);
			free(old);
			snprintf(why, len, "out of memory");
			return -1;
		}
		if (rsm_reconfigure(&rm->rsm, new, why, len) < 0) {
			arrays_free(&a);
			free(old);
			return -1;
		}
		arrays_take(rm, &a, new);
		arrays_free(&a);
		/* a probe round under way counted the old resources: it ends with
		 * the probes that run (their answers find their resource by
		 * name), sends nothing, and a full round follows */
		if (rm->probes_left > 0) {
			rm->probe_next = new->n_resources;
			rm->probes_left = rm->probes_running;
			rm->round_sends_state = false;
			rm->state_again = true;
		}
		rm_monitor_fini(rm);    /* re-armed after this event, with the new intervals */
	}
	old->cfg = d->cfg;
	old->next = rm->retired;
	rm->retired = old;
	d->cfg = *new;
	free(new);
	if (rm->ready)
		rm_notify_reset(rm);
	rm_reload_tidy(rm);
	return 0;
}

/* ---- the reload --------------------------------------------------------------- */

static void pending_free(struct resource_manager *rm)
{
	if (rm->reload_pending) {
		config_free(rm->reload_pending);
		free(rm->reload_pending);
	}
	rm->reload_pending = NULL;
	if (rm->reload_conn)
		qb_ipcs_connection_unref(rm->reload_conn);
	rm->reload_conn = NULL;
}

static void answer(qb_ipcs_connection_t *conn, int32_t error, json_object *doc)
{
	log_doc(doc, error == 0);
	if (conn)
		rm_respond(conn, HANDOFF_CMD_RELOAD, error, doc);
}

/* Plan NEW against the table now: 0 and *DOC the changes (NEW applied,
 * or still to apply when LATER), or -errno and *DOC the refusal. */
static int plan_and_apply(struct resource_manager *rm, struct handoff_config *new, bool later,
			  const char *warning, json_object **doc)
{
	struct reload_plan plan;
	uint64_t before = rm->ready ? rm->rsm.local_digest : config_digest(&rm->d->cfg);
	uint64_t after = config_digest(new);
	char why[512];
	int rc = reload_plan_make(&rm->d->cfg, new, phase_of, rm, &plan);

	if (rc < 0) {
		*doc = error_doc("out of memory");
		return -ENOMEM;
	}
	if (rc > 0) {
		*doc = refused_doc(new->path, &plan);
		reload_plan_free(&plan);
		return -EBUSY;
	}
	*doc = changes_doc(new, &plan, before, after, warning);
	reload_plan_free(&plan);
	if (later)
		return 0;
	if (apply(rm, new, why, sizeof(why)) < 0) {
		json_object_put(*doc);
		*doc = error_doc(why);
		return -EBUSY;
	}
	return 0;
}

int rm_reload(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object **result)
{
	struct handoffd *d = rm->d;
	struct handoff_config *new;
	char errbuf[4096] = "", why[512] = "", warning[512] = "";
	struct config_errors err = { .buf = errbuf, .len = sizeof(errbuf) };
	json_object *doc = NULL;
	bool ordered;
	int rc;

	if (rm->reload_pending) {
		doc = error_doc("a reload is under way (it waits for this node's STATE); try again");
		rc = -EAGAIN;
		goto out;
	}
	new = calloc(1, sizeof(*new));
	if (!new) {
		doc = error_doc("out of memory");
		rc = -ENOMEM;
		goto out;
	}
	config_defaults(new);
	if (config_load(new, d->cfg.path, false, &err) < 0 ||
	    config_check_fence_delay(new, rm->fence.watchdog_timeout_ms, d->link.token_ms,
				     d->link.consensus_ms, why, sizeof(why)) < 0) {
		char text[4096 + 1200];
		size_t used = (size_t)snprintf(text, sizeof(text), "%s: invalid, nothing applied: ",
					       d->cfg.path);
		/* every line of the errors: the reply is one line */
		for (const char *p = errbuf; *p && used + 3 < sizeof(text); p++) {
			if (*p != '\n')
				text[used++] = *p;
			else if (p[1])
				text[used++] = ';', text[used++] = ' ';
		}
		snprintf(text + used, sizeof(text) - used, "%s%s", errbuf[0] && why[0] ? "; " : "",
			 why);
		doc = error_doc(text);
		config_free(new);
		free(new);
		rc = -EINVAL;
		goto out;
	}
	config_check_stop_path(new, warning, sizeof(warning));
	/* the digest enters the table in the agreed order (rule 36) */
	ordered = rm->ready && config_digest(new) != rm->rsm.local_digest;
	rc = plan_and_apply(rm, new, ordered, warning, &doc);
	if (rc < 0 || !ordered) {
		if (rc < 0) {          /* applied, NEW is d->cfg now; else nothing was */
			config_free(new);
			free(new);
		}
		goto out;
	}
	json_object_put(doc);
	rm->reload_pending = new;
	rm->reload_digest = config_digest(new);
	if (conn) {
		qb_ipcs_connection_ref(conn);
		rm->reload_conn = conn;
	}
	rm_ask_for_resync(rm, "reload: announcing the new config digest");
	return 1;
out:
	log_doc(doc, rc == 0);
	if (!conn) {           /* SIGHUP: the log is the answer */
		json_object_put(doc);
		doc = NULL;
	}
	*result = doc;
	return rc;
}

bool rm_reload_announces(struct resource_manager *rm, uint64_t *digest)
{
	if (!rm->reload_pending)
		return false;
	*digest = rm->reload_digest;
	return true;
}

void rm_reload_delivered(struct resource_manager *rm, const struct wire_msg *msg, uint32_t pid)
{
	struct handoff_config *new = rm->reload_pending;
	qb_ipcs_connection_t *conn = rm->reload_conn;
	json_object *doc = NULL;
	char warning[512] = "";
	int rc;

	if (!new || msg->hdr.type != MSG_STATE || msg->hdr.nodeid != rm->rsm.local_nodeid ||
	    pid != rm->rsm.local_pid || msg->u.state.config_digest != rm->reload_digest)
		return;
	rm->reload_pending = NULL;
	rm->reload_conn = NULL;
	/* the table may have moved since the request: plan again */
	config_check_stop_path(new, warning, sizeof(warning));
	rc = plan_and_apply(rm, new, false, warning, &doc);
	if (rc < 0) {
		config_free(new);
		free(new);
		/* the STATE said a digest this node does not hold: say it again */
		rm_ask_for_resync(rm, "reload refused: announcing the config digest again");
	} else {
		/* the new table and the new resources' facts, in a sync */
		rm_ask_for_resync(rm, "reload applied: the new table and facts");
	}
	answer(conn, rc, doc);
	json_object_put(doc);
	if (conn)
		qb_ipcs_connection_unref(conn);
}

void rm_reload_drop(struct resource_manager *rm, const char *why)
{
	json_object *doc;

	if (!rm->reload_pending)
		return;
	doc = error_doc(why);
	answer(rm->reload_conn, -ENOTCONN, doc);
	json_object_put(doc);
	pending_free(rm);
}

static void free_retired(struct resource_manager *rm)
{
	while (rm->retired) {
		struct retired_config *r = rm->retired;
		rm->retired = r->next;
		config_free(&r->cfg);
		free(r);
	}
}

void rm_reload_tidy(struct resource_manager *rm)
{
	if (driver_busy() == 0)
		free_retired(rm);
}

void rm_reload_fini(struct resource_manager *rm)
{
	rm_reload_drop(rm, "handoffd is stopping");
	free_retired(rm);
}
