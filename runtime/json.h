/* JSON for every room: a reader (yajl's parser, our own tree) with typed accessors that report
 * errors by JSON path, and a small streaming writer that escapes correctly.
 * yajl itself is only included by json.c and spec.c. */
#ifndef JAULA_JSON_H
#define JAULA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"
#include "runtime/util.h"

/* --- reading -------------------------------------------------------------- */

typedef struct jl_json_node *jl_json_val; /* a node of a parsed document */

/* Parse text; on a syntax error the message starts with `name` (the file).
 * The returned tree is freed with jl_json_free(). */
int jl_json_parse(const char *text, const char *name, jl_json_val *out, struct jl_err **err);
void jl_json_free(jl_json_val v);

enum jl_json_type {
	JL_JSON_NONE, /* absent */
	JL_JSON_STRING,
	JL_JSON_NUMBER,
	JL_JSON_OBJECT,
	JL_JSON_ARRAY,
	JL_JSON_TRUE,
	JL_JSON_FALSE,
	JL_JSON_NULL,
};
enum jl_json_type jl_json_type(jl_json_val v);
const char *jl_json_type_name(enum jl_json_type t); /* "string", "object", ... */

jl_json_val jl_json_get(jl_json_val obj, const char *key); /* NULL when absent */
size_t jl_json_len(jl_json_val v);                         /* array or object size */
jl_json_val jl_json_at(jl_json_val arr, size_t i);
const char *jl_json_key_at(jl_json_val obj, size_t i);
jl_json_val jl_json_value_at(jl_json_val obj, size_t i);
const char *jl_json_string(jl_json_val v); /* NULL unless a string */
/* The literal text of a number ("42", "1e3"), NULL unless a number. */
const char *jl_json_number_text(jl_json_val v);

/* --- writing -------------------------------------------------------------- */

struct jl_json_writer {
	struct jl_buf *out;
	int depth;
	bool need_comma[64];
	bool after_key;
	bool pretty; /* tabs and newlines, for files people read */
};

void jl_jw_begin_object(struct jl_json_writer *w);
void jl_jw_end_object(struct jl_json_writer *w);
void jl_jw_begin_array(struct jl_json_writer *w);
void jl_jw_end_array(struct jl_json_writer *w);
void jl_jw_key(struct jl_json_writer *w, const char *key);
void jl_jw_str(struct jl_json_writer *w, const char *s); /* NULL writes null */
void jl_jw_int(struct jl_json_writer *w, int64_t v);
void jl_jw_uint(struct jl_json_writer *w, uint64_t v);
void jl_jw_bool(struct jl_json_writer *w, bool v);
void jl_jw_null(struct jl_json_writer *w);
/* Insert already-serialised JSON as one value. */
void jl_jw_raw(struct jl_json_writer *w, const char *json);
/* A parsed value written back as it was (numbers keep their text).  The
 * writer nests at most 64 levels: the reader of v must have bounded its depth
 * (oci_json_tree, the spec parser). */
void jl_jw_value(struct jl_json_writer *w, jl_json_val v);
/* k: [v...] for a NULL-terminated list of strings. */
void jl_jw_kv_strv(struct jl_json_writer *w, const char *k, const char *const *v);

static inline void jl_jw_kv_str(struct jl_json_writer *w, const char *k, const char *v)
{
	jl_jw_key(w, k);
	jl_jw_str(w, v);
}
static inline void jl_jw_kv_int(struct jl_json_writer *w, const char *k, int64_t v)
{
	jl_jw_key(w, k);
	jl_jw_int(w, v);
}
static inline void jl_jw_kv_uint(struct jl_json_writer *w, const char *k, uint64_t v)
{
	jl_jw_key(w, k);
	jl_jw_uint(w, v);
}
static inline void jl_jw_kv_bool(struct jl_json_writer *w, const char *k, bool v)
{
	jl_jw_key(w, k);
	jl_jw_bool(w, v);
}

/* Append s to b with JSON string escaping (no surrounding quotes). */
void jl_json_escape(struct jl_buf *b, const char *s);

#endif
