#include "runtime/json.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* --- reading -------------------------------------------------------------- */

/* A parsed document is one allocation of nodes, strings and member arrays
 * (an arena), not a malloc per value as yajl's own tree makes: a config
 * with a seccomp profile is thousands of values, and every page a process
 * touches before its clone is a fault there and a copy-on-write fault
 * after.  yajl still does the lexing, the UTF-8 checks and the unescaping;
 * its callbacks build the tree here.  Members wait on one stack until
 * their container closes, then move to an array of the exact size. */
struct jl_json_node {
	enum jl_json_type type;
	size_t len;                   /* an array's or object's members */
	const char *text;             /* a string's value, a number's literal */
	const char **keys;            /* an object's, len of them */
	struct jl_json_node **values; /* an array's or object's, len */
};

#define DOC_MAGIC 0x6a736f6eu /* "json": jl_json_free takes roots only */

struct jl_json_doc {
	struct jl_arena arena;
	unsigned magic;
	struct jl_json_node root;
};

struct member {
	const char *key;
	struct jl_json_node *value;
};

struct builder {
	struct jl_json_doc *doc;
	bool have_root;
	struct member *members; /* of every open container, innermost last */
	size_t n, cap;
	size_t *open; /* where each open container's members start */
	struct jl_json_node **open_node;
	size_t depth, open_cap;
	const char *key; /* the key of the next value, in an object */
};

static struct jl_json_node *add(struct builder *b, enum jl_json_type t)
{
	struct jl_json_node *v;
	if (!b->have_root) {
		b->have_root = true;
		v = &b->doc->root;
	} else {
		v = jl_arena_alloc(&b->doc->arena, sizeof(*v));
		if (b->n == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 64;
			b->members = xrealloc(b->members, b->cap * sizeof(*b->members));
		}
		b->members[b->n++] = (struct member){b->key, v};
		b->key = NULL;
	}
	v->type = t;
	return v;
}

static char *arena_strndup(struct jl_arena *a, const unsigned char *s, size_t len)
{
	char *p = jl_arena_alloc(a, len + 1); /* zeroed: NUL-terminated */
	memcpy(p, s, len);
	return p;
}

static int on_null(void *ctx)
{
	add(ctx, JL_JSON_NULL);
	return 1;
}

static int on_boolean(void *ctx, int v)
{
	add(ctx, v ? JL_JSON_TRUE : JL_JSON_FALSE);
	return 1;
}

static int on_number(void *ctx, const char *s, size_t len)
{
	struct builder *b = ctx;
	struct jl_json_node *v = add(b, JL_JSON_NUMBER);
	v->text = arena_strndup(&b->doc->arena, (const unsigned char *)s, len);
	return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	struct jl_json_node *v = add(b, JL_JSON_STRING);
	v->text = arena_strndup(&b->doc->arena, s, len);
	return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	b->key = arena_strndup(&b->doc->arena, s, len);
	return 1;
}

static int on_start(struct builder *b, enum jl_json_type t)
{
	struct jl_json_node *v = add(b, t);
	if (b->depth == b->open_cap) {
		b->open_cap = b->open_cap ? 2 * b->open_cap : 16;
		b->open = xrealloc(b->open, b->open_cap * sizeof(*b->open));
		b->open_node = xrealloc(b->open_node, b->open_cap * sizeof(*b->open_node));
	}
	b->open[b->depth] = b->n;
	b->open_node[b->depth++] = v;
	return 1;
}

static int on_end(struct builder *b)
{
	struct jl_json_node *v = b->open_node[--b->depth];
	size_t start = b->open[b->depth];
	v->len = b->n - start;
	v->values = jl_arena_alloc(&b->doc->arena, v->len * sizeof(*v->values));
	if (v->type == JL_JSON_OBJECT)
		v->keys = jl_arena_alloc(&b->doc->arena, v->len * sizeof(*v->keys));
	for (size_t i = 0; i < v->len; i++) {
		v->values[i] = b->members[start + i].value;
		if (v->keys)
			v->keys[i] = b->members[start + i].key;
	}
	b->n = start;
	return 1;
}

static int on_start_map(void *ctx)
{
	return on_start(ctx, JL_JSON_OBJECT);
}

