/* Typed readers over the parsed config.json, reporting errors by JSON path:
 * the bottom layer of the parser (spec_read.h).  Every section parser reads
 * values only through these; they know JSON types, not config sections. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "runtime/spec_read.h"

/* --- errors --------------------------------------------------------------- */

/* User text in a message is cut so one hostile string cannot make a
 * megabyte-long error; the cut backs off to a UTF-8 character boundary. */
#define QUOTE_MAX 64

static void quote_into(struct jl_buf *b, const char *s)
{
	size_t n = strlen(s);
	bool cut = n > QUOTE_MAX;
	if (cut) {
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	char head[QUOTE_MAX + 1];
	memcpy(head, s, n);
	head[n] = '\0';
	jl_buf_puts(b, "\"");
	jl_json_escape(b, head);
	jl_buf_puts(b, cut ? "\"..." : "\"");
}

const char *sp_quote(struct sp_ctx *c, const char *s)
{
	struct jl_buf b = {0};
	quote_into(&b, s);
	char *q = jl_arena_strdup(c->arena, b.data);
	jl_buf_free(&b);
	return q;
}

static void format_path(struct jl_buf *b, const struct sp_path *at)
{
	if (!at)
		return;
	format_path(b, at->up);
	if (at->map_key) {
		jl_buf_puts(b, "[");
		quote_into(b, at->key);
		jl_buf_puts(b, "]");
	} else if (at->key) {
		if (b->len)
			jl_buf_puts(b, ".");
		jl_buf_puts(b, at->key);
	} else {
		jl_buf_printf(b, "[%zu]", at->index);
	}
}

int sp_fail(struct sp_ctx *c, const struct sp_path *at, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	struct jl_buf path = {0};
	format_path(&path, at);
	int r;
	if (path.len)
		r = jl_err_set(c->err, 0, "%s: %s: %s", c->name, path.data, msg ? msg : "invalid");
	else
		r = jl_err_set(c->err, 0, "%s: %s", c->name, msg ? msg : "invalid");
	jl_buf_free(&path);
	free(msg);
	return r;
}

/* --- values --------------------------------------------------------------- */

int sp_expect(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, enum jl_json_type t)
{
	enum jl_json_type got = jl_json_type(v);
	if (got == t || (t == JL_JSON_TRUE && got == JL_JSON_FALSE))
		return 0;
	return sp_fail(c, at, "expected %s", jl_json_type_name(t));
}

jl_json_val sp_member(jl_json_val obj, const char *key)
{
	jl_json_val v = jl_json_get(obj, key);
	return jl_json_type(v) == JL_JSON_NULL ? NULL : v;
}

int sp_field(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	     enum sp_need need, jl_json_val *v)
{
	*v = sp_member(obj, key);
	if (*v)
		return 1;
	if (need == SP_REQUIRED)
		return sp_fail(c, at, "missing required field \"%s\"", key);
	return 0;
}

int sp_value_string(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, const char **out)
{
	const char *s = jl_json_string(v);
	if (!s)
		return sp_fail(c, at, "expected string");
	*out = s;
	return 0;
}

/* A JSON integer as sign and magnitude, from the literal text: yajl keeps
 * only a long long, and seccomp values up to 2^64-1 must survive.  -EINVAL
 * for a fraction or an exponent (Go's decoder refuses those for integer
 * fields too), -ERANGE beyond 64 bits. */
static int integer_text(const char *t, bool *neg, uint64_t *mag)
{
	*neg = *t == '-';
	const char *digits = t + *neg;
	if (!*digits)
		return -EINVAL;
	for (const char *p = digits; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	return jl_parse_u64(digits, 10, mag);
}

static int read_integer(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, bool *neg,
			uint64_t *mag)
{
	const char *t = jl_json_number_text(v);
	if (!t)
		return sp_fail(c, at, "expected integer");
	int r = integer_text(t, neg, mag);
	if (r == -EINVAL)
		return sp_fail(c, at, "expected integer, got %.40s", t);
	return r; /* 0, or -ERANGE for the caller's range message */
}

int sp_value_u64(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, uint64_t max,
		 uint64_t *out)
{
	bool neg;
	uint64_t mag;
	int r = read_integer(c, v, at, &neg, &mag);
	if (r < 0 && r != -ERANGE)
		return r;
	if (r == -ERANGE || (neg && mag) || mag > max)
		return sp_fail(c, at, "%.40s is out of range 0..%" PRIu64, jl_json_number_text(v),
			       max);
	*out = mag;
	return 0;
}

int sp_value_i64(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, int64_t min,
		 int64_t max, int64_t *out)
{
	bool neg;
	uint64_t mag;
	int r = read_integer(c, v, at, &neg, &mag);
	if (r < 0 && r != -ERANGE)
		return r;
	/* -(2^63) is the one magnitude that fits only when negative. */
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	bool fits = r == 0 && mag <= limit;
	int64_t val = 0;
	if (fits && !neg)
		val = (int64_t)mag;
	else if (fits)
		val = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	if (!fits || val < min || val > max)
		return sp_fail(c, at, "%.40s is out of range %" PRId64 "..%" PRId64,
			       jl_json_number_text(v), min, max);
	*out = val;
	return 0;
}

/* --- object members ------------------------------------------------------- */

int sp_string(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	      enum sp_need need, const char **out)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, key, need, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	const char *s = NULL;
	r = sp_value_string(c, v, &p, &s);
	if (r < 0)
		return r;
	if (need == SP_OPTIONAL && !*s)
		return 0;
	*out = s;
	return 1;
}

int sp_bool(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	    enum sp_need need, bool *out, bool *has)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, key, need, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	r = sp_expect(c, v, &p, JL_JSON_TRUE);
	if (r < 0)
		return r;
	*out = jl_json_type(v) == JL_JSON_TRUE;
	if (has)
		*has = true;
	return 1;
}

