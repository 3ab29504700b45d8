/* The JSON reader (runtime/json.c): yajl's parser, a tree of our own in one
 * arena.  Every value type, members in order with their keys, numbers kept
 * as written, the last of duplicate keys, comments (OCI configs in the wild
 * carry them), one-line errors, and documents far wider and deeper than a
 * config that are built and freed without recursion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "runtime/json.h"

static jl_json_val parse_ok(const char *text)
{
	jl_json_val v = NULL;
	struct jl_err *err = NULL;
	if (jl_json_parse(text, "doc", &v, &err) < 0)
		fail_msg("%s", err->msg);
	assert_non_null(v);
	return v;
}

static void parse_fails(const char *text, const char *msg)
{
	jl_json_val v = NULL;
	struct jl_err *err = NULL;
	assert_true(jl_json_parse(text, "doc", &v, &err) < 0);
	assert_null(v);
	assert_non_null(err);
	if (!strstr(err->msg, msg))
		fail_msg("\"%s\" does not say \"%s\"", err->msg, msg);
	assert_null(strchr(err->msg, '\n'));
	jl_err_free(&err);
}

static void test_types_and_members(void **state)
{
	(void)state;
	jl_json_val v = parse_ok("{\"s\": \"a\\u00e9\\n\", \"n\": -1.5e3, \"t\": true, "
				 "\"f\": false, \"z\": null, \"a\": [1, [], {}], \"o\": {}}");
	assert_int_equal(jl_json_type(v), JL_JSON_OBJECT);
	assert_int_equal(jl_json_len(v), 7);
	const char *keys[] = {"s", "n", "t", "f", "z", "a", "o"};
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(jl_json_key_at(v, i), keys[i]);
	assert_string_equal(jl_json_string(jl_json_get(v, "s")), "a\xc3\xa9\n");
	assert_string_equal(jl_json_number_text(jl_json_get(v, "n")), "-1.5e3");
	assert_int_equal(jl_json_type(jl_json_get(v, "t")), JL_JSON_TRUE);
	assert_int_equal(jl_json_type(jl_json_get(v, "f")), JL_JSON_FALSE);
	assert_int_equal(jl_json_type(jl_json_get(v, "z")), JL_JSON_NULL);
	assert_int_equal(jl_json_type(jl_json_get(v, "missing")), JL_JSON_NONE);
	jl_json_val a = jl_json_get(v, "a");
	assert_int_equal(jl_json_len(a), 3);
	assert_string_equal(jl_json_number_text(jl_json_at(a, 0)), "1");
	assert_int_equal(jl_json_type(jl_json_at(a, 1)), JL_JSON_ARRAY);
	assert_int_equal(jl_json_len(jl_json_at(a, 1)), 0);
	assert_int_equal(jl_json_type(jl_json_at(a, 2)), JL_JSON_OBJECT);
	assert_null(jl_json_at(a, 3));
	/* Accessors of the wrong type answer nothing. */
	assert_null(jl_json_string(a));
	assert_null(jl_json_get(a, "x"));
	assert_null(jl_json_at(v, 0));
	assert_int_equal(jl_json_len(jl_json_get(v, "s")), 0);
	jl_json_free(v);
}

static void test_scalars_at_the_top(void **state)
{
	(void)state;
	jl_json_val v = parse_ok("\"just a string\"");
	assert_string_equal(jl_json_string(v), "just a string");
	jl_json_free(v);
	v = parse_ok(" 12345678901234567890123 ");
	assert_string_equal(jl_json_number_text(v), "12345678901234567890123");
	jl_json_free(v);
	v = parse_ok("null");
	assert_int_equal(jl_json_type(v), JL_JSON_NULL);
	jl_json_free(v);
}

static void test_duplicates_and_comments(void **state)
{
	(void)state;
	jl_json_val v = parse_ok("/* lead */ {\"k\": 1, // one\n \"k\": {\"x\": [2]} /* last */}");
	assert_int_equal(jl_json_len(v), 2);
	jl_json_val k = jl_json_get(v, "k");
	assert_int_equal(jl_json_type(k), JL_JSON_OBJECT);
	assert_string_equal(jl_json_number_text(jl_json_at(jl_json_get(k, "x"), 0)), "2");
	jl_json_free(v);
}

/* Written back as read: the writer walks the same tree. */
static void test_round_trip(void **state)
{
	(void)state;
	const char *text = "{\"a\":[1,2.50,\"x\\\"y\",true,false,null,{\"b\":[]}],\"c\":{}}";
	jl_json_val v = parse_ok(text);
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b};
	jl_jw_value(&w, v);
	assert_string_equal(b.data, text);
	jl_buf_free(&b);
	jl_json_free(v);
}

static void test_errors(void **state)
{
	(void)state;
	parse_fails("", "doc: invalid JSON:");
	parse_fails("{\"a\": 1", "premature EOF");
	parse_fails("{\"a\": 1} x", "trailing garbage");
	parse_fails("{1: 2}", "invalid object key");
	parse_fails("{a: 1}", "lexical error");
	parse_fails("[1, 2,]", "doc: invalid JSON:");
	parse_fails("\"\xff\"", "doc: invalid JSON:");
}

/* Wide and deep: members wait on one stack, containers on another; the
 * document goes in one free, whatever its depth. */
static void test_wide_and_deep(void **state)
{
	(void)state;
	enum { WIDE = 20000, DEEP = 50000 };
	struct jl_buf b = {0};
	jl_buf_puts(&b, "[");
	for (int i = 0; i < WIDE; i++)
		jl_buf_printf(&b, "%s{\"i\": %d, \"s\": \"v%d\"}", i ? "," : "", i, i);
	jl_buf_puts(&b, "]");
	jl_json_val v = parse_ok(b.data);
	assert_int_equal(jl_json_len(v), WIDE);
	jl_json_val last = jl_json_at(v, WIDE - 1);
	assert_string_equal(jl_json_number_text(jl_json_get(last, "i")), "19999");
	assert_string_equal(jl_json_string(jl_json_get(last, "s")), "v19999");
	jl_json_free(v);
	jl_buf_free(&b);

	char *deep = malloc(2 * DEEP + 1);
	assert_non_null(deep);
	memset(deep, '[', DEEP);
	memset(deep + DEEP, ']', DEEP);
	deep[2 * DEEP] = 0;
	v = parse_ok(deep);
	jl_json_val in = v;
	for (int i = 1; i < DEEP; i++)
		in = jl_json_at(in, 0);
	assert_int_equal(jl_json_type(in), JL_JSON_ARRAY);
	assert_int_equal(jl_json_len(in), 0);
	jl_json_free(v);
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_members),
		cmocka_unit_test(test_scalars_at_the_top),
		cmocka_unit_test(test_duplicates_and_comments),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_wide_and_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