static int on_start_array(void *ctx)
{
	return on_start(ctx, JL_JSON_ARRAY);
}

static int on_end_any(void *ctx)
{
	return on_end(ctx);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end_any,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_any,
};

/* yajl's message spans lines and repeats the input: line one. */
static int syntax_error(yajl_handle h, const char *text, size_t len, const char *name,
			struct jl_err **err)
{
	unsigned char *m = yajl_get_error(h, 1, (const unsigned char *)text, len);
	char *msg = m ? (char *)m : NULL;
	char *nl = msg ? strchr(msg, '\n') : NULL;
	if (nl)
		*nl = '\0';
	int r = jl_err_set(err, 0, "%s: invalid JSON: %s", name,
			   msg && *msg ? msg : "parse error");
	if (m)
		yajl_free_error(h, m);
	return r;
}

int jl_json_parse(const char *text, const char *name, jl_json_val *out, struct jl_err **err)
{
	size_t len = strlen(text);
	struct builder b = {.doc = xcalloc(1, sizeof(*b.doc))};
	b.doc->magic = DOC_MAGIC;
	yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
	if (!h)
		jl_die_oom();
	/* As yajl's own tree parser did: OCI configs in the wild carry them. */
	yajl_config(h, yajl_allow_comments, 1);
	int r = 0;
	if (yajl_parse(h, (const unsigned char *)text, len) != yajl_status_ok ||
	    yajl_complete_parse(h) != yajl_status_ok)
		r = syntax_error(h, text, len, name, err);
	yajl_free(h);
	free(b.members);
	free(b.open);
	free(b.open_node);
	if (r < 0) {
		jl_json_free(&b.doc->root);
		return r;
	}
	*out = &b.doc->root;
	return 0;
}

void jl_json_free(jl_json_val v)
{
	if (!v)
		return;
	struct jl_json_doc *d =
		(struct jl_json_doc *)(void *)((char *)v - offsetof(struct jl_json_doc, root));
	if (d->magic != DOC_MAGIC)
		abort(); /* not a root: a member lives and dies with its document */
	jl_arena_free(&d->arena);
	free(d);
}

enum jl_json_type jl_json_type(jl_json_val v)
{
	return v ? v->type : JL_JSON_NONE;
}

const char *jl_json_type_name(enum jl_json_type t)
{
	static const char *const names[] = {"nothing", "string", "number", "object",
					    "array",   "boolean", "boolean", "null"};
	return names[t];
}

jl_json_val jl_json_get(jl_json_val obj, const char *key)
{
	if (!obj || obj->type != JL_JSON_OBJECT)
		return NULL;
	/* Last one wins on duplicate keys, as in most JSON decoders (Go's too). */
	for (size_t i = obj->len; i-- > 0;)
		if (!strcmp(obj->keys[i], key))
			return obj->values[i];
	return NULL;
}

size_t jl_json_len(jl_json_val v)
{
	return v && (v->type == JL_JSON_ARRAY || v->type == JL_JSON_OBJECT) ? v->len : 0;
}

jl_json_val jl_json_at(jl_json_val arr, size_t i)
{
	return arr && arr->type == JL_JSON_ARRAY && i < arr->len ? arr->values[i] : NULL;
}

const char *jl_json_key_at(jl_json_val obj, size_t i)
{
	return obj && obj->type == JL_JSON_OBJECT && i < obj->len ? obj->keys[i] : NULL;
}

jl_json_val jl_json_value_at(jl_json_val obj, size_t i)
{
	return obj && obj->type == JL_JSON_OBJECT && i < obj->len ? obj->values[i] : NULL;
}

const char *jl_json_string(jl_json_val v)
{
	return v && v->type == JL_JSON_STRING ? v->text : NULL;
}

const char *jl_json_number_text(jl_json_val v)
{
	return v && v->type == JL_JSON_NUMBER ? v->text : NULL;
}

/* --- writing -------------------------------------------------------------- */

void jl_json_escape(struct jl_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jl_buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			jl_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			jl_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			jl_buf_add(b, "\\n", 2);
			break;
		case '\t':
			jl_buf_add(b, "\\t", 2);
			break;
		case '\r':
			jl_buf_add(b, "\\r", 2);
			break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			jl_buf_add(b, u, 6);
		}
		}
	}
	jl_buf_add(b, run, (size_t)(s - run));
}

