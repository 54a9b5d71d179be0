#include "json_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct json_out *o, const char *s, size_t n)
{
	if (!o->failed && n > 0 && printbuf_memappend(o->pb, s, (int)n) < 0)
		o->failed = true;
}

/* Before a value or a key: the comma that separates it from the last one
 * (a value right after its key needs none). */
static void separate(struct json_out *o)
{
	if (o->after_key) {
		o->after_key = false;
		return;
	}
	if (o->depth > 0 && o->has_member[o->depth - 1])
		put(o, ",", 1);
	if (o->depth > 0)
		o->has_member[o->depth - 1] = true;
}

static void open_(struct json_out *o, const char *c)
{
	separate(o);
	put(o, c, 1);
	if (o->depth == JSON_OUT_DEPTH) {
		o->failed = true;
		return;
	}
	o->has_member[o->depth++] = false;
}

static void close_(struct json_out *o, const char *c)
{
	put(o, c, 1);
	if (o->depth > 0)
		o->depth--;
}

void jo_object_begin(struct json_out *o) { open_(o, "{"); }
void jo_object_end(struct json_out *o) { close_(o, "}"); }
void jo_array_begin(struct json_out *o) { open_(o, "["); }
void jo_array_end(struct json_out *o) { close_(o, "]"); }

/* The escapes json-c writes with JSON_C_TO_STRING_PLAIN (so that the text
 * is what the tree printed: '/' too, and other control characters as
 * lower-case \u00XX); bytes from 0x7f up pass as they are. */
static void quoted(struct json_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	put(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 2;

		switch (c) {
		case '\b': memcpy(esc, "\\b", 2); break;
		case '\n': memcpy(esc, "\\n", 2); break;
		case '\r': memcpy(esc, "\\r", 2); break;
		case '\t': memcpy(esc, "\\t", 2); break;
		case '\f': memcpy(esc, "\\f", 2); break;
		case '"': memcpy(esc, "\\\"", 2); break;
		case '\\': memcpy(esc, "\\\\", 2); break;
		case '/': memcpy(esc, "\\/", 2); break;
		default:
			if (c >= 0x20)
				continue;
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
		}
		put(o, run, (size_t)(s - run));
		put(o, esc, n);
		run = s + 1;
	}
	put(o, run, (size_t)(s - run));
	put(o, "\"", 1);
}

void jo_key(struct json_out *o, const char *key)
{
	separate(o);
	quoted(o, key);
	put(o, ":", 1);
	o->after_key = true;
}

void jo_string(struct json_out *o, const char *s)
{
	separate(o);
	quoted(o, s);
}

void jo_int(struct json_out *o, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	separate(o);
	put(o, buf, (size_t)n);
}

void jo_bool(struct json_out *o, bool v)
{
	separate(o);
	if (v)
		put(o, "true", 4);
	else
		put(o, "false", 5);
}

void jo_kstring(struct json_out *o, const char *key, const char *s)
{
	jo_key(o, key);
	jo_string(o, s);
}

void jo_kint(struct json_out *o, const char *key, int64_t v)
{
	jo_key(o, key);
	jo_int(o, v);
}

void jo_kbool(struct json_out *o, const char *key, bool v)
{
	jo_key(o, key);
	jo_bool(o, v);
}

struct doc_ctx {
	json_out_fn *write;
	void *ctx;
};

static int serialize(json_object *jso, struct printbuf *pb, int level, int flags)
{
	struct doc_ctx *d = json_object_get_userdata(jso);
	struct json_out o = { .pb = pb };

	(void)level;    /* answers are printed plain: no indentation to follow */
	(void)flags;
	d->write(d->ctx, &o);
	return o.failed || o.depth != 0 ? -1 : 0;
}

static void free_ctx(json_object *jso, void *userdata)
{
	(void)jso;
	free(userdata);
}

json_object *json_out_doc(json_out_fn *write, void *ctx)
{
	struct doc_ctx *d = malloc(sizeof(*d));
	json_object *o;

	if (!d)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		free(d);
		return NULL;
	}
	d->write = write;
	d->ctx = ctx;
	json_object_set_serializer(o, serialize, d, free_ctx);
	return o;
}
