#include "ctl_render.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

/* Field access that tolerates a daemon of another version: a missing or
 * mistyped field is reported, never dereferenced. */
static json_object *field(FILE *err, json_object *doc, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(doc, key, &v) || !json_object_is_type(v, type)) {
		fprintf(err, "handoffctl: handoffd's answer lacks '%s'\n", key);
		return NULL;
	}
	return v;
}

static const char *str_or(json_object *doc, const char *key, const char *dflt)
{
	json_object *v;

	if (json_object_object_get_ex(doc, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return dflt;
}

static int64_t int_or(json_object *doc, const char *key, int64_t dflt)
{
	json_object *v;

	if (json_object_object_get_ex(doc, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return dflt;
}

static int bool_or(json_object *doc, const char *key, int dflt)
{
	json_object *v;

	if (json_object_object_get_ex(doc, key, &v) && json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return dflt;
}

int render_json(FILE *out, json_object *doc)
{
	fprintf(out, "%s\n", json_object_to_json_string_ext(doc,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

int render_members(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	json_object *members = field(err, doc, "members", json_type_array);
	size_t n;

	if (!members)
		return -1;
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	n = json_object_array_length(members);
	if (o->format == RENDER_TABLE) {
		fprintf(out, "Group: %s (%zu member%s)\n", str_or(doc, "group", "?"), n,
			n == 1 ? "" : "s");
		fprintf(out, "%10s %10s  %-9s %s\n", "Node ID", "PID", "Role", "Name");
	}
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(members, i);
		int64_t nodeid = int_or(m, "nodeid", -1), pid = int_or(m, "pid", -1);
		const char *name = str_or(m, "name", "");
		/* an older handoffd names no role: every member was taken for one */
		const char *role = str_or(m, "role", "handoffd");

		int maint = bool_or(m, "maintenance", 0);

		/* the maintenance field appended: the first four stay where they were */
		if (o->format == RENDER_DELIM)
			fprintf(out, "%" PRId64 "%s%" PRId64 "%s%s%s%s%s%d\n", nodeid, o->delim,
				pid, o->delim, name, o->delim, role, o->delim, maint);
		else
			fprintf(out, "%10" PRId64 " %10" PRId64 "  %-9s %s%s%s\n", nodeid, pid, role,
				*name ? name : "-", bool_or(m, "local", 0) ? " (local)" : "",
				maint ? " MAINTENANCE" : "");
	}
	return 0;
}

static void join_flags(json_object *flags, char *buf, size_t len, const char *sep)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(flags, i));
		int n = snprintf(buf + used, len - used, "%s%s", i ? sep : "", f ? f : "");
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

int render_quorum(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	json_object *members = field(err, doc, "members", json_type_array);
	json_object *gate = field(err, doc, "gate", json_type_object);
	json_object *flags = NULL;
	char flagbuf[256];
	size_t n;
	int gate_open;

	if (!members || !gate)
		return -1;
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	json_object_object_get_ex(doc, "flags", &flags);
	n = json_object_array_length(members);
	gate_open = bool_or(gate, "open", 0);

	if (o->format == RENDER_DELIM) {
		const char *d = o->delim;
		join_flags(flags, flagbuf, sizeof(flagbuf), ",");
		fprintf(out, "quorate%s%d\n", d, bool_or(doc, "quorate", 0));
		fprintf(out, "ring_id%s%s\n", d, str_or(doc, "ring_id", ""));
		fprintf(out, "expected_votes%s%" PRId64 "\n", d, int_or(doc, "expected_votes", 0));
		fprintf(out, "total_votes%s%" PRId64 "\n", d, int_or(doc, "total_votes", 0));
		fprintf(out, "quorum%s%" PRId64 "\n", d, int_or(doc, "quorum", 0));
		fprintf(out, "flags%s%s\n", d, flagbuf);
		fprintf(out, "gate%s%s\n", d, gate_open ? "open" : "closed");
		fprintf(out, "members");
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%s%" PRId64, d,
				int_or(json_object_array_get_idx(members, i), "nodeid", -1));
		fprintf(out, "\n");
		return 0;
	}
	join_flags(flags, flagbuf, sizeof(flagbuf), " ");
	fprintf(out, "Quorate:          %s\n", bool_or(doc, "quorate", 0) ? "Yes" : "No");
	fprintf(out, "Ring ID:          %s\n", str_or(doc, "ring_id", "-"));
	fprintf(out, "Expected votes:   %" PRId64 "\n", int_or(doc, "expected_votes", 0));
	fprintf(out, "Highest expected: %" PRId64 "\n", int_or(doc, "highest_expected", 0));
	fprintf(out, "Total votes:      %" PRId64 "\n", int_or(doc, "total_votes", 0));
	fprintf(out, "Quorum:           %" PRId64 "\n", int_or(doc, "quorum", 0));
	fprintf(out, "Flags:            %s\n", flagbuf[0] ? flagbuf : "-");
	if (gate_open)
		fprintf(out, "Quorum gate:      open (ring %s)\n", str_or(gate, "cpg_ring_id", "-"));
	else
		fprintf(out, "Quorum gate:      closed: %s\n", str_or(gate, "reason", "?"));
	fprintf(out, "\nMembership (%zu node%s):\n", n, n == 1 ? "" : "s");
	fprintf(out, "%10s  %s\n", "Node ID", "Name");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(members, i);
		int64_t id = int_or(m, "nodeid", -1);
		const char *name = str_or(m, "name", "");
		fprintf(out, "%10" PRId64 "  %s%s\n", id, *name ? name : "-",
			id == int_or(doc, "local_nodeid", -2) ? " (local)" : "");
	}
	return 0;
}

int render_message(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	const char *msg = str_or(doc, "message", NULL);

	if (!msg) {
		fprintf(err, "handoffctl: handoffd's answer lacks 'message'\n");
		return -1;
	}
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	if (o->format == RENDER_DELIM)
		fprintf(out, "%s%s%" PRId64 "%s%s\n", str_or(doc, "resource", ""), o->delim,
			int_or(doc, "epoch", 0), o->delim, msg);
	else
		fprintf(out, "%s\n", msg);
	return 0;
}

static const char *const phase_keys[] = {
	"dump_ms", "sync_ms", "umount_ms", "demote_ms", "promote_ms", "mount_ms", "restore_ms",
};
static const char *const phase_labels[] = {
	"dump", "sync", "umount", "demote", "promote", "mount", "restore",
};

static int64_t phase_ms(json_object *entry, size_t i)
{
	json_object *ph = NULL;
	if (!json_object_object_get_ex(entry, "phases", &ph))
		return 0;
	return int_or(ph, phase_keys[i], 0);
}

static const char *node_label(json_object *e, const char *name_key, const char *id_key,
			      char *buf, size_t len)
{
	const char *name = str_or(e, name_key, "");
	if (*name)
		return name;
	snprintf(buf, len, "%" PRId64, int_or(e, id_key, 0));
	return buf;
}

int render_history(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	json_object *list = field(err, doc, "history", json_type_array);
	size_t n;

	if (!list)
		return -1;
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	n = json_object_array_length(list);
	if (o->format == RENDER_TABLE) {
		if (n == 0) {
			fprintf(out, "no migrations yet\n");
			return 0;
		}
		fprintf(out, "%-16s %6s %-9s %-10s %-10s %8s %8s  %s\n", "Resource", "Epoch", "Kind",
			"From", "To", "Frozen", "Total", "Result");
	}
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		char sb[16], tb[16];
		const char *src = node_label(e, "source_name", "source", sb, sizeof(sb));
		const char *dst = node_label(e, "target_name", "target", tb, sizeof(tb));

		if (o->format == RENDER_DELIM) {
			fprintf(out, "%s%s%" PRId64 "%s%s%s%s%s%s%s%s", str_or(e, "resource", ""),
				o->delim, int_or(e, "epoch", 0), o->delim, str_or(e, "kind", ""),
				o->delim, src, o->delim, dst, o->delim,
				bool_or(e, "ok", 0) ? "ok" : "failed");
			for (size_t p = 0; p < sizeof(phase_keys) / sizeof(phase_keys[0]); p++)
				fprintf(out, "%s%" PRId64, o->delim, phase_ms(e, p));
			fprintf(out, "%s%" PRId64 "%s%" PRId64 "%s%s\n", o->delim,
				int_or(e, "frozen_ms", 0), o->delim, int_or(e, "total_ms", 0),
				o->delim, str_or(e, "result", ""));
			continue;
		}
		fprintf(out, "%-16s %6" PRId64 " %-9s %-10s %-10s %6" PRId64 "ms %6" PRId64 "ms  %s\n",
			str_or(e, "resource", ""), int_or(e, "epoch", 0), str_or(e, "kind", ""), src,
			dst, int_or(e, "frozen_ms", 0), int_or(e, "total_ms", 0),
			str_or(e, "result", ""));
	}
	return 0;
}

void render_breakdown(FILE *out, json_object *e)
{
	int64_t sum = 0;

	fprintf(out, "phase times (ms):");
	for (size_t p = 0; p < sizeof(phase_keys) / sizeof(phase_keys[0]); p++) {
		int64_t ms = phase_ms(e, p);
		sum += ms;
		fprintf(out, " %s %" PRId64, phase_labels[p], ms);
	}
	fprintf(out, "\ntotal %" PRId64 " ms, workload frozen %" PRId64 " ms (phases: %" PRId64
		" ms)\n", int_or(e, "total_ms", 0), int_or(e, "frozen_ms", 0), sum);
}

int render_fence(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	int fenced = bool_or(doc, "fenced", -1);

	if (fenced < 0) {
		fprintf(err, "handoffctl: handoffd's answer lacks 'fenced'\n");
		return -1;
	}
	if (o->format == RENDER_JSON)
		render_json(out, doc);
	else if (o->format == RENDER_DELIM)
		fprintf(out, "%" PRId64 "%s%s%s%s\n", int_or(doc, "node", 0), o->delim,
			fenced ? "fenced" : "not-fenced", o->delim, str_or(doc, "reason", ""));
	else
		fprintf(out, "%s: %s\n", fenced ? "fenced" : "not fenced", str_or(doc, "reason", ""));
	return fenced ? 0 : 1;
}

int render_probe(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	const char *res = str_or(doc, "resource", NULL);
	const char *role = str_or(doc, "role", NULL), *disk = str_or(doc, "disk", "-"),
		   *conn = str_or(doc, "connection", "-");
	int mounted = bool_or(doc, "mounted", 0), running = bool_or(doc, "running", 0);

	if (!res) {
		fprintf(err, "handoffctl: handoffd's answer lacks 'resource'\n");
		return -1;
	}
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	if (o->format == RENDER_DELIM) {
		fprintf(out, "%s%s%" PRId64 "%s%s%s%s%s%s%s%s%s%s\n", res, o->delim,
			int_or(doc, "nodeid", 0), o->delim, role ? role : "-", o->delim, disk,
			o->delim, conn, o->delim, mounted ? "mounted" : "unmounted", o->delim,
			running ? "running" : "stopped");
		return 0;
	}
	fprintf(out, "%s on node %" PRId64 ": ", res, int_or(doc, "nodeid", 0));
	if (role)
		fprintf(out, "DRBD %s, %s, %s; ", role, disk, conn);
	fprintf(out, "%s; %s\n", mounted ? "mounted" : "not mounted",
		running ? "workload running" : "workload not running");
	return 0;
}

/* A failover's lost owners and how each counts as fenced, when it has any. */
static void lost_owners(FILE *out, json_object *r)
{
	json_object *lost = NULL;
	size_t n;

	if (!json_object_object_get_ex(r, "lost_owners", &lost) ||
	    !json_object_is_type(lost, json_type_array) || !(n = json_object_array_length(lost)))
		return;
	fprintf(out, "%16s lost owners:", "");
	for (size_t k = 0; k < n; k++) {
		json_object *l = json_object_array_get_idx(lost, k);
		char id[16];
		const char *who = node_label(l, "name", "nodeid", id, sizeof(id));
		const char *fence = str_or(l, "fence", "?");
		fprintf(out, "%s %s (%s)", k ? "," : "", who,
			!strcmp(fence, "unfenced") ? "NOT FENCED: handoffctl fence-confirm once it is down" :
			!strcmp(fence, "watchdog") ? "its watchdog: fenced after fence_delay" :
			!strcmp(fence, "confirmed") ? "confirmed down" : fence);
	}
	fprintf(out, "\n");
}

/* The fail count towards max_restarts and the last failure, with its time
 * (UTC, the reporting owner's clock), when there was one; the relocations
 * (rules 29-32) when there were any, and where a cold one goes. */
static void failures(FILE *out, json_object *r)
{
	int64_t ms = int_or(r, "last_failure_ms", 0);
	time_t t = (time_t)(ms / 1000);
	char when[32] = "?";
	struct tm tm;

	if (bool_or(r, "relocating", 0))
		fprintf(out, "%16s relocating to %s: a cold start there once the stop ends\n", "",
			str_or(r, "target_name", "?"));
	if (int_or(r, "reloc_count", 0))
		fprintf(out, "%16s relocations: %" PRId64 " of at most %" PRId64 "\n", "",
			int_or(r, "reloc_count", 0), int_or(r, "max_relocations", 0));
	if (!int_or(r, "fail_count", 0) && !ms)
		return;
	if (ms && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "%16s failures: %" PRId64 " of at most %" PRId64 " restarts; last at %s: %s\n",
		"", int_or(r, "fail_count", 0), int_or(r, "max_restarts", 0), when,
		str_or(r, "last_failure", ""));
}

/* Maintenance, loudly: the whole cluster's, or how many nodes and
 * resources are in it (rule 33). */
static void maintenance_banner(FILE *out, json_object *doc, json_object *nodes, json_object *res)
{
	size_t nn = 0, nr = 0;

	if (bool_or(doc, "maintenance", 0)) {
		fprintf(out, "MAINTENANCE: the whole cluster: handoffd monitors, restarts, fails over "
			"and moves nothing (handoffctl maintenance off --all)\n");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(nodes); i++)
		nn += bool_or(json_object_array_get_idx(nodes, i), "maintenance", 0);
	for (size_t i = 0; i < json_object_array_length(res); i++)
		nr += bool_or(json_object_array_get_idx(res, i), "maintenance", 0);
	if (nn || nr)
		fprintf(out, "MAINTENANCE: %zu node%s, %zu resource%s: handoffd leaves %s alone "
			"(handoffctl maintenance off)\n", nn, nn == 1 ? "" : "s", nr,
			nr == 1 ? "" : "s", nr == 1 ? "it" : "them");
}

int render_status(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	json_object *nodes = field(err, doc, "nodes", json_type_array);
	json_object *res = field(err, doc, "resources", json_type_array);
	size_t nn, nr;

	if (!nodes || !res)
		return -1;
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	nn = json_object_array_length(nodes);
	nr = json_object_array_length(res);
	if (o->format == RENDER_DELIM) {
		/* one line per resource: name phase owner epoch last_error
		 * fail_count last_failure_ms last_failure reloc_count maintenance
		 * (0/1) maintenance_why (the later fields appended, so that the
		 * first ones stay where they were) */
		for (size_t i = 0; i < nr; i++) {
			json_object *r = json_object_array_get_idx(res, i);
			fprintf(out, "%s%s%s%s%" PRId64 "%s%" PRId64 "%s%s%s%" PRId64 "%s%" PRId64
				"%s%s%s%" PRId64 "%s%d%s%s\n",
				str_or(r, "name", ""), o->delim, str_or(r, "phase", ""), o->delim,
				int_or(r, "owner", 0), o->delim, int_or(r, "epoch", 0), o->delim,
				str_or(r, "last_error", ""), o->delim, int_or(r, "fail_count", 0),
				o->delim, int_or(r, "last_failure_ms", 0), o->delim,
				str_or(r, "last_failure", ""), o->delim, int_or(r, "reloc_count", 0),
				o->delim, bool_or(r, "maintenance", 0), o->delim,
				str_or(r, "maintenance_why", ""));
		}
		return 0;
	}
	fprintf(out, "Quorum:   %s\n", bool_or(doc, "gate_open", 0) ? "quorate (gate open)" :
		str_or(doc, "gate", "gate closed"));
	if (bool_or(doc, "syncing", 0))
		fprintf(out, "Sync:     in progress (table not final)\n");
	maintenance_banner(out, doc, nodes, res);
	{
		json_object *sf = NULL;
		const char *st = json_object_object_get_ex(doc, "self_fence", &sf) ?
				 str_or(sf, "state", "idle") : "idle";
		if (!strcmp(st, "fencing"))
			fprintf(out, "Fence:    SELF-FENCING: quorum lost, stopping what this node holds\n");
		else if (!strcmp(st, "fenced"))
			fprintf(out, "Fence:    SELF-FENCED in %" PRId64 " ms: this node holds nothing\n",
				int_or(sf, "ms", 0));
		else if (!strcmp(st, "failed"))
			fprintf(out, "Fence:    SELF-FENCE FAILED: %s\n", str_or(sf, "error", ""));
	}
	fprintf(out, "\nNodes:\n%10s  %-16s %-8s %s\n", "Node ID", "Name", "Member", "Config");
	for (size_t i = 0; i < nn; i++) {
		json_object *n = json_object_array_get_idx(nodes, i);
		int member = bool_or(n, "member", 0);
		const char *cfg = str_or(n, "config", "");
		const char *sf = str_or(n, "self_fence", "");
		const char *timing = str_or(n, "timing", "");
		fprintf(out, "%10" PRId64 "  %-16s %-8s %s%s%s%s\n", int_or(n, "nodeid", -1),
			str_or(n, "name", "-"), member ? "yes" : "no",
			!member ? "-" : !bool_or(n, "eligible", 0) ?
			(!strcmp(cfg, "syncing") ? "(syncing)" :
			 !strcmp(cfg, "protocol") ? "PROTOCOL DIFFERS: INELIGIBLE" :
			 "DIFFERS: INELIGIBLE") : *timing ? "TIMING: INELIGIBLE" : "ok",
			bool_or(n, "standby", 0) ? ", STANDBY" : "",
			bool_or(n, "maintenance", 0) ? ", MAINTENANCE" : "",
			!strcmp(sf, "fencing") ? ", SELF-FENCING" : !strcmp(sf, "fenced") ? ", SELF-FENCED" :
			!strcmp(sf, "failed") ? ", SELF-FENCE FAILED" :
			!strcmp(sf, "unknown") ? ", NOT FENCED (no watchdog)" : "");
		if (member && *timing)
			fprintf(out, "%10s  %s\n", "", timing);
	}
	fprintf(out, "\nResources:\n%-16s %-9s %-16s %6s  %s\n", "Name", "Phase", "Owner",
		"Epoch", "Nodes");
	for (size_t i = 0; i < nr; i++) {
		json_object *r = json_object_array_get_idx(res, i), *pref = NULL;
		char owner[64], prefs[256] = "";
		size_t used = 0;
		const char *err_text = str_or(r, "last_error", "");
		if (int_or(r, "owner", 0))
			snprintf(owner, sizeof(owner), "%s%s", str_or(r, "owner_name", "?"),
				 bool_or(r, "owner_lost", 0) ? " (LOST)" : "");
		else
			snprintf(owner, sizeof(owner), "-");
		if (json_object_object_get_ex(r, "nodes", &pref) &&
		    json_object_is_type(pref, json_type_array))
			for (size_t j = 0; j < json_object_array_length(pref); j++) {
				int k = snprintf(prefs + used, sizeof(prefs) - used, "%s%s", j ? " " : "",
						 json_object_get_string(json_object_array_get_idx(pref, j)));
				if (k < 0 || (size_t)k >= sizeof(prefs) - used)
					break;
				used += (size_t)k;
			}
		fprintf(out, "%-16s %-9s %-16s %6" PRId64 "  %s%s\n", str_or(r, "name", "?"),
			str_or(r, "phase", "?"), owner, int_or(r, "epoch", 0), prefs,
			bool_or(r, "maintenance", 0) ? "  MAINT" : "");
		if (*err_text)
			fprintf(out, "%16s last error: %s\n", "", err_text);
		if (bool_or(r, "maintenance", 0))
			fprintf(out, "%16s MAINTENANCE: %s; not monitored, nothing decided\n", "",
				str_or(r, "maintenance_why", ""));
		failures(out, r);
		lost_owners(out, r);
	}
	return 0;
}

int render_reload(FILE *out, FILE *err, json_object *doc, const struct render_opts *o)
{
	const char *msg = str_or(doc, "message", NULL);
	json_object *list = NULL;
	size_t n;

	if (!msg || !json_object_object_get_ex(doc, "changes", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		fprintf(err, "handoffctl: handoffd's answer lacks 'message' or 'changes'\n");
		return -1;
	}
	if (o->format == RENDER_JSON)
		return render_json(out, doc);
	n = json_object_array_length(list);
	if (o->format == RENDER_TABLE) {
		fprintf(out, "%s\n", msg);
		if (str_or(doc, "warning", NULL))
			fprintf(out, "warning: %s\n", str_or(doc, "warning", ""));
	}
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);
		const char *kind = str_or(c, "kind", "?"), *res = str_or(c, "resource", "");
		const char *keys = str_or(c, "keys", "");
		if (o->format == RENDER_DELIM)
			fprintf(out, "%s%s%s%s%s\n", kind, o->delim, res, o->delim, keys);
		else
			fprintf(out, "  %-8s %s%s%s\n", kind, res[0] ? res : "[cluster]",
				keys[0] ? ": " : "", keys);
	}
	return 0;
}