static void indent(struct jl_json_writer *w)
{
	if (!w->pretty)
		return;
	jl_buf_add(w->out, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		jl_buf_add(w->out, "\t", 1);
}

/* Called before every key and every value: a value right after its key
 * needs no separator, anything else is comma-separated from its sibling. */
static void separate(struct jl_json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		if (w->pretty)
			jl_buf_add(w->out, " ", 1);
		return;
	}
	if (w->need_comma[w->depth])
		jl_buf_add(w->out, ",", 1);
	w->need_comma[w->depth] = true;
	if (w->depth > 0)
		indent(w);
}

static void open_container(struct jl_json_writer *w, char c)
{
	separate(w);
	jl_buf_add(w->out, &c, 1);
	if (w->depth < (int)ARRAY_SIZE(w->need_comma) - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_container(struct jl_json_writer *w, char c)
{
	bool had_items = w->need_comma[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (had_items)
		indent(w);
	jl_buf_add(w->out, &c, 1);
}

void jl_jw_begin_object(struct jl_json_writer *w)
{
	open_container(w, '{');
}
void jl_jw_end_object(struct jl_json_writer *w)
{
	close_container(w, '}');
}
void jl_jw_begin_array(struct jl_json_writer *w)
{
	open_container(w, '[');
}
void jl_jw_end_array(struct jl_json_writer *w)
{
	close_container(w, ']');
}

void jl_jw_key(struct jl_json_writer *w, const char *key)
{
	separate(w);
	jl_buf_add(w->out, "\"", 1);
	jl_json_escape(w->out, key);
	jl_buf_add(w->out, "\":", 2);
	w->after_key = true;
}

void jl_jw_str(struct jl_json_writer *w, const char *s)
{
	if (!s) {
		jl_jw_null(w);
		return;
	}
	separate(w);
	jl_buf_add(w->out, "\"", 1);
	jl_json_escape(w->out, s);
	jl_buf_add(w->out, "\"", 1);
}

static void scalar(struct jl_json_writer *w, const char *text)
{
	separate(w);
	jl_buf_puts(w->out, text);
}

void jl_jw_int(struct jl_json_writer *w, int64_t v)
{
	char t[24];
	snprintf(t, sizeof(t), "%lld", (long long)v);
	scalar(w, t);
}

void jl_jw_uint(struct jl_json_writer *w, uint64_t v)
{
	char t[24];
	snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	scalar(w, t);
}

void jl_jw_bool(struct jl_json_writer *w, bool v)
{
	scalar(w, v ? "true" : "false");
}

void jl_jw_null(struct jl_json_writer *w)
{
	scalar(w, "null");
}

void jl_jw_raw(struct jl_json_writer *w, const char *json)
{
	scalar(w, json);
}

void jl_jw_kv_strv(struct jl_json_writer *w, const char *k, const char *const *v)
{
	jl_jw_key(w, k);
	jl_jw_begin_array(w);
	for (; v && *v; v++)
		jl_jw_str(w, *v);
	jl_jw_end_array(w);
}

void jl_jw_value(struct jl_json_writer *w, jl_json_val v)
{
	switch (jl_json_type(v)) {
	case JL_JSON_STRING:
		jl_jw_str(w, jl_json_string(v));
		break;
	case JL_JSON_NUMBER:
		jl_jw_raw(w, jl_json_number_text(v));
		break;
	case JL_JSON_OBJECT:
		jl_jw_begin_object(w);
		for (size_t i = 0; i < jl_json_len(v); i++) {
			jl_jw_key(w, jl_json_key_at(v, i));
			jl_jw_value(w, jl_json_value_at(v, i));
		}
		jl_jw_end_object(w);
		break;
	case JL_JSON_ARRAY:
		jl_jw_begin_array(w);
		for (size_t i = 0; i < jl_json_len(v); i++)
			jl_jw_value(w, jl_json_at(v, i));
		jl_jw_end_array(w);
		break;
	case JL_JSON_TRUE:
	case JL_JSON_FALSE:
		jl_jw_bool(w, jl_json_type(v) == JL_JSON_TRUE);
		break;
	default:
		jl_jw_null(w);
	}
}
