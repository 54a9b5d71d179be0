/*
 * ctl_render.h - turn handoffd's JSON answers into what handoffctl prints:
 * a table for people, DELIM-separated lines for scripts (-d), or the JSON
 * itself (--json).  Pure functions of the document, unit-tested.
 */
#ifndef HANDOFF_CTL_RENDER_H
#define HANDOFF_CTL_RENDER_H

#include <json-c/json.h>
#include <stdio.h>

enum render_format {
	RENDER_TABLE,
	RENDER_DELIM,
	RENDER_JSON,
};

struct render_opts {
	enum render_format format;
	const char *delim;
};

/* Each returns 0, or -1 when DOC lacks a field it needs (message on ERR). */
int render_members(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
int render_quorum(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
int render_json(FILE *out, json_object *doc);
int render_status(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
/* start, stop, cleanup: the daemon's one-line account of what happened */
int render_message(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
/* fence-peer NODE: "fenced: why" or "not fenced: why"; returns 1 when not fenced */
int render_fence(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
/* history: one line per migration, newest first */
int render_history(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
/* migrate --wait: the phases of one history entry, the total and the frozen time */
void render_breakdown(FILE *out, json_object *entry);
/* probe RES: one line, "web on node 1: DRBD Primary, UpToDate, Connected; mounted; running" */
int render_probe(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);
/* reload: the daemon's summary, then one line per change: added, removed,
 * changed RES (or [cluster]): the keys; -d: kind, resource, keys */
int render_reload(FILE *out, FILE *err, json_object *doc, const struct render_opts *o);

#endif
