#include "runtime/json.h"

#include <string.h>
#include <yajl/yajl_tree.h>

/* --- reading -------------------------------------------------------------- */

int jl_json_parse(const char *text, const char *name, jl_json_val *out, struct jl_err **err)
{
	char msg[256] = "";
	yajl_val v = yajl_tree_parse(text, msg, sizeof(msg));
	if (!v) {
		/* yajl's message spans lines and repeats the input; keep line one. */
		char *nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		return jl_err_set(err, 0, "%s: invalid JSON: %s", name, *msg ? msg : "parse error");
	}
	*out = v;
	return 0;
}

void jl_json_free(jl_json_val v)
{
	if (v)
		yajl_tree_free(v);
}

enum jl_json_type jl_json_type(jl_json_val v)
{
	if (!v)
		return JL_JSON_NONE;
	switch (v->type) {
	case yajl_t_string:
		return JL_JSON_STRING;
	case yajl_t_number:
		return JL_JSON_NUMBER;
	case yajl_t_object:
		return JL_JSON_OBJECT;
	case yajl_t_array:
		return JL_JSON_ARRAY;
	case yajl_t_true:
		return JL_JSON_TRUE;
	case yajl_t_false:
		return JL_JSON_FALSE;
	default:
		return JL_JSON_NULL;
	}
}

const char *jl_json_type_name(enum jl_json_type t)
{
	static const char *const names[] = {"nothing", "string", "number", "object",
					    "array",   "boolean", "boolean", "null"};
	return names[t];
}

jl_json_val jl_json_get(jl_json_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	/* Last one wins on duplicate keys, as in most JSON decoders (Go's too). */
	for (size_t i = obj->u.object.len; i-- > 0;)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

size_t jl_json_len(jl_json_val v)
{
	if (YAJL_IS_ARRAY(v))
		return v->u.array.len;
	if (YAJL_IS_OBJECT(v))
		return v->u.object.len;
	return 0;
}

jl_json_val jl_json_at(jl_json_val arr, size_t i)
{
	return YAJL_IS_ARRAY(arr) && i < arr->u.array.len ? arr->u.array.values[i] : NULL;
}

const char *jl_json_key_at(jl_json_val obj, size_t i)
{
	return YAJL_IS_OBJECT(obj) && i < obj->u.object.len ? obj->u.object.keys[i] : NULL;
}

jl_json_val jl_json_value_at(jl_json_val obj, size_t i)
{
	return YAJL_IS_OBJECT(obj) && i < obj->u.object.len ? obj->u.object.values[i] : NULL;
}

const char *jl_json_string(jl_json_val v)
{
	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

const char *jl_json_number_text(jl_json_val v)
{
	return YAJL_IS_NUMBER(v) ? v->u.number.r : NULL;
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
