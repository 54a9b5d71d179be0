/* json_out: the text is what json-c prints for the same document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "plugin/json_out.h"

static char every_byte[256];

/* The same document, written: nested objects and arrays, empty ones, every
 * kind of value, and a string with every byte from 1 to 255. */
static void write_doc(void *ctx, struct json_out *o)
{
	(void)ctx;
	jo_object_begin(o);
	jo_kint(o, "n", -9007199254740993LL);
	jo_kbool(o, "yes", true);
	jo_kbool(o, "no", false);
	jo_kstring(o, "bytes", every_byte);
	jo_kstring(o, "empty", "");
	jo_key(o, "list");
	jo_array_begin(o);
	jo_string(o, "a/b \"c\" \\d");
	jo_int(o, 0);
	jo_object_begin(o);
	jo_object_end(o);
	jo_array_begin(o);
	jo_array_end(o);
	jo_object_begin(o);
	jo_kint(o, "x", 1);
	jo_key(o, "y");
	jo_array_begin(o);
	jo_bool(o, false);
	jo_array_end(o);
	jo_object_end(o);
	jo_array_end(o);
	jo_key(o, "inner");
	jo_object_begin(o);
	jo_kstring(o, "k\n", "v\t");
	jo_object_end(o);
	jo_object_end(o);
}

static json_object *tree_doc(void)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	json_object *inner = json_object_new_object(), *x = json_object_new_object();
	json_object *y = json_object_new_array();

	json_object_object_add(o, "n", json_object_new_int64(-9007199254740993LL));
	json_object_object_add(o, "yes", json_object_new_boolean(1));
	json_object_object_add(o, "no", json_object_new_boolean(0));
	json_object_object_add(o, "bytes", json_object_new_string(every_byte));
	json_object_object_add(o, "empty", json_object_new_string(""));
	json_object_array_add(list, json_object_new_string("a/b \"c\" \\d"));
	json_object_array_add(list, json_object_new_int(0));
	json_object_array_add(list, json_object_new_object());
	json_object_array_add(list, json_object_new_array());
	json_object_object_add(x, "x", json_object_new_int(1));
	json_object_array_add(y, json_object_new_boolean(0));
	json_object_object_add(x, "y", y);
	json_object_array_add(list, x);
	json_object_object_add(o, "list", list);
	json_object_object_add(inner, "k\n", json_object_new_string("v\t"));
	json_object_object_add(o, "inner", inner);
	return o;
}

static void same_text_as_json_c(void **state)
{
	json_object *written, *tree, *parsed;

	(void)state;
	for (int i = 1; i < 256; i++)
		every_byte[i - 1] = (char)i;
	written = json_out_doc(write_doc, NULL);
	tree = tree_doc();
	assert_non_null(written);
	assert_string_equal(json_object_to_json_string_ext(written, JSON_C_TO_STRING_PLAIN),
			    json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PLAIN));
	/* and it parses back to the same document */
	parsed = json_tokener_parse(json_object_to_json_string_ext(written, JSON_C_TO_STRING_PLAIN));
	assert_non_null(parsed);
	assert_true(json_object_equal(parsed, tree));
	json_object_put(parsed);
	json_object_put(written);
	json_object_put(tree);
}

/* Unbalanced output is refused rather than sent. */
static void write_unbalanced(void *ctx, struct json_out *o)
{
	(void)ctx;
	jo_object_begin(o);
	jo_kint(o, "a", 1);
}

static void write_too_deep(void *ctx, struct json_out *o)
{
	(void)ctx;
	for (int i = 0; i <= JSON_OUT_DEPTH; i++)
		jo_array_begin(o);
	for (int i = 0; i <= JSON_OUT_DEPTH; i++)
		jo_array_end(o);
}

static void bad_documents_print_as_null(void **state)
{
	json_object *o;

	(void)state;
	o = json_out_doc(write_unbalanced, NULL);
	assert_null(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	o = json_out_doc(write_too_deep, NULL);
	assert_null(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_text_as_json_c),
		cmocka_unit_test(bad_documents_print_as_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