int sp_u64(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, uint64_t max, uint64_t *out, bool *has)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, key, need, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	r = sp_value_u64(c, v, &p, max, out);
	if (r < 0)
		return r;
	if (has)
		*has = true;
	return 1;
}

int sp_u32(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, uint32_t *out, bool *has)
{
	uint64_t v;
	int r = sp_u64(c, obj, at, key, need, UINT32_MAX, &v, has);
	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

int sp_i64(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, int64_t min, int64_t max, int64_t *out, bool *has)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, key, need, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	r = sp_value_i64(c, v, &p, min, max, out);
	if (r < 0)
		return r;
	if (has)
		*has = true;
	return 1;
}

int sp_int(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   enum sp_need need, int min, int max, int *out, bool *has)
{
	int64_t v;
	int r = sp_i64(c, obj, at, key, need, min, max, &v, has);
	if (r > 0)
		*out = (int)v;
	return r;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

int sp_enum(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	    enum sp_need need, const char *const *allowed, const char *what, const char **out)
{
	int r = sp_string(c, obj, at, key, need, out);
	if (r <= 0)
		return r;
	if (!in_list(allowed, *out)) {
		struct sp_path p = sp_key(at, key);
		return sp_fail(c, &p, "unknown %s %s", what, sp_quote(c, *out));
	}
	return 1;
}

/* --- arrays and maps ------------------------------------------------------ */

/* n items of `size` bytes, zeroed; never NULL. */
static void *alloc_items(struct sp_ctx *c, size_t n, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		abort(); /* n is bounded by SPEC_MAX_BYTES: cannot happen */
	return jl_arena_alloc(c->arena, bytes);
}

/* obj.key as a value of type t: 1 present, 0 absent. */
static int typed_field(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
		       const char *key, enum sp_need need, enum jl_json_type t, jl_json_val *v)
{
	int r = sp_field(c, obj, at, key, need, v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	r = sp_expect(c, *v, &p, t);
	return r < 0 ? r : 1;
}

int sp_strv(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	    enum sp_need need, struct spec_strv *out)
{
	jl_json_val v;
	int r = typed_field(c, obj, at, key, need, JL_JSON_ARRAY, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	size_t n = jl_json_len(v);
	const char **strs = alloc_items(c, n + 1, sizeof(*strs));
	for (size_t i = 0; i < n; i++) {
		struct sp_path e = sp_index(&p, i);
		r = sp_value_string(c, jl_json_at(v, i), &e, &strs[i]);
		if (r < 0)
			return r;
	}
	out->v = strs;
	out->n = n;
	return 1;
}

int sp_enum_strv(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
		 const char *const *allowed, const char *what, struct spec_strv *out)
{
	int r = sp_strv(c, obj, at, key, SP_OPTIONAL, out);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	for (size_t i = 0; i < out->n; i++) {
		if (!in_list(allowed, out->v[i])) {
			struct sp_path e = sp_index(&p, i);
			return sp_fail(c, &e, "unknown %s %s", what, sp_quote(c, out->v[i]));
		}
	}
	return 1;
}

int sp_kvv(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   struct spec_kvv *out)
{
	jl_json_val v;
	int r = typed_field(c, obj, at, key, SP_OPTIONAL, JL_JSON_OBJECT, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	size_t n = jl_json_len(v);
	struct spec_kv *kv = n ? alloc_items(c, n, sizeof(*kv)) : NULL;
	for (size_t i = 0; i < n; i++) {
		kv[i].key = jl_json_key_at(v, i);
		struct sp_path e = sp_map_key(&p, kv[i].key);
		r = sp_value_string(c, jl_json_value_at(v, i), &e, &kv[i].value);
		if (r < 0)
			return r;
	}
	out->v = kv;
	out->n = n;
	return 1;
}

int sp_array(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	     size_t size, sp_item_fn fn, void **items, size_t *n)
{
	jl_json_val v;
	int r = typed_field(c, obj, at, key, SP_OPTIONAL, JL_JSON_ARRAY, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	size_t len = jl_json_len(v);
	unsigned char *base = len ? alloc_items(c, len, size) : NULL;
	for (size_t i = 0; i < len; i++) {
		struct sp_path e = sp_index(&p, i);
		r = fn(c, jl_json_at(v, i), &e, base + i * size);
		if (r < 0)
			return r;
	}
	*items = base;
	*n = len;
	return 1;
}

int sp_map(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   size_t size, sp_entry_fn fn, void **items, size_t *n)
{
	jl_json_val v;
	int r = typed_field(c, obj, at, key, SP_OPTIONAL, JL_JSON_OBJECT, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	size_t len = jl_json_len(v);
	unsigned char *base = len ? alloc_items(c, len, size) : NULL;
	for (size_t i = 0; i < len; i++) {
		const char *k = jl_json_key_at(v, i);
		struct sp_path e = sp_map_key(&p, k);
		r = fn(c, k, jl_json_value_at(v, i), &e, base + i * size);
		if (r < 0)
			return r;
	}
	*items = base;
	*n = len;
	return 1;
}
