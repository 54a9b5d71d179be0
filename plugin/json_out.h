/*
 * json_out.h - write a JSON document straight into text, for answers too
 * large to build as a json-c tree first.
 *
 * The status of 1000 resources as a json-c tree took 3.2 MB of heap (an
 * object, a hash table and a string per field) for 220 KB of text.
 * json_out_doc() returns a json-c object whose serializer calls WRITE,
 * which writes the document with the jo_* calls into json-c's own output
 * buffer: the ipc server sends it like any other answer, and the text is
 * the same json-c would print (JSON_C_TO_STRING_PLAIN, the same escapes).
 */
#ifndef HANDOFF_JSON_OUT_H
#define HANDOFF_JSON_OUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define JSON_OUT_DEPTH 16

struct json_out {
	struct printbuf *pb;
	unsigned depth;                  /* open objects and arrays */
	bool has_member[JSON_OUT_DEPTH]; /* a comma before the next one */
	bool after_key;                  /* the next value follows a key */
	bool failed;                     /* out of memory, or nested too deep */
};

void jo_object_begin(struct json_out *o);
void jo_object_end(struct json_out *o);
void jo_array_begin(struct json_out *o);
void jo_array_end(struct json_out *o);
/* In an object: the key of the next value. */
void jo_key(struct json_out *o, const char *key);
void jo_string(struct json_out *o, const char *s);
void jo_int(struct json_out *o, int64_t v);
void jo_bool(struct json_out *o, bool v);

/* Key and value at once. */
void jo_kstring(struct json_out *o, const char *key, const char *s);
void jo_kint(struct json_out *o, const char *key, int64_t v);
void jo_kbool(struct json_out *o, const char *key, bool v);

typedef void json_out_fn(void *ctx, struct json_out *o);
/*
 * A json-c object that prints as what WRITE(CTX) writes, when it is
 * printed (CTX must still be valid then: the ipc server prints an answer
 * as soon as the command returns).  NULL when out of memory.
 */
json_object *json_out_doc(json_out_fn *write, void *ctx);

#endif
